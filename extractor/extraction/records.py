"""From the model's reply (references to figures) to grounded records (our parsed values).

The model points at figures by id ("n3") or by copying the printed number; `FigureResolver`
turns either into the mention our parser found, or refuses. Records are then built by walking
the reply model: fields annotated as figure references become `FigureValue`s, other scalar
fields become labels, lists of sub-models become parts.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from ..document.report import Document, Figure
from ..document.text import appears_in, collapse_ws, fold, unprinted_words
from ..kinds import record_type
from ..numbers.parse import parse_vn_number
from ..output.figures import all_figures, figure_value, main_figure
from ..output.result import Evidence, Issue, Record
from ..schemas.common import FigureRefMarker
from .chunking import Chunk
from .reconcile import drop_doubled


class FigureResolver:
    """A reference of the model's to the figure it names. Ids are those listed to the model; a
    number copied as printed may also name a figure of the piece that was not listed because the
    reader settled it (a focused ask, `Chunk.focus`): such a reply is grounded all the same, and
    `reconcile` keeps the reader's reading of that figure."""

    def __init__(self, chunk: Chunk) -> None:
        self.listed = chunk.listed()
        listed = {fig.mention.start for _, fig in self.listed}
        self.printed = [fig for _, fig in self.listed] + [f for f in chunk.figures if f.mention.start not in listed]

    def resolve(self, ref: str) -> Figure:
        ref = collapse_ws(ref)
        for fid, fig in self.listed:
            if ref.lower() == fid:
                return fig
        for fig in self.printed:
            if collapse_ws(fig.mention.text) == ref:
                return fig
        # The number as printed without its qualifier, unit or leading zero ("2.530" for "hơn 2.530
        # văn bản", "8" for "08 văn bản"): accepted when it names exactly one figure of the piece.
        same = {fig.mention.start: fig for fig in self.printed if _names(ref, fig)}
        if len(same) == 1:
            return next(iter(same.values()))
        ids = ", ".join(f"{fid} = {fig.mention.text}" for fid, fig in self.listed) or "none"
        raise ValueError(f"{ref!r} is not one of the listed figures ({ids}); use a listed id or null")

    def check(self, ref: str, marker: FigureRefMarker | None = None) -> None:
        problem = _misfit(self.resolve(ref), marker)
        if problem:
            raise ValueError(f"{ref} = {problem}")

    def ids_for(self, metadata: list[Any]) -> list[str] | None:
        """The listed ids that may fill a field with this metadata (of a kind and unit it takes),
        or None for a field that is no figure reference (the client's `FigureIds`)."""
        marker = next((m for m in metadata if isinstance(m, FigureRefMarker)), None)
        if marker is None:
            return None
        return [fid for fid, fig in self.listed if not _misfit(fig, marker)]


def _misfit(fig: Figure, marker: FigureRefMarker | None) -> str | None:
    """Why `fig` cannot fill a reference field with `marker`, or None."""
    m = fig.mention
    if marker is not None and marker.kinds and m.kind not in marker.kinds:
        return f"{m.text!r} is a {m.kind}, not a {' or '.join(marker.kinds)}"
    if marker is not None and marker.units and m.unit not in marker.units:
        return f"{m.text!r} does not count {' / '.join(marker.units)}"
    return None


_NUMERAL = re.compile(r"[-+]?\d[\d.,]*")


def _names(ref: str, fig: Figure) -> bool:
    """Does `ref` print this figure's number, with nothing the figure's text lacks? The number
    may be copied as printed, a glued footnote marker included ("339" for "339 đề tài", which
    is 33 and marker 9), or as our reading of it (33)."""
    m = _NUMERAL.search(ref)
    if m is None:
        return False
    rest = collapse_ws(ref[:m.start()] + " " + ref[m.end():]).lower()
    printed = _NUMERAL.search(fig.mention.text)
    numbers = {fig.mention.number, _number(printed.group()) if printed else None}
    return _number(m.group()) in numbers - {None} and rest in collapse_ws(fig.mention.text).lower()


def _number(text: str) -> Any:
    try:
        return parse_vn_number(text.rstrip(".,"))
    except ValueError:
        return None


def build_records(doc: Document, chunk: Chunk, kind: str, reply: BaseModel) -> list[Record]:
    resolver = FigureResolver(chunk)
    records: list[Record] = []
    loose: dict[str, Any] = {}
    for name in type(reply).model_fields:
        value = getattr(reply, name)
        if isinstance(value, list) and value and isinstance(value[0], BaseModel):
            records.extend(_record(doc, chunk, kind, record_type(name, type(value[0])), item, resolver, f"{name}[{i}]")
                           for i, item in enumerate(value))
        elif isinstance(value, BaseModel):
            records.append(_record(doc, chunk, kind, name, value, resolver, name))
        elif value not in (None, [], ""):
            loose[name] = value
    if loose:  # a reply of plain fields (a directive) is one record about the whole chunk
        records.append(Record(id=f"{chunk.id}/{kind}", section_id=chunk.section_id, chunk_id=chunk.id,
                              kind=kind, type=record_type(kind, type(reply)), labels=loose,
                              evidence=Evidence(quote=chunk.text, start=chunk.span[0], end=chunk.span[1]),
                              issues=_ungrounded_labels(chunk, loose)))
    return drop_doubled([r for r in records if r.figures or r.parts or r.labels])


def _record(doc: Document, chunk: Chunk, kind: str, rtype: str, item: BaseModel,
            resolver: FigureResolver, path: str) -> Record:
    rec = Record(id=f"{chunk.id}/{path}", section_id=chunk.section_id, chunk_id=chunk.id, kind=kind, type=rtype)
    for name, info in type(item).model_fields.items():
        value = getattr(item, name)
        if any(isinstance(m, FigureRefMarker) for m in info.metadata):
            if value is None:
                continue
            try:
                rec.figures[name] = figure_value(resolver.resolve(value))
            except ValueError as exc:
                rec.issues.append(Issue(field=name, problem=str(exc)))
        elif name == "name":
            rec.name = value
            rec.issues += _unprinted_name(chunk, value)
        elif name == "parts_complete":
            rec.parts_complete = value
        elif isinstance(value, list) and (not value or isinstance(value[0], BaseModel)):
            rec.parts = [_record(doc, chunk, kind, "part", p, resolver, f"{path}.{name}[{i}]")
                         for i, p in enumerate(value)]
        elif value is not None:
            rec.labels[name] = value
    spans = [(f.start, f.end) for f in all_figures(rec)]
    if spans:
        start, end = min(s for s, _ in spans), max(e for _, e in spans)
        rec.evidence = Evidence(quote=doc.view(start, end).text, start=start, end=end)
    return rec


def copied_from(chunk: Chunk) -> Callable[[str], None]:
    """The check a reply's copied text must pass: it occurs in the chunk (see `appears_in`)."""

    def check(snippet: str) -> None:
        if not appears_in(snippet, chunk.text):
            raise ValueError(f"{snippet!r} is not in the text: copy the words exactly as printed, or leave it out")

    return check


def _ungrounded_labels(chunk: Chunk, labels: dict[str, Any]) -> list[Issue]:
    """Copied text (a deadline, a responsible body) must occur in the chunk."""
    issues = []
    for name, value in labels.items():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and not appears_in(item, chunk.text):
                issues.append(Issue(field=name, problem=f"{item!r} is not in the section text"))
    return issues


def _unprinted_name(chunk: Chunk, name: str | None) -> list[Issue]:
    """A record's name is copied from what the model was shown (the section titles, the context
    and the piece): a name with a word none of them prints ("n1", a field's description, a name
    from another section) is marked; `reconcile` leaves the record out."""
    missing = unprinted_words(name or "", "\n".join((chunk.title_path, chunk.context, chunk.text)))
    if not missing:
        return []
    return [Issue(field="name", problem=f"{name!r}: the text does not print {', '.join(map(repr, missing))}")]


def merge_records(records: list[Record]) -> list[Record]:
    """Pieces of one section may each report the same total (its list ran over two pieces):
    keep one record per main figure, with the parts of both."""
    merged: list[Record] = []
    by_figure: dict[tuple[str, int], Record] = {}
    for rec in records:
        main = main_figure(rec)
        key = (rec.type, main[1].start) if main else None
        if key is None or key not in by_figure:
            merged.append(rec)
            if key:
                by_figure[key] = rec
            continue
        kept = by_figure[key]
        seen = {value.start for p in kept.parts if (value := p.figures.get("value"))}
        kept.parts.extend(p for p in rec.parts if not (value := p.figures.get("value")) or value.start not in seen)
        for name, fig in rec.figures.items():
            kept.figures.setdefault(name, fig)
        kept.issues.extend(rec.issues)
    return merged


_PARTIAL = re.compile(r"\btrong (do|so)\b|\bchu yeu\b|\bnhu\s*:")
_COMPLETE = re.compile(r"\b(bao )?gom\b")
_LIST_OPENER_REACH = 160  # characters between a total and its first part: the same sentence


def read_list_kind(doc: Document, records: list[Record]) -> None:
    """Whether a total's list of parts is complete is printed in the words that open it:
    "trong đó", "chủ yếu" (some of it) or "gồm" (all of it). Where those words stand between
    the total and its first part, they decide; elsewhere the model's reading stays."""
    for rec in records:
        main = main_figure(rec)
        starts = [value.start for p in rec.parts if (value := p.figures.get("value"))]
        if main is None or not starts or not 0 <= min(starts) - main[1].end <= _LIST_OPENER_REACH:
            continue
        whole = main[1]
        opener = fold(doc.view(whole.end, min(starts)).text)
        if _PARTIAL.search(opener):
            rec.parts_complete = False
        elif _COMPLETE.search(opener):
            rec.parts_complete = True
