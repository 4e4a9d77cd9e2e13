"""A report read end to end: source → NFC text → frame (header/tail) → layout (footnotes) →
section tree → number inventory. Everything later stages need, with exact offsets."""
from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass, replace
from pathlib import Path

from ..numbers.parse import NumberMention, find_numbers
from .ingest import Source, read_source
from .layout import Footnote, Layout, analyse_layout
from .metadata import Metadata, infer_period, read_frame
from .normalize import NormalizedText, normalize
from .sections import Gap, Section, build_sections, heading_label
from .text import Line, split_at, split_lines
from .view import TextView, build_view, subtract

Span = tuple[int, int]
PREAMBLE_ID = "preamble"


@dataclass(frozen=True)
class Figure:
    """A numeric mention of the report, placed in its section (and footnote, if any)."""

    mention: NumberMention
    section_id: str | None
    footnote: int | None = None


@dataclass
class Document:
    source: Source | None
    normalized: NormalizedText
    metadata: Metadata
    body: Span
    layout: Layout
    sections: list[Section]
    figures: list[Figure]

    @property
    def text(self) -> str:
        return self.normalized.text

    @functools.cached_property
    def content_hash(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    @property
    def footnotes(self) -> list[Footnote]:
        return self.layout.footnotes

    def section(self, section_id: str) -> Section:
        for sec in self.sections:
            if sec.id == section_id:
                return sec
        raise KeyError(section_id)

    def section_at(self, offset: int) -> Section | None:
        """The deepest section whose body holds `offset`."""
        found = None
        for sec in self.sections:
            if sec.start <= offset < max(sec.end, sec.start + 1):
                found = sec if found is None or sec.level >= found.level else found
        return found

    def view(self, start: int, end: int) -> TextView:
        """Readable body text of [start, end): footnote zones, page numbers and markers cut out."""
        return build_view(self.text, subtract((start, end), self.layout.excluded()),
                          drop=self.layout.marker_spans())

    def section_view(self, sec: Section, own: bool = True) -> TextView:
        return self.view(sec.start, sec.own_end if own else sec.end)


def load_document(path: str | Path) -> Document:
    source = read_source(path)
    return parse_text(source.text, source)


def parse_text(original: str, source: Source | None = None) -> Document:
    normalized = normalize(original)
    text = normalized.text
    lines = split_lines(text)
    first_heading = next((ln.index for ln in lines if re.match(r"\s*I\.\s", ln.text)), None)
    frame = read_frame(text, lines, first_heading)
    body = (frame.body_start, frame.body_end)
    items_at_top = (frame.metadata.doc_type or "").startswith("thông báo")
    whole_paragraphs = source is not None and source.format == "docx"
    # A numbering gap sends us looking for the missing heading: taken for a footnote's tail
    # (the footnote ended before it), after a line that ended no sentence (a table row, a stray
    # number), or run onto the previous line (it starts a line of its own).
    found: frozenset[int] = frozenset()
    splits: frozenset[int] = frozenset()
    while True:
        parts = split_at(lines, splits)
        layout = analyse_layout(text, parts, body, found, whole_paragraphs)
        sections, gaps = build_sections(text, parts, body, layout.excluded(), items_at_top, whole_paragraphs, found)
        more_found = _missing_heading_lines(parts, sections, gaps) - found
        more_splits = _run_on_headings(text, sections, gaps) - splits
        if not more_found and not more_splits:
            break
        found, splits = found | more_found | more_splits, splits | more_splits
    frame.metadata.warnings = layout.warnings + [gap.warning() for gap in gaps]
    sections = _with_preamble(text, body, layout, sections)
    infer_period([s.title for s in sections if s.numbering == "roman"], frame.metadata.period)
    doc = Document(source, normalized, frame.metadata, body, layout, sections, [])
    _attach_footnotes(doc)
    doc.figures = _inventory(doc)
    return doc


def _missing_heading_lines(lines: list[Line], sections: list[Section], gaps: list[Gap]) -> frozenset[int]:
    """Starts of lines, between the heading before a gap and the one after it, that start with
    a missing heading's number: the layout pass swallowed them, or the line before them ended
    no sentence."""
    found: set[int] = set()
    for gap in gaps:
        lo, hi = _gap_window(sections, gap)
        found.update(ln.start for ln in lines if lo < ln.start < hi and heading_label(ln) in gap.missing)
    return frozenset(found)


def _gap_window(sections: list[Section], gap: Gap) -> Span:
    by_id = {s.id: s for s in sections}
    before = by_id.get(gap.previous_id or "")
    return (before.heading_start if before else 0), by_id[gap.section_id].heading_start


def _run_on_headings(text: str, sections: list[Section], gaps: list[Gap]) -> frozenset[int]:
    """Offsets of missing headings that follow a sentence end inside a line, between the
    previous heading and the one that skipped."""
    found = set()
    for gap in gaps:
        lo, hi = _gap_window(sections, gap)
        for numbering, label in gap.missing:
            closer = {"decimal": r"\.?", "letter": r"\)"}.get(numbering, r"\.")   # "1.4." "b)" "II." "2."
            pattern = re.compile(r"(?<=[.:;!?…])[ \t]+(" + re.escape(label) + closer + r"[ \t]+)(?=[^\W\d_])")
            m = next((m for m in pattern.finditer(text, lo, hi) if text[m.end()].isupper()), None)
            if m:
                found.add(m.start(1))
    return frozenset(found)


def _with_preamble(text: str, body: Span, layout: Layout, sections: list[Section]) -> list[Section]:
    """Body text before the first heading (a notice's opening paragraphs) is a section too."""
    end = sections[0].heading_start if sections else body[1]
    segments = subtract((body[0], end), layout.excluded())
    if not any(text[s:e].strip() for s, e in segments):
        return sections
    start = next(s + len(text[s:e]) - len(text[s:e].lstrip()) for s, e in segments if text[s:e].strip())
    stop = end
    while stop > start and text[stop - 1].isspace():
        stop -= 1
    pre = Section(id=PREAMBLE_ID, title="(mở đầu)", level=1, numbering="preamble",
                  heading_start=start, title_start=start, start=start, end=stop, own_end=stop)
    return [pre, *sections]


def _attach_footnotes(doc: Document) -> None:
    for fn in doc.footnotes:
        if fn.marker is None:
            continue
        sec = doc.section_at(fn.marker[0])
        if sec is not None:
            fn.section_id = sec.id
            sec.footnotes.append(fn.number)


def _inventory(doc: Document) -> list[Figure]:
    """Every numeric mention: in body text (markers and heading labels masked) and footnotes."""
    masked = list(doc.text)
    holes = doc.layout.marker_spans() + [(s.heading_start, s.title_start) for s in doc.sections]
    for s, e in holes:
        masked[s:e] = " " * (e - s)
    masked_text = "".join(masked)

    def found(seg: Span) -> list[NumberMention]:
        # Report the text as printed: "339 đề tài" is 33 followed by footnote marker 9.
        return [replace(m, text=doc.text[m.start:m.end]) for m in find_numbers(masked_text, *seg)]

    figures: list[Figure] = []
    for seg in subtract(doc.body, doc.layout.excluded()):
        for m in found(seg):
            sec = doc.section_at(m.start)
            figures.append(Figure(m, sec.id if sec else None))
    for fn in doc.footnotes:
        for seg in fn.spans:
            figures.extend(Figure(m, fn.section_id, fn.number) for m in found(seg))
    return sorted(figures, key=lambda f: f.mention.start)
