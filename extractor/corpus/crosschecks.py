"""Checks across reports: what one monthly report says about another month, held against it.

A report prints figures that only another report can confirm:
- cumulative_months: "lũy kế 2 tháng", "2 tháng đầu năm" (a cumulative over the first N months
  of the year, N the report's month) must equal the previous month's cumulative (January: its
  month figure) plus this month's figure;
- same_period_change: "tăng / giảm x% so với cùng kỳ", "bằng x% cùng kỳ" must agree with the
  same indicator one year earlier (the report of the same month, figure of the same kind:
  month, cumulative, as of a date);
- same_period_base: a same-period value printed in brackets ("… so với cùng kỳ (281 người)")
  must be what that report printed.

They run wherever the corpus allows: both reports monthly, of one province, the indicator
under the same canonical key (extractor/corpus/indicators.py) and stated once per report and kind (a
report that prints two different values for it is not guessed between). Tolerance is printed
precision, as for a report's own checks (extractor/numbers/intervals.py; a reviewer's corrected value
is used where there is one). Results are rows of `checks` with scope 'corpus' under the later
report, their figures in `check_figures` with the document each stands in. They are made again
whenever a report they involve is added (`check_around`), so they always describe the stored
reports; `flag_for_review` puts the failing ones into the review store, with the later
report's own figures, as a report's own failures are.
"""
from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field as dataclass_field  # Stated has a field named `field`
from decimal import Decimal
from pathlib import Path

from ..checks.records import compare_percent, compare_sum, make_check, mark, shown, shown_value
from ..numbers.intervals import Interval, interval
from ..numbers.parse import find_numbers, format_vn_number
from ..output.result import Check, CheckFigure, CheckStatus, FigureValue
from .database import forget_checks, insert_check, open_existing
from .indicators import folded

CUMULATIVE, SAME_PERIOD, BASE = "cumulative_months", "same_period_change", "same_period_base"
_MONTHS = re.compile(r"\b(\d{1,2})\s+thang\b")


@dataclass(frozen=True)
class Report:
    id: int
    content_hash: str
    source: str | None
    province: str
    year: int
    month: int

    @property
    def period(self) -> str:
        return f"{self.year}-{self.month:02d}"


@dataclass
class Stated:
    """One record's main figure for an indicator, in one report, with the figures beside it."""

    report: Report
    key: str
    kind: str | None  # month, cumulative, as_of_date, or None when the words do not say
    months: int | None  # for a cumulative: over how many months ("lũy kế 2 tháng")
    record: str
    section_id: str | None
    field: str
    figures: dict[str, FigureValue] = dataclass_field(default_factory=dict)
    labels: dict[str, str] = dataclass_field(default_factory=dict)

    @property
    def value(self) -> FigureValue:
        return self.figures[self.field]

    @property
    def first_months(self) -> int | None:
        """The months from January it covers: a cumulative's N, or 1 for January's month figure."""
        if self.kind == "cumulative":
            return self.months or self.report.month
        return 1 if self.kind == "month" and self.report.month == 1 else None


@dataclass
class Found:
    check: Check
    key: str
    used: list[tuple[int, CheckFigure]]  # (document id, figure)


def check_around(conn: sqlite3.Connection, doc_id: int) -> None:
    """Make again the checks across reports that the report `doc_id` takes part in: as the
    later report, and as the earlier one of next month's and next year's reports. Runs inside
    the caller's transaction."""
    report = _report(conn, doc_id)
    if report is None:
        return
    targets = [report, *_reports(conn, report.province, [(report.year + (report.month == 12), report.month % 12 + 1),
                                                          (report.year + 1, report.month)])]
    for target in targets:
        _check_report(conn, target)


def check_all(path: Path) -> None:
    """Every check across the corpus made again (a corpus written before they existed)."""
    db = open_existing(path)
    try:
        with db.conn:
            db.conn.execute("BEGIN IMMEDIATE")
            rows = db.execute("SELECT id FROM documents WHERE year IS NOT NULL AND month IS NOT NULL "
                              "AND province IS NOT NULL ORDER BY id").fetchall()
            for (doc_id,) in rows:
                report = _report(db.conn, doc_id)
                if report is not None:
                    _check_report(db.conn, report)
    finally:
        db.close()


def _check_report(conn: sqlite3.Connection, report: Report) -> None:
    """The report's checks across reports made again; a check of the same key (same reports,
    rule and numbers) keeps the review state and decisions it had."""
    old = conn.execute("SELECT id, key, review FROM checks WHERE document_id = ? AND scope = 'corpus'",
                       [report.id]).fetchall()
    kept = {key: (review, conn.execute("SELECT * FROM review_decisions WHERE check_id = ?", [cid]).fetchall())
            for cid, key, review in old}
    columns = [r[1] for r in conn.execute("PRAGMA table_info(review_decisions)")]
    forget_checks(conn, [cid for cid, _, _ in old])
    for found in _checks_of(conn, report):
        check_id = insert_check(conn, found.check, report.id, "corpus", found.key, found.used)
        review, decisions = kept.get(found.check.key, (None, []))
        if review is not None:
            conn.execute("UPDATE checks SET review = ? WHERE id = ?", [review, check_id])
        for row in decisions:
            values = {**dict(zip(columns, row)), "check_id": check_id}
            values.pop("id")
            conn.execute(f"INSERT INTO review_decisions ({', '.join(values)}) VALUES ({', '.join('?' * len(values))})",
                         list(values.values()))


def _checks_of(conn: sqlite3.Connection, report: Report) -> Iterator[Found]:
    here = _by_key(_statements(conn, report))
    if report.month > 1:
        for previous in _reports(conn, report.province, [(report.year, report.month - 1)]):
            there = _by_key(_statements(conn, previous))
            for key, stated in here.items():
                if key in there:
                    yield from _cumulative(report, previous, key, stated, there[key])
    for previous in _reports(conn, report.province, [(report.year - 1, report.month)]):
        there = _by_key(_statements(conn, previous))
        for key, stated in here.items():
            if key in there:
                yield from _same_period(report, previous, key, stated, there[key])


def _cumulative(report: Report, previous: Report, key: str, here: list[Stated], there: list[Stated]) -> Iterator[Found]:
    cum = _one([s for s in here if s.kind == "cumulative" and s.first_months == report.month])
    month = _one([s for s in here if s.kind == "month"])
    before = _one([s for s in there if s.first_months == previous.month])
    if cum is None or month is None or before is None or not _same_unit(cum, month, before):
        return
    status = compare_sum([before.value, month.value], cum.value)
    if status is None:
        return
    total = Decimal(before.value.value) + Decimal(month.value.value)
    expr = (f"{shown(before.value)} ({previous.period}, {_months(before)}) + {shown(month.value)} ({report.period}) = "
            f"{shown_value(total, [before.value, month.value])} {'=' if status == 'pass' else '≠'} "
            f"{shown(cum.value)} ({report.period}, {_months(cum)}) {mark(status)}")
    yield _found(CUMULATIVE, status, expr, report, previous, key, cum,
                 [(report, "cumulative", cum), (report, "month", month), (previous, "previous_cumulative", before)],
                 f"the cumulative against {Path(previous.source or '-').name} ({previous.period}) plus this month")


def _same_period(report: Report, previous: Report, key: str, here: list[Stated],
                 there: list[Stated]) -> Iterator[Found]:
    for kind in {s.kind for s in here}:
        now = _one([s for s in here if s.kind == kind])
        then = _one([s for s in there if s.kind == kind])
        if now is None or then is None or not _same_unit(now, then) or now.value.unit == "%" \
                or not _about_same_period(now):
            continue
        yield from _change(report, previous, key, now, then)
        base = now.figures.get("previous_value")
        if base is not None:
            yield from _base(report, previous, key, now, then, base)


def _change(report: Report, previous: Report, key: str, now: Stated, then: Stated) -> Iterator[Found]:
    a, b = interval(now.value), interval(then.value)
    ratio = a.ratio(b) if a and b else None
    if ratio is None:
        return
    exact = Decimal(now.value.value) / Decimal(then.value.value) * 100
    for role in ("change_percent", "same_period_percent"):
        stated = now.figures.get(role)
        if stated is None:
            continue
        if role == "change_percent":
            sign = -1 if now.labels.get("change_direction") == "decrease" and Decimal(stated.value) > 0 else 1
            status = compare_percent(Interval(ratio.lo - 100, ratio.hi - 100), stated, sign)
            computed, words = exact - 100, ("giảm" if sign < 0 else "tăng") + f" {shown(stated)}"
            computed_text = ("+" if computed >= 0 else "") + format_vn_number(computed, stated.decimals + 2)
        else:
            status = compare_percent(ratio, stated)
            words, computed_text = f"bằng {shown(stated)} cùng kỳ", format_vn_number(exact, stated.decimals + 2)
        if status is None:
            continue
        expr = (f"{shown(now.value)} vs {shown(then.value)} ({previous.period}): {computed_text}%, printed {words} "
                f"{mark(status)}")
        yield _found(SAME_PERIOD, status, expr, report, previous, key, now,
                     [(report, "value", now), (report, role, now), (previous, "same_period_value", then)],
                     f"against {Path(previous.source or '-').name} ({previous.period})")


def _base(report: Report, previous: Report, key: str, now: Stated, then: Stated, base: FigureValue) -> Iterator[Found]:
    a, b = interval(base), interval(then.value)
    if a is None or b is None or base.unit != then.value.unit:
        return
    status: CheckStatus = "pass" if a.overlaps(b) else "fail"
    expr = (f"same period printed {shown(base)} {'=' if status == 'pass' else '≠'} {shown(then.value)} "
            f"({previous.period}) {mark(status)}")
    yield _found(BASE, status, expr, report, previous, key, now,
                 [(report, "previous_value", now), (previous, "same_period_value", then)],
                 f"against {Path(previous.source or '-').name} ({previous.period})")


def _found(rule: str, status: CheckStatus, expr: str, report: Report, previous: Report, key: str, anchor: Stated,
           operands: list[tuple[Report, str, Stated]], message: str) -> Found:
    """The check, keyed by both reports and the numbers used."""
    figures = [(r, role, s.figures[role] if role in s.figures else s.value) for r, role, s in operands]
    check = make_check(f"{report.content_hash}|{previous.content_hash}", rule, status, expr,
                       [(role, fig) for _, role, fig in figures], section_id=anchor.section_id, record_id=anchor.record,
                       message=message)
    used = [(r.id, f) for (r, _, _), f in zip(figures, check.figures)]
    return Found(check, key, used)


def _about_same_period(stated: Stated) -> bool:
    """Is its change on the same period a year before? The reader says so when the words do;
    a model's change_percent is "so với cùng kỳ" by its schema."""
    basis = stated.labels.get("change_basis")
    return basis == "same_period" or (basis is None and stated.labels.get("source") != "reader")


def _same_unit(*stated: Stated) -> bool:
    return len({s.value.unit for s in stated}) == 1


def _months(stated: Stated) -> str:
    return f"lũy kế {stated.first_months} tháng" if stated.kind == "cumulative" else "tháng"


def _one(stated: list[Stated]) -> Stated | None:
    """The statement, when the report states one value for it (the same figure read twice, by
    the reader and a model, is one); None when absent or when two values disagree."""
    if not stated:
        return None
    values = {Decimal(s.value.value) for s in stated}
    return stated[0] if len(values) == 1 else None


def _by_key(stated: list[Stated]) -> dict[str, list[Stated]]:
    out: dict[str, list[Stated]] = {}
    for s in stated:
        out.setdefault(s.key, []).append(s)
    return out


def _report(conn: sqlite3.Connection, doc_id: int) -> Report | None:
    row = conn.execute("SELECT id, content_hash, source, province, year, month FROM documents WHERE id = ?",
                       [doc_id]).fetchone()
    if row is None or None in (row[3], row[4], row[5]):
        return None  # no province, or not a monthly report: nothing to line it up with
    return Report(*row)


def _reports(conn: sqlite3.Connection, province: str, periods: list[tuple[int, int]]) -> list[Report]:
    """The monthly reports of the province (compared folded) for these (year, month)."""
    found = []
    for year, month in periods:
        for row in conn.execute("SELECT id, content_hash, source, province, year, month FROM documents "
                                "WHERE year = ? AND month = ? AND province IS NOT NULL ORDER BY id", [year, month]):
            if folded(row[3]) == folded(province):
                found.append(Report(*row))
    return found


def _statements(conn: sqlite3.Connection, report: Report) -> list[Stated]:
    """Every keyed record of the report with a main figure (a reviewer's correction in place)."""
    out: dict[int, Stated] = {}
    rows = conn.execute("""
        SELECT r.id, r.record_id, r.section_id, r.indicator, r.labels, r.name, f.field, f.main, f.text, f.value,
               f.corrected_value, f.number, f.decimals, f.scale, f.unit, f.kind, f.qualifier, f.range_to, f.start, f.end
        FROM records r JOIN figures f ON f.record_id = r.id
        WHERE r.document_id = ? AND r.indicator IS NOT NULL ORDER BY r.id, f.id""", [report.id])
    for (rid, record, section, key, labels, name, fname, main, text, value, corrected, number, decimals, scale,
         unit, kind, qualifier, range_to, start, end) in rows:
        if rid not in out:
            read = json.loads(labels) if labels else {}
            months = _MONTHS.search(folded(name))
            out[rid] = Stated(report, key, read.get("period"), int(months.group(1)) if months else None, record,
                              section, "", labels=read)
        stated = out[rid]
        if decimals is None:  # a corpus written before the precision was stored: read it from the print again
            decimals, qualifier, range_to = _printed_precision(text, number)
        stated.figures[fname] = FigureValue(
            text=text, value=corrected or value, number=number, scale=scale, unit=unit, kind=kind, qualifier=qualifier,
            range_to=range_to, start=start, end=end, decimals=decimals)
        if main:
            stated.field = fname
    return [s for s in out.values() if s.field]


def _printed_precision(text: str, number: str) -> tuple[int, str | None, str | None]:
    """Decimals, qualifier and range end of a figure as printed ("khoảng 3.987 ha", "584,0 tấn")."""
    found = find_numbers(text)
    if not found:
        return max(0, -int(Decimal(number).as_tuple().exponent)), None, None
    m = found[0]
    return m.decimals, m.qualifier, str(m.range_to) if m.range_to is not None else None
