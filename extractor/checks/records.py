"""Deterministic checks of what a section's records say (no model involved).

Source rules: the report may disagree with itself. A failure is flagged for a reviewer, never
"fixed" and never retried — the model transcribed what the text prints. Rules:
- identity: sums a schema declares (`SUMS`: on time + late = completed, …);
- parts_total: an exhaustive list ("gồm") sums to its total, a partial one ("trong đó") stays
  within it; a total printed as approximate ("khoảng 3.987 ha") can only confirm it: parts
  within its face value pass, others are undecidable ("skip"), never a flag;
- share: a part's "chiếm x%" matches part / total;
- cumulative: the cumulative figure is at least this month's;
- percent_range: a share is between 0 and 100%.
Changes against a printed base are read from the text itself (extractor/checks/text.py).
Tolerance comes from printed precision (extractor/numbers/intervals.py); a difference that only
truncation instead of rounding explains is a warning.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from decimal import Decimal

from ..document.text import collapse_ws
from ..kinds import record_model
from ..numbers.intervals import Interval, approximate, interval, stated_percent, unit_of_last_digit
from ..numbers.parse import format_vn_number
from ..numbers.units import SCALES
from ..output.figures import main_figure
from ..output.result import Check, CheckCategory, CheckFigure, CheckStatus, FigureValue, Record, Severity

Operand = tuple[str, FigureValue]  # (role, figure)


def check_key(content_hash: str, rule: str, section_id: str | None, operands: list[Operand]) -> str:
    """Stable across runs: the same numbers under the same rule in the same document."""
    numbers = ";".join(f"{role}={fig.start}:{fig.value}" for role, fig in operands)
    return hashlib.sha256(f"{content_hash}|{rule}|{section_id}|{numbers}".encode()).hexdigest()[:16]


def make_check(content_hash: str, rule: str, status: CheckStatus, expression: str, operands: list[Operand], *,
               section_id: str | None, record_id: str | None = None, category: CheckCategory = "source",
               message: str = "") -> Check:
    severity: Severity = "error" if status == "fail" else "warning" if status == "warn" else "info"
    figures = [CheckFigure(role=role, text=f.text, value=f.value, scale=f.scale, start=f.start, end=f.end) for role, f in operands]
    return Check(rule=rule, category=category, status=status, severity=severity, expression=expression,
                 message=message, section_id=section_id, record_id=record_id, figures=figures,
                 key=check_key(content_hash, rule, section_id, operands))


def shown(fig: FigureValue) -> str:
    """A figure as the report prints its number: '2.828,46 tỷ', '354', '98,8%'."""
    text = format_vn_number(Decimal(fig.number), fig.decimals)
    return text + "%" if fig.unit == "%" else f"{text} {fig.scale}" if fig.scale else text


def shown_value(value: Decimal, like: list[FigureValue]) -> str:
    """A computed number in the operands' own scale word and precision."""
    scales = {f.scale for f in like}
    decimals = max(f.decimals for f in like)
    scale = scales.pop() if len(scales) == 1 else None
    if scale in SCALES:
        return f"{format_vn_number(value.scaleb(-SCALES[scale][1]), decimals)} {scale}"
    return format_vn_number(value, decimals if scale is None and not scales else 0)


def _truncated(fig: FigureValue) -> Interval:
    value = Decimal(fig.value)
    reading = interval(fig)
    return Interval(value, value + unit_of_last_digit(fig)) if reading and not reading.exact else Interval(value, value)


def _sum(figs: list[FigureValue], reading: Callable[[FigureValue], Interval | None] = interval) -> Interval | None:
    total = Interval(Decimal(0), Decimal(0))
    for f in figs:
        span = reading(f)
        if span is None:
            return None
        total = total + span
    return total


def compare_sum(parts: list[FigureValue], whole: FigureValue, at_most: bool = False) -> CheckStatus | None:
    """pass / warn / fail for parts summing to (or, if at_most, staying within) the whole."""
    rounded, w = _sum(parts), interval(whole)
    if rounded is None or w is None:
        return None

    def holds(s: Interval, t: Interval) -> bool:
        return s.lo <= t.hi if at_most else s.overlaps(t)

    if holds(rounded, w):
        return "pass"
    truncated = _sum(parts, _truncated)  # a truncated reading always exists
    return "warn" if truncated is not None and holds(truncated, _truncated(whole)) else "fail"


def compare_percent(computed: Interval | None, stated: FigureValue, sign: int = 1) -> CheckStatus | None:
    readings = stated_percent(stated)
    if computed is None or readings is None:
        return None
    rounded, truncated = (Interval(sign * r.lo, sign * r.hi) if sign > 0 else Interval(-r.hi, -r.lo)
                          for r in readings)
    return "pass" if computed.overlaps(rounded) else "warn" if computed.overlaps(truncated) else "fail"


def mark(status: str) -> str:
    return {"pass": "✓", "warn": "≈ (only if truncated)", "fail": "✗", "skip": "? (undecidable)"}[status]


def check_records(records: list[Record], content_hash: str) -> list[Check]:
    """Every source rule over one section's records."""
    checks: list[Check] = []
    for rec in records:
        for rule in (_identities, _parts_total, _shares):
            checks.extend(rule(rec, content_hash))
    checks.extend(_cumulative(records, content_hash))
    return checks


def _identities(rec: Record, h: str) -> Iterator[Check]:
    model = record_model(rec.kind, rec.type)
    for whole_name, part_names in getattr(model, "SUMS", []):
        whole, parts = rec.figures.get(whole_name), [f for n in part_names if (f := rec.figures.get(n)) is not None]
        if whole is None or len(parts) < len(part_names):
            continue
        status = compare_sum(parts, whole)
        if status is None:
            continue
        total = sum((Decimal(p.value) for p in parts), Decimal(0))
        expr = " + ".join(map(shown, parts)) + f" = {shown_value(total, parts)}"
        expr += f" {mark(status)}" if status == "pass" else f" ≠ {shown(whole)} {mark(status)}"
        yield make_check(h, "identity", status, expr, [*zip(part_names, parts), (whole_name, whole)],
                         section_id=rec.section_id, record_id=rec.id)


def _parts_total(rec: Record, h: str) -> Iterator[Check]:
    main = main_figure(rec)
    if main is None:
        return
    name, whole = main
    parts = [(f"parts[{i}].value", value) for i, p in enumerate(rec.parts)
             if (value := p.figures.get("value")) is not None and same_measure(value, whole, rec)
             and value.start != whole.start]
    if not parts:
        return
    complete = rec.parts_complete is True
    status = compare_sum([f for _, f in parts], whole, at_most=not complete) or \
        _within_approximate([f for _, f in parts], whole, complete)
    if status is None:
        return
    total = sum((Decimal(f.value) for _, f in parts), Decimal(0))
    relation = "vs" if status == "skip" else "=" if complete else "≤"
    printed = f"{whole.qualifier} {shown(whole)}" if approximate(whole) else shown(whole)
    expr = " + ".join(shown(f) for _, f in parts) + f" = {shown_value(total, [f for _, f in parts])} " + \
        (f"{relation} {printed} {mark(status)}" if status in ("pass", "skip")
         else f"{'≠' if complete else '>'} {printed} {mark(status)}")
    yield make_check(h, "parts_total", status, expr, [*parts, (name, whole)], section_id=rec.section_id,
                     record_id=rec.id, message="list given as complete (gồm)" if complete else "list given as partial")


def _within_approximate(parts: list[FigureValue], whole: FigureValue, complete: bool) -> CheckStatus | None:
    """Parts against a total printed as "khoảng …": "pass" when they fit its face value (sum to it,
    or stay within it for a partial list), else "skip": an approximate total cannot refute them."""
    near, total = approximate(whole), _sum(parts)
    if near is None or total is None:
        return None
    fits = total.overlaps(near) if complete else total.lo <= near.hi
    return "pass" if fits else "skip"


def same_measure(part: FigureValue, whole: FigureValue, rec: Record) -> bool:
    """Can the part be added into the whole? The same unit; counts of a noun and of a longer one
    ("19.000 lượt" of "397.000 lượt khách"); any count, in a list the reader found cited at a
    count ("33 đề tài" whose footnote lists 16 nhiệm vụ, 8 nhiệm vụ, …) or of documents issued."""
    if part.unit == whole.unit:
        return True
    if part.kind != "count" or whole.kind != "count":
        return False
    if rec.labels.get("source") == "reader" and "parts_footnote" in rec.labels or rec.type == "documents":
        return True  # the kinds of documents issued (quyết định, kế hoạch, công văn …) add up to documents
    return part.unit is not None and whole.unit is not None and \
        (part.unit.startswith(whole.unit) or whole.unit.startswith(part.unit))


def _shares(rec: Record, h: str) -> Iterator[Check]:
    main = main_figure(rec)
    for i, part in enumerate(rec.parts):
        share, value = part.figures.get("share_percent"), part.figures.get("value")
        if share is None:
            continue
        role = f"parts[{i}].share_percent"
        if not 0 <= Decimal(share.value) <= 100:
            yield make_check(h, "percent_range", "fail", f"{shown(share)} is not between 0% and 100%",
                             [(role, share)], section_id=rec.section_id, record_id=rec.id)
        if main is None or value is None or not same_measure(value, main[1], rec):
            continue
        p, w = interval(value), interval(main[1])
        status = compare_percent(p.ratio(w) if p and w else None, share)
        if status is None:
            continue
        ratio = Decimal(value.value) / Decimal(main[1].value) * 100
        expr = f"{shown(value)} / {shown(main[1])} = {format_vn_number(ratio, share.decimals + 2)}% " \
               f"{'≈' if status != 'fail' else '≠'} {shown(share)} {mark(status)}"
        yield make_check(h, "share", status, expr, [(f"parts[{i}].value", value), (main[0], main[1]), (role, share)],
                         section_id=rec.section_id, record_id=rec.id)


def _cumulative(records: list[Record], h: str) -> Iterator[Check]:
    by_name: dict[str, dict[str, tuple[Record, FigureValue]]] = {}
    for rec in records:
        value = rec.figures.get("value")
        if rec.name and value and rec.labels.get("period") in ("month", "cumulative"):
            by_name.setdefault(collapse_ws(rec.name).lower(), {})[rec.labels["period"]] = (rec, value)
    for pair in by_name.values():
        if len(pair) < 2:
            continue
        (month_rec, month), (cum_rec, cum) = pair["month"], pair["cumulative"]
        m, c = interval(month), interval(cum)
        if m is None or c is None or month.unit != cum.unit:
            continue
        status: CheckStatus = "pass" if c.hi >= m.lo else "fail"
        expr = f"cumulative {shown(cum)} {'≥' if status == 'pass' else '<'} this month {shown(month)} {mark(status)}"
        yield make_check(h, "cumulative", status, expr, [("month", month), ("cumulative", cum)],
                         section_id=month_rec.section_id, record_id=cum_rec.id)
