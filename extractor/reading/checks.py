"""Source checks of what the reader (extractor/reading/reader.py) found, model or no model.

The reader's records go through the same rules as a model's (checks.records.check_records: parts vs
total, "chiếm z%" shares, the identities of a typed record's schema), and the change against a
printed base (text._change). On top, the relations a total implies with its parts
(plan_consistency, growth_consistency: extractor/reading/implied.py), run only where the parts
stay within their total (else parts_total already flags it) and for figures that cannot be
negative. And where no base is printed:

- change: "bị thương 35 người (tăng 26 người, tăng 288,9%)": the base is 35 − 26;
- whole_base: "74 doanh nghiệp, tăng 2,1%": last year's count was a whole number too, and none
  gives 2,1% (only decided for counts small enough that few whole numbers fit);
- fraction: "44/65 xã, phường hoàn thành …, đạt 67,6%", read across the clause;
- item_count: "có 11/12 sản phẩm … tăng trưởng³": the items the cited footnote lists (and those
  of them that grew): extractor/reading/lists.py;
- parts_total of a split no list opens ("đã …" + a footnote's "chưa …"; a list closed by "… khác"):
  extractor/reading/splits.py;
- growth_consistency of a weighted index and the growths of all its components ("chỉ số sản xuất
  công nghiệp tăng 14,77%, trong đó: khai khoáng tăng 21,74%, …"): extractor/reading/weighted.py.

Tolerance from printed precision, by interval arithmetic (extractor/numbers/intervals.py).
"""
from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from ..checks.records import check_records, compare_percent, compare_sum, make_check, mark, shown, shown_value
from ..checks.text import _change
from ..document.report import Document
from ..numbers.intervals import Interval, interval, stated_percent
from ..numbers.parse import format_vn_number
from ..output.figures import main_figure
from ..output.result import Check, CheckStatus, FigureValue, Record
from .counts import check_counted
from .implied import growth_consistency, plan_consistency, same_base, sibling_shares
from .incidents import change_views
from .lists import check_listed_counts
from .reader import read_section
from .refs import check_rates
from .splits import check_splits
from .weighted import check_weighted_growth


def check_reader_records(records: list[Record], content_hash: str) -> list[Check]:
    """Every source rule over the reader's records of one section."""
    checks = check_records(records, content_hash)
    # a part with parts of its own ("chi trong cân đối …⁴" and the spending lines of footnote 4)
    checks += check_records([p for rec in records for p in _walk(rec.parts) if p.parts], content_hash)
    checks += same_base(records, content_hash)
    for rec in _walk(records):
        checks.extend(check_counted(rec, content_hash))
        checks.extend(_change_vs_base(rec, content_hash))
        for view in change_views(rec):  # an incident's cases, deaths, injuries, each with its changes
            checks.extend(_change_vs_base(view, content_hash))
        checks.extend(_fraction(rec, content_hash))
        if rec.parts and _within_total(rec):
            checks.extend(plan_consistency(rec, content_hash))
            checks.extend(growth_consistency(rec, content_hash))
    return checks


def reader_checks(doc: Document, section_id: str) -> tuple[list[Record], list[Check]]:
    records = read_section(doc, section_id)
    return records, check_reader_records(records, doc.content_hash) + check_listed_counts(doc, section_id) + \
        check_rates(doc, section_id) + list(sibling_shares(doc, records)) + check_splits(doc, section_id) + \
        check_weighted_growth(doc, section_id)


def _walk(records: list[Record]) -> Iterator[Record]:
    for rec in records:
        yield rec
        yield from _walk(rec.parts)


def _within_total(rec: Record) -> bool:
    main = main_figure(rec)
    parts = [p.figures.get("value") for p in rec.parts]
    present = [p for p in parts if p is not None]
    if main is None or len(present) < len(parts):
        return False
    return compare_sum(present, main[1], at_most=True) == "pass"


def _change_vs_base(rec: Record, h: str) -> list[Check]:
    """"269 người giảm 4,27% so với cùng kỳ (281 người)", "tăng gần 12 điểm so với năm 2024 (71,41 điểm)";
    without a printed base, "36 vụ (tăng 20 vụ, tăng 125%)": the base is 36 − 20; a count of
    whole things with only a percentage: some whole number must give that percentage."""
    value, base = rec.figures.get("value"), rec.figures.get("previous_value")
    if value is None:
        return []
    if base is None:
        return _change_pair(rec, value, h) or _whole_base(rec, value, h)
    sign = -1 if rec.labels.get("change_direction") == "decrease" else 1
    word = "giảm" if sign < 0 else "tăng"
    checks = []
    for role in ("change_percent", "change_amount"):
        change = rec.figures.get(role)
        if change is not None and not (role == "change_percent" and Decimal(change.value) < 0):
            checks.extend(_change(h, rec.section_id, [("value", value), ("previous_value", base), (role, change)],
                                  word, sign))
    return checks


def _signed_change(rec: Record, role: str) -> tuple[Interval, int] | None:
    fig = rec.figures.get(role)
    if fig is None:
        return None
    span = interval(fig)
    if span is None or Decimal(fig.value) < 0 or rec.labels.get("change_basis") == "other":
        return None
    sign = -1 if rec.labels.get("change_direction") == "decrease" else 1
    return (span if sign > 0 else Interval(-span.hi, -span.lo)), sign


def _change_pair(rec: Record, value: FigureValue, h: str) -> list[Check]:
    """"bị thương 35 người (tăng 26 người, tăng 288,9%)": 26 / (35 − 26) must be 288,9%.
    `value` is rec's "value" figure."""
    amount, pct = rec.figures.get("change_amount"), rec.figures.get("change_percent")
    now, change = interval(value), _signed_change(rec, "change_amount")
    if amount is None or pct is None or now is None or change is None or amount.unit != value.unit:
        return []
    base = now - change[0]
    if base.lo <= 0:
        return []
    computed = Interval(min(change[0].lo / base.hi, change[0].lo / base.lo) * 100,
                        max(change[0].hi / base.lo, change[0].hi / base.hi) * 100)
    signed = Decimal(pct.value) < 0  # "giảm 40 vụ (-69%)": the percentage carries its own sign
    status = compare_percent(computed, pct, 1 if signed else change[1])
    if status is None:
        return []
    word = "giảm" if change[1] < 0 else "tăng"
    exact = (Decimal(value.value) - (Decimal(value.value) - change[1] * Decimal(amount.value))) / \
        (Decimal(value.value) - change[1] * Decimal(amount.value)) * 100
    expr = (f"{shown(value)} {word} {shown(amount)}: base {shown_value(Decimal(value.value) - change[1] * Decimal(amount.value), [value])}, "
            f"{format_vn_number(exact, pct.decimals + 2)}%, printed {shown(pct) if signed else word + ' ' + shown(pct)} "
            f"{mark(status)}")
    return [make_check(h, "change", status, expr, [("value", value), ("change_amount", amount), ("change_percent", pct)],
                       section_id=rec.section_id, record_id=rec.id)]


def _whole_base(rec: Record, value: FigureValue, h: str) -> list[Check]:
    """"74 doanh nghiệp, tăng 2,1%": a count of whole things is a whole number in the same period
    too, so some whole b must give (74 − b) / b = 2,1%. `value` is rec's "value" figure."""
    pct = rec.figures.get("change_percent")
    now = interval(value)
    if pct is None or now is None or not now.exact or value.kind != "count" or value.unit is None \
            or rec.figures.get("change_amount") is not None or rec.labels.get("change_basis") == "other":
        return []
    readings = stated_percent(pct)
    if readings is None or Decimal(value.value) <= 0:
        return []
    sign = -1 if rec.labels.get("change_direction") == "decrease" else 1

    def span(r: Interval) -> tuple[Decimal, Decimal] | None:
        factors = (1 + sign * r.lo / 100, 1 + sign * r.hi / 100)
        return (now.lo / max(factors), now.hi / min(factors)) if min(factors) > 0 else None

    def bases(r: Interval) -> list[int]:
        found = span(r)
        if found is None:
            return []
        return list(range(int(found[0].to_integral_value(rounding="ROUND_CEILING")), int(found[1]) + 1))

    widest = span(readings[0])
    if widest is None or widest[1] - widest[0] >= 1:
        return []  # a whole number surely fits: only a small count can tell
    found, truncated = bases(readings[0]), bases(readings[1])
    status: CheckStatus = "pass" if found else "warn" if truncated else "fail"
    word = "giảm" if sign < 0 else "tăng"
    n = Decimal(value.value)
    centre = n / (1 + sign * Decimal(pct.value) / 100)
    near = sorted({int(centre), int(centre) + 1})
    tried = ", ".join(f"{b} → {format_vn_number((n / b - 1) * 100, pct.decimals + 2)}%" for b in near if b > 0)
    expr = (f"{shown(value)} {word} {shown(pct)}: same period {shown(value).split()[0]} / (1 {'−' if sign < 0 else '+'} "
            f"{shown(pct)}) = {format_vn_number(centre, 2)}; " +
            (f"{found[0]} gives it {mark(status)}" if found else f"no whole number gives it ({tried}) {mark(status)}"))
    return [make_check(h, "whole_base", status, expr, [("value", value), ("change_percent", pct)],
                       section_id=rec.section_id, record_id=rec.id,
                       message="a count of whole things changes by a whole number")]


def _fraction(rec: Record, h: str) -> list[Check]:
    """"44/65 xã, phường hoàn thành …, đạt 67,6%": the printed share of an x/y figure is x / y.
    Above 100% is a plan exceeded ("84.934/68.228 lượt, đạt 124,5%"), not a part above its whole."""
    frac = rec.figures.get("value")
    pct = rec.figures.get("ratio_percent")
    if frac is None or pct is None or frac.denominator is None or Decimal(frac.denominator) <= 0:
        return []
    numerator, denominator = Decimal(frac.number), Decimal(frac.denominator)
    ratio = numerator / denominator * 100
    status = compare_percent(Interval(ratio, ratio), pct)
    if status is None:
        return []
    expr = f"{format_vn_number(numerator, 0)} / {format_vn_number(denominator, 0)} = " \
           f"{format_vn_number(ratio, pct.decimals + 2)}% {'≠ ' if status == 'fail' else 'vs '}{shown(pct)} {mark(status)}"
    return [make_check(h, "fraction", status, expr, [("fraction", frac), ("percent", pct)], section_id=rec.section_id)]


