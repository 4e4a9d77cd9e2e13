"""Run a document's sections through the model: chunk, render, ask (or take from the cache),
ground, collect. One chunk failing does not stop the others; a model server that is gone (or
Ctrl+C) stops the sending, and the pieces left are reported as not sent."""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import BaseModel

from ..checks.text import check_grounding
from ..document.report import Document
from ..document.sections import Section
from ..errors import ExtractorError
from ..kinds import kind_of, reads_text, reply_model
from ..llm.client import (
    EndpointDown,
    EndpointUnavailable,
    InvalidReply,
    TruncatedReply,
    Usage,
    json_schema_of,
)
from ..output.dicts import metadata_dict
from ..output.figures import figure_value, referenced_starts
from ..output.result import Coverage, Record, Result, SectionResult, UsageTotals
from ..reading.reader import read_section
from .cache import ResultCache, cache_key, check_reply_size
from .chunking import Chunk, chunk_section, split_chunk
from .prompting import render_messages, template_versions
from .reconcile import reconcile
from .records import FigureResolver, build_records, copied_from, merge_records, read_list_kind
from .settling import open_figures, reader_settles
from .validate import sort_checks, validate_section


class BudgetExceeded(ExtractorError):
    """The run's token budget (--token-budget) is spent: remaining chunks are not sent."""


class NotSent(ExtractorError):
    """The run stopped sending (the model server is down, or the user interrupted the run)."""


INTERRUPTED = "interrupted"


class Ungrounded(ExtractorError):
    """The reply points at text the document does not bear out."""


# Failures that are the model's settled answer to these exact messages: asking again gives the
# same reply, so they are cached like a reply (and re-asked only with retry_failed). A cut-off
# reply is cached too, with the token limit it hit, so a re-run goes straight to the halves.
# Transport errors and budgets are not settled and are always asked again.
SETTLED = (InvalidReply, Ungrounded)


@dataclass
class ChunkOutcome:
    chunk: Chunk
    kind: str
    records: list[Record] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    cached: bool = False  # answered from the cache (a split piece: every half)
    cache_hits: int = 0  # replies read from the cache: 1, or a split piece's halves that were
    error: str | None = None
    failed_piece: str | None = None  # the half that failed, when the piece was split and only part of it did


@dataclass
class Job:
    section: Section
    kind: str
    chunks: list[Chunk]  # the pieces to ask the model about
    settled: list[Chunk] = field(default_factory=list)  # the pieces the reader settles: not asked


Listener = Callable[[ChunkOutcome], None]


class ModelClient(Protocol):
    """What the engine asks of a model: `LLMClient`, or the `Backend` that opens one on first use."""

    def complete(self, response_model: type[BaseModel], messages: list[dict[str, str]],
                 context: dict[str, Any] | None = None) -> tuple[BaseModel, Usage]: ...


class Extractor:
    def __init__(self, client: ModelClient | None, *, model: str, mode: str, cache: ResultCache | None = None,
                 token_budget: int | None = None, retry_failed: bool = False, use_model: bool = True,
                 ask_all: bool = False) -> None:
        self.client = client
        self.use_model = use_model  # False: only the reader and the checks (`extract --no-model`)
        self.ask_all = ask_all  # True: every piece is sent, even those the reader settles (`extract --ask-all`)
        self.retry_failed = retry_failed
        self.model = model
        self.mode = mode
        self.cache = cache
        self.token_budget = token_budget
        self._spent = 0
        self._lock = threading.Lock()
        self.stopped: str | None = None  # why the run stopped sending: the endpoint's diagnosis, or INTERRUPTED
        self.interrupted = False

    def _stop(self, reason: str) -> None:
        with self._lock:
            if self.stopped is None or reason == INTERRUPTED:
                self.stopped = reason

    def plan(self, doc: Document, section_ids: Iterable[str] | None = None) -> list[Job]:
        """The sections to extract (an id selects the section and everything under it)."""
        wanted = list(section_ids or [])
        jobs = []
        for sec in doc.sections:
            if wanted and not any(sec.id == w or sec.id.startswith(w + ".") for w in wanted):
                continue
            kind = kind_of(doc, sec)
            text = reads_text(kind)
            # A piece without figures gives a figure-reading kind nothing to point at: skip it.
            chunks = [c for c in chunk_section(doc, sec, whole=text) if text or c.figures]
            if chunks and not self.ask_all:  # what the reader settles is not asked (extractor/extraction/settling.py)
                read = read_section(doc, sec.id)
                asked = [c for c in chunks if _asked(doc, kind, c, read)]
                jobs.append(Job(sec, kind, asked, [c for c in chunks if c not in asked]))
            elif chunks:
                jobs.append(Job(sec, kind, chunks))
        return jobs

    def run(self, doc: Document, jobs: list[Job], *, concurrency: int = 1, refresh: Iterable[str] = (),
            on_chunk: Listener | None = None, on_section: Callable[[Result], None] | None = None) -> Result:
        """Extract the planned jobs. Sections in `refresh` (a reviewer rejected their extraction)
        are asked again instead of read from the cache.

        On Ctrl+C nothing more is sent: pending pieces are cancelled, requests in flight are
        abandoned, and the result holds what was answered (`interrupted` is then set)."""
        fresh = set(refresh)
        result = Result(source=str(doc.source.path) if doc.source else None, content_hash=doc.content_hash,
                        metadata=metadata_dict(doc), model=self.model)
        outcomes: dict[str, list[ChunkOutcome]] = {job.section.id: [] for job in jobs}
        by_section = {job.section.id: job for job in jobs}

        def collect(outcome: ChunkOutcome) -> None:
            sid = outcome.chunk.section_id
            outcomes[sid].append(outcome)
            _add_usage(result.usage, outcome)
            if on_chunk:
                on_chunk(outcome)
            if len(outcomes[sid]) == len(by_section[sid].chunks):
                self._finish_section(result, by_section[sid], outcomes[sid], doc)
                if on_section:
                    on_section(result)

        for job in [j for j in jobs if not self.use_model or not j.chunks]:  # the reader's alone
            self._finish_section(result, job, [], doc)
            if on_section:
                on_section(result)
        pool = ThreadPoolExecutor(max_workers=max(1, concurrency))
        futures = {pool.submit(self._chunk, doc, job.kind, chunk, job.section.id in fresh): (job, chunk)
                   for job in jobs for chunk in job.chunks} if self.use_model else {}
        try:
            for future in as_completed(futures):
                collect(future.result())
        except KeyboardInterrupt:
            self.interrupted = True
            self._stop(INTERRUPTED)
            pool.shutdown(wait=False, cancel_futures=True)
            self._finish_interrupted(result, futures, by_section, doc, on_section)
        else:
            pool.shutdown()
        order = {job.section.id: i for i, job in enumerate(jobs)}  # sections finish in any order
        result.sections.sort(key=lambda s: order[s.id])
        result.records.sort(key=lambda r: (r.evidence.start if r.evidence else 0))
        result.checks = sort_checks(result.checks, list(order))
        result.coverage = _coverage(doc, jobs, result.records)
        return result

    def _finish_interrupted(self, result: Result, futures: dict[Future[ChunkOutcome], tuple[Job, Chunk]],
                            by_section: dict[str, Job], doc: Document,
                            on_section: Callable[[Result], None] | None) -> None:
        """After Ctrl+C, which may have landed anywhere in the loop of `run` — even while a
        section was being finished or written: every section not yet in the result is finished
        from its pieces' futures (an answered piece is kept, the others are marked interrupted),
        and the usage is counted again from all of them."""
        outcomes: dict[str, list[ChunkOutcome]] = {sid: [] for sid in by_section}
        for future, (job, chunk) in futures.items():
            if future.done() and not future.cancelled():
                outcome = future.result()
            else:
                why = f"not sent: {INTERRUPTED}" if future.cancelled() else f"{INTERRUPTED} before the reply"
                outcome = ChunkOutcome(chunk, job.kind, error=why)
            outcomes[job.section.id].append(outcome)
        result.usage = UsageTotals()
        for outcome in (o for outs in outcomes.values() for o in outs):
            _add_usage(result.usage, outcome)
        finished = {s.id for s in result.sections}
        for sid, job in by_section.items():
            if sid not in finished:
                self._finish_section(result, job, outcomes[sid], doc)
                if on_section:
                    on_section(result)

    def _finish_section(self, result: Result, job: Job, outcomes: list[ChunkOutcome], doc: Document) -> None:
        ordered = sorted(outcomes, key=lambda o: job.chunks.index(o.chunk))
        records = merge_records([r for o in ordered for r in o.records])
        read_list_kind(doc, records)
        read = read_section(doc, job.section.id)
        records, warnings = reconcile(records, read)  # on what the reader settled, its reading wins
        checks = validate_section(doc, job.section.id, records)  # before the result changes: see run's Ctrl+C
        failed = [o for o in ordered if o.error]
        cached = sum(1 for o in ordered if o.cached)
        # A section that keeps model records is partial, even if every piece failed somewhere (a
        # split piece keeps the half that was answered); failed means the model gave nothing kept.
        # The reader's records of the section are kept whatever the model did.
        status = "extracted" if not ordered else \
            "failed" if len(failed) == len(ordered) and not records else "partial" if failed else \
            "cached" if cached == len(ordered) else "extracted"
        result.sections.append(SectionResult(
            id=job.section.id, title=job.section.title, kind=job.kind, status=status, chunks=len(ordered),
            cached_chunks=cached, failed_chunks=len(failed), records=len(records) + len(read),
            errors=[f"{o.failed_piece or o.chunk.id}: {o.error}" for o in failed], warnings=warnings))
        result.records.extend(records + read)
        result.checks.extend(checks)

    def _chunk(self, doc: Document, kind: str, chunk: Chunk, fresh: bool = False, depth: int = 0) -> ChunkOutcome:
        try:
            return self._ask(doc, kind, chunk, fresh)
        except TruncatedReply as exc:
            # A half that holds none of a focused piece's open figures has nothing to ask.
            halves = [h for h in split_chunk(doc, chunk) if h.focus is None or h.focus] if depth < 2 else []
            if not halves:
                return ChunkOutcome(chunk, kind, usage=exc.usage, error=str(exc))
            # The reply ran past the token limit: ask about each half of the piece instead.
            parts = [self._chunk(doc, kind, half, fresh, depth + 1) for half in halves]
            merged = ChunkOutcome(chunk, kind, usage=exc.usage, cached=all(part.cached for part in parts))
            for part in parts:
                merged.records.extend(part.records)  # a failed half brings none; the other keeps its own
                merged.usage.add(part.usage)
                merged.cache_hits += part.cache_hits
                if part.error and merged.error is None:
                    merged.error, merged.failed_piece = part.error, part.failed_piece or part.chunk.id
            if all(part.error for part in parts):
                merged.failed_piece = None  # the whole piece failed
            return merged

    def _ask(self, doc: Document, kind: str, chunk: Chunk, fresh: bool = False) -> ChunkOutcome:
        outcome = ChunkOutcome(chunk, kind)
        model_cls = reply_model(kind)
        messages = render_messages(kind, chunk)
        key = cache_key(model=self.model, mode=self.mode, templates=template_versions(kind),
                        messages=messages, schema=json_schema_of(model_cls))
        resolver = FigureResolver(chunk)
        context = {"check_figure": resolver.check, "check_text": copied_from(chunk), "figure_ids": resolver.ids_for}
        try:
            hit = self.cache.get(key) if self.cache and not fresh else None
            if hit is not None and "reply" not in hit and (self.retry_failed or not self._settled(hit)):
                hit = None
            if hit is not None and "truncated" in hit:
                raise TruncatedReply(hit["truncated"])
            if hit is not None and "failed" in hit:
                outcome.cached, outcome.cache_hits = True, 1
                raise ExtractorError(hit["failed"])
            if hit is not None:
                reply = model_cls.model_validate(hit["reply"], context=context)
                outcome.cached, outcome.cache_hits = True, 1
            else:
                if self.client is None:
                    raise ExtractorError("not in the cache and no model configured")
                self._may_send()
                reply, outcome.usage = self.client.complete(model_cls, messages, context=context)
                self._spend(outcome.usage)
            check_reply_size(reply)
            outcome.records = build_records(doc, chunk, kind, reply)
            ungrounded = check_grounding(doc, outcome.records, doc.content_hash)
            if ungrounded:  # never cache what the document does not bear out
                raise Ungrounded("ungrounded: " + "; ".join(c.expression for c in ungrounded[:3]))
            if self.cache and not outcome.cached:
                self.cache.put(key, {"reply": reply.model_dump(mode="json")})
        except TruncatedReply as exc:
            self._spend(exc.usage)
            if self.cache and exc.usage.requests:
                self.cache.put(key, {"truncated": str(exc), "max_tokens": self._reply_limit()})
            raise
        except EndpointUnavailable as exc:
            # A server that is gone (for the embedded model, the backend says how its server died)
            # stops the sending; the earlier pieces' answers are kept. A 429 or 5xx does not.
            died = getattr(self.client, "failure", lambda: None)()
            outcome.error = died or str(exc)
            if died or isinstance(exc, EndpointDown):
                self._stop(outcome.error)
            outcome.usage = exc.usage
            self._spend(exc.usage)
        except ExtractorError as exc:
            outcome.records = []  # a failed piece keeps nothing, whether its failure was cached or not
            outcome.error = str(exc)
            if self.cache and isinstance(exc, SETTLED) and not outcome.cached:
                self.cache.put(key, {"failed": outcome.error})
            usage = getattr(exc, "usage", None)
            if isinstance(usage, Usage):
                outcome.usage = usage
                self._spend(usage)
        return outcome

    def _reply_limit(self) -> int | None:
        return getattr(self.client, "max_tokens", None)

    def _settled(self, hit: dict[str, object]) -> bool:
        """A cached failure stands unless a cut-off reply now has more tokens to finish in."""
        if "truncated" not in hit:
            return True
        limit, then = self._reply_limit(), hit.get("max_tokens")
        return limit is None or not isinstance(then, int) or limit <= then

    def _may_send(self) -> None:
        with self._lock:
            if self.stopped is not None:
                raise NotSent(f"not sent: {self.stopped}")
            if self.token_budget is not None and self._spent >= self.token_budget:
                raise BudgetExceeded(f"token budget of {self.token_budget} spent")

    def _spend(self, usage: Usage) -> None:
        with self._lock:
            self._spent += usage.prompt_tokens + usage.completion_tokens


def _asked(doc: Document, kind: str, chunk: Chunk, read: list[Record]) -> bool:
    """Does the reader leave the model anything to answer in this piece? A piece of a figure-reading
    kind is then asked only about the figures the reader leaves open (`Chunk.focus`): the others
    are not listed (a reply about them would be overruled by the reader anyway, `reconcile`),
    which shortens the reply the small model writes, its slowest part."""
    if reads_text(kind):
        return not reader_settles(doc, kind, chunk.figures, read, chunk.span)
    left = [fig for fig, _ in open_figures(doc, kind, chunk.figures, read)]
    if left and len(left) < len(chunk.figures):
        chunk.focus = left
    return bool(left)


def _add_usage(totals: UsageTotals, outcome: ChunkOutcome) -> None:
    totals.requests += outcome.usage.requests
    totals.prompt_tokens += outcome.usage.prompt_tokens
    totals.completion_tokens += outcome.usage.completion_tokens
    totals.retries += outcome.usage.retries
    totals.cache_hits += outcome.cache_hits


def _coverage(doc: Document, jobs: list[Job], records: list[Record]) -> Coverage:
    """Which figures of the extracted sections no record accounts for."""
    in_scope = [f for f in doc.figures
                if any(c.span[0] <= f.mention.start and f.mention.end <= c.span[1]
                       for j in jobs for c in j.chunks + j.settled)]
    used = referenced_starts(records)
    left = [figure_value(f) for f in in_scope if f.mention.start not in used]
    return Coverage(figures=len(in_scope), covered=len(in_scope) - len(left), left_over=left)
