"""Measure a result against hand-read gold (`extractor eval`).

Nothing here decides a check: the extractor never reads the gold. This module only compares
what a run produced with what a person read in the same report.

Gold relations (bench/gold/relations.json, fields in bench/gold/README.md)
--------------------------------------------------------------------------
Each relation is an arithmetic fact of one report ("354 + 25 = 379"), with a `quote` of the
text where it is printed, a `kind`, its `expression` in plain numbers and whether it `holds`.

Which report: a relation's `report` is a file name. A result is matched to the gold report of
the same file name as its source; failing that, to the gold report most of whose quotes occur
in the result's source text (more than half of them).

Locating a relation in the document (`locate`):
1. The quote is found in the normalised (NFC) text with every whitespace run collapsed to one
   space on both sides; an offset map leads back to the document's offsets. A quote that is not
   found leaves the relation *unlocated* (reported, never dropped).
2. The expression's numbers are read ('.' is the decimal mark there), leaving out what is
   arithmetic rather than printed: a `× 100`, a `− 1` (growth written as a ratio minus one),
   a "footnote N", the bounds of an `[a, b]` interval, which stand for their midpoint (the
   printed value ± half a unit: "[64.25, 64.35]%" is the printed 64,3%), and the relation's
   `computed` value unless the expression also states it ("354 + 25 = 379 (stated total 379)").
3. Each number is looked for among the document's figures (our own parser's inventory)
   that stand within `WINDOW` characters of the quote, in the quote's section; a footnote's
   figures stand where the footnote's marker is. A figure matches a number when its printed
   numeral, its value (scale applied), its denominator ("958/970") or its range end is that
   number, sign ignored ("giảm 4,27%" is the −4.27 of an expression). The nearest matching
   figure wins (one inside the quote is at distance 0); figures beside the quote (both in the
   body, or in the same footnote) come before those of another footnote or of the body.
   Numbers that match nothing are the computed side or derived values (an implied plan, a
   base the text does not print): they are listed as `unresolved` and are not an error.
A relation is *located* when its quote is found and at least one of its numbers resolves;
its figures are the resolved ones (by start offset). Known limit: a derived number can land on
an unrelated printed figure of the same value nearby (2024-01-048's implied base 9 on "09 vụ"
441 characters earlier); reaching needs two shared figures, so a stray one seldom decides
anything, and `--json` lists every figure a relation was placed on, for audit.

Reaching and judging
--------------------
Only source checks with a verdict (pass, warn, fail) are compared; grounding (extraction)
checks and skipped ones are not. A check *reaches* a relation when its rule fits the
relation's kind (`RULES_FOR_KIND`: a sum is checked by identity or parts_total, a
fraction_percent by fraction, …; an `other` relation, the derived checks, by any rule outside
that table and cumulative / percent_range) and at least min(2, n) of the relation's n figures
are among the check's figures (same start offset). Every reaching check counts; the
relation's verdict is "flag" if any of them fails or warns (a warning is a flag: it goes to a
reviewer), else "pass". How many of the relation's figures the best check holds is reported
with it (`covered`; `reached_fully` counts the relations a check holds whole): a sum checked
on two of its eight parts is reached, but only in part.

The verdict is *right* when it agrees with `holds`:
- holds true: right iff "pass"; a flag is a FALSE FLAG;
- holds false: right iff "flag"; such a relation is a SOURCE ERROR CAUGHT, a pass is missed;
- holds null (undecidable, e.g. a "trong đó" list that may not be exhaustive): right unless a
  reaching check fails with severity error; a warning or a pass is fine.
Flagging source checks that reach no gold relation of the report are listed too: each is a
false flag or a gap in the gold, which a person has to tell apart.

Figure roles (bench/gold/figures-<report>.json)
-----------------------------------------------
For a few sections of each sample report, every numeric mention is annotated with its role: the
record it belongs to (named as the text names it), its field, and for a part the record it is a
part `of`. A gold figure is placed by its `quote` (unique, whitespace-collapsed) and the
`number` token inside it; its offset is the numeral's first character.

What the result says about a figure comes from its records: a record's own field `f` gives the
role (record, `f`); a field `f` of one of its parts gives (record, `part.f`) — the role is held
by the record the part belongs to. A result figure *is* a gold figure when the gold numeral's
offset lies within the figure's printed span.

Records are aligned before roles are compared: each result record goes to the gold record that
holds most of its figures (own fields and its parts' fields; a gold figure is held by its
`record`, or by the record it is a part `of`). A result figure's role is *right* when the gold
figure at that place is held by the aligned gold record and has the same field, where an
unspecific `plan_percent` also matches a gold `plan_percent_central` / `_provincial` (a plan
share whose basis is not told is not wrong, only less precise).

Precision = right result figures / result figures in the annotated sections (a figure the gold
marks `none` — not data, e.g. "5 năm" of a plan's name — or leaves out counts against it).
Recall = gold figures some result figure gives the right role / gold figures with a role;
`taken` counts the gold figures a record holds at all, right role or not.
Both are given per kind of section and per field (precision by the result's field, recall by the
gold's). Gold fields the schemas have no place for yet (`previous_value`, `share_percent` of a
record, `ratio_percent`, the dossier shares…) stay in the recall: they measure what cannot be
extracted yet.
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Optional

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .document import Document, Figure, load_document
from .errors import ExtractorError, InputError
from .records import named_figures
from .result import Check, Record
from .textutil import collapse_ws
from .validator import load_result, sort_checks, source_of, validate_result, validate_section

WINDOW = 600  # characters either side of a quote where a relation's figures are looked for

# Rules that check each kind of relation; an `other` relation is reached by any rule not named here.
RULES_FOR_KIND: dict[str, set[str]] = {
    "sum": {"identity", "parts_total"},
    "share_percent": {"share"},
    "fraction_percent": {"fraction"},
    "change_percent": {"change"},
    "change_abs": {"change_amount"},
}
_BASIC_RULES = set().union(*RULES_FOR_KIND.values()) | {"cumulative", "percent_range", "grounding"}

_WS = re.compile(r"\s+")


@dataclass(frozen=True)
class Relation:
    id: str
    report: str
    line: int
    quote: str
    kind: str
    expression: str
    holds: Optional[bool]
    computed: Any = None
    note: str = ""

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Relation":
        return cls(id=d["id"], report=d["report"], line=d["line"], quote=d["quote"], kind=d["kind"],
                   expression=d["expression"], holds=d["holds"], computed=d.get("computed"), note=d.get("note", ""))

    def numbers(self) -> list[Decimal]:
        """The expression's numbers that may be printed (see the module docstring)."""
        found = expression_numbers(self.expression)
        if not isinstance(self.computed, (int, float)) or isinstance(self.computed, bool):
            return found
        computed = abs(Decimal(str(self.computed)))
        # The computed side is the number right after a plain "=": left out unless stated as well.
        stated = [n for n in _numbers_in(self.expression) if n == computed]
        after_equals = re.search(rf"(?<![<>])=\s*-?{re.escape(str(self.computed).lstrip('-'))}(?![\d.])",
                                 self.expression)
        return [n for n in found if n != computed] if len(stated) == 1 and after_equals else found


def load_relations(path: Path) -> list[Relation]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return [Relation.from_dict(d) for d in data]
    except FileNotFoundError:
        raise InputError(f"{path}: no such gold file") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{path}: not a gold relations file ({exc})") from None


class CollapsedText:
    """The text with every whitespace run made one space, and the way back to its offsets."""

    def __init__(self, text: str) -> None:
        chars: list[str] = []
        offsets: list[int] = []
        for m in re.finditer(r"\s+|\S+", text):
            if m.group().isspace():
                chars.append(" ")
                offsets.append(m.start())
            else:
                chars.extend(m.group())
                offsets.extend(range(m.start(), m.end()))
        self.text = "".join(chars)
        self._offsets = offsets

    def find(self, quote: str) -> list[tuple[int, int]]:
        """Every (start, end) in the original text where the quote occurs, whitespace-insensitively."""
        needle = _WS.sub(" ", unicodedata.normalize("NFC", quote)).strip()
        spans = []
        if not needle:
            return spans
        i = self.text.find(needle)
        while i >= 0:
            j = i + len(needle)
            spans.append((self._offsets[i], self._offsets[j - 1] + 1))
            i = self.text.find(needle, i + 1)
        return spans


_NUMBER = re.compile(r"(?<![\w.,])-?\d+(?:[.,]\d+)?")
_INTERVAL = re.compile(r"\[\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*\]")
_NOT_PRINTED = re.compile(r"×\s*100(?![\d.])|[−-]\s*1(?![\d.])|\bfootnote \d+")


def _numbers_in(expression: str) -> list[Decimal]:
    text = _INTERVAL.sub(lambda m: " " + str((Decimal(m.group(1)) + Decimal(m.group(2))) / 2) + " ", expression)
    return [abs(Decimal(m.group().replace(",", "."))) for m in _NUMBER.finditer(_NOT_PRINTED.sub(" ", text))]


def expression_numbers(expression: str) -> list[Decimal]:
    """The numbers an expression names, in order and without repeats (see the module docstring)."""
    return list(dict.fromkeys(_numbers_in(expression)))


@dataclass
class Location:
    relation: Relation
    quote_span: Optional[tuple[int, int]] = None
    figures: list[Figure] = field(default_factory=list)
    unresolved: list[Decimal] = field(default_factory=list)
    problem: str = ""

    @property
    def located(self) -> bool:
        return self.quote_span is not None and bool(self.figures)

    @property
    def starts(self) -> set[int]:
        return {f.mention.start for f in self.figures}


def _matches(fig: Figure, n: Decimal) -> bool:
    m = fig.mention
    return n in {abs(m.number), abs(m.value)} or (m.denominator is not None and m.denominator == n) \
        or (m.range_to is not None and abs(m.range_to) == n)


class Locator:
    """Places gold relations on one document's figures."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.collapsed = CollapsedText(doc.text)
        self._markers = {fn.number: fn.marker for fn in doc.footnotes if fn.marker}

    def _footnote_at(self, offset: int) -> Optional[int]:
        return next((fn.number for fn in self.doc.footnotes if any(s <= offset < e for s, e in fn.spans)), None)

    def _anchor(self, footnote: Optional[int], span: tuple[int, int]) -> Optional[tuple[int, int]]:
        """Where a thing stands in the body: its own span, or its footnote's marker."""
        return span if footnote is None else self._markers.get(footnote)

    def locate(self, rel: Relation) -> Location:
        loc = Location(rel)
        spans = self.collapsed.find(rel.quote)
        if not spans:
            loc.problem = "quote not found in the text"
            return loc
        if len(spans) > 1:
            loc.problem = f"quote found {len(spans)} times; the first is used"
        quote = loc.quote_span = spans[0]
        in_note = self._footnote_at(quote[0])
        where = self._anchor(in_note, quote)
        section = next((fn.section_id for fn in self.doc.footnotes if fn.number == in_note), None) \
            if in_note is not None else getattr(self.doc.section_at(quote[0]), "id", None)

        def distance(fig: Figure) -> Optional[tuple[bool, int]]:
            """(elsewhere, characters): figures beside the quote (both in the body, or in the same
            footnote) come before those of another footnote or of the body, measured at markers."""
            m = fig.mention
            elsewhere = fig.footnote != in_note
            near, span = ((where, self._anchor(fig.footnote, (m.start, m.end))) if elsewhere
                          else (quote, (m.start, m.end)))
            if near is None or span is None or fig.section_id != section:
                return None
            gap = max(0, near[0] - span[1], span[0] - near[1])
            return (elsewhere, gap) if gap <= WINDOW else None

        found: dict[int, Figure] = {}
        for n in rel.numbers():
            best = min(((d, f) for f in self.doc.figures if _matches(f, n) and (d := distance(f)) is not None),
                       key=lambda p: p[0], default=None)
            if best is None:
                loc.unresolved.append(n)
            else:
                found[best[1].mention.start] = best[1]
        loc.figures = [found[s] for s in sorted(found)]
        if not loc.figures and not loc.problem:
            loc.problem = "none of its numbers is a figure near the quote"
        return loc


# ---------------------------------------------------------------- judging checks against relations

FLAGS = ("fail", "warn")


def fits(rule: str, kind: str) -> bool:
    """Can a check of this rule decide a relation of this kind?"""
    return rule in RULES_FOR_KIND[kind] if kind in RULES_FOR_KIND else rule not in _BASIC_RULES


def reaches(check: Check, loc: Location) -> bool:
    if not loc.located or not fits(check.rule, loc.relation.kind):
        return False
    shared = loc.starts & {f.start for f in check.figures}
    return len(shared) >= min(2, len(loc.figures))


def judged(checks: list[Check]) -> list[Check]:
    """The checks the eval compares: source checks with a verdict."""
    return [c for c in checks if c.category == "source" and c.status in ("pass", "warn", "fail")]


@dataclass
class Outcome:
    """What the result did about one gold relation."""

    location: Location
    checks: list[Check] = field(default_factory=list)  # every check that reaches it

    @property
    def covered(self) -> int:
        """How many of the relation's figures the best reaching check holds."""
        return max((len(self.location.starts & {f.start for f in c.figures}) for c in self.checks), default=0)

    @property
    def verdict(self) -> Optional[str]:
        if not self.checks:
            return None
        return "flag" if any(c.status in FLAGS for c in self.checks) else "pass"

    @property
    def right(self) -> Optional[bool]:
        holds, verdict = self.location.relation.holds, self.verdict
        if verdict is None:
            return None
        if holds is None:
            return not any(c.status == "fail" and c.severity == "error" for c in self.checks)
        return (verdict == "pass") == holds

    @property
    def state(self) -> str:
        """unlocated / not reached / right / FALSE FLAG / CAUGHT / missed / wrong."""
        holds = self.location.relation.holds
        if not self.location.located:
            return "unlocated"
        if self.verdict is None:
            return "not reached"
        if holds is False:
            return "caught" if self.verdict == "flag" else "missed"
        if holds is True and self.verdict == "flag":
            return "false flag"
        return "right" if self.right else "wrong"


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

    def pct(x: Optional[float]) -> str:
        return "-" if x is None else f"{x:.0%}"

    rows = [("kind " + k, c) for k, c in score.by_kind.items()] + [("all", score.total())] + \
        [("field " + k, c) for k, c in score.by_field.items()]
    for name, c in rows:
        d = c.as_dict()
        table.add_row(name, str(c.gold), str(c.taken), str(c.found), pct(d["recall"]), str(c.predicted), str(c.right),
                      pct(d["precision"]))
    notes = [f"annotated sections not in the result: {', '.join(score.not_extracted)}"] if score.not_extracted else []
    if score.unlocated:
        notes.append(f"{len(score.unlocated)} gold figures not located: " +
                     "; ".join(f"{g.number} in {g.quote!r}" for g in score.unlocated))
    table.caption = escape("\n".join(notes)) or None
    return table


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
        result = load_result(path)
        doc = source_of(result, sources[0] if sources else None)
        if doc.content_hash != result.content_hash:
            raise ExtractorError(f"{path}: its report changed since it was extracted (content hash differs)")
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


def roles(rec: Record) -> list[tuple[str, Any]]:
    """(field, figure) of a record as the eval reads it: own fields, then `part.<field>` of its parts."""
    own = [(name, f) for name, f in rec.figures.items() if f is not None]
    return own + [(f"part.{name.rsplit('.', 1)[-1]}", f) for part in rec.parts for name, f in named_figures(part)]


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

    def gold_at(fig: Any) -> Optional[GoldFigure]:
        return next((placed[o] for o in placed if fig.start <= o < fig.end), None)

    right_gold: set[int] = set()
    taken_gold: set[int] = set()
    mistakes = []
    for rec in records:
        pairs = [(field_, fig) for field_, fig in roles(rec) if section_of.get(fig.start, rec.section_id) in kinds]
        if not pairs:
            continue
        votes: dict[str, int] = {}
        for _, fig in pairs:
            g = gold_at(fig)
            if g is not None and g.holder:
                votes[g.holder] = votes.get(g.holder, 0) + 1
        aligned = max(votes, key=lambda k: votes[k]) if votes else None
        for field_, fig in pairs:
            g = gold_at(fig)
            taken_gold.add(id(g))
            kind = kinds[section_of.get(fig.start, rec.section_id)]
            ok = g is not None and g.field != "none" and g.holder == aligned and same_field(field_, g.field)
            for count in (by_kind[kind], by_field.setdefault(field_, RoleCount())):
                count.predicted += 1
                count.right += ok
            if ok:
                right_gold.add(id(g))
            else:
                mistakes.append({"record": rec.id, "name": rec.name, "field": field_, "text": fig.text,
                                 "start": fig.start, "gold": None if g is None else
                                 {"record": g.record, "field": g.field, "of": g.of}, "aligned_to": aligned})
    for at, g in placed.items():
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
