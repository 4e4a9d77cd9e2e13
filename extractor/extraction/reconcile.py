"""The model's answers checked against the deterministic reader: on a figure the reader settled,
the reader's reading wins.

A figure's *role* is what the records say it is: the field it fills and the record it belongs to,
named by that record's type and main figure (its value or total) — a part's figure fills
`part.<field>` of the record the part belongs to. The reader settles a figure when one of its
records holds it as a comparison or a part, or as the value of a record it names (`reader.settles`
counts the same figures).

Where a model record gives a settled figure another role — "783,85 tỷ đồng" as the value of an
indicator of its own where the reader read it as a part of "2.828,46 tỷ đồng", "20,99%" as a
change where the reader read "đạt 20,99% dự toán tỉnh giao" — the model's field is dropped, the
record keeps its other fields and says why in its issues, and the section lists the drop in its
`warnings`. A model record (or part) left with no figure is dropped whole. Two readings of one
figure are never kept side by side, and no check is run on the one the text contradicts.

A model record or part whose name the text does not print (records.py marks it: a word that is
neither in the piece, its context nor its section titles) is left out whole, with a warning, and
its figures stay open (coverage lists them). Such a name is the 1.5B model's sign that it did not
find the figure's indicator: it takes the template's examples ("Tổng kim ngạch" for "mốc
1119-1120", a border marker), a figure's id ("n3") or words of its own; on the cassette replays
and the two whole sample reports every reading under such a name was wrong.

What is compared: records of the same type only (a model's "tasks" record and the reader's
"indicator" over the same count are not rivals: the schema's type is the model's to give), and
fields up to the plan basis (`plan_percent` agrees with `plan_percent_central` / `_provincial`:
a basis left unstated is less precise, not wrong). The model's names are not compared: the reader
names a figure by the words before it, the model in its own words. A label the reader read
(`reader.READ_LABELS`: a period, a change's direction, a budget line's flow) that the model gives
otherwise on the record of the same type and main figure is dropped the same way.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from ..output.figures import main_figure
from ..output.result import FigureValue, Issue, Record
from ..reading.reader import READ_LABELS


@dataclass(frozen=True)
class Role:
    rtype: str
    holder: int | None  # start of the holding record's main figure (None: the record has none)
    field: str          # "value", "plan_percent", "part.value", …
    holder_text: str = ""


def reader_roles(read: list[Record]) -> dict[int, Role]:
    """The role the reader gives each figure it settles, by the figure's start."""
    roles: dict[int, Role] = {}
    for rec in read:
        for fig, role in _roles(rec):
            if role.field != "value" or rec.name is not None:
                roles.setdefault(fig.start, role)
    return roles


def reconcile(model: list[Record], read: list[Record]) -> tuple[list[Record], list[str]]:
    """The model's records with every field that contradicts the reader dropped, and a warning
    per drop. Records are changed in place; those left with no figure are left out."""
    settled = reader_roles(read)
    warnings: list[str] = []
    kept = []
    for rec in model:
        unprinted = _name_problem(rec)
        if unprinted is not None:
            warnings.append(f"{rec.id}: left out, its name {unprinted}")
            continue
        before = _has_figures(rec)
        warnings += _drop_unprinted_parts(rec)
        conflicts = [(fig, role, settled[fig.start]) for fig, role in _roles(rec)
                     if fig.start in settled and _contradicts(role, settled[fig.start])]
        for fig, role, theirs in conflicts:
            name = _drop(rec, fig.start, role)
            why = (f"{fig.text!r} dropped: the reader reads it as {theirs.field} of {theirs.holder_text!r} "
                   f"(at {theirs.holder})")
            rec.issues.append(Issue(field=name, problem=why))
            warnings.append(f"{rec.id}: {name} {why}")
        if before and not _has_figures(rec):
            warnings.append(f"{rec.id}: left out, none of its figures stands")
            continue
        warnings += _drop_contradicted_labels(rec, read)
        kept.append(rec)
    return kept, warnings


def _name_problem(rec: Record) -> str | None:
    """Why the record's name is not the text's (records.py marks it where the name is read), or None."""
    return next((i.problem for i in rec.issues if i.field == "name"), None)


def _drop_unprinted_parts(rec: Record) -> list[str]:
    """The record's parts (at any depth) whose name the text does not print, removed; a warning each."""
    warnings = []
    for part in list(rec.parts):
        unprinted = _name_problem(part)
        if unprinted is not None:
            rec.parts.remove(part)
            warnings.append(f"{part.id}: left out, its name {unprinted}")
        else:
            warnings += _drop_unprinted_parts(part)
    return warnings


def drop_doubled(records: list[Record]) -> list[Record]:
    """One reply's records with every figure it gives twice at the same level dropped from both
    places: as two fields of one record (the 1.5B model gave one count as both the deaths' and the
    injuries' change), as fields of two records, or as a part twice (one count in two parts of a
    total). Which place is right the reply cannot tell, and a check on either would rest on a
    guess; the figure is left open (coverage lists it) rather than the reply re-asked, which the
    small model failed again as often as not and which costs the embedded model a whole request.
    A figure that is a record's own and a part of another is a hierarchy ("thu nội địa" a part of
    "tổng thu" and the total of its own parts) and stays. Records left with no figure are left out."""
    def place(fig: FigureValue, role: Role) -> tuple[int, bool]:  # the figure, and whether as a part
        return fig.start, role.field.startswith("part.")

    uses = Counter(place(fig, role) for rec in records for fig, role in _roles(rec))
    doubled = {key for key, n in uses.items() if n > 1}
    if not doubled:
        return records
    kept = []
    for rec in records:
        before = _has_figures(rec)
        for fig, role in [(f, r) for f, r in _roles(rec) if place(f, r) in doubled]:
            name = _drop(rec, fig.start, role)
            rec.issues.append(Issue(field=name, problem=f"{fig.text!r} dropped: the reply gives it in more than one place"))
        if _has_figures(rec) or not before:
            kept.append(rec)
    return kept


def _drop_contradicted_labels(rec: Record, read: list[Record]) -> list[str]:
    """A label the reader read on the record of the same type and main figure ("Tổng thu …": a
    revenue line) that the model gives otherwise is dropped; a warning per drop."""
    main = main_figure(rec)
    theirs = next((r for r in read if r.type == rec.type and main is not None
                   and (m := main_figure(r)) is not None and m[1].start == main[1].start), None)
    if theirs is None:
        return []
    warnings = []
    for name in sorted(READ_LABELS & rec.labels.keys() & theirs.labels.keys()):
        if rec.labels[name] != theirs.labels[name]:
            why = f"{rec.labels.pop(name)!r} dropped: the reader reads {theirs.labels[name]!r} from {theirs.name!r}"
            rec.issues.append(Issue(field=name, problem=why))
            warnings.append(f"{rec.id}: {name} {why}")
    return warnings


def _roles(rec: Record) -> list[tuple[FigureValue, Role]]:
    main = main_figure(rec)
    holder, text = (main[1].start, main[1].text) if main else (None, "")
    own = [(f, Role(rec.type, holder, name, text)) for name, f in rec.figures.items() if f is not None]
    parts = [(f, Role(rec.type, holder, f"part.{name}", text)) for part in rec.parts for name, f in _part_figures(part)]
    return own + parts


def _part_figures(part: Record) -> list[tuple[str, FigureValue]]:
    own = [(name, f) for name, f in part.figures.items() if f is not None]
    return own + [pair for sub in part.parts for pair in _part_figures(sub)]


def _contradicts(mine: Role, theirs: Role) -> bool:
    if mine.rtype != theirs.rtype:
        return False
    if mine.holder is not None and mine.holder != theirs.holder:
        return True
    return not _same_field(mine.field, theirs.field)


def _same_field(a: str, b: str) -> bool:
    """Equal, or a plan share whose basis one side leaves unstated."""
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    return short.endswith("plan_percent") and long_ in (short + "_central", short + "_provincial")


def _drop(rec: Record, start: int, role: Role) -> str:
    """Remove the figure at `start` from the record (or from its part); the field's name."""
    for name, f in list(rec.figures.items()):
        if f is not None and f.start == start and not role.field.startswith("part."):
            del rec.figures[name]
            return name
    for i, part in enumerate(rec.parts):
        dropped = _drop_in_part(part, start)
        if dropped is not None:
            if not _has_figures(part):
                del rec.parts[i]
            return f"parts[{i}].{dropped}"
    raise KeyError(start)  # a role always comes from one of the record's figures


def _drop_in_part(part: Record, start: int) -> str | None:
    for name, f in list(part.figures.items()):
        if f is not None and f.start == start:
            del part.figures[name]
            return name
    for sub in part.parts:
        dropped = _drop_in_part(sub, start)
        if dropped is not None:
            return dropped
    return None


def _has_figures(rec: Record) -> bool:
    return any(f is not None for f in rec.figures.values()) or any(_has_figures(p) for p in rec.parts)
