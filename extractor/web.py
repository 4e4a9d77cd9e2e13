"""`extractor review serve`: review pages over the review store.

Server-rendered (Starlette + jinja2 with autoescape, so report text is always shown as text).
Decisions go through `ReviewStore.decide` and `parse_correction`, the functions the CLI uses,
so both land in the same audit log. Every form carries a token made when the server starts;
a POST without it, or from another origin, is refused (cross-site request forgery).

`LocalGuard` stands in front of every page. A request must name this server in its Host
(127.0.0.1, localhost, [::1] or the bound host, with the bound port): a page of another site
whose name was made to resolve to 127.0.0.1 (DNS rebinding) gets no page and no token. A
request that changes something must come from one of those origins (Origin, or Referer when
there is no Origin; neither is refused). A body past `MAX_BODY` is refused before it is read.
"""
from __future__ import annotations

import functools
import hmac
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import jinja2
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .document import Document, load_document
from .errors import ExtractorError
from .flagging import parse_correction
from .passages import Block, Mark, section_block
from .records import all_figures, named_figures, referenced_starts
from .result import Check, Record, Result
from .review import STATUSES, Item, ReviewError, ReviewStore, reviewer_name

FILTERS = ("document", "section", "rule", "severity", "status")
RANK = {"fail": 3, "warn": 2, "pass": 1, "skip": 0}
_LINE_BREAKS = re.compile(r"[ \t]*\n\s*")
MAX_BODY = 64 * 1024


@dataclass(frozen=True)
class Settings:
    store: Path | None
    reviewer: str
    token: str


def create_app(store: Path | None = None, reviewer: str | None = None, *, host: str = "127.0.0.1",
               port: int = 8700) -> Starlette:
    settings = Settings(store=store, reviewer=reviewer_name(reviewer), token=secrets.token_urlsafe(32))
    env = jinja2.Environment(loader=jinja2.PackageLoader("extractor", "templates"),
                             autoescape=jinja2.select_autoescape(default=True), trim_blocks=True, lstrip_blocks=True)
    # PDF text keeps a blank line between printed lines: show each line once, offsets untouched.
    env.filters["lines"] = lambda text: _LINE_BREAKS.sub("\n", text)
    templates = Jinja2Templates(env=env)

    def page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
        return templates.TemplateResponse(request, name, {"token": settings.token, **context}, status_code=status)

    async def queue(request: Request) -> Response:
        store = ReviewStore(settings.store)
        chosen = _filters(request)
        items = _filtered(store, chosen)
        everything = store.items()
        options = {"section": sorted({i.section_id or "" for i in everything} - {""}),
                   "rule": sorted({i.rule for i in everything}), "severity": sorted({i.severity for i in everything}),
                   "status": [*STATUSES, "all"]}
        return page(request, "queue.html", {
            "items": items, "chosen": chosen, "query": _query(chosen), "documents": store.documents(),
            "options": options, "counts": store.counts(), "recent": store.recent_decisions()})

    async def item_page(request: Request) -> Response:
        return _item_view(request, ReviewStore(settings.store), int(request.path_params["item_id"]))

    def _item_view(request: Request, store: ReviewStore, item_id: int, error: str | None = None,
                   status: int = 200) -> Response:
        try:
            item = store.get(item_id)
        except ReviewError as exc:
            return PlainTextResponse(str(exc), 404)
        chosen = _filters(request)
        ids = [i.id for i in _filtered(store, chosen)]  # by id: neighbours even once this one left the filter
        earlier, later = [i for i in ids if i < item.id], [i for i in ids if i > item.id]
        doc = _document(item.source, item.content_hash)
        result = store.result(item.content_hash)
        marks = [Mark(f.start, f.end, f"fig-{item.check.status}", f"{f.role} = {f.value}") for f in item.check.figures]
        block = _item_block(doc, item, marks)
        return page(request, "item.html", {
            "item": item, "check": item.check, "block": block,
            "records": _records_of(result, item.check), "audit": store.audit(item.id), "error": error,
            "reviewer": request.cookies.get("reviewer") or settings.reviewer, "query": _query(chosen),
            "previous": earlier[-1] if earlier else None, "next": later[0] if later else None,
            "document_name": Path(item.source or item.content_hash[:12]).name}, status)

    async def decide(request: Request) -> Response:
        form = await request.form()
        if not hmac.compare_digest(str(form.get("token", "")), settings.token):
            return PlainTextResponse("refused: this form did not come from the review page", 403)
        store = ReviewStore(settings.store)
        item_id = int(request.path_params["item_id"])
        action = str(form.get("action", ""))
        who = str(form.get("reviewer") or "").strip() or settings.reviewer
        note = str(form.get("note") or "").strip() or None
        try:
            item = store.get(item_id)
            correction = None
            if action == "correct":
                correction = parse_correction(item.check, [f"{form.get('field', '')}={form.get('value', '')}"])
            status = {"approve": "approved", "reject": "rejected", "correct": "corrected"}.get(action)
            if status is None:
                raise ReviewError(f"unknown action {action!r}")
            store.decide(item_id, status, who=who, note=note, correction=correction,
                         override=form.get("override") == "on")
        except ReviewError as exc:
            return _item_view(request, store, item_id, error=str(exc), status=400)
        target = f"/items/{item_id}" + (f"?{request.url.query}" if request.url.query else "")
        response = RedirectResponse(target, status_code=303)
        response.set_cookie("reviewer", who, httponly=True, samesite="strict")
        return response

    async def document_page(request: Request) -> Response:
        store = ReviewStore(settings.store)
        content_hash = request.path_params["content_hash"]
        source = store.documents().get(content_hash)
        doc = _document(source, content_hash)
        if source is None or doc is None:
            return PlainTextResponse(f"report {source or content_hash} is not readable here, or has changed "
                                     "since it was extracted", 404)
        result = store.result(content_hash)
        items = store.items(content_hash=content_hash)
        marks = _document_marks(doc, result, items)
        blocks = [section_block(doc, sec, marks) for sec in doc.sections]
        extracted = {s.id for s in result.sections} if result else set()
        return page(request, "document.html", {
            "doc": doc, "blocks": blocks, "extracted": extracted, "name": Path(source).name,
            "sections": {sec.id: sec for sec in doc.sections}, "counts": _mark_counts(marks), "items": items})

    routes = [Route("/", queue), Route("/items/{item_id:int}", item_page),
              Route("/items/{item_id:int}", decide, methods=["POST"]),
              Route("/documents/{content_hash}", document_page)]
    return Starlette(routes=routes, exception_handlers={ExtractorError: _error},
                     middleware=[Middleware(LocalGuard, authorities=local_authorities(host, port))])


async def _error(request: Request, exc: Exception) -> Response:
    return PlainTextResponse(str(exc), 400)


def local_authorities(host: str, port: int) -> frozenset[str]:
    """The `host:port` names this server answers to: the loopback names and the bound host."""
    names = {"127.0.0.1", "localhost", "[::1]", f"[{host}]" if ":" in host else host}
    return frozenset(f"{name.lower()}:{port}" for name in names)


class LocalGuard:
    """Host, Origin and body-size checks for every request (see the module docstring)."""

    SAFE = ("GET", "HEAD", "OPTIONS")

    def __init__(self, app: ASGIApp, authorities: frozenset[str], max_body: int = MAX_BODY) -> None:
        self.app = app
        self.authorities = authorities
        self.origins = frozenset(f"http://{a}" for a in authorities)
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        refusal = self._refusal(scope["method"], headers)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        await self.app(scope, self._capped(receive), send)

    def _refusal(self, method: str, headers: Headers) -> Response | None:
        if headers.get("host", "").lower() not in self.authorities:
            return PlainTextResponse("misdirected request: this server answers only to its own address", 421)
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            return PlainTextResponse(f"request body over {self.max_body} bytes", 413)
        if method not in self.SAFE and _origin(headers) not in self.origins:
            return PlainTextResponse("refused: this form did not come from the review page", 403)
        return None

    def _capped(self, receive: Receive) -> Receive:
        """`receive`, stopping a body (streamed without Content-Length) once it passes the cap."""
        received = 0

        async def capped() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_body:
                raise HTTPException(413, f"request body over {self.max_body} bytes")
            return message
        return capped


def _origin(headers: Headers) -> str | None:
    """The request's origin: its Origin header, else the scheme and authority of its Referer."""
    if "origin" in headers:
        return headers["origin"].lower()
    referer = urlsplit(headers.get("referer", ""))
    return f"{referer.scheme}://{referer.netloc}".lower() if referer.scheme and referer.netloc else None


def _filters(request: Request) -> dict[str, str]:
    chosen = {name: request.query_params.get(name, "") for name in FILTERS}
    chosen["status"] = chosen["status"] or "open"
    return chosen


def _query(chosen: dict[str, str]) -> str:
    return urlencode({k: v for k, v in chosen.items() if v})


def _filtered(store: ReviewStore, chosen: dict[str, str]) -> list[Item]:
    status = None if chosen["status"] == "all" else chosen["status"]
    return store.items(status, chosen["document"] or None, section_id=chosen["section"] or None,
                       rule=chosen["rule"] or None, severity=chosen["severity"] or None)


@functools.lru_cache(maxsize=8)
def _load(path: str, mtime: float) -> Document:
    return load_document(path)


def _document(source: str | None, content_hash: str) -> Document | None:
    """The report as extracted, or None if it is gone or has changed since."""
    if not source:
        return None
    try:
        doc = _load(source, Path(source).stat().st_mtime)
    except (OSError, ExtractorError):
        return None
    return doc if doc.content_hash == content_hash else None


def _item_block(doc: Document | None, item: Item, marks: list[Mark]) -> Block | None:
    """The item's whole section with its footnotes; None when only the stored passage is left."""
    if doc is None or item.section_id is None:
        return None
    try:
        sec = doc.section(item.section_id)
    except KeyError:
        return None
    return section_block(doc, sec, marks, whole=True)


def _records_of(result: Result | None, check: Check) -> list[Record]:
    """The records the check's numbers were read into (a text-level check has no record of its own)."""
    if result is None:
        return []
    starts = {f.start for f in check.figures}
    return [r for r in result.records
            if r.id == check.record_id or any(f.start in starts for f in all_figures(r))]


def _document_marks(doc: Document, result: Result | None, items: list[Item]) -> list[Mark]:
    """Every figure of an extracted section, coloured by its worst check; figures no record
    took are marked as missed; a flagged figure links to its review item."""
    if result is None:
        return []
    extracted = {s.id for s in result.sections}
    used = referenced_starts(result.records)
    read_as: dict[int, str] = {}
    for rec in result.records:
        for name, fig in named_figures(rec):
            read_as.setdefault(fig.start, f"{rec.type} {rec.name or ''} · {name}".strip())
    checks_at: dict[int, list[Check]] = {}
    for check in result.checks:
        for f in check.figures:
            checks_at.setdefault(f.start, []).append(check)
    item_at = {f.start: i.id for i in items for f in i.check.figures}
    marks = [Mark(start, end, "fn-ref", "footnote marker") for start, end in doc.layout.marker_spans()]
    for fig in doc.figures:
        m = fig.mention
        if fig.section_id not in extracted:
            continue
        checks = checks_at.get(m.start, [])
        worst = max(checks, key=lambda c: RANK[c.status], default=None)
        css = f"fig-{worst.status}" if worst else "fig-read" if m.start in used else "fig-missed"
        title = "\n".join([read_as.get(m.start, "no record took this figure"),
                           *(f"{c.rule}: {c.expression}" for c in checks)])
        href = f"/items/{item_at[m.start]}" if m.start in item_at else None
        marks.append(Mark(m.start, m.end, css, title, href))
    return marks


def _mark_counts(marks: list[Mark]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for m in marks:
        if m.css.startswith("fig-"):
            counts[m.css[4:]] = counts.get(m.css[4:], 0) + 1
    return counts
