"""`extractor eval`: evaluate results (or a report's no-model baseline) and print or dump the
figures."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..document.report import Document, load_document
from ..document.text import collapse_ws
from ..errors import ExtractorError, InputError
from ..extraction.validate import (
    load_result,
    sort_checks,
    source_of,
    validate_result,
    validate_section,
)
from ..output.result import Check, Record, Result
from .figures import FigureGold, FigureScore, load_figure_gold, score_figures
from .relations import (
    FLAGS,
    CollapsedText,
    Locator,
    Outcome,
    Relation,
    judged,
    load_relations,
    reaches,
)


@dataclass
class ReportEval:
    report: str
    source: str
    model: str
    outcomes: list[Outcome]
    unmatched_flags: list[Check]
    unmatched_passes: int
    figures: Optional["FigureScore"] = None

    def totals(self) -> dict[str, int]:
        states = [o.state for o in self.outcomes]
        reached = [o for o in self.outcomes if o.verdict is not None]
        return {
            "relations": len(self.outcomes),
            "unlocated": states.count("unlocated"),
            "located": len(self.outcomes) - states.count("unlocated"),
            "reached": len(reached),
            "reached_fully": sum(1 for o in reached if o.covered == len(o.location.figures)),
            "right": sum(1 for o in reached if o.right),
            "wrong": sum(1 for o in reached if not o.right),
            "source_errors": sum(1 for o in self.outcomes if o.location.relation.holds is False),
            "caught": states.count("caught"),
            "missed": states.count("missed"),
            "false_flags": states.count("false flag"),
            "unmatched_flags": len(self.unmatched_flags),
            "unmatched_passes": self.unmatched_passes,
        }


def gold_report_of(doc: Document, relations: list[Relation]) -> Optional[str]:
    """The gold report a document is: same file name, else the one most of whose quotes it holds."""
    names = sorted({r.report for r in relations})
    if doc.source is not None and doc.source.path.name in names:
        return doc.source.path.name
    collapsed = CollapsedText(doc.text)
    best, share = None, 0.5
    for name in names:
        quotes = [r.quote for r in relations if r.report == name]
        found = sum(1 for q in quotes if collapsed.find(q)) / len(quotes)
        if found > share:
            best, share = name, found
    return best


def evaluate(doc: Document, checks: list[Check], relations: list[Relation], *, model: str,
             records: Optional[list[Record]] = None, figure_golds: Optional[list["FigureGold"]] = None,
             extracted: Optional[set[str]] = None) -> ReportEval:
    report = gold_report_of(doc, relations)
    source = str(doc.source.path) if doc.source else "(text)"
    if report is None:
        raise InputError(f"{source}: no report of the gold file matches it (by file name or quotes)")
    locator = Locator(doc)
    verdicts = judged(checks)
    outcomes = []
    for rel in (r for r in relations if r.report == report):
        loc = locator.locate(rel)
        outcomes.append(Outcome(loc, [c for c in verdicts if reaches(c, loc)]))
    matched = {id(c) for o in outcomes for c in o.checks}
    unmatched = [c for c in verdicts if id(c) not in matched]
    figure_gold = next((g for g in figure_golds or [] if g.report == report), None)
    return ReportEval(report, source, model, outcomes, [c for c in unmatched if c.status in FLAGS],
                      sum(1 for c in unmatched if c.status == "pass"),
                      score_figures(doc, records or [], figure_gold, extracted) if figure_gold else None)


def text_checks_only(doc: Document) -> list[Check]:
    """The no-model baseline: every section's checks with no records, i.e. what the document's
    own text lets the deterministic checks decide."""
    ids = [s.id for s in doc.sections]
    return sort_checks([c for sid in ids for c in validate_section(doc, sid, [])], ids)


# ---------------------------------------------------------------- output

def outcome_dict(o: Outcome) -> dict[str, Any]:
    loc, rel = o.location, o.location.relation
    return {
        "id": rel.id, "kind": rel.kind, "holds": rel.holds, "state": o.state, "verdict": o.verdict,
        "covered": o.covered,
        "quote_span": list(loc.quote_span) if loc.quote_span else None, "problem": loc.problem or None,
        "figures": [{"text": f.mention.text, "start": f.mention.start, "end": f.mention.end,
                     "footnote": f.footnote} for f in loc.figures],
        "unresolved": [str(n) for n in loc.unresolved],
        "checks": [{"rule": c.rule, "status": c.status, "expression": c.expression, "key": c.key} for c in o.checks],
    }


def figures_dict(score: "FigureScore") -> dict[str, Any]:
    return {"total": score.total().as_dict(),
            "by_kind": {k: c.as_dict() for k, c in score.by_kind.items()},
            "by_field": {k: c.as_dict() for k, c in score.by_field.items()},
            "unlocated": [{"quote": g.quote, "number": g.number} for g in score.unlocated],
            "not_extracted": score.not_extracted,
            "mistakes": score.mistakes}


def report_dict(ev: ReportEval) -> dict[str, Any]:
    return {"report": ev.report, "source": ev.source, "model": ev.model, "totals": ev.totals(),
            "figures": figures_dict(ev.figures) if ev.figures else None,
            "relations": [outcome_dict(o) for o in ev.outcomes],
            "unmatched_flags": [{"rule": c.rule, "status": c.status, "section_id": c.section_id,
                                 "expression": c.expression, "starts": [f.start for f in c.figures], "key": c.key}
                                for c in ev.unmatched_flags]}


def sum_totals(evals: list[ReportEval]) -> dict[str, int]:
    total: dict[str, int] = {}
    for ev in evals:
        for k, v in ev.totals().items():
            total[k] = total.get(k, 0) + v
    return total


def _state_style(state: str) -> str:
    return {"right": "green", "caught": "bold green", "false flag": "bold red", "missed": "red", "wrong": "red",
            "unlocated": "yellow", "not reached": "dim"}.get(state, "")


def render(evals: list[ReportEval], console: Console) -> None:
    """A table per report (every relation, never a silent drop), its unmatched flags, then totals."""
    for ev in evals:
        table = Table("id", "kind", "holds", "figures", "checks", "state",
                      title=f"{ev.report} — {ev.source} ({ev.model})", title_justify="left")
        for o in ev.outcomes:
            loc = o.location
            figs = ", ".join(collapse_ws(f.mention.text) for f in loc.figures) or (loc.problem or "")
            checks = "; ".join(f"{c.rule}: {c.expression}" for c in o.checks)
            if o.checks:
                checks += f" [{o.covered}/{len(loc.figures)} figures]"
            table.add_row(loc.relation.id, loc.relation.kind, str(loc.relation.holds).lower(), escape(figs),
                          escape(checks), f"[{_state_style(o.state)}]{o.state}[/]")
        console.print(table)
        if ev.unmatched_flags:
            flags = Table("section", "rule", "status", "expression",
                          title="flags that match no gold relation (false flag or gold gap)", title_justify="left")
            for c in ev.unmatched_flags:
                flags.add_row(c.section_id or "", c.rule, c.status, escape(c.expression))
            console.print(flags)
        if ev.figures:
            console.print(_figure_table(ev.figures, f"figure roles — {ev.report}"))
    totals = Table("report", "relations", "located", "reached", "right", "wrong", "source errors caught",
                   "false flags", "unmatched flags", title="totals", title_justify="left")
    rows = [(ev.report, ev.totals()) for ev in evals] + ([("all", sum_totals(evals))] if len(evals) > 1 else [])
    for name, t in rows:
        totals.add_row(name, str(t["relations"]), str(t["located"]), f"{t['reached']} ({t['reached_fully']} whole)",
                       str(t["right"]), str(t["wrong"]), f"{t['caught']}/{t['source_errors']}",
                       str(t["false_flags"]), str(t["unmatched_flags"]))
    console.print(totals)


def _figure_table(score: "FigureScore", title: str) -> Table:
    table = Table("by", "gold", "taken", "right role", "recall", "result figures", "right", "precision",
                  title=title, title_justify="left")

    rows = [("kind " + k, c) for k, c in score.by_kind.items()] + [("all", score.total())] + \
        [("field " + k, c) for k, c in score.by_field.items()]
    for name, c in rows:
        d = c.as_dict()
        table.add_row(name, str(c.gold), str(c.taken), str(c.found), percent(d["recall"]), str(c.predicted), str(c.right),
                      percent(d["precision"]))
    notes = [f"annotated sections not in the result: {', '.join(score.not_extracted)}"] if score.not_extracted else []
    if score.unlocated:
        notes.append(f"{len(score.unlocated)} gold figures not located: " +
                     "; ".join(f"{g.number} in {g.quote!r}" for g in score.unlocated))
    table.caption = escape("\n".join(notes)) or None
    return table


def percent(x: Optional[float]) -> str:
    """A share as the eval tables print it ("-" when nothing was there to count)."""
    return "-" if x is None else f"{x:.0%}"


def load_with_source(path: Path, source: Optional[Path]) -> tuple[Result, Document]:
    """A result and the report it was extracted from (found by its recorded path, or `source`),
    refused when the report changed since."""
    result = load_result(path)
    doc = source_of(result, source)
    if doc.content_hash != result.content_hash:
        raise ExtractorError(f"{path}: its report changed since it was extracted (content hash differs)")
    return result, doc


def run(results: list[Path], sources: list[Path], gold: Path,
        figure_files: Optional[list[Path]] = None, recheck: bool = False) -> list[ReportEval]:
    """`extractor eval`: each result against its own source; with no result, each source's
    no-model baseline (text checks only). With one result, a source names its report. With
    `recheck`, today's checks are run on the result's records instead of taking those it carries."""
    relations = load_relations(gold)
    figure_golds = [load_figure_gold(p) for p in figure_files or []]
    if results and len(sources) > (1 if len(results) == 1 else 0):
        raise InputError("--source names the report of a single result; with several results, give none")
    if not results and not sources:
        raise InputError("give result files, or --source REPORT for the no-model baseline")
    evals = []
    for path in results:
        result, doc = load_with_source(path, sources[0] if sources else None)
        checks = validate_result(result, doc) if recheck else result.checks
        evals.append(evaluate(doc, checks, relations, model=result.model, records=result.records,
                              figure_golds=figure_golds, extracted={s.id for s in result.sections}))
    if not results:
        for source in sources:
            doc = load_document(source)
            evals.append(evaluate(doc, text_checks_only(doc), relations, model="no model: text checks only",
                                  figure_golds=figure_golds))
    unused = sorted({g.report for g in figure_golds} - {e.report for e in evals})
    if unused:
        raise InputError(f"figure gold for {', '.join(unused)} matches no report evaluated here")
    return evals
