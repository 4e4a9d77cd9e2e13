"""An indicator over periods, from the corpus database: one point per report that states it,
with its % of plan and % change on the same period, where in which file it stands, and its
review state (a reviewer's corrected value is the one used; an open or rejected review marks
the point as not to be trusted yet, and so does a failing check across reports no reviewer has
decided on)."""
from __future__ import annotations

import io
import json
from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..errors import ExtractorError
from ..numbers.parse import format_vn_number
from ..output.atomic import write_atomic
from .database import open_existing
from .indicators import folded, load_table

PLAN_FIELDS = ("plan_percent", "plan_percent_central", "plan_percent_provincial")
UNTRUSTED = ("open", "rejected")
_SCALES = ((Decimal("1e9"), "tỷ"), (Decimal("1e6"), "triệu"), (Decimal("1e3"), "nghìn"))


@dataclass
class Point:
    period: str | None
    province: str | None
    value: str  # the value used: a reviewer's correction, else the parsed one
    printed: str
    unit: str | None
    plan_percent: str | None
    change_percent: str | None  # signed: a "giảm" (decrease) is negative
    period_kind: str | None  # the record's own reading: month, cumulative, as_of_date, year
    review: str | None
    corrected: bool
    source: str | None
    start: int
    end: int
    content_hash: str | None = None

    @property
    def untrusted(self) -> bool:
        return self.review in UNTRUSTED


def indicators(db_path: Path) -> tuple[list[str], list[str]]:
    """The indicator keys the corpus holds figures of, and its provinces."""
    db = open_existing(db_path)
    try:
        keys = [r[0] for r in db.execute("SELECT DISTINCT r.indicator FROM records r JOIN figures f ON f.record_id = r.id "
                                         "WHERE r.indicator IS NOT NULL ORDER BY r.indicator")]
        provinces = [r[0] for r in db.execute("SELECT DISTINCT province FROM documents WHERE province IS NOT NULL "
                                              "ORDER BY province")]
    finally:
        db.close()
    return keys, provinces


def series(db_path: Path, key: str, province: str | None = None, field: str | None = None) -> list[Point]:
    """The points of indicator `key`, in period order. `field` picks a figure of the record
    (default: its value or total, else its first figure: `assigned` for tasks)."""
    db = open_existing(db_path)
    try:
        records = db.execute("""
            SELECT r.id, r.labels, d.period, d.province, d.source, d.content_hash FROM records r
            JOIN documents d ON d.id = r.document_id
            WHERE r.indicator = ? ORDER BY d.period IS NULL, d.period, d.source, r.evidence_start""", [key]).fetchall()
        points: list[Point] = []
        printed: set[tuple[str, int]] = set()  # a figure read by the model and by the reader is one point
        for record_id, labels, period, prov, source, digest in records:
            if province and folded(prov) != folded(province):
                continue
            figures = {row[0]: row[1:] for row in db.execute(
                "SELECT field, value, corrected_value, text, unit, review, start, end, id, main FROM figures "
                "WHERE record_id = ? ORDER BY id", [record_id])}
            chosen = field or next((f for f, row in figures.items() if row[-1]), next(iter(figures), None))
            if chosen is None or chosen not in figures:
                continue
            value, corrected, text, unit, review, start, end, figure_id, _ = figures[chosen]
            if review not in UNTRUSTED and corrected is None:
                review = _across(db, figure_id) or review
            if (digest, start) in printed:
                continue
            printed.add((digest, start))
            read = json.loads(labels) if labels else {}
            plan = next((figures[f][0] for f in PLAN_FIELDS if f in figures), None)
            change = figures["change_percent"][0] if "change_percent" in figures else None
            if change is not None and read.get("change_direction") == "decrease" and not change.startswith("-"):
                change = "-" + change
            points.append(Point(period, prov, corrected or value, text, unit, plan, change,
                                read.get("period"), review,
                                corrected is not None, source, start, end, digest))
    finally:
        db.close()
    if not points:
        known = load_table().by_key
        hint = "" if key in known else f" ({key!r} is not a key of the indicator table)"
        raise ExtractorError(f"no figure of {key}{' in ' + province if province else ''} in {db_path}{hint}")
    return points


def _across(db: Any, figure_id: int) -> str | None:
    """The review state of a failing check across reports that used this figure (open until a
    reviewer decides: extractor/corpus/crosschecks.py), if any leaves it in doubt."""
    row = db.execute("""SELECT coalesce(c.review, 'open') FROM checks c JOIN check_figures cf ON cf.check_id = c.id
                        WHERE cf.figure_id = ? AND c.scope = 'corpus' AND c.status IN ('fail', 'warn')
                        AND coalesce(c.review, 'open') IN ('open', 'rejected') LIMIT 1""", [figure_id]).fetchone()
    return row[0] if row else None


def point_dict(point: Point) -> dict[str, object]:
    return {**asdict(point), "untrusted": point.untrusted}


def scale_of(points: list[Point]) -> tuple[Decimal, str]:
    """A divisor and its word so the largest value reads in a few digits ("tỷ" for billions)."""
    top = max(abs(Decimal(p.value)) for p in points)
    return next(((d, w) for d, w in _SCALES if top >= d * 10), (Decimal(1), ""))


def shown(value: str, divisor: Decimal = Decimal(1)) -> str:
    """Vietnamese notation with the decimals the number has, at most 2: 702,1 · 2.828,46 · 510."""
    number = (Decimal(value) / divisor).normalize()
    return format_vn_number(number, min(2, max(0, -int(number.as_tuple().exponent))))


def _month(period: str | None) -> date | None:
    try:
        return datetime.strptime(period or "", "%Y-%m").date()
    except ValueError:
        return None


def write_chart(points: list[Point], key: str, label: str, path: Path) -> None:
    write_atomic(path, chart_png(points, key, label))


def chart_png(points: list[Point], key: str, label: str) -> bytes:
    """A line over the periods, as PNG; an untrusted point is drawn hollow in red and named."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import dates as mdates
    from matplotlib import pyplot as plt

    divisor, word = scale_of(points)
    unit = " ".join(w for w in (word, points[0].unit or "") if w)
    months = [_month(p.period) for p in points]
    # On a time axis when every period is a month, so two years between points look like it.
    xs: list[Any] = months if all(months) else [p.period or "?" for p in points]
    ys = [float(Decimal(p.value) / divisor) for p in points]
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
    # One line per kind of figure: a month's figure and a cumulative one of the same period are
    # two readings of the indicator, not a jump between them.
    kinds = list(dict.fromkeys(p.period_kind for p in points))
    for kind, colour in zip(kinds, ("#1f5fa8", "#e07b00", "#2b8a3e", "#6c757d", "#7b2cbf")):
        chosen = [i for i, p in enumerate(points) if p.period_kind == kind]
        ax.plot([xs[i] for i in chosen], [ys[i] for i in chosen], color=colour, marker="o", linewidth=2,
                label=kind or "value")
    if len(kinds) > 1:
        ax.legend(fontsize=9)
    for x, y, p in zip(xs, ys, points):
        if p.untrusted:
            ax.plot([x], [y], marker="o", markersize=12, markerfacecolor="none", markeredgecolor="#c0392b",
                    markeredgewidth=2)
            ax.annotate(f"review {p.review}", (x, y), textcoords="offset points", xytext=(0, 12), ha="center",
                        color="#c0392b", fontsize=9)
        elif p.corrected:
            ax.annotate("corrected", (x, y), textcoords="offset points", xytext=(0, 12), ha="center", fontsize=9)
    if all(months):
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))
        if len(months) <= 12:
            ax.set_xticks(months)  # type: ignore[arg-type]  # matplotlib takes dates (its units); the stubs say numbers
        fig.autofmt_xdate()
    ax.margins(x=0.06, y=0.18)  # room for the marks' words
    ax.set_title(f"{label}\n{key}", fontsize=11)
    ax.set_ylabel(unit)
    ax.set_xlabel("period")
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()
