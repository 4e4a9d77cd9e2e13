"""Between a run's checks and the review store: flag what needs a person, attach what they decided.

Source inconsistencies (fail or warn) and names the text does not print become review items with the passage they rest on; an
item already decided keeps its decision, which is copied onto the check and onto the figures
it involves (their review status, and a reviewer's corrected value where one was given).
"""
from __future__ import annotations

from ..document.report import Document
from ..numbers.parse import decimal_str, parse_vn_number
from ..numbers.units import SCALES
from ..output.figures import all_figures
from ..output.result import Check, FigureValue, Result
from .store import ReviewError, ReviewStore

MARGIN = 160


def flag_result(store: ReviewStore, result: Result, doc: Document) -> int:
    """Put the run's flagged checks into the store; returns how many are still open."""
    open_items = 0
    for check in result.checks:
        if not _for_review(check):
            continue
        a = max(0, min(f.start for f in check.figures) - MARGIN)
        b = min(len(doc.text), max(f.end for f in check.figures) + MARGIN)
        item = store.flag(check, content_hash=result.content_hash, source=result.source, passage=doc.text[a:b],
                          passage_start=a)
        check.review = item.decision() or {"status": "open", "item": item.id}
        open_items += item.status == "open"
    apply_decisions(result)
    return open_items


def _for_review(check: Check) -> bool:
    """Source inconsistencies, where the check has figures to show the passage by."""
    return bool(check.figures) and check.category == "source" and check.status in ("fail", "warn")


def apply_decisions(result: Result) -> None:
    """Mark every record figure a decided (or open) check involves, wherever the record is."""
    by_start: dict[int, list[FigureValue]] = {}
    for rec in result.records:
        for fig in all_figures(rec):
            by_start.setdefault(fig.start, []).append(fig)
    for check in result.checks:
        if check.review is None:
            continue
        correction = check.review.get("correction") or {}
        for used in check.figures:
            for fig in by_start.get(used.start, []):
                fig.review = check.review["status"]
                if used.role in correction:
                    fig.corrected_value = correction[used.role]


def parse_correction(check: Check, assignments: list[str]) -> dict[str, str]:
    """FIELD=VALUE pairs, VALUE printed the Vietnamese way in the figure's own scale word."""
    roles = {f.role: f for f in check.figures}
    out = {}
    for assignment in assignments:
        field, sep, printed = assignment.partition("=")
        if not sep or field not in roles:
            raise ReviewError(f"give FIELD=VALUE with FIELD one of {', '.join(roles)}")
        try:
            number = parse_vn_number(printed.strip())
        except ValueError:
            raise ReviewError(f"{printed!r} is not a number written like 2.828,46") from None
        scale = roles[field].scale
        out[field] = decimal_str(number.scaleb(SCALES[scale][1]) if scale in SCALES else number)
    return out

