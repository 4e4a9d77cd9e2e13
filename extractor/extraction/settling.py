"""Which pieces the deterministic reader settles, so the model is not asked about them.

A piece is settled when the model, asked about it, could add nothing the reader has not read:

1. every figure of the piece is held by a reader record of its section — the reader's own
   test, `reader.settles` (a bare value needs a name; a comparison or a part is held by its record);
2. each of those records is of a type the section kind's reply has a place for
   (`kinds.record_model`): a reader "indicator" in a section whose schema asks for tasks or
   documents only is the model's to type. New reader kinds (tasks, dossiers…) count as soon as
   the reader returns records of the type the schema names;
3. the schema asks nothing of that record type the reader cannot read: a label field (anything
   that is not a figure, the name, the parts or whether they are complete) outside
   `reader.LABELS` keeps the piece asked unless the reader's record carries it — a budget line's
   revenue / spending `flow`, read from its name's first word (reading/flows.py), or not;
4. no figure of the piece counts a unit another record type of the reply is made for (a field
   restricted to "vụ", "hồ sơ", "nhiệm vụ"): "32 vụ" read as an indicator in a section whose
   schema has incidents is the model's to type as an incident.

Figures that state no quantity are nobody's to hold: a list item's number ("(3) Than: …"), a
count of years or an age naming a plan, an anniversary or an age group, a bound or a threshold
(`stream.no_quantity`); the reader reads them and keeps no record of them.
A number that is part of a proper name ("CCN Na Dương 1, 2, 3") is no figure at all
(numbers/names.py): it never reaches a piece.

A piece of a text-reading kind (directives: the answer is words, not figures) is settled when
the reader returned a `directive` record for exactly that piece (its evidence spans the piece).
The reader returns one only when it is sure (reading/directives.py): every body-like phrase of
the piece (a head word of a public body or official, a collective owner) is parsed by its
grammar into a name and a role — told to act, issuing, or only named — and at most one deadline
phrase is printed. Any phrase it cannot place keeps the piece asked.

The rule looks at nothing but the schemas and the reader's records, so it holds for any report.
"""
from __future__ import annotations

import typing
from functools import cache

from pydantic import BaseModel

from ..document.report import Document, Figure
from ..kinds import reads_text, record_model, record_type, reply_model
from ..output.figures import all_figures
from ..output.result import Record
from ..reading.reader import LABELS, held
from ..reading.stream import is_numbering, no_quantity
from ..schemas.common import FigureRefMarker

_STRUCTURE = {"name", "parts", "parts_complete"}


def reader_settles(doc: Document, kind: str, figures: list[Figure], read: list[Record],
                   span: tuple[int, int] | None = None) -> bool:
    """Do the reader's records of the section (`read`) settle a piece with these figures (at
    `span` in the document)?"""
    return not why_asked(doc, kind, figures, read, span)


def why_asked(doc: Document, kind: str, figures: list[Figure], read: list[Record],
              span: tuple[int, int] | None = None) -> list[str]:
    """Why the model is asked about a piece, one line per figure the reader leaves open (none: the
    reader settles it)."""
    if reads_text(kind):
        if span is not None and any(r.type == "directive" and r.evidence is not None
                                    and (r.evidence.start, r.evidence.end) == span for r in read):
            return []
        return [f"{kind}: the reader is not sure who it tells to act or by when"]
    return [f"{' '.join(fig.mention.text.split())!r}: {why}" for fig, why in open_figures(doc, kind, figures, read)]


def open_figures(doc: Document, kind: str, figures: list[Figure], read: list[Record]) -> list[tuple[Figure, str]]:
    """The figures of a piece of a figure-reading kind that the reader's records of the section
    (`read`) leave open, each with why: what the model is asked about."""
    figures = [f for f in figures if not (is_numbering(doc, f) or no_quantity(f.mention))]
    used = held(read)
    holder = {f.start: rec for rec in read for f in all_figures(rec)}
    typed = _typed_units(kind)
    left: list[tuple[Figure, str]] = []
    for fig in figures:
        m = fig.mention
        rec = holder.get(m.start)
        model = None if rec is None else record_model(kind, rec.type)
        if rec is None:
            left.append((fig, "no reader record holds it"))
        elif not used[m.start]:
            left.append((fig, "read as a value with no name"))
        elif model is None:
            left.append((fig, f"read as {rec.type}, a record {kind} has no place for"))
        elif missing := _labels(model) - LABELS - rec.labels.keys():
            left.append((fig, f"{', '.join(sorted(missing))} of its {rec.type} not read"))
        elif m.unit is not None and m.unit in typed.get(rec.type, set()):
            left.append((fig, f"counts {m.unit}, what another record type of {kind} is for"))
    return left


@cache
def _labels(model: type[BaseModel]) -> frozenset[str]:
    """The label fields of a record model and of the sub-models it lists (its parts)."""
    labels: set[str] = set()
    for name, info in model.model_fields.items():
        if name in _STRUCTURE or any(isinstance(m, FigureRefMarker) for m in info.metadata):
            for sub in _sub_models(info.annotation):
                labels |= _labels(sub)
            continue
        labels.add(name)
    return frozenset(labels)


def _sub_models(annotation: object) -> list[type[BaseModel]]:
    """The models a field holds: itself, or those of its Optional[…] / list[…]."""
    args = typing.get_args(annotation) or (annotation,)
    return [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]


@cache
def _typed_units(kind: str) -> dict[str, set[str]]:
    """For each record type of the kind's reply: the units that the *other* record types'
    figure fields are restricted to."""
    units: dict[str, set[str]] = {}
    for name, info in reply_model(kind).model_fields.items():
        for model in _sub_models(info.annotation):
            units[record_type(name, model)] = _units(model)
    return {rtype: set().union(*(u for other, u in units.items() if other != rtype)) for rtype in units}


def _units(model: type[BaseModel]) -> set[str]:
    return {u for info in model.model_fields.values() for m in info.metadata
            if isinstance(m, FigureRefMarker) for u in m.units}
