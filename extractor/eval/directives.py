"""Directives against hand-read gold (bench/gold/directives-<report>.json, fields in
bench/gold/README.md): who each directive tells to act, and its deadline.

A gold directive is placed by `opens`, the first words of its piece as printed (whitespace
collapsed); the result's `directive` records whose evidence holds that place answer it. Where
both the model and the reader answered a piece (`extract --ask-all`), the model's records are
scored, else the reader's.

Responsible bodies are compared as quotes, folded (diacritics and case set aside, so an OCR'd
text and a copy of it compare) with whitespace and edge punctuation dropped: two quotes match
when one's words are a run of the other's covering at least `_COVER` of the longer one ("Van
phong UBND tinh" matches "Giao Van phong UBND tinh"; "Chu tich" does not match "Chu tich UBND cac
xa, phuong"). Each quote matches at most one of the other side. Precision = matched result
quotes / result quotes; recall = matched gold quotes / gold quotes; a piece with no record
counts its gold quotes as missed.

A deadline is right when both sides have none, or both have one printing the same numbers
("30/01/2026" and "chậm nhất ngày 30/01/2026"); wrong otherwise; a piece with no record is
`unanswered`, neither right nor wrong.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..document.report import Document
from ..document.text import collapse_ws, fold
from ..errors import InputError
from ..output.result import Record
from .relations import CollapsedText
from .report import load_with_source, percent

_COVER = 0.6


@dataclass
class DirectiveGold:
    opens: str
    responsible: list[str]
    deadline: Optional[str]


@dataclass
class DirectiveGoldFile:
    report: str
    directives: list[DirectiveGold]


@dataclass
class PieceScore:
    opens: str
    gold: DirectiveGold
    answered_by: Optional[str] = None  # "model", "reader" or None
    got: list[str] = field(default_factory=list)
    deadline: Optional[str] = None
    matched: int = 0  # matched pairs
    deadline_state: str = "unanswered"  # right, wrong, unanswered


@dataclass
class DirectiveScore:
    report: str
    pieces: list[PieceScore]

    def totals(self) -> dict[str, Any]:
        answered = [p for p in self.pieces if p.answered_by]
        predicted = sum(len(p.got) for p in self.pieces)
        gold = sum(len(p.gold.responsible) for p in self.pieces)
        matched = sum(p.matched for p in self.pieces)
        states = [p.deadline_state for p in self.pieces]
        return {"pieces": len(self.pieces), "answered": len(answered),
                "by_reader": sum(1 for p in answered if p.answered_by == "reader"),
                "responsible_gold": gold, "responsible_result": predicted, "responsible_matched": matched,
                "precision": matched / predicted if predicted else None, "recall": matched / gold if gold else None,
                "deadline_right": states.count("right"), "deadline_wrong": states.count("wrong"),
                "deadline_unanswered": states.count("unanswered")}


def load_directive_gold(path: Path) -> DirectiveGoldFile:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return DirectiveGoldFile(data["report"], [DirectiveGold(d["opens"], list(d["responsible"]), d["deadline"])
                                                  for d in data["directives"]])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{path}: not a directives gold file ({exc})") from exc


def gold_for(doc: Document, golds: list[DirectiveGoldFile]) -> Optional[DirectiveGoldFile]:
    """The gold of this report: same file name, else the one most of whose pieces it holds."""
    for gold in golds:
        if doc.source is not None and doc.source.path.name == gold.report:
            return gold
    text = CollapsedText(doc.text)
    for gold in golds:
        if sum(1 for d in gold.directives if text.find(d.opens)) > len(gold.directives) / 2:
            return gold
    return None


def score_directives(doc: Document, records: list[Record], gold: DirectiveGoldFile) -> DirectiveScore:
    text = CollapsedText(doc.text)
    directives = [r for r in records if r.type == "directive" and r.evidence is not None]
    pieces = []
    for item in gold.directives:
        piece = PieceScore(item.opens, item)
        found = text.find(item.opens)
        at = found[0][0] if found else -1
        here = [r for r in directives if r.evidence and r.evidence.start <= at < r.evidence.end]
        model = [r for r in here if r.labels.get("source") != "reader"]
        chosen = model or here
        if chosen:
            piece.answered_by = "model" if model else "reader"
            piece.got = [q for r in chosen for q in r.labels.get("responsible") or []]
            piece.deadline = next((d for r in chosen if (d := r.labels.get("deadline"))), None)
            piece.matched = _pairs(piece.got, item.responsible)
            piece.deadline_state = "right" if _same_deadline(piece.deadline, item.deadline) else "wrong"
        pieces.append(piece)
    return DirectiveScore(gold.report, pieces)


def _words(quote: str) -> list[str]:
    return collapse_ws(fold(quote)).strip(" ,.;:").replace(",", " ,").split()


def _match(a: str, b: str) -> bool:
    short, long = sorted((_words(a), _words(b)), key=len)
    if not short or len(short) < _COVER * len(long):
        return False
    return any(long[i:i + len(short)] == short for i in range(len(long) - len(short) + 1))


def _pairs(got: list[str], gold: list[str]) -> int:
    left = list(gold)
    n = 0
    for quote in got:
        hit = next((g for g in left if _match(quote, g)), None)
        if hit is not None:
            left.remove(hit)
            n += 1
    return n


def _same_deadline(got: Optional[str], gold: Optional[str]) -> bool:
    if got is None or gold is None:
        return got is None and gold is None
    return [int(n) for n in re.findall(r"\d+", got)] == [int(n) for n in re.findall(r"\d+", gold)]


def directives_dict(score: DirectiveScore) -> dict[str, Any]:
    return {"report": score.report, "totals": score.totals(),
            "pieces": [{"opens": p.opens, "answered_by": p.answered_by, "responsible": p.got,
                        "gold_responsible": p.gold.responsible, "matched": p.matched, "deadline": p.deadline,
                        "gold_deadline": p.gold.deadline, "deadline_state": p.deadline_state} for p in score.pieces]}


def run_directives(results: list[Path], sources: list[Path], gold_files: list[Path]) -> list[DirectiveScore]:
    """`extractor eval --directives`: each result's directive records against the gold of its report."""
    golds = [load_directive_gold(p) for p in gold_files]
    if not results:
        raise InputError("--directives measures result files: give the results of `extract` (--no-model for the reader)")
    scores = []
    for path in results:
        result, doc = load_with_source(path, sources[0] if len(results) == 1 and sources else None)
        gold = gold_for(doc, golds)
        if gold is None:
            raise InputError(f"{path}: no directives gold matches its report (by file name or opening words)")
        scores.append(score_directives(doc, result.records, gold))
    return scores


def render_directives(scores: list[DirectiveScore], console: Console) -> None:
    """A row per gold directive, then the totals of each report."""
    totals = Table("report", "pieces", "answered (reader)", "responsible gold", "result", "matched", "precision",
                   "recall", "deadline right", "wrong", "unanswered", title="directives", title_justify="left")
    for score in scores:
        table = Table("opens", "by", "responsible (result)", "responsible (gold)", "deadline (result / gold)", "state",
                      title=f"directives — {score.report}", title_justify="left")
        for p in score.pieces:
            table.add_row(escape(p.opens[:40]), p.answered_by or "-", escape("; ".join(p.got)),
                          escape("; ".join(p.gold.responsible)), escape(f"{p.deadline} / {p.gold.deadline}"),
                          f"{p.matched} matched, deadline {p.deadline_state}")
        console.print(table)
        t = score.totals()
        totals.add_row(score.report, str(t["pieces"]), f"{t['answered']} ({t['by_reader']})", str(t["responsible_gold"]),
                       str(t["responsible_result"]), str(t["responsible_matched"]), percent(t["precision"]),
                       percent(t["recall"]), str(t["deadline_right"]), str(t["deadline_wrong"]),
                       str(t["deadline_unanswered"]))
    console.print(totals)

