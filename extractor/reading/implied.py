"""Relations a total implies with its parts (extractor/reading/checks.py runs them on the reader's records).

- plan_consistency: "X, đạt p% kế hoạch, trong đó: A, đạt a% …; B, đạt b% …": the plan each
  figure implies is value / share; the parts' plans add up to the total's (a complete "gồm"
  list), or at most to it (a partial list: the rest has a plan ≥ 0), so the total's printed
  share can be computed back (or bounded from above).
- growth_consistency: the same with the same-period values each change implies,
  value / (1 + g): a total's printed growth is bounded by its parts'.
- implied_whole: two counts of one sentence, each "chiếm x%" of a whole it does not print, imply
  the same whole.
- same_base (rule "share"): two totals in a row whose parts bear the same names, each "đạt x%"
  of a base: the second is its percentage of the base the first implies.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

from ..checks.records import Operand, compare_percent, make_check, mark, shown
from ..document.report import Document
from ..document.text import fold
from ..numbers.intervals import Interval, interval, stated_percent
from ..numbers.parse import format_vn_number
from ..numbers.units import SCALES
from ..output.figures import main_figure
from ..output.result import Check, CheckStatus, FigureValue, Record

_PLAN_ROLES = ("plan_percent_central", "plan_percent_provincial", "plan_percent")
_ZERO = Interval(Decimal(0), Decimal(0))


def _exhaustive(rec: Record) -> bool:
    return rec.parts_complete is True


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
        fig = rec.figures.get(name)
        if fig is not None:
            return name, fig
    return None


def plan_consistency(rec: Record, h: str) -> Iterator[Check]:
    for role in _PLAN_ROLES:
        stated = rec.figures.get(role)
        if stated is not None:
            terms = [(i, p, _plan_share(p, role)) for i, p in enumerate(rec.parts)]
            yield from _implied_check(rec, h, "plan_consistency", role, stated, 1, terms)


def growth_consistency(rec: Record, h: str) -> Iterator[Check]:
    head = _growth(rec)
    if head is not None:
        role, stated, sign = head
        terms = [(i, p, _growth(p)) for i, p in enumerate(rec.parts)]
        yield from _implied_check(rec, h, "growth_consistency", role, stated, sign, terms)


def _growth(rec: Record) -> tuple[str, FigureValue, int] | None:
    """(role, printed figure, sign) of a change against the same period, if the record has one."""
    if rec.labels.get("change_basis") not in ("same_period", "unstated"):
        return None
    same = rec.figures.get("same_period_percent")
    if same is not None:
        return "same_period_percent", same, 0
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
    if exhaustive:
        status: CheckStatus = "pass" if computed.overlaps(signed[0]) else "warn" if computed.overlaps(signed[1]) else "fail"
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


def sibling_shares(doc: Document, records: list[Record]) -> Iterator[Check]:
    """"tổng số hộ nghèo … là 4.643 hộ, chiếm tỷ lệ 2,32% (…), tổng số hộ cận nghèo là 13.578 hộ, chiếm
    6,8%": two counts of one noun in one sentence, each a share of a whole the sentence does not
    print, are shares of the same whole: the wholes they imply (value / share) must meet."""
    tops = [(r, v, s) for r in records
            if (v := r.figures.get("value")) is not None and (s := r.figures.get("share_percent")) is not None]
    for (a, va, sa), (_b, vb, sb) in zip(tops, tops[1:]):
        if va.kind != "count" or va.unit is None or vb.unit != va.unit or va.end > vb.start \
                or re.search(r"[.;](?:\s|$)", doc.view(va.end, vb.start).text):
            continue
        wa, wb = _whole(va, sa), _whole(vb, sb)
        if wa is None or wb is None:
            continue
        status: CheckStatus = "pass" if wa.overlaps(wb) else "fail"
        expr = (f"{shown(va)} / {shown(sa)} = {format_vn_number((wa.lo + wa.hi) / 2, 0)}; "
                f"{shown(vb)} / {shown(sb)} = {format_vn_number((wb.lo + wb.hi) / 2, 0)}: "
                f"{'one' if status == 'pass' else 'not one'} whole {mark(status)}")
        yield make_check(doc.content_hash, "implied_whole", status, expr,
                         [("value", va), ("share_percent", sa), ("sibling.value", vb), ("sibling.share_percent", sb)],
                         section_id=a.section_id, record_id=a.id,
                         message="shares of one unstated whole imply the same whole")


def _whole(value_fig: FigureValue, share_fig: FigureValue) -> Interval | None:
    """The whole a record's "value" figure implies as its "share_percent" figure of it."""
    value, share = interval(value_fig), stated_percent(share_fig)
    if value is None or share is None or share[0].lo <= 0:
        return None
    return Interval(value.lo / share[0].hi * 100, value.hi / share[0].lo * 100)


def same_base(records: list[Record], h: str) -> Iterator[Check]:
    """"đã khởi công 817 căn, đạt 60,97% tổng số, trong đó: xây mới 451 căn, đạt 54,20%; sửa chữa 366
    căn, đạt 72,04%; … hoàn thành 223 nhà, đạt 16,64%, trong đó: xây mới 54 nhà, đạt 6,49%; sửa chữa
    169 nhà, đạt 33,26%": two totals in a row, each "đạt x%" of a base, whose parts bear the same
    names, are counted against the same bases: the total (and each part) of the second is its
    percentage of the base the first implies (817 / 60,97% = 1.340 houses; 223 is 16,64% of it)."""
    tops = [r for r in records if r.type == "indicator" and r.parts and r.figures.get("plan_percent")]
    for a, b in zip(tops, tops[1:]):
        names = [[fold(p.name or "") for p in r.parts] for r in (a, b)]
        if names[0] != names[1] or "" in names[0] or len(names[0]) < 2:
            continue
        for x, y in [(a, b), *zip(a.parts, b.parts)]:
            yield from _of_implied_base(x, y, h, b)


def _of_implied_base(base: Record, rec: Record, h: str, holder: Record) -> Iterator[Check]:
    bv, bp, v, p = (r.figures.get(k) for r in (base, rec) for k in ("value", "plan_percent"))
    if bv is None or bp is None or v is None or p is None:
        return
    span, share, value = _positive(bv), stated_percent(bp), _positive(v)
    if span is None or share is None or value is None or share[0].lo <= 0:
        return
    whole = Interval(span.lo / share[0].hi * 100, span.hi / share[0].lo * 100)
    status = compare_percent(value.ratio(whole), p)
    if status is None:
        return
    mid = Decimal(bv.value) / Decimal(bp.value) * 100
    ratio = Decimal(v.value) / mid * 100
    expr = (f"{shown(bv)} / {shown(bp)} = {format_vn_number(mid, 1)}; {shown(v)} / {format_vn_number(mid, 1)} = "
            f"{format_vn_number(ratio, p.decimals + 2)}% {'≈' if status != 'fail' else '≠'} {shown(p)} {mark(status)}")
    yield make_check(h, "share", status, expr, [("value", v), ("plan_percent", p), ("base.value", bv),
                                                ("base.plan_percent", bp)],
                     section_id=holder.section_id, record_id=holder.id,
                     message="the same base as the total before it, whose parts bear the same names")
