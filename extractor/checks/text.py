"""Checks that need the document itself, not only the records.

- grounding (extraction errors): every figure of a record must be printed at its offsets and
  parse to its value, unit and scale; an evidence quote must be the text at its offsets
  (NFC, whitespace-insensitive). A record that fails this was not read from the report.
- fraction (source): "958/970 trẻ, đạt 98,8%": the percentage printed right after a fraction
  must be its ratio.
- change / change_amount (source): "269 người giảm 4,27% so với cùng kỳ (281 người)": the
  change printed between a figure and its same-period base must match them, sign included
  (a "giảm" that is really an increase fails).
Both are read from the number inventory and the words between the figures: no model at all.
- name (extraction, low severity): a record's free-text name must be printed in what the model
  was shown; where it is not (records.py marks it as an issue on the record, see
  `text.unprinted_words`), the record is kept and a reviewer is asked, with its figures.
"""
from __future__ import annotations

import re
from decimal import Decimal

from ..document.report import Document
from ..document.text import collapse_ws
from ..numbers.intervals import Interval, interval
from ..numbers.parse import NumberMention, decimal_str, format_vn_number
from ..output.figures import figure_value
from ..output.result import Check, FigureValue, Record
from .records import compare_percent, make_check, mark, shown, shown_value

_SAME_CLAUSE = re.compile(r"[^.;:]{0,40}")
_DIRECTION = re.compile(r"[^.;:()\d]{0,40}?(?<!\w)(tăng|giảm)\s*", re.I)  # "vụ tai nạn giao thông, giảm "
_VS_BASE = re.compile(r"\s*so với cùng kỳ(?: năm trước)?\s*\(\s*", re.I)


def _figures(rec: Record, path: str = "") -> list[tuple[str, FigureValue]]:
    own = [(f"{path}{name}", f) for name, f in rec.figures.items() if f is not None]
    return own + [pair for i, p in enumerate(rec.parts) for pair in _figures(p, f"{path}parts[{i}].")]


def check_grounding(doc: Document, records: list[Record], content_hash: str) -> list[Check]:
    """Failures only: one check per figure or quote the document does not bear out."""
    checks = []
    inventory = {f.mention.start: f.mention for f in doc.figures}
    for rec in records:
        for role, fig in _figures(rec):
            problem = _figure_problem(doc, inventory, fig)
            if problem:
                checks.append(make_check(content_hash, "grounding", "fail", f"{role} = {fig.text!r}: {problem}",
                                         [(role, fig)], section_id=rec.section_id, record_id=rec.id,
                                         category="extraction", message=problem))
        ev = rec.evidence
        if ev is not None and collapse_ws(doc.view(ev.start, ev.end).text) != collapse_ws(ev.quote) \
                and collapse_ws(doc.text[ev.start:ev.end]) != collapse_ws(ev.quote):
            checks.append(make_check(content_hash, "grounding", "fail",
                                     f"evidence {ev.start}–{ev.end} is not the quoted text", [],
                                     section_id=rec.section_id, record_id=rec.id, category="extraction",
                                     message="quote not found at its offsets"))
    return checks


def _figure_problem(doc: Document, inventory: dict[int, NumberMention], fig: FigureValue) -> str | None:
    """A figure is grounded when it is the document's own reading at its offsets: the number
    inventory (footnote markers and heading labels masked), not a fresh parse of the raw text,
    which would read "339 đề tài" (33, marker 9) as 339."""
    if not 0 <= fig.start < fig.end <= len(doc.text):
        return "offsets outside the document"
    if collapse_ws(doc.text[fig.start:fig.end]) != collapse_ws(fig.text):
        return f"the text at {fig.start}–{fig.end} is {doc.text[fig.start:fig.end]!r}"
    m = inventory.get(fig.start)
    if m is None or m.end != fig.end:
        return "no figure of the document at its offsets"
    if Decimal(fig.value) != m.value or fig.unit != m.unit or fig.scale != m.scale:
        return f"the quote prints {m.text!r} = {decimal_str(m.value)} {m.unit or ''}".rstrip() + f", not {fig.value}"
    return None


def check_fractions(doc: Document, section_ids: set[str], content_hash: str) -> list[Check]:
    checks = []
    figures = [f for f in doc.figures if f.section_id in section_ids]
    for this, after in zip(figures, figures[1:]):
        a, b = this.mention, after.mention
        if a.kind != "fraction" or b.unit != "%" or not _SAME_CLAUSE.fullmatch(doc.text, a.end, b.start):
            continue
        frac, pct = figure_value(this), figure_value(after)
        numerator, denominator = a.number, a.denominator
        if not denominator:
            continue
        ops = [("fraction", frac), ("percent", pct)]
        if numerator > denominator and Decimal(pct.value) <= 100:  # "84.934/68.228 lượt, đạt 124,5%": plan exceeded
            checks.append(make_check(content_hash, "percent_range", "fail",
                                     f"{frac.text}: more than the whole", ops, section_id=this.section_id))
        ratio = numerator / denominator * 100
        status = compare_percent(Interval(ratio, ratio), pct)
        if status is None:
            continue
        expr = f"{format_vn_number(numerator, 0)} / {format_vn_number(denominator, 0)} = " \
               f"{format_vn_number(ratio, pct.decimals + 2)}% {'≠ ' if status == 'fail' else 'vs '}{shown(pct)} {mark(status)}"
        checks.append(make_check(content_hash, "fraction", status, expr, ops, section_id=this.section_id))
    return checks


def check_changes(doc: Document, section_ids: set[str], content_hash: str) -> list[Check]:
    checks = []
    figures = [f for f in doc.figures if f.section_id in section_ids]
    for now_fig, change_fig, base_fig in zip(figures, figures[1:], figures[2:]):
        now, change, base = now_fig.mention, change_fig.mention, base_fig.mention
        said = _DIRECTION.fullmatch(doc.text, now.end, change.start)
        if said is None or not _VS_BASE.fullmatch(doc.text, change.end, base.start) or now.unit != base.unit \
                or now.unit == "%":
            continue
        sign = -1 if said.group(1).lower() == "giảm" else 1
        v, b, c = figure_value(now_fig), figure_value(base_fig), figure_value(change_fig)
        ops = [("value", v), ("previous_value", b), (f"change_{'percent' if change.unit == '%' else 'amount'}", c)]
        checks.extend(_change(content_hash, now_fig.section_id, ops, said.group(1).lower(), sign))
    return checks


def _change(h: str, section_id: str | None, ops: list, word: str, sign: int) -> list[Check]:
    (_, v), (_, b), (role, c) = ops
    now, base = interval(v), interval(b)
    if now is None or base is None or base.lo <= 0 or now.lo < 0:
        return []
    if role == "change_percent":
        computed = Interval((now.lo / base.hi - 1) * 100, (now.hi / base.lo - 1) * 100)
        status = compare_percent(computed, c, sign)
        exact = (Decimal(v.value) / Decimal(b.value) - 1) * 100
        shown_change = f"{format_vn_number(exact, c.decimals + 2)}%"
    else:
        amount = interval(c)
        if amount is None or c.unit != v.unit:
            return []
        signed = amount if sign > 0 else Interval(-amount.hi, -amount.lo)
        status = "pass" if (now - base).overlaps(signed) else "fail"
        shown_change = shown_value(Decimal(v.value) - Decimal(b.value), [v, b])
    if status is None:
        return []
    expr = f"{shown(v)} vs {shown(b)}: {shown_change}, printed {word} {shown(c)} {mark(status)}"
    rule = "change" if role == "change_percent" else "change_amount"
    return [make_check(h, rule, status, expr, ops, section_id=section_id)]
