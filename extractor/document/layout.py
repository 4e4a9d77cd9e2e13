"""Page layout of PDF-extracted text: footnote zones, footnotes, page furniture.

PDF text extraction interleaves each page's footnotes with the body where the page broke:

    …các mặt hàng chủ lực như than, xi măng đều có mức tăng trưởng khá3. Các
    <a separator: spaces, "_____", "-----", or nothing at all>
    1 Chủ yếu là rau, đậu các loại (2.310 ha), …
    3 Trong đó: Than đạt 39,4 nghìn tấn, …            (wraps; may go on in the next zone)
    - 4 -                                              (page furniture, in any of its forms)
    ngành tiếp tục đôn đốc, …                          (next page: the body resumes)

Nothing here trusts one extractor's whitespace. A zone opens at a separator line, or at a line
that starts with the next footnote number where the body holds a marker for it. Footnote
numbering is continuous, so a line in a zone starts a new footnote only if it starts with the
next expected number; any other line either continues the current footnote or, if the text
says the body resumed, ends the zone: a page number, a heading, a finished footnote followed
by more text, or a body-width line that carries on the body's unfinished sentence. Footnotes
are usually set smaller, so their lines are wider than the body's: where the widths tell the
two apart they are used too.
"""
from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field

from .markers import locate_markers, may_cite
from .text import Line, collapse_ws, fold

Span = tuple[int, int]

_RULE_MIN_SPACES = 10
_RULE = re.compile(r"\s*[_\-–—―─━=~*]{3,}[\s_\-–—―─━=~*]*")
_PAGE_NUMBER = re.compile(r"\s*(?:(?:trang|page)\s*)?(?:[-–—]\s*)?(\d{1,3})(?:\s*[-–—])?(?:\s*/\s*\d{1,3})?\s*")
_NOTE_START = re.compile(r"\s*(\d{1,3})\s*(?=[^\W\d_]|[(“\"‘'\[])")
_HEADING = re.compile(r"\s*(?:[IVX]{1,6}\.|\d{1,2}\.\d{1,2}\.?|\d{1,2}\.|[a-zđ]\))\s+[^\W\d_]")
_SENTENCE_END = re.compile(r"[.:;!?…\"”)]\s*$")
_FINISHED = re.compile(r"[.!?…][\"”)]*\s*$")   # a footnote's (or a paragraph's) last words
_WIDE = 1.15    # a line this much wider than the body's median is set in a smaller font
_SHORT = 0.85   # a line this much narrower is the last line of a paragraph
_MAX_NOTE_LINES = 60  # lines (blank ones included) a page's footnotes may take


@dataclass
class Footnote:
    number: int
    spans: list[Span] = field(default_factory=list)  # its text, one span per zone it occupies
    text: str = ""
    marker: Span | None = None  # where the marker sits in the body
    section_id: str | None = None

    @property
    def start(self) -> int:
        return self.spans[0][0]

    @property
    def end(self) -> int:
        return self.spans[-1][1]


@dataclass
class Layout:
    zones: list[Span]        # footnote zones, rule line included: not body text
    furniture: list[Span]    # page numbers and the like: not body text
    footnotes: list[Footnote]
    warnings: list[str] = field(default_factory=list)

    def excluded(self) -> list[Span]:
        return sorted(self.zones + self.furniture)

    def marker_spans(self) -> list[Span]:
        return [f.marker for f in self.footnotes if f.marker]


def is_rule(line: Line) -> bool:
    """A footnote separator as text: a run of spaces, underscores, dashes or the like."""
    if not line.text.strip():
        return len(line.text.expandtabs()) >= _RULE_MIN_SPACES
    return _RULE.fullmatch(line.text) is not None


def page_number(line: Line) -> int | None:
    """The page number a line of page furniture holds: "4", "- 4 -", "Trang 4", "4/12"."""
    m = _PAGE_NUMBER.fullmatch(fold(line.text))
    return int(m.group(1)) if m else None


def width(line: Line) -> int:
    return len(collapse_ws(line.text))


@dataclass(frozen=True)
class _Widths:
    median: float
    telling: bool  # do footnote lines stand out by their width?

    def wide(self, n: int) -> bool:
        return self.telling and n > _WIDE * self.median

    def short(self, n: int) -> bool:
        return n < _SHORT * self.median


def _widths(lines: list[Line]) -> _Widths:
    sizes = [width(ln) for ln in lines if not ln.is_blank and not is_rule(ln)]
    if not sizes:
        return _Widths(0.0, False)
    median = statistics.median(sizes)
    wide = sum(n > _WIDE * median for n in sizes)
    return _Widths(median, 2 <= wide <= 0.3 * len(sizes))


def _page_number_lines(lines: list[Line]) -> set[int]:
    """Starts of the lines that number the pages.

    A line that reads like a page number ("4", "- 4 -", "Trang 4", "4/12") is one if it belongs
    to the longest run of such lines whose numbers go up page by page (a step of 1 to 3: a page
    may lack its number or its text). A lone one counts only in a form no body line takes
    ("- 4 -", "Trang 4", "4/12") or as a bare number between blank lines.
    """
    found = [(k, n) for k, ln in enumerate(lines) if not ln.is_blank and (n := page_number(ln)) is not None]
    best: list[list[int]] = []   # best[i]: the longest run ending at found[i], as indexes into found
    for i, (_, n) in enumerate(found):
        before = [best[j] for j in range(i) if 1 <= n - found[j][1] <= 3]
        best.append(max(before, key=len, default=[]) + [i])
    run = max(best, key=len, default=[])
    if len(run) == 1:
        k = found[run[0]][0]
        bare = lines[k].text.strip().isdigit()
        alone = (k == 0 or lines[k - 1].is_blank) and (k + 1 >= len(lines) or lines[k + 1].is_blank)
        if bare and not alone:
            return set()
    return {lines[found[i][0]].start for i in run}


def analyse_layout(text: str, lines: list[Line], body: Span, breaks: frozenset[int] = frozenset(),
                   whole_paragraphs: bool = False) -> Layout:
    """Find footnote zones and page furniture inside `body`, parse footnotes, locate markers.

    `breaks`: line starts known to be body (a heading found by its numbering), never a footnote.
    `whole_paragraphs`: every line is a paragraph (.docx), so a footnote is one line.
    """
    body_lines = [ln for ln in lines if body[0] <= ln.start < body[1]]
    layout = _Scan(text, body_lines, body, breaks, whole_paragraphs).run()
    for fn in layout.footnotes:
        fn.text = " ".join(collapse_ws(text[s:e]) for s, e in fn.spans)
    locate_markers(text, layout.footnotes, layout.zones, layout.excluded(), body)
    layout.warnings += [f"footnote {fn.number}: no marker for it found in the body"
                        for fn in layout.footnotes if fn.marker is None]
    return layout


class _Scan:
    """One pass over the body lines, deciding for each: body, footnote, separator or furniture."""

    def __init__(self, text: str, lines: list[Line], body: Span, breaks: frozenset[int],
                 whole_paragraphs: bool) -> None:
        self.text, self.lines, self.body, self.breaks = text, lines, body, breaks
        self.whole_paragraphs = whole_paragraphs
        self.widths = _widths(lines) if not whole_paragraphs else _Widths(0.0, False)
        self.layout = Layout([], [], [])
        self.zone_start: int | None = None
        self.floor = body[0]                 # where the body text since the last zone begins
        self.last_body: Line | None = None
        self.furniture = _page_number_lines(lines)
        self.note_zone: dict[int, int] = {}  # footnote number -> index of the zone it last grew in

    @property
    def current(self) -> Footnote | None:
        return self.layout.footnotes[-1] if self.layout.footnotes else None

    def run(self) -> Layout:
        for k, line in enumerate(self.lines):
            if line.is_blank and not is_rule(line):
                continue
            if line.start in self.breaks:
                self._close(line.start)
            elif line.start in self.furniture:
                self._close(line.start)
                self.layout.furniture.append((line.start, line.end))
                continue
            elif is_rule(line):
                self._close(line.start)
                self.zone_start = line.start
                continue
            elif self.zone_start is not None:
                if self._start_note(line, in_zone=True) or self._continue_note(line, k):
                    continue
                self._close(line.start)
            elif self._start_note(line, in_zone=False) or self._resume_note(line):
                continue
            self.last_body = line
        self._close(self.body[1])
        return self.layout

    def _close(self, end: int) -> None:
        if self.zone_start is not None:
            self.layout.zones.append((self.zone_start, end))
            self.zone_start = None
            self.floor = end

    def _open(self, line: Line) -> None:
        if self.zone_start is None:
            self.zone_start = line.start

    def _start_note(self, line: Line, in_zone: bool) -> bool:
        m = _NOTE_START.match(line.text)
        if not m or not in_zone and self.whole_paragraphs:  # a .docx gives its footnotes under a rule
            return False
        number, cur = int(m.group(1)), self.current
        expected = cur.number + 1 if cur else 1
        if cur is None and number > 3 or not expected <= number <= expected + 2:
            return False
        if line.text[m.end()].islower():   # "20 triệu viên, …": a wrapped line, footnotes open a sentence
            return False
        window = (self.floor, line.start)
        if (number != expected or not in_zone) and (not may_cite(self.text, window, number)
                                                     or _HEADING.match(line.text)):
            return False
        if number > expected:
            missing = ", ".join(map(str, range(expected, number)))
            self.layout.warnings.append(f"footnote {missing} not found: the footnotes go from "
                                        f"{expected - 1} to {number}")
        self._open(line)
        start = line.start + m.end()
        self.layout.footnotes.append(Footnote(number=number, spans=[(start, line.content_end)]))
        self.note_zone[number] = len(self.layout.zones)
        return True

    def _continue_note(self, line: Line, k: int) -> bool:
        """Does this line of a footnote zone carry on the current footnote (else the body resumes)?"""
        cur = self.current
        if cur is None or self.whole_paragraphs or (_HEADING.match(line.text) and not self.widths.wide(width(line))):
            return False
        finished = _FINISHED.search(self.text[cur.start:cur.end]) is not None
        if finished and self.note_zone.get(cur.number) != len(self.layout.zones):
            return False   # under a new separator only an unfinished footnote goes on
        if self.widths.wide(width(line)) or self._notes_follow(k) or self._page_ends(k):
            return self._grow(line)
        if finished:
            return False   # the footnote was finished: what follows is body
        body_done = self.last_body is None or _SENTENCE_END.search(self.last_body.text)
        first = next((ch for ch in line.text if ch.isalnum()), "")
        if body_done:   # a new body paragraph starts with a capital, not "186.547 con, …" or "và …"
            return not first.isupper() and self._grow(line)
        # Both the body and the footnote are unfinished: a full body-width line that does not
        # end a sentence carries on the body; a short or finished one ends the footnote.
        if self.widths.short(width(line)) or _FINISHED.search(line.text):
            return self._grow(line)
        return False

    def _notes_follow(self, k: int) -> bool:
        """Is the next line another footnote (or a footnote-wide line)? Then this one is too."""
        nxt = next((ln for ln in self.lines[k + 1:] if not ln.is_blank or is_rule(ln)), None)
        if nxt is None or is_rule(nxt) or nxt.start in self.breaks | self.furniture:
            return False
        m = _NOTE_START.match(nxt.text)
        cur = self.current
        return (m is not None and cur is not None and int(m.group(1)) == cur.number + 1) or self.widths.wide(width(nxt))

    def _page_ends(self, k: int) -> bool:
        """Does a page number (or, in a text whose pages are numbered, the end of the body)
        come before any other separator or heading? The footnotes fill the foot of the page,
        so everything up to it is footnote text."""
        following = self.lines[k + 1:k + 1 + _MAX_NOTE_LINES]
        for ln in following:
            if ln.start in self.furniture:
                return True
            if is_rule(ln) or ln.start in self.breaks or _HEADING.match(ln.text):
                return False
        return bool(self.furniture) and k + 1 + len(following) >= len(self.lines)

    def _resume_note(self, line: Line) -> bool:
        """A footnote-wide line in the body, after an unfinished footnote: the footnote goes on
        at the foot of the next page, where the extractor dropped the separator."""
        cur = self.current
        if cur is None or not self.widths.wide(width(line)) or _FINISHED.search(self.text[cur.start:cur.end]):
            return False
        self._open(line)
        return self._grow(line)

    def _grow(self, line: Line) -> bool:
        cur = self.current
        assert cur is not None
        zone = len(self.layout.zones)
        if self.note_zone.get(cur.number) == zone:
            cur.spans[-1] = (cur.spans[-1][0], line.content_end)
        else:
            cur.spans.append((line.content_start, line.content_end))
            self.note_zone[cur.number] = zone
        return True
