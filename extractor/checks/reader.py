"""Source checks of what the reader (extractor/reading/reader.py) found, model or no model.

The reader's records go through the same rules as a model's (checks.records.check_records: parts vs
total, "chiếm z%" shares), and the change against a printed base (text._change). On top,
the relations a report implies between a total and its parts:

- plan_consistency: "X, đạt p% kế hoạch, trong đó: A, đạt a% …; B, đạt b% …": the plan each
  figure implies is value / share; the parts' plans add up to the total's (a complete "gồm"
  list), or at most to it (a partial list: the rest has a plan ≥ 0), so the total's printed
  share can be computed back (or bounded from above).
- growth_consistency: the same with the same-period values each change implies,
  value / (1 + g): a total's printed growth is bounded by its parts'.

Both run only where the parts stay within their total (else parts_total already flags it) and
for figures that cannot be negative. And where no base is printed:

- change: "bị thương 35 người (tăng 26 người, tăng 288,9%)": the base is 35 − 26;
- whole_base: "74 doanh nghiệp, tăng 2,1%": last year's count was a whole number too, and none
  gives 2,1% (only decided for counts small enough that few whole numbers fit);
- fraction: "44/65 xã, phường hoàn thành …, đạt 67,6%", read across the clause;
- item_count: "có 11/12 sản phẩm … tăng trưởng³": the items the cited footnote lists (and those
  of them that grew).

Tolerance from printed precision, by interval arithmetic (extractor/numbers/intervals.py).
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

from ..document.report import Document, Figure
from ..document.text import fold
from ..numbers.intervals import Interval, interval, stated_percent
from ..numbers.parse import format_vn_number
from ..numbers.units import SCALES
from ..output.figures import figure_value, main_figure
from ..output.result import Check, CheckStatus, FigureValue, Record
from ..reading.reader import read_section
from .records import Operand, check_records, compare_percent, compare_sum, make_check, mark, shown, shown_value
from .text import _change

_PLAN_ROLES = ("plan_percent_central", "plan_percent_provincial", "plan_percent")
_ZERO = Interval(Decimal(0), Decimal(0))


def check_reader_records(records: list[Record], content_hash: str) -> list[Check]:
    """Every source rule over the reader's records of one section."""
    checks = check_records(records, content_hash)
    for rec in _walk(records):
        checks.extend(_change_vs_base(rec, content_hash))
        checks.extend(_fraction(rec, content_hash))
        if rec.parts and _within_total(rec):
            checks.extend(_plan_consistency(rec, content_hash))
            checks.extend(_growth_consistency(rec, content_hash))
    return checks


def reader_checks(doc: Document, section_id: str) -> tuple[list[Record], list[Check]]:
    records = read_section(doc, section_id)
    return records, check_reader_records(records, doc.content_hash) + check_listed_counts(doc, section_id)


def _walk(records: list[Record]) -> Iterator[Record]:
    for rec in records:
        yield rec
        yield from _walk(rec.parts)


def _within_total(rec: Record) -> bool:
    main = main_figure(rec)
    parts = [p.figures.get("value") for p in rec.parts]
    if main is None or any(p is None for p in parts):
        return False
    return compare_sum(parts, main[1], at_most=True) == "pass"  # type: ignore[arg-type]


def _exhaustive(rec: Record) -> bool:
    return rec.parts_complete is True


def _change_vs_base(rec: Record, h: str) -> list[Check]:
    """"269 người giảm 4,27% so với cùng kỳ (281 người)", "tăng gần 12 điểm so với năm 2024 (71,41 điểm)";
    without a printed base, "36 vụ (tăng 20 vụ, tăng 125%)": the base is 36 − 20; a count of
    whole things with only a percentage: some whole number must give that percentage."""
    value, base = rec.figures.get("value"), rec.figures.get("previous_value")
    if value is None:
        return []
    if base is None:
        return _change_pair(rec, h) or _whole_base(rec, h)
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
    span = interval(fig) if fig is not None else None
    if fig is None or span is None or Decimal(fig.value) < 0 or rec.labels.get("change_basis") == "other":
        return None
    sign = -1 if rec.labels.get("change_direction") == "decrease" else 1
    return (span if sign > 0 else Interval(-span.hi, -span.lo)), sign


def _change_pair(rec: Record, h: str) -> list[Check]:
    """"bị thương 35 người (tăng 26 người, tăng 288,9%)": 26 / (35 − 26) must be 288,9%."""
    value, amount, pct = rec.figures.get("value"), rec.figures.get("change_amount"), rec.figures.get("change_percent")
    now, change = interval(value) if value else None, _signed_change(rec, "change_amount")
    if value is None or amount is None or pct is None or now is None or change is None or amount.unit != value.unit:
        return []
    base = now - change[0]
    if base.lo <= 0:
        return []
    computed = Interval(min(change[0].lo / base.hi, change[0].lo / base.lo) * 100,
                        max(change[0].hi / base.lo, change[0].hi / base.hi) * 100)
    status = compare_percent(computed, pct, change[1])
    if status is None:
        return []
    word = "giảm" if change[1] < 0 else "tăng"
    exact = (Decimal(value.value) - (Decimal(value.value) - change[1] * Decimal(amount.value))) / \
        (Decimal(value.value) - change[1] * Decimal(amount.value)) * 100
    expr = (f"{shown(value)} {word} {shown(amount)}: base {shown_value(Decimal(value.value) - change[1] * Decimal(amount.value), [value])}, "
            f"{format_vn_number(exact, pct.decimals + 2)}%, printed {word} {shown(pct)} {mark(status)}")
    return [make_check(h, "change", status, expr, [("value", value), ("change_amount", amount), ("change_percent", pct)],
                       section_id=rec.section_id, record_id=rec.id)]


def _whole_base(rec: Record, h: str) -> list[Check]:
    """"74 doanh nghiệp, tăng 2,1%": a count of whole things is a whole number in the same period
    too, so some whole b must give (74 − b) / b = 2,1%."""
    value, pct = rec.figures.get("value"), rec.figures.get("change_percent")
    now = interval(value) if value else None
    if value is None or pct is None or now is None or not now.exact or value.kind != "count" or value.unit is None \
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
    pct = rec.figures.get("plan_percent") or rec.figures.get("share_percent")
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


def _positive(fig: FigureValue) -> Interval | None:
    span = interval(fig)
    return span if span is not None and span.lo >= 0 and span.hi < Decimal("Infinity") else None


def _divide(value: Interval, factor: Interval) -> Interval | None:
    if factor.lo <= 0:
        return None
    return Interval(value.lo / factor.hi, value.hi / factor.lo)


def _plan_share(rec: Record, role: str) -> tuple[str, FigureValue] | None:
    """The part's share of the plan named by `role`; a share with no basis named fits any plan."""
    for name in (role, "plan_percent"):
        if rec.figures.get(name) is not None:
            return name, rec.figures[name]  # type: ignore[return-value]
    return None


def _plan_consistency(rec: Record, h: str) -> Iterator[Check]:
    for role in _PLAN_ROLES:
        stated = rec.figures.get(role)
        if stated is not None:
            terms = [(i, p, _plan_share(p, role)) for i, p in enumerate(rec.parts)]
            yield from _implied_check(rec, h, "plan_consistency", role, stated, 1, terms)


def _growth_consistency(rec: Record, h: str) -> Iterator[Check]:
    head = _growth(rec)
    if head is not None:
        role, stated, sign = head
        terms = [(i, p, _growth(p)) for i, p in enumerate(rec.parts)]
        yield from _implied_check(rec, h, "growth_consistency", role, stated, sign, terms)


def _growth(rec: Record) -> tuple[str, FigureValue, int] | None:
    """(role, printed figure, sign) of a change against the same period, if the record has one."""
    if rec.labels.get("change_basis") not in ("same_period", "unstated"):
        return None
    if rec.figures.get("same_period_percent") is not None:
        return "same_period_percent", rec.figures["same_period_percent"], 0  # type: ignore[return-value]
    change = rec.figures.get("change_percent")
    if change is None or Decimal(change.value) < 0:
        return None
    return "change_percent", change, -1 if rec.labels.get("change_direction") == "decrease" else 1


def _factor(role: str, fig: FigureValue, sign: int) -> Interval | None:
    """What value / base is by the printed percentage: p% of plan, the ratio to the same period,
    or 1 ± g for a change."""
    readings = stated_percent(fig)
    if readings is None:
        return None
    r = readings[0]
    if role != "change_percent":
        return Interval(r.lo / 100, r.hi / 100)
    if sign < 0:
        return Interval(1 - r.hi / 100, 1 - r.lo / 100)
    return Interval(1 + r.lo / 100, 1 + r.hi / 100)


def _implied_check(rec: Record, h: str, rule: str, role: str, stated: FigureValue, head_sign: int,
                   terms: list[tuple[int, Record, tuple | None]]) -> Iterator[Check]:
    """Σ value_i / factor_i over the parts is the total's implied plan (or same-period value) —
    at most it, for a partial list — so the total's printed share or growth must be
    value / Σ (or at most that)."""
    main = main_figure(rec)
    if main is None:
        return
    whole_value = _positive(main[1])
    if whole_value is None:
        return
    implied = _ZERO
    operands: list[Operand] = [(main[0], main[1]), (role, stated)]
    pieces = []
    known = 0
    for i, part, share in terms:
        value = part.figures.get("value")
        if share is None or value is None:
            continue
        span = _positive(value)
        part_sign = share[2] if len(share) > 2 else 1
        factor = _factor(share[0], share[1], part_sign)
        base = _divide(span, factor) if span is not None and factor is not None else None
        if base is None:
            return
        implied = implied + base
        known += 1
        operands += [(f"parts[{i}].value", value), (f"parts[{i}].{share[0]}", share[1])]
        pieces.append(f"{shown(value)} / {_factor_text(share[0], share[1], part_sign)}")
    exhaustive = _exhaustive(rec) and known == len(rec.parts)
    if known < (1 if exhaustive else 2) or implied.lo <= 0:
        return
    head_factor = Interval(whole_value.lo / implied.hi, whole_value.hi / implied.lo)
    if role == "change_percent":
        computed = Interval((head_factor.lo - 1) * 100, (head_factor.hi - 1) * 100)
    else:
        computed = Interval(head_factor.lo * 100, head_factor.hi * 100)
    readings = stated_percent(stated)
    if readings is None:
        return
    signed = [_signed(r, head_sign if role == "change_percent" else 1) for r in readings]
    status: CheckStatus
    if exhaustive:
        status = "pass" if computed.overlaps(signed[0]) else "warn" if computed.overlaps(signed[1]) else "fail"
        relation = "="
    else:
        status = "pass" if signed[0].lo <= computed.hi else "warn" if signed[1].lo <= computed.hi else "fail"
        relation = "≤"
    mid = (implied.lo + implied.hi) / 2
    head_mid = (computed.lo + computed.hi) / 2 if exhaustive else computed.hi
    printed = f"{'-' if role == 'change_percent' and head_sign < 0 else ''}{shown(stated)}"
    what = "plan" if rule == "plan_consistency" else "same-period value"
    expr = (f"implied {what}: " + " + ".join(pieces) + f" = {_amount(mid, main[1])}; "
            f"{shown(main[1])} / {_amount(mid, main[1])} → {format_vn_number(head_mid, stated.decimals + 1)}%"
            f"; printed {printed} {relation if status != 'fail' else '≠' if exhaustive else '>'} "
            f"{format_vn_number(head_mid, stated.decimals + 1)}% {mark(status)}")
    message = ("parts listed as complete (gồm)" if exhaustive else
               "parts listed as partial or without a share each: the total's share can only be bounded")
    yield make_check(h, rule, status, expr, operands, section_id=rec.section_id, record_id=rec.id, message=message)


def _signed(r: Interval, sign: int) -> Interval:
    return r if sign >= 0 else Interval(-r.hi, -r.lo)


def _factor_text(role: str, fig: FigureValue, sign: int) -> str:
    if role != "change_percent":
        return shown(fig)
    return f"(1 {'−' if sign < 0 else '+'} {shown(fig)})"


def _amount(value: Decimal, like: FigureValue) -> str:
    """An implied base in the figure's own scale word."""
    if like.scale in SCALES:
        return f"{format_vn_number(value.scaleb(-SCALES[like.scale][1]), 1)} {like.scale}"
    return format_vn_number(value, 0)


_LIST_LEAD = re.compile(r"^\s*(?:(?:trong\s+do|bao\s+gom|gom|cu\s+the|chu\s+yeu(?:\s+la)?)\b\s*:?\s*)?")
_ADMIN = re.compile(r"^\s*(?:huyen|tinh|thanh\s+pho|thi\s+xa|quan)\b")
_ENUMERATOR = re.compile(r"^\s*\(\d+\)\s*")


def check_listed_counts(doc: Document, section_id: str) -> list[Check]:
    """"công nhận 07 xã đạt chuẩn NTM³" with footnote 3 naming the communes; "có 11/12 sản phẩm
    … có sự tăng trưởng³" with footnote 3 giving each product's change: the count printed in the
    body is the number of items the footnote lists (and, for x/y, of those that grew)."""
    checks = []
    for fn in doc.footnotes:
        if fn.section_id != section_id or fn.marker is None:
            continue
        counted = _counted_before(doc, section_id, fn.marker[0])
        if counted is None:
            continue
        fig, sentence = counted
        items = _items(doc, fn)
        if len(items) < 2:
            continue
        value = figure_value(fig)
        m = fig.mention
        grew = sum(1 for item in items if _first_direction(item) == "tang")
        if m.denominator is not None:
            if not re.search(r"\btang\b", sentence):
                continue
            holds = m.denominator == len(items) and m.number == grew
            said = f"{format_vn_number(m.number, 0)}/{format_vn_number(m.denominator, 0)}"
            found = f"footnote {fn.number} lists {len(items)} items, {grew} of them up: {grew}/{len(items)}"
        else:
            holds = m.number == len(items)
            said, found = format_vn_number(m.number, 0), f"footnote {fn.number} lists {len(items)} items"
        status: CheckStatus = "pass" if holds else "fail"
        expr = f"{found} {'=' if holds else '≠'} printed {said} {mark(status)}"
        checks.append(make_check(doc.content_hash, "item_count", status, expr, [("count", value)],
                                 section_id=section_id, message="items counted in the footnote the count cites"))
    return checks


def _counted_before(doc: Document, section_id: str, marker: int) -> tuple[Figure, str] | None:
    """The count the footnote marker follows in its sentence, with no other figure between."""
    before = [f for f in doc.figures if f.section_id == section_id and f.footnote is None and f.mention.end <= marker]
    if not before:
        return None
    fig = before[-1]
    words = fold(doc.view(fig.mention.end, marker).text)
    m = fig.mention
    if _SENTENCE_END.search(words) or m.kind not in ("count", "fraction") or m.unit in (None, "%") or m.qualifier:
        return None
    printed = re.match(r"\d+", m.text)
    if printed is None or int(printed.group()) != m.number:
        return None  # a footnote marker was taken out of this number: which count it is, is unsure
    return fig, words


_SENTENCE_END = re.compile(r"[.;](?:\s|$)")


def _items(doc: Document, fn) -> list[str]:
    """The footnote's items: its ";"-separated entries if they carry figures; else the names of a
    list of places ("xã Tân Hương, Chiêu Vũ huyện Bắc Sơn; xã Thanh Long, huyện Văn Lãng")."""
    text = fold(" ".join(doc.text[a:b] for a, b in fn.spans))
    text = re.sub(r"^\s*\d+\s*", "", text, count=1)  # the footnote's own number
    text = _LIST_LEAD.sub("", text, count=1).strip().rstrip(".")
    entries = [_ENUMERATOR.sub("", e).strip() for e in text.split(";") if e.strip()]
    if any(f.footnote == fn.number for f in doc.figures):
        return [e for e in entries if re.search(r"\d", e)]
    return [name for e in entries for name in e.split(",") if name.strip() and not _ADMIN.match(name)]


def _first_direction(item: str) -> str | None:
    m = re.search(r"\b(tang|giam)\b", item)
    return m.group(1) if m else None
