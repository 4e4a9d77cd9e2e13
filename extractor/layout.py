"""Page layout of PDF-extracted text: footnote zones, footnotes, their markers, page numbers.

PDF text extraction interleaves each page's footnotes with the body where the page broke:

    …các mặt hàng chủ lực như than, xi măng đều có mức tăng trưởng khá3. Các
    <a line of spaces: the footnote rule>
    1 Chủ yếu là rau, đậu các loại (2.310 ha), …
    3 Trong đó: Than đạt 39,4 nghìn tấn, …            (wraps; may go on in the next zone)
     ngành tiếp tục đôn đốc, …                        (next page: body resumes, one leading space)

Footnote numbering is continuous through the document, so a line in a zone starts a new
footnote only if it starts with the *next* expected number; any other line (even one that
starts with a number, such as "20 triệu viên, …") continues the current footnote.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .textutil import Line, collapse_ws

Span = tuple[int, int]

_RULE_MIN_SPACES = 10
_PAGE_START = re.compile(r" \S")  # first line of a new page: exactly one leading space
_FOOTNOTE_START = re.compile(r"\s*(\d{1,3})(?=\s*\S)")
_PAGE_NUMBER = re.compile(r"\s*\d{1,3}\s*")
# A marker is a footnote number glued to the end of a word: "khá3.", "rộng5;", "đồng4,".
_MARKER = re.compile(r"(?<=[^\W\d_]|[%)\]”\"’])(\d{1,3})(?=[\s.,;:)!?…]|$)")
# An integer that may end in a glued marker: "339 đề tài" (33 + marker 9), "năm 203011." (2030 + 11).
_INTEGER = re.compile(r"(?<![\d.,/])\d{2,}(?:\.\d{3,})*(?![\d,/%]|\.\d)")
# Last resort, a marker set off by a space and followed by no noun: "đạt chuẩn NTM 3 và 03 xã".
_SPACED_MARKER = re.compile(r"(?<=[^\W\d_] )(\d{1,3})(?=\s*(?:[.,;:)]|và\s))")
_YEAR_BEFORE = re.compile(r"năm\s*$")



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

    def excluded(self) -> list[Span]:
        return sorted(self.zones + self.furniture)

    def marker_spans(self) -> list[Span]:
        return [f.marker for f in self.footnotes if f.marker]


def is_rule(line: Line) -> bool:
    return len(line.text) >= _RULE_MIN_SPACES and not line.text.strip()


def analyse_layout(text: str, lines: list[Line], body: Span) -> Layout:
    """Find footnote zones and page numbers inside `body`, parse footnotes, locate markers."""
    body_lines = [ln for ln in lines if body[0] <= ln.start < body[1]]
    zones, zone_lines = _find_zones(body_lines, body[1])
    footnotes = _parse_footnotes(text, zone_lines)
    furniture = _find_page_numbers(body_lines, zones)
    _locate_markers(text, footnotes, zones, sorted(zones + furniture), body)
    return Layout(zones=zones, furniture=furniture, footnotes=footnotes)


def _find_zones(lines: list[Line], body_end: int) -> tuple[list[Span], list[list[Line]]]:
    zones: list[Span] = []
    zone_lines: list[list[Line]] = []
    i = 0
    while i < len(lines):
        if not is_rule(lines[i]):
            i += 1
            continue
        j = i + 1
        while j < len(lines) and not _PAGE_START.match(lines[j].text) and not is_rule(lines[j]):
            j += 1
        end = lines[j].start if j < len(lines) else body_end
        zones.append((lines[i].start, end))
        zone_lines.append(lines[i + 1 : j])
        i = j
    return zones, zone_lines


def _parse_footnotes(text: str, zone_lines: list[list[Line]]) -> list[Footnote]:
    footnotes: list[Footnote] = []
    for lines in zone_lines:
        current: Footnote | None = footnotes[-1] if footnotes else None
        for line in lines:
            if line.is_blank:
                continue
            m = _FOOTNOTE_START.match(line.text)
            expected = current.number + 1 if current else None
            if m and (int(m.group(1)) == expected or (current is None and int(m.group(1)) <= 3)):
                current = Footnote(number=int(m.group(1)))
                footnotes.append(current)
                body_start = line.start + m.end()
                body_start += len(text[body_start:line.end]) - len(text[body_start:line.end].lstrip())
                current.spans.append((body_start, line.content_end))
            elif current is not None:
                last = current.spans[-1]
                if _same_zone(last, line, lines):
                    current.spans[-1] = (last[0], line.content_end)
                else:
                    current.spans.append((line.content_start, line.content_end))
    for fn in footnotes:
        fn.text = " ".join(collapse_ws(text[s:e]) for s, e in fn.spans)
    return footnotes


def _same_zone(span: Span, line: Line, zone: list[Line]) -> bool:
    return zone[0].start <= span[0] < line.start


def _find_page_numbers(lines: list[Line], zones: list[Span]) -> list[Span]:
    """A line holding only a small number, between blank lines, outside footnote zones."""
    found = []
    for k, line in enumerate(lines):
        if not _PAGE_NUMBER.fullmatch(line.text) or _inside(line.start, zones):
            continue
        prev_blank = k == 0 or lines[k - 1].is_blank
        next_blank = k + 1 >= len(lines) or lines[k + 1].is_blank
        if prev_blank and next_blank:
            found.append((line.start, line.end))
    return found


def _inside(pos: int, spans: list[Span]) -> bool:
    return any(s <= pos < e for s, e in spans)


def _locate_markers(text: str, footnotes: list[Footnote], zones: list[Span],
                    excluded: list[Span], body: Span) -> None:
    """Give each footnote the first marker with its number after the previous footnote's marker.

    The marker must sit in body text before the end of the zone that holds the footnote (a
    footnote is printed on the page that cites it). A marker glued to a word is taken first;
    one glued to a number only where the footnote tells them apart (see `_number_glued`).
    """
    floor = body[0]
    for fn in footnotes:
        zone_end = next((e for s, e in zones if s <= fn.start < e), body[1])
        window = (floor, zone_end)
        fn.marker = (_first(_MARKER, text, window, fn.number, excluded)
                     or _number_glued(text, window, fn, excluded)
                     or _first(_SPACED_MARKER, text, window, fn.number, excluded))
        if fn.marker:
            floor = fn.marker[1]


def _first(pattern: re.Pattern[str], text: str, window: Span, number: int,
           excluded: list[Span]) -> Span | None:
    for m in pattern.finditer(text, *window):
        if int(m.group(1)) == number and not _inside(m.start(1), excluded):
            return m.span(1)
    return None


def _number_glued(text: str, window: Span, fn: Footnote, excluded: list[Span]) -> Span | None:
    """A marker glued to a number, accepted only where the rest makes sense on its own.

    "339 đề tài" with footnote 9 listing 16 + 08 + 02 + 07 tasks reads as 33 + marker 9;
    "năm 203011." reads as the year 2030 + marker 11; "12.7843" as 12.784 + marker 3.
    """
    suffix = str(fn.number)
    listed_total = sum(int(m.group().replace(".", "")) for m in _INTEGER.finditer(fn.text))
    for m in _INTEGER.finditer(text, *window):
        token = m.group()
        if not token.endswith(suffix) or len(token) <= len(suffix) or _inside(m.start(), excluded):
            continue
        head = token[: -len(suffix)]
        plain = head.replace(".", "")
        year = re.fullmatch(r"(19|20)\d\d", head) and _YEAR_BEFORE.search(text, 0, m.start())
        regrouped = "." in token and re.fullmatch(r"\d{1,3}(?:\.\d{3})+", head)
        if year or regrouped or (plain.isdigit() and int(plain) == listed_total):
            return (m.end() - len(suffix), m.end())
    return None
