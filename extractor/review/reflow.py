"""Report text cut into pieces for the review pages: plain runs and marked figures, at the exact
offsets of the normalised text, reflowed into paragraphs. Pages escape every piece; nothing
here builds HTML.

PDF text keeps every printed line (and often a blank line after each): shown as is, a page is
a narrow column with figures broken over blank lines ("hơn 2.530⏎⏎văn bản"). So whitespace is
collapsed and a line break is kept only where a paragraph plausibly ends: after a sentence
end, on a line shorter than the text's full width, before a capital, digit or bullet. A .docx
(or a text whose lines are longer than any printed line) has one paragraph per line, so there
every line break is a paragraph.
"""
from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..document.report import Document, Span
from ..document.sections import Section
from ..document.view import subtract

_BREAK = re.compile(r"[^\S\n]*\n\s*")
_WS = re.compile(r"\s+")
_ENDS_SENTENCE = re.compile(r"[.:;!?…][\"”’)\]]*$")
_STARTS_PARAGRAPH = re.compile(r"[^\W\d_]|\d|[-+•*–(“\"]")
_FULL_WIDTH = 0.85  # a paragraph's last line is shorter than this share of the widest lines
_WRAPPED_MAX = 160  # a printed line holds fewer characters than this
_SENTENCE_START = re.compile(r"(?<=[.;!?…])\s+(?=[^\W\d_]|\d)|\n\s*\n\s*(?=[-+•–])")


@dataclass(frozen=True)
class Mark:
    start: int
    end: int
    css: str
    title: str = ""
    href: str | None = None
    target: bool = False  # the figure the page scrolls to and focuses
    group: str = ""       # the checks it takes part in, for the page's script


@dataclass(frozen=True)
class Piece:
    text: str
    mark: Mark | None = None


Paragraph = list[Piece]


@dataclass
class Block:
    """A section's heading and own text as paragraphs, with the footnotes it cites beneath it."""

    section: Section
    heading: str
    body: list[Paragraph]
    footnotes: list[tuple[int, Paragraph]] = field(default_factory=list)


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


def paragraphs(run: list[Piece], every_line: bool = False) -> list[Paragraph]:
    """`run` reflowed: whitespace collapsed to single spaces (inside marks too), split into
    paragraphs only at line breaks of plain text that end a paragraph (see the module doc)."""
    joined = "".join(p.text for p in run)
    lengths = sorted(len(line.strip()) for line in joined.split("\n") if line.strip())
    # Too few lines to know the width: any sentence end at a line break ends a paragraph.
    width = lengths[int(len(lengths) * 0.9)] if len(lengths) >= 4 else 0
    every_line = every_line or width > _WRAPPED_MAX  # lines that long are paragraphs, not wrapped text
    out: list[Paragraph] = [[]]
    offset = 0
    for piece in run:
        if piece.mark is not None:
            out[-1].append(Piece(_WS.sub(" ", piece.text), piece.mark))
        else:
            pos = 0
            for brk in _BREAK.finditer(piece.text):
                if _ends_paragraph(joined, offset + brk.start(), offset + brk.end(), width, every_line):
                    out[-1].append(Piece(_WS.sub(" ", piece.text[pos:brk.start()])))
                    out.append([])
                    pos = brk.end()
            out[-1].append(Piece(_WS.sub(" ", piece.text[pos:])))
        offset += len(piece.text)
    return [_trimmed(par) for par in out if "".join(p.text for p in par).strip()]


def _ends_paragraph(text: str, start: int, end: int, width: int, every_line: bool) -> bool:
    line = text[text.rfind("\n", 0, start) + 1:start].strip()
    following = text[end:end + 80].lstrip()  # a page break may leave spaces before the next line
    if not line or not following:
        return False
    if every_line:
        return True
    short = width == 0 or len(line) < _FULL_WIDTH * width
    return short and bool(_ENDS_SENTENCE.search(line)) and bool(_STARTS_PARAGRAPH.match(following))


def _trimmed(par: Paragraph) -> Paragraph:
    """Leading and trailing spaces of a paragraph dropped; empty plain pieces too."""
    if par and par[0].mark is None:
        par[0] = Piece(par[0].text.lstrip())
    if par and par[-1].mark is None:
        par[-1] = Piece(par[-1].text.rstrip())
    return [p for p in par if p.text]


def kept_passage(passage: str, passage_start: int, marks: list[Mark]) -> list[Paragraph]:
    """A passage kept apart from its report (a review item's), marked at the report's offsets."""
    padded = " " * passage_start + passage  # so that offsets stay the report's
    return paragraphs(pieces(padded, [(passage_start, len(padded))], marks))


def section_block(doc: Document, sec: Section, marks: list[Mark]) -> Block:
    """The section's own text without the footnote zones, page numbers and markers cut from
    the body, as paragraphs, and the footnotes it cites (one paragraph each)."""
    body = subtract((sec.start, sec.own_end), doc.layout.excluded())
    every_line = doc.source is not None and doc.source.format == "docx"
    cited = [fn for fn in doc.footnotes if fn.section_id == sec.id]
    return Block(section=sec, heading=_WS.sub(" ", doc.text[sec.heading_start:sec.start]).strip() or sec.title,
                 body=paragraphs(pieces(doc.text, body, marks), every_line),
                 footnotes=[(fn.number, _collapsed(pieces(doc.text, fn.spans, marks))) for fn in cited])


def section_blocks(doc: Document, sec: Section, marks: list[Mark]) -> list[Block]:
    """The section and every section under it, in reading order, each with its own text."""
    return [section_block(doc, sec, marks),
            *(block for child in sec.children for block in section_blocks(doc, doc.section(child), marks))]


def _collapsed(run: list[Piece]) -> Paragraph:
    """`run` as one paragraph (a footnote, a sentence): every whitespace run one space."""
    return _trimmed([Piece(_WS.sub(" ", p.text), p.mark) for p in run])


def sentence(doc: Document, start: int, end: int, marks: list[Mark]) -> Paragraph:
    """The sentence holding the figure at [start, end), from the previous sentence end to the
    next one, within its footnote or its section's body (page furniture and markers left out)."""
    spans = _segments_of(doc, start)
    if not spans:
        return []
    text = doc.text
    begins = [m.end() for a, b in spans for m in _SENTENCE_START.finditer(text, a, b) if m.end() <= start]
    ends = [m.start() for a, b in spans for m in _SENTENCE_START.finditer(text, a, b) if m.start() >= end]
    a, b = (max(begins) if begins else spans[0][0]), (min(ends) if ends else spans[-1][1])
    clipped = [(max(a, s), min(b, e)) for s, e in spans if max(a, s) < min(b, e)]
    return _collapsed(pieces(text, clipped, marks))


def _segments_of(doc: Document, offset: int) -> list[Span]:
    for fn in doc.footnotes:
        if any(a <= offset < b for a, b in fn.spans):
            return list(fn.spans)
    sec = doc.section_at(offset)
    if sec is None:
        return []
    return subtract((sec.start, sec.own_end if offset < sec.own_end else sec.end), doc.layout.excluded())
