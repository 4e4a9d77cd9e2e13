"""The report's own section tree: I., II., 1., 1.1., a), and a few unnumbered headings.

A line that merely starts with a number ("2025. Ngay từ rất sớm…", "2030.", "534.260,62 ha…")
is not a heading: a candidate is accepted only if its number continues the numbering of its
level (I → II → III; 1 → 2 under the same parent; 1.1 → 1.2 under 1; a → b), it starts like a
title, and the text before it ended a sentence or a heading. A number that skips one or two
(1.3 → 1.5) is accepted too, as a `Gap`: the document pass then looks for the missing heading
and, if it is really absent, reports it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .text import Line, fold, unwrap

Span = tuple[int, int]

_ROMAN = re.compile(r"([IVX]{1,6})\.\s+(?=\S)")
_DECIMAL = re.compile(r"(\d{1,2})\.(\d{1,2})\.?\s+(?=\S)")
_ARABIC = re.compile(r"(\d{1,2})\.\s+(?=\S)")
_LETTER = re.compile(r"([a-zđ])\)\s+(?=\S)")
# Unnumbered headings that matter, matched on the folded text; the slug is their stable id.
_UNNUMBERED = {
    "danh-gia-chung": re.compile(r"danh gia chung\s*:"),
    "kho-khan-han-che": re.compile(r"(kho khan|ton tai)\s*,?\s*(han che|vuong mac)\s*:"),
    "nguyen-nhan": re.compile(r"nguyen nhan\s*:"),
}
_LETTERS = "abcdđefghiklmnopqrstuvxy"
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10}
_SENTENCE_END = re.compile(r"[.:;!?…\"”)]\s*$")
_ITEM_PARENT = re.compile(r"nhiem vu|ket luan")  # numbered items here are directives, not titles
_MAX_TITLE = 120
_MAX_SKIP = 2  # a longer jump is a number that starts a line, not a heading


@dataclass
class Section:
    id: str
    title: str
    level: int
    numbering: str                # "roman" | "arabic" | "decimal" | "letter" | "unnumbered" | "preamble"
    heading_start: int
    title_start: int              # end of the numbering label ("1.1. "): labels are not figures
    start: int                    # body: [start, end) in the normalised text, children included
    end: int = 0
    own_end: int = 0              # where the first child's heading starts (or `end`)
    parent: str | None = None
    children: list[str] = field(default_factory=list)
    footnotes: list[int] = field(default_factory=list)


def roman_value(numeral: str) -> int:
    total = 0
    for i, ch in enumerate(numeral):
        v = _ROMAN_VALUES[ch]
        nxt = _ROMAN_VALUES[numeral[i + 1]] if i + 1 < len(numeral) else 0
        total += -v if v < nxt else v
    return total


@dataclass
class _Candidate:
    numbering: str
    number: int | tuple[int, int] | str
    label: str
    line: Line
    title_start: int   # offset where the heading text (after the numbering) begins


@dataclass(frozen=True)
class Gap:
    """A heading accepted although its numbering skipped: `missing` were never found."""

    section_id: str
    previous_id: str | None
    missing: list[tuple[str, str]]   # (numbering, label) of each missing heading: ("decimal", "1.4")

    def warning(self) -> str:
        labels = ", ".join(label for _, label in self.missing)
        after = f"goes from {self.previous_id} to" if self.previous_id else "starts at"
        return (f"heading {labels} not found: the numbering {after} {self.section_id}; "
                f"{self.section_id} is kept as its own section")


def build_sections(text: str, lines: list[Line], body: Span, excluded: list[Span],
                   items_at_top: bool = False, whole_paragraphs: bool = False,
                   found: frozenset[int] = frozenset()) -> tuple[list[Section], list[Gap]]:
    """Sections in document order, and the numbering gaps met on the way. `items_at_top`:
    numbered paragraphs at the top level are directives (conclusion notices), so their whole
    paragraph is body, not title. `whole_paragraphs`: every line is a paragraph (.docx), so no
    line is a wrapped continuation. `found`: starts of lines that hold a heading a gap sent us
    looking for; the line before them need not end a sentence."""
    usable = [ln for ln in lines if body[0] <= ln.start < body[1] and not ln.is_blank
              and not any(s <= ln.start < e for s, e in excluded)]
    sections: list[Section] = []
    gaps: list[Gap] = []
    stack: list[Section] = []
    counters: dict[tuple[str | None, str], int] = {}
    prev: Line | None = None
    prev_was_heading = True
    for k, line in enumerate(usable):
        cand = _candidate(line)
        missing = _missing(cand, stack, counters) if cand else None
        if cand and missing is not None and (prev_was_heading or prev is None or whole_paragraphs
                                             or line.start in found or _SENTENCE_END.search(prev.text)):
            parent = _parent_for(cand, stack)
            last = counters.get((parent.id if parent else None, cand.numbering), 0)
            previous = next((s.id for s in reversed(sections) if s.parent == (parent.id if parent else None)
                             and s.numbering == cand.numbering), parent.id if parent else None)
            section = _open(text, cand, stack, usable[k + 1:], items_at_top, body[1], sections)
            counters[(section.parent, cand.numbering)] = _ordinal(cand)
            if missing:
                gaps.append(Gap(section.id, previous, [_label(cand, n) for n in range(last + 1, last + 1 + missing)]))
            if sections and section.heading_start < sections[-1].start:
                sections[-1].start = section.heading_start  # title and body on one line
            sections.append(section)
            prev_was_heading = section.start >= line.content_end
        else:
            prev_was_heading = False
        prev = line
    _close(sections, body, text)
    return sections, gaps


def heading_label(line: Line) -> tuple[str, str] | None:
    """(numbering, label) if the line starts like a numbered heading: ("decimal", "1.4")."""
    cand = _candidate(line)
    return (cand.numbering, cand.label) if cand and cand.numbering != "unnumbered" else None


def _major(cand: _Candidate) -> int:
    """The first number of a decimal heading's label ("1" of "1.4")."""
    assert isinstance(cand.number, tuple), cand  # decimal candidates are built with (major, minor)
    return cand.number[0]


def _label(cand: _Candidate, ordinal: int) -> tuple[str, str]:
    if cand.numbering == "decimal":
        return "decimal", f"{_major(cand)}.{ordinal}"
    if cand.numbering == "letter":
        return "letter", _LETTERS[ordinal - 1]
    if cand.numbering == "roman":
        return "roman", _roman(ordinal)
    return cand.numbering, str(ordinal)


def _roman(value: int) -> str:
    out = ""
    for numeral, v in (("X", 10), ("IX", 9), ("V", 5), ("IV", 4), ("I", 1)):
        while value >= v:
            out, value = out + numeral, value - v
    return out


def _unique(sid: str, sections: list[Section]) -> str:
    """`sid`, or `sid-2`, `sid-3`… when an earlier section already has it (two "Đánh giá
    chung:" paragraphs under one heading): ids key chunks, records and reviews."""
    taken = {s.id for s in sections}
    n, unique = 1, sid
    while unique in taken:
        n += 1
        unique = f"{sid}-{n}"
    return unique


def _candidate(line: Line) -> _Candidate | None:
    s = line.text.lstrip()
    offset = line.start + len(line.text) - len(s)
    f = fold(s)
    if m := _ROMAN.match(s):
        return _Candidate("roman", roman_value(m.group(1)), m.group(1), line, offset + m.end())
    if m := _DECIMAL.match(s):
        return _Candidate("decimal", (int(m.group(1)), int(m.group(2))), f"{int(m.group(1))}.{int(m.group(2))}",
                          line, offset + m.end())
    if (m := _ARABIC.match(s)) and s[m.end()].isalpha() and s[m.end()].isupper():
        return _Candidate("arabic", int(m.group(1)), str(int(m.group(1))), line, offset + m.end())
    if (m := _LETTER.match(s)) and s[m.end()].isalpha():
        return _Candidate("letter", m.group(1), m.group(1), line, offset + m.end())
    for slug, pattern in _UNNUMBERED.items():
        if pattern.match(f):
            return _Candidate("unnumbered", slug, slug, line, offset)
    return None


def _ordinal(cand: _Candidate) -> int:
    number = cand.number
    if cand.numbering == "decimal" and isinstance(number, tuple):
        return number[1]
    if cand.numbering == "letter" and isinstance(number, str):
        return _LETTERS.index(number) + 1
    return number if isinstance(number, int) else 0


def _parent_for(cand: _Candidate, stack: list[Section]) -> Section | None:
    """The open section a candidate would hang under (the stack is not changed)."""
    wanted = {"roman": (), "unnumbered": ("roman",), "arabic": ("roman",),
              "decimal": ("arabic",), "letter": ("decimal", "arabic")}[cand.numbering]
    for sec in reversed(stack):
        if sec.numbering in wanted:
            return sec
    return None


def _missing(cand: _Candidate, stack: list[Section], counters: dict[tuple[str | None, str], int]) -> int | None:
    """How many headings the candidate's number skips (0: it continues the numbering), or None
    if it cannot be a heading here. A short skip (1.3 → 1.5, II → IV) is a signal, not a
    verdict: the heading is kept and the gap reported."""
    parent = _parent_for(cand, stack)
    if cand.numbering == "unnumbered":
        return 0
    if cand.numbering == "decimal":
        if parent is None or parent.id.split(".")[-1] != str(_major(cand)):
            return None
    if cand.numbering == "letter" and parent is None:
        return None
    if cand.numbering == "arabic" and parent is None and any(s.numbering == "roman" for s in stack):
        return None
    last = counters.get((parent.id if parent else None, cand.numbering), 0)
    skipped = _ordinal(cand) - last - 1
    return skipped if 0 <= skipped <= _MAX_SKIP else None


def _open(text: str, cand: _Candidate, stack: list[Section], following: list[Line],
          items_at_top: bool, body_end: int, earlier: list[Section]) -> Section:
    parent = _parent_for(cand, stack)
    while stack and stack[-1] is not parent:
        stack.pop()
    if cand.numbering == "decimal":
        label = cand.label.split(".")[-1]
        sid = f"{parent.id}.{label}" if parent else cand.label
    else:
        sid = f"{parent.id}.{cand.label}" if parent else cand.label
    sid = _unique(sid, earlier)
    is_item = (parent is not None and _ITEM_PARENT.search(fold(parent.title)) is not None) or \
        (parent is None and items_at_top and cand.numbering == "arabic")
    title, start = _title_and_body(text, cand, following, is_item)
    section = Section(id=sid, title=title, level=len(stack) + 1, numbering=cand.numbering,
                      heading_start=cand.line.content_start, title_start=cand.title_start,
                      start=min(start, body_end),
                      parent=parent.id if parent else None)
    if parent:
        parent.children.append(sid)
    stack.append(section)
    return section


def _title_and_body(text: str, cand: _Candidate, following: list[Line], is_item: bool) -> tuple[str, int]:
    """Split the heading into its title and where the body starts.

    "1.1. Sản xuất nông, lâm nghiệp" + next line: title is the line (plus lower-case
    continuation lines); "Đánh giá chung: Trong tháng…": title before the colon; a directive
    ("1. Tiếp tục chỉ đạo…, \\n Thủ tướng…"): its whole paragraph is body, the title its opening.
    """
    first = text[cand.title_start:cand.line.end]
    colon = re.search(r":\s+\S", first)
    if cand.numbering == "unnumbered" or (colon and not is_item and colon.start() < 60):
        if colon:
            return unwrap(first[: colon.start()]), cand.title_start + colon.end() - 1
    chain_end = cand.line.content_end
    pieces = [text[cand.title_start:chain_end]]   # the lines only: a footnote zone may lie between
    for line in following[:2]:
        if _SENTENCE_END.search(pieces[-1]) or not line.stripped[:1].islower():
            break
        chain_end = line.content_end
        pieces.append(text[line.start:chain_end])
    chain = unwrap("\n".join(pieces))
    if is_item or chain.endswith(".") or len(chain) > 200:
        return _opening(unwrap(text[cand.title_start:cand.title_start + 400])), cand.title_start
    return chain.rstrip(" ,;:"), chain_end


def _opening(paragraph: str) -> str:
    """The first clause of a paragraph, cut at a word boundary, as a display title."""
    clause = re.split(r"(?<=[.;:])\s", paragraph, maxsplit=1)[0].rstrip(".;: ")
    if len(clause) <= _MAX_TITLE:
        return clause
    return clause[:_MAX_TITLE].rsplit(" ", 1)[0] + "…"


def _close(sections: list[Section], body: Span, text: str) -> None:
    for i, sec in enumerate(sections):
        nxt = next((s for s in sections[i + 1:] if s.level <= sec.level), None)
        sec.end = nxt.heading_start if nxt else body[1]
        child = next((s for s in sections[i + 1:] if s.parent == sec.id), None)
        sec.own_end = child.heading_start if child else sec.end
        # Trim surrounding whitespace so the span starts and ends on text.
        while sec.start < sec.end and text[sec.start].isspace():
            sec.start += 1
        while sec.end > sec.start and text[sec.end - 1].isspace():
            sec.end -= 1
        sec.own_end = min(max(sec.own_end, sec.start), sec.end) if child is None else max(sec.own_end, sec.start)
