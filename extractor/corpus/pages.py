"""The series page of `extractor review serve --db corpus.sqlite`: an indicator over periods,
as the `series` command gives it (chart and table), beside the checks across reports on it.

A point whose review is open or rejected (or that a failing check across reports leaves in
doubt) is marked in the chart and the table; a reviewer's corrected value is the one used.
The page only reads the corpus; decisions are taken on the review items it links to.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..errors import ExtractorError
from ..review.web import Page
from .crossreview import listed
from .indicators import load_table
from .series import Point, chart_png, indicators, scale_of, series, shown


def series_routes(corpus: Path | None, page: Page) -> list[Route]:
    """`/series` (the page) and `/series/chart.png` (its chart), over the corpus at `corpus`."""

    def chosen(request: Request) -> dict[str, str]:
        return {name: request.query_params.get(name, "").strip() for name in ("key", "province", "field")}

    def points(choice: dict[str, str]) -> list[Point]:
        assert corpus is not None
        return series(corpus, choice["key"], choice["province"] or None, choice["field"] or None)

    async def series_page(request: Request) -> Response:
        choice = chosen(request)
        context: dict[str, Any] = {"chosen": choice, "keys": [], "provinces": [], "rows": [], "checks": [],
                                   "error": None, "corpus": corpus, "label": None, "unit": ""}
        if corpus is None:
            return page(request, "series.html", context)
        try:
            context["keys"], context["provinces"] = indicators(corpus)
            if choice["key"]:
                found = points(choice)
                divisor, word = scale_of(found)
                context["unit"] = " ".join(w for w in (word, found[0].unit or "") if w)
                context["rows"] = [_row(p, divisor) for p in found]
                context["label"] = _label(choice["key"])
                context["checks"] = [c for c in listed(corpus) if c["indicator"] == choice["key"]
                                     and (not choice["province"] or c["province"] == choice["province"])]
        except ExtractorError as exc:
            context["error"] = str(exc)
        return page(request, "series.html", context)

    async def chart(request: Request) -> Response:
        choice = chosen(request)
        if corpus is None or not choice["key"]:
            return Response("no corpus or no indicator", status_code=404, media_type="text/plain")
        try:
            found = points(choice)
        except ExtractorError as exc:
            return Response(str(exc), status_code=404, media_type="text/plain")
        label = _label(choice["key"]) + (f" · {choice['field']}" if choice["field"] else "")
        png = await run_in_threadpool(chart_png, found, choice["key"], label)
        return Response(png, media_type="image/png")

    return [Route("/series", series_page), Route("/series/chart.png", chart)]


def _label(key: str) -> str:
    known = load_table().by_key
    return known[key].label if key in known else key


def _row(point: Point, divisor: Any) -> dict[str, Any]:
    return {"period": point.period or "?", "kind": point.period_kind, "province": point.province or "",
            "value": shown(point.value, divisor), "printed": point.printed, "corrected": point.corrected,
            "plan": shown(point.plan_percent) + "%" if point.plan_percent is not None else "",
            "change": shown(point.change_percent) + "%" if point.change_percent is not None else "",
            "review": point.review, "untrusted": point.untrusted, "content_hash": point.content_hash,
            "where": f"{Path(point.source or '-').name}:{point.start}–{point.end}"}
