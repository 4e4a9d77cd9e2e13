"""Footnote markers in the body: the footnote's number glued to the word (or number) it annotates.

"khá3." and "rộng5;" are markers glued to words; "339 đề tài" is 33 + marker 9 and "năm 203011."
the year 2030 + marker 11, told apart from plain numbers by what the footnote says.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .layout import Footnote

Span = tuple[int, int]

# A marker is a footnote number glued to the end of a word: "khá3.", "rộng5;", "đồng4,".
MARKER = re.compile(r"(?<=[^\W\d_]|[%)\]”\"’])(\d{1,3})(?=[\s.,;:)!?…]|$)")
# An integer that may end in a glued marker: "339 đề tài" (33 + marker 9), "năm 203011." (2030 + 11).
_INTEGER = re.compile(r"(?<![\d.,/])\d{2,}(?:\.\d{3,})*(?![\d,/%]|\.\d)")
# Last resort, a marker set off by a space and followed by no noun: "đạt chuẩn NTM 3 và 03 xã".
_SPACED_MARKER = re.compile(r"(?<=[^\W\d_] )(\d{1,3})(?=\s*(?:[.,;:)]|và\s))")
_YEAR_BEFORE = re.compile(r"năm\s*$")


def inside(pos: int, spans: list[Span]) -> bool:
    return any(s <= pos < e for s, e in spans)


def may_cite(text: str, window: Span, number: int) -> bool:
    """Is there anything in `window` that could be the marker of footnote `number`?

    Used to accept a footnote line where no separator rule announced the footnotes.
    """
    suffix = str(number)
    return (any(int(m.group(1)) == number for p in (MARKER, _SPACED_MARKER) for m in p.finditer(text, *window))
            or any(m.group().endswith(suffix) and len(m.group()) > len(suffix) for m in _INTEGER.finditer(text, *window)))


def locate_markers(text: str, footnotes: list[Footnote], zones: list[Span], excluded: list[Span],
                   body: Span) -> None:
    """Give each footnote the first marker with its number after the previous footnote's marker.

    The marker must sit in body text before the end of the zone that holds the footnote (a
    footnote is printed on the page that cites it). A marker glued to a word is taken first;
    one glued to a number only where the footnote tells them apart (see `_number_glued`).
    """
    floor = body[0]
    for fn in footnotes:
        zone_end = next((e for s, e in zones if s <= fn.start < e), body[1])
        window = (floor, zone_end)
        fn.marker = (_first(MARKER, text, window, fn.number, excluded)
                     or _number_glued(text, window, fn, excluded)
                     or _first(_SPACED_MARKER, text, window, fn.number, excluded))
        if fn.marker:
            floor = fn.marker[1]


def _first(pattern: re.Pattern[str], text: str, window: Span, number: int,
           excluded: list[Span]) -> Span | None:
    for m in pattern.finditer(text, *window):
        if int(m.group(1)) == number and not inside(m.start(1), excluded):
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
        if not token.endswith(suffix) or len(token) <= len(suffix) or inside(m.start(), excluded):
            continue
        head = token[: -len(suffix)]
        plain = head.replace(".", "")
        year = re.fullmatch(r"(19|20)\d\d", head) and _YEAR_BEFORE.search(text, 0, m.start())
        regrouped = "." in token and re.fullmatch(r"\d{1,3}(?:\.\d{3})+", head)
        # A footnote that lists no numbers (names of communes) vouches for no total: "03 xã" is
        # not 0 + marker 3 because footnote 3 sums to nothing.
        if year or regrouped or (listed_total > 0 and plain.isdigit() and int(plain) == listed_total):
            return (m.end() - len(suffix), m.end())
    return None
