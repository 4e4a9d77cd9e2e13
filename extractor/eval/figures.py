"""Figure-role gold: place each annotated figure and score a result's records against it (rules:
the package docstring, `extractor.eval`)."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from ..document.report import Document
from ..errors import InputError
from ..output.result import Record
from .relations import _WS, CollapsedText

# ---------------------------------------------------------------- figure roles

@dataclass(frozen=True)
class GoldFigure:
    section: str
    quote: str
    number: str
    record: Optional[str]
    field: str
    of: Optional[str] = None

    @property
    def holder(self) -> Optional[str]:
        """The gold record whose role this is: the record itself, or the one it is a part of."""
        return self.of if self.field.startswith("part.") else self.record


@dataclass
class FigureGold:
    report: str
    sections: list[dict[str, str]]
    figures: list[GoldFigure]


def load_figure_gold(path: Path) -> FigureGold:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        figures = [GoldFigure(section=f["section"], quote=f["quote"], number=f["number"], record=f.get("record"),
                              field=f["field"], of=f.get("of")) for f in data["figures"]]
        return FigureGold(report=data["report"], sections=data["sections"], figures=figures)
    except FileNotFoundError:
        raise InputError(f"{path}: no such figure gold file") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{path}: not a figure gold file ({exc})") from None


def locate_figure(doc: Document, collapsed: CollapsedText, g: GoldFigure) -> Optional[int]:
    """Offset of the gold numeral: its quote must occur once, the number once inside it."""
    spans = collapsed.find(g.quote)
    if len(spans) != 1:
        return None
    start, end = spans[0]
    hits = list(re.finditer(rf"(?<![\d.,]){re.escape(g.number)}(?![\d]|[.,]\d)", doc.text[start:end]))
    return start + hits[0].start() if len(hits) == 1 else None


def roles(rec: Record) -> list[tuple[Record, list[tuple[str, Any]]]]:
    """(holder, [(field, figure)]) of a record as the eval reads it: its own fields and `part.<field>` of
    its parts, held by it; a part's own parts are held by that part (the gold names the direct
    parent of a part of a part), as a record of its own."""
    own = [(name, f) for name, f in rec.figures.items() if f is not None]
    return [(rec, own + _part_fields(rec)), *[group for part in rec.parts for group in _nested(part)]]


def _part_fields(rec: Record) -> list[tuple[str, Any]]:
    return [(f"part.{name}", f) for part in rec.parts for name, f in part.figures.items() if f is not None]


def _nested(part: Record) -> list[tuple[Record, list[tuple[str, Any]]]]:
    groups = [(part, _part_fields(part))] if part.parts else []
    return groups + [group for sub in part.parts for group in _nested(sub)]


def same_field(predicted: str, gold: str) -> bool:
    """Equal fields, or an unspecific plan share for a central / provincial one."""
    return predicted == gold or (predicted.endswith("plan_percent")
                                 and gold in (predicted + "_central", predicted + "_provincial"))


@dataclass
class RoleCount:
    gold: int = 0
    taken: int = 0       # gold figures some record holds, whatever the role
    found: int = 0       # gold figures given their right role
    predicted: int = 0
    right: int = 0       # predicted figures with the right role

    def as_dict(self) -> dict[str, Any]:
        return {"gold": self.gold, "taken": self.taken, "found": self.found, "predicted": self.predicted,
                "right": self.right,
                "precision": round(self.right / self.predicted, 3) if self.predicted else None,
                "recall": round(self.found / self.gold, 3) if self.gold else None}


@dataclass
class FigureScore:
    by_kind: dict[str, RoleCount]
    by_field: dict[str, RoleCount]
    unlocated: list[GoldFigure]
    mistakes: list[dict[str, Any]]  # result figures with a wrong role, and why
    not_extracted: list[str] = field(default_factory=list)  # annotated sections the result lacks

    def total(self) -> RoleCount:
        t = RoleCount()
        for c in self.by_kind.values():
            t.gold, t.taken, t.found = t.gold + c.gold, t.taken + c.taken, t.found + c.found
            t.predicted, t.right = t.predicted + c.predicted, t.right + c.right
        return t


def score_figures(doc: Document, records: list[Record], gold: FigureGold,
                  extracted: Optional[set[str]] = None) -> FigureScore:
    """Scores the annotated sections the result extracted (all of them when `extracted` is None:
    the no-model baseline, whose recall is 0 by construction)."""
    collapsed = CollapsedText(doc.text)
    kinds: dict[str, str] = {}
    skipped = []
    for sec in gold.sections:
        if extracted is not None and sec["id"] not in extracted:
            skipped.append(sec["id"])
            continue
        try:
            title = doc.section(sec["id"]).title
        except KeyError:
            raise InputError(f"figure gold: the document has no section {sec['id']}") from None
        if _WS.sub(" ", title).strip() != _WS.sub(" ", sec["title"]).strip():
            raise InputError(f"figure gold: section {sec['id']} is {title!r} here, not {sec['title']!r}")
        kinds[sec["id"]] = sec["kind"]
    placed: dict[int, GoldFigure] = {}
    unlocated = []
    for g in (g for g in gold.figures if g.section in kinds):
        at = locate_figure(doc, collapsed, g)
        if at is None:
            unlocated.append(g)
        else:
            placed[at] = g
    section_of = {f.mention.start: f.section_id for f in doc.figures}
    by_kind: dict[str, RoleCount] = {k: RoleCount() for k in dict.fromkeys(kinds.values())}
    by_field: dict[str, RoleCount] = {}

    def kind_of(section: Optional[str]) -> Optional[str]:
        return kinds.get(section) if section is not None else None

    def gold_at(fig: Any) -> Optional[GoldFigure]:
        return next((placed[o] for o in placed if fig.start <= o < fig.end), None)

    right_gold: set[int] = set()
    taken_gold: set[int] = set()
    mistakes = []
    for rec, held in (group for top in records for group in roles(top)):
        pairs = [(field_, fig, kind) for field_, fig in held
                 if (kind := kind_of(section_of.get(fig.start, rec.section_id))) is not None]
        if not pairs:
            continue
        votes: dict[str, int] = {}
        for _, fig, _ in pairs:
            hit = gold_at(fig)
            if hit is not None and hit.holder:
                votes[hit.holder] = votes.get(hit.holder, 0) + 1
        aligned = max(votes, key=lambda k: votes[k]) if votes else None
        for field_, fig, kind in pairs:
            hit = gold_at(fig)
            taken_gold.add(id(hit))
            ok = hit is not None and hit.field != "none" and hit.holder == aligned and same_field(field_, hit.field)
            for count in (by_kind[kind], by_field.setdefault(field_, RoleCount())):
                count.predicted += 1
                count.right += ok
            if ok:
                right_gold.add(id(hit))
            else:
                mistakes.append({"record": rec.id, "name": rec.name, "field": field_, "text": fig.text,
                                 "start": fig.start, "gold": None if hit is None else
                                 {"record": hit.record, "field": hit.field, "of": hit.of}, "aligned_to": aligned})
    for g in placed.values():
        if g.field == "none" or g.section not in kinds:
            continue
        for count in (by_kind[kinds[g.section]], by_field.setdefault(g.field, RoleCount())):
            count.gold += 1
            count.taken += id(g) in taken_gold
            count.found += id(g) in right_gold
    for g in unlocated:
        if g.field != "none" and g.section in kinds:
            by_kind[kinds[g.section]].gold += 1
            by_field.setdefault(g.field, RoleCount()).gold += 1
    return FigureScore(by_kind, dict(sorted(by_field.items())), unlocated, mistakes, skipped)
