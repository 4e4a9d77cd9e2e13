"""`extractor review serve`: review pages over the review store.

Server-rendered (Starlette + jinja2 with autoescape, so report text is always shown as text).
Decisions go through `ReviewStore.decide` and `parse_correction`, the functions the CLI uses,
so both land in the same audit log. Every form carries a token made when the server starts;
a POST without it, or from another origin, is refused (cross-site request forgery).

A decision leads on to the next open item of the same filters (or to the queue, which then
says it is clear), so a reviewer works through a report with the keyboard alone.

`LocalGuard` stands in front of every page. A request must name this server in its Host
(127.0.0.1, localhost, [::1] or the bound host, with the bound port): a page of another site
whose name was made to resolve to 127.0.0.1 (DNS rebinding) gets no page and no token. A
request that changes something must come from one of those origins (Origin, or Referer when
there is no Origin; neither is refused). A body past `MAX_BODY` is refused before it is read.
"""
from __future__ import annotations

import functools
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..document.report import Document, load_document
from ..errors import ExtractorError
from ..output.figures import all_figures
from ..output.result import Check, Record, Result
from .flagging import parse_correction
from .labels import translator
from .pages import document_context, environment, marker_marks, worst_flags
from .reflow import Block, Mark, Paragraph, kept_passage, section_blocks, sentence
from .store import STATUSES, Item, ReviewError, ReviewStore, reviewer_name

FILTERS = ("document", "section", "rule", "severity", "status")
DECISIONS = {"approve": "approved", "reject": "rejected", "correct": "corrected"}
MAX_BODY = 64 * 1024


@dataclass(frozen=True)
class Settings:
    store: Path | None
    reviewer: str
    token: str


Page = Callable[[Request, str, dict[str, Any]], Response]  # renders a template of these pages


def create_app(store: Path | None = None, reviewer: str | None = None, lang: str = "vi", *, host: str = "127.0.0.1",
               port: int = 8700, more_pages: Callable[[Page], list[Route]] | None = None) -> Starlette:
    """The review app; `more_pages` adds the routes of pages served beside the review (the corpus's
    series page, `extractor.corpus.pages`), given how this app renders a page."""
    settings = Settings(store=store, reviewer=reviewer_name(reviewer), token=secrets.token_urlsafe(32))
    env = environment(lang)
    t = translator(lang)
    templates = Jinja2Templates(env=env)

    def page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
        return templates.TemplateResponse(request, name, {"token": settings.token, **context}, status_code=status)

    def error_page(request: Request, status: int, message: str) -> Response:
        title = {404: "not_found", 403: "refused"}.get(status, "bad_request")
        return page(request, "error.html", {"title": t(title), "message": message, "status": status}, status)

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
        except ReviewError:
            return error_page(request, 404, t("no_item", id=item_id))
        chosen = _filters(request)
        ids = [i.id for i in _filtered(store, chosen)]  # by id: neighbours even once this one left the filter
        earlier, later = [i for i in ids if i < item.id], [i for i in ids if i > item.id]
        doc = _document(item.source, item.content_hash)
        first = min(item.check.figures, key=lambda f: f.start, default=None)
        marks = [Mark(f.start, f.end, f"fig-{item.check.status}", f"{f.role} = {f.value}",
                      target=f is first) for f in item.check.figures]
        marks += marker_marks(doc, t) if doc else []
        return page(request, "item.html", {
            "item": item, "check": item.check, "blocks": _item_blocks(doc, item, marks),
            "kept": [] if doc else kept_passage(item.passage, item.passage_start, marks),
            "context": _sentences(doc, item, marks),
            "records": _records_of(store.result(item.content_hash), item.check), "audit": store.audit(item.id),
            "error": error, "reviewer": request.cookies.get("reviewer") or settings.reviewer,
            "query": _query(chosen), "previous": earlier[-1] if earlier else None,
            "next": later[0] if later else None,
            "document_name": Path(item.source or item.content_hash[:12]).name}, status)

    async def decide(request: Request) -> Response:
        form = await request.form()
        # As bytes: compare_digest refuses str with non-ASCII characters (a forged token may hold them).
        if not hmac.compare_digest(str(form.get("token", "")).encode(), settings.token.encode()):  # origin: LocalGuard
            return error_page(request, 403, t("forged"))
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
            if action not in DECISIONS:
                raise ReviewError(f"unknown action {action!r}")
            decided = store.decide(item_id, DECISIONS[action], who=who, note=note, correction=correction,
                                   override=form.get("override") == "on")
        except ReviewError as exc:
            return _item_view(request, store, item_id, error=str(exc), status=400)
        chosen = {**_filters(request), "status": "open"}
        following = _next_open(store, chosen, item_id)
        query = _query(chosen)
        target = f"/items/{following}?{query}" if following else f"/?{query}"
        response = RedirectResponse(target, status_code=303)
        response.set_cookie("reviewer", decided.decided_by or who, httponly=True, samesite="strict")
        return response

    async def document_page(request: Request) -> Response:
        store = ReviewStore(settings.store)
        content_hash = request.path_params["content_hash"]
        source = store.documents().get(content_hash)
        doc = _document(source, content_hash)
        if source is None or doc is None:
            return error_page(request, 404, t("no_report", name=Path(source or content_hash).name))
        items = store.items(content_hash=content_hash)
        flags = worst_flags((i.check, f"/items/{i.id}") for i in items)
        return page(request, "document.html", {
            **document_context(doc, store.result(content_hash), flags, t), "name": Path(source).name,
            "items": items})

    async def not_found(request: Request, exc: Exception) -> Response:
        if isinstance(exc, HTTPException) and exc.status_code != 404:
            return error_page(request, exc.status_code, exc.detail)
        return error_page(request, 404, t("no_page"))

    async def bad_input(request: Request, exc: Exception) -> Response:
        return error_page(request, 400, str(exc))

    routes = [Route("/", queue), Route("/items/{item_id:int}", item_page),
              Route("/items/{item_id:int}", decide, methods=["POST"]),
              Route("/documents/{content_hash}", document_page), *(more_pages(page) if more_pages else [])]
    return Starlette(routes=routes, exception_handlers={ExtractorError: bad_input, HTTPException: not_found},
                     middleware=[Middleware(LocalGuard, authorities=local_authorities(host, port))])


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


def _next_open(store: ReviewStore, chosen: dict[str, str], after: int) -> int | None:
    """The next open item under these filters after `after`, going round to the start."""
    ids = [i.id for i in _filtered(store, chosen) if i.id != after]
    return next((i for i in ids if i > after), ids[0] if ids else None)


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


def _item_blocks(doc: Document | None, item: Item, marks: list[Mark]) -> list[Block]:
    """The item's section and those under it, footnotes beneath each; empty when only the
    stored passage is left."""
    if doc is None or item.section_id is None:
        return []
    try:
        sec = doc.section(item.section_id)
    except KeyError:
        return []
    return section_blocks(doc, sec, marks)


def _sentences(doc: Document | None, item: Item, marks: list[Mark]) -> list[Paragraph]:
    """The sentence around each of the check's figures, in text order, each once."""
    if doc is None:
        return []
    out: list[Paragraph] = []
    for f in sorted(item.check.figures, key=lambda f: f.start):
        found = sentence(doc, f.start, f.end, [Mark(m.start, m.end, m.css, m.title) for m in marks])  # no target
        if found and found not in out:
            out.append(found)
    return out


def _records_of(result: Result | None, check: Check) -> list[Record]:
    """The records the check's numbers were read into (a text-level check has no record of its own)."""
    if result is None:
        return []
    starts = {f.start for f in check.figures}
    return [r for r in result.records
            if r.id == check.record_id or any(f.start in starts for f in all_figures(r))]
