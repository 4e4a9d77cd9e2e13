"""Report text cut into pieces for the review pages: plain runs and marked figures, at the exact
offsets of the normalised text. Pages escape every piece; nothing here builds HTML."""
from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field

from .document import Document, Span
from .layout import Footnote
from .sections import Section
from .textview import subtract


@dataclass(frozen=True)
class Mark:
    start: int
    end: int
    css: str
    title: str = ""
    href: str | None = None


@dataclass(frozen=True)
class Piece:
    text: str
    mark: Mark | None = None


@dataclass
class Block:
    """A section's heading and text, with the footnotes it cites shown beneath it."""

    section: Section
    heading: str
    body: list[Piece]
    footnotes: list[tuple[int, list[Piece]]] = field(default_factory=list)


def pieces(text: str, segments: Iterable[Span], marks: list[Mark]) -> list[Piece]:
    """The text of `segments` in order; each mark lying wholly inside a segment is cut out as
    a marked piece (a mark overlapping an earlier one is left out)."""
    ordered = sorted(marks, key=lambda m: (m.start, -m.end))
    starts = [m.start for m in ordered]
    out: list[Piece] = []
    for a, b in segments:
        pos = a
        for mark in ordered[bisect_left(starts, a):bisect_left(starts, b)]:
            if mark.start < pos or mark.end > b:
                continue
            if pos < mark.start:
                out.append(Piece(text[pos:mark.start]))
            out.append(Piece(text[mark.start:mark.end], mark))
            pos = mark.end
        if pos < b:
            out.append(Piece(text[pos:b]))
    return out


def section_block(doc: Document, sec: Section, marks: list[Mark], *, whole: bool = False) -> Block:
    """The section's own text (or, `whole`, with its subsections) without the footnote zones,
    page numbers and markers cut from the body, and the footnotes it cites."""
    end = sec.end if whole else sec.own_end
    body = subtract((sec.start, end), doc.layout.excluded())
    cited = [fn for fn in doc.footnotes if _cited_in(fn, sec, whole)]
    return Block(section=sec, heading=doc.text[sec.heading_start:sec.start].strip() or sec.title,
                 body=pieces(doc.text, body, marks),
                 footnotes=[(fn.number, pieces(doc.text, fn.spans, marks)) for fn in cited])


def _cited_in(fn: Footnote, sec: Section, whole: bool) -> bool:
    if fn.section_id is None:
        return False
    return fn.section_id == sec.id or (whole and fn.section_id.startswith(sec.id + "."))
