"""A corpus run on a Dask distributed cluster: one task per report, results into the corpus database.

The driver (this process) hashes every report, skips those the corpus database holds with every
section this run plans extracted without failure (they are done, as for `extract`'s manifest),
and submits the rest, one task each, to the cluster's workers. A
worker builds its own model client from the run's settings (`Backend`, as `extract` does), the
same engine and result cache, extracts the whole report and returns the result as JSON. The
driver alone writes: each result goes into the corpus database (`database.add_results`, one
transaction per report) and the review store as it arrives; a task that fails (an error, a worker
lost) is written to the `run_failures` table with its error. That database is the manifest: a
re-run after a lost worker or a lost driver submits what is neither done nor identical to a report
already submitted, so no report is lost and none is added twice (a report is keyed by its content
hash; two copies of one report are one task).

The API key never enters a task: tasks carry paths and `WorkerSettings`, which has no key field,
so nothing a dashboard, a log or a spilled task shows can hold it. A worker reads OPENAI_API_KEY
from its own environment: a local cluster's worker processes inherit the driver's (where
`--api-key` is put before they start); the workers of a remote cluster must be started with it.

Dask, not Ray: measured on the development machine (bench/README.md, "Beyond one machine"), a
2-worker local Dask cluster installs in a sixth of the size and time, starts in a quarter of the
time and uses a fifth of the memory; Ray's lower per-task overhead (1 ms against 7 ms) does not
matter when a task is a whole report (seconds to minutes of model time).
"""
from __future__ import annotations

import atexit
import hashlib
import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager as ContextManager
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from ..document.ingest import read_source
from ..document.normalize import normalize
from ..document.report import load_document
from ..errors import ExtractorError
from ..extraction.cache import ResultCache
from ..extraction.engine import Extractor
from ..llm.backend import Backend, BackendOptions
from ..output.result import Result
from ..review.flagging import flag_result
from ..review.store import ReviewStore
from .crossreview import flag_for_review
from .database import add_results, open_corpus

if TYPE_CHECKING:
    import sqlite_utils
    from distributed import Client

FAILURES = "run_failures"  # source → content hash, error, when: reports a run could not finish


@dataclass(frozen=True)
class WorkerSettings:
    """What a worker needs to build its model client and engine. No API key, by design: it
    would show wherever task arguments do (dashboard, logs, spill files)."""

    base_urls: tuple[str, ...] = ()  # endpoints the reports are spread over; none: environment, config, embedded
    model: str | None = None
    mode: str | None = None
    model_path: str | None = None
    sections: tuple[str, ...] | None = None
    concurrency: int = 1
    cache_dir: str | None = None
    no_cache: bool = False
    retry_failed: bool = False
    ask_all: bool = False  # every piece asked, whole (`extract --ask-all`)


@dataclass
class RunSummary:
    done: list[str] = field(default_factory=list)  # sources added to the database by this run
    failed: dict[str, str] = field(default_factory=dict)  # source → error
    skipped: list[str] = field(default_factory=list)  # none of the chosen sections
    already: int = 0  # reports whose content hash the database held before the run
    duplicates: int = 0  # files with the content of another file of this run


ReportListener = Callable[[str, str, str], None]  # (source, "done" | "failed" | "skipped", detail)


def cluster_opener(cluster: str, api_key: str | None = None) -> Callable[[], ContextManager[Client]]:
    """What opens the cluster `cluster` names: `local:N` starts N worker processes on this machine
    (and stops them after); anything else is a running scheduler's address (tcp://host:8786).
    The name is checked now, so a bad one fails before any report is read; the cluster is opened
    later, and only if a report is left to do."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise ExtractorError("a cluster run needs Dask distributed: pip install 'extractor[cluster]'") from None
    if cluster.startswith("local:"):
        count = cluster.removeprefix("local:")
        if not count.isdigit() or int(count) < 1:
            raise ExtractorError(f"--cluster {cluster}: local:N needs a number of workers N ≥ 1")
        return lambda: _local(int(count), api_key)
    if api_key:
        raise ExtractorError("--api-key cannot reach the workers of a remote cluster without travelling in task "
                             "arguments: start each `dask worker` with OPENAI_API_KEY in its environment instead")
    return lambda: _remote(cluster)


@contextmanager
def _local(workers: int, api_key: str | None) -> Iterator[Client]:
    from distributed import Client, LocalCluster

    before = os.environ.get("OPENAI_API_KEY")
    if api_key:  # inherited by the worker processes (and by one the nanny restarts), never sent
        os.environ["OPENAI_API_KEY"] = api_key
    try:
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                          dashboard_address=None) as local, Client(local) as client:
            yield client
    finally:
        if api_key and before is None:
            del os.environ["OPENAI_API_KEY"]
        elif api_key and before is not None:
            os.environ["OPENAI_API_KEY"] = before


@contextmanager
def _remote(address: str) -> Iterator[Client]:
    from distributed import Client

    try:
        client = Client(address, timeout="20s")
    except (OSError, ValueError, TimeoutError) as exc:
        raise ExtractorError(f"--cluster {address}: cannot reach the scheduler ({exc})") from None
    with client:
        yield client


def content_hash_of(path: Path) -> str:
    """The report's content hash without building its section tree: the hash `Document.content_hash`
    gives (SHA-256 of the normalized text), for the driver to check the manifest cheaply."""
    return hashlib.sha256(normalize(read_source(path).text).text.encode("utf-8")).hexdigest()


def run_corpus(files: list[Path], db: Path, settings: WorkerSettings, cluster: Callable[[], ContextManager[Client]],
               *, store: ReviewStore | None = None, on_report: ReportListener | None = None) -> RunSummary:
    """Extract every report not yet in `db` on the cluster `cluster()` opens (only if one is left
    to do); add each result to `db` (and the review store) as it arrives. A failed report is
    recorded, not raised: the run goes on."""
    summary = RunSummary()
    notify = on_report or (lambda source, status, detail: None)
    stored = _stored_sections(db)
    pending: dict[str, Path] = {}  # content hash → the first file that has it
    for path in files:
        try:
            digest = content_hash_of(path)
            done = digest in stored and _done(path, stored[digest], settings.sections)
        except ExtractorError as exc:
            _failed(db, summary, notify, str(path), None, str(exc))
            continue
        if done:
            summary.already += 1
        elif digest in pending:
            summary.duplicates += 1
        else:
            pending[digest] = path
    if pending:
        with cluster() as client:
            _extract(client, pending, db, settings, store, summary, notify)
    return summary


def _extract(client: Client, pending: dict[str, Path], db: Path, settings: WorkerSettings,
             store: ReviewStore | None, summary: RunSummary, notify: ReportListener) -> None:
    from distributed import as_completed

    futures = {}
    endpoints = settings.base_urls or (None,)
    for digest, path in pending.items():
        refresh = frozenset(store.sections_to_reextract(digest)) if store else frozenset()
        # A report always goes to the same endpoint, whose cached answers a re-run then finds.
        endpoint = endpoints[int(digest, 16) % len(endpoints)]
        future = client.submit(extract_report, str(path), settings, refresh, endpoint, pure=False)
        futures[future] = (path, digest, refresh)
    for future in as_completed(list(futures)):
        path, digest, refresh = futures.pop(future)
        try:
            payload = future.result()
        except Exception as exc:  # noqa: BLE001  a task's error or a lost worker: recorded, the run goes on
            _failed(db, summary, notify, str(path), digest, f"{type(exc).__name__}: {exc}")
            continue
        finally:
            future.release()
        if payload is None:
            summary.skipped.append(str(path))
            notify(str(path), "skipped", "none of the chosen sections")
            continue
        result = Result.model_validate_json(payload)
        _keep(result, path, db, store, refresh)
        summary.done.append(str(path))
        notify(str(path), "done", f"{len(result.records)} records")


def _keep(result: Result, path: Path, db: Path, store: ReviewStore | None, refresh: frozenset[str]) -> None:
    """What `extract --db --store` does with a finished report: flag it for review, keep it for the
    review pages, add it to the corpus; then its earlier failure, if any, is gone."""
    if store is not None:
        flag_result(store, result, load_document(path))
        store.save_result(result)
        store.reextracted(result.content_hash, {s.id for s in result.sections
                                                    if s.id in refresh and s.status == "extracted"})
    add_results(db, [result])
    if store is not None:
        flag_for_review(db, store, result.content_hash)  # its checks across reports, as its own
    corpus = open_corpus(db)
    try:
        with corpus.conn:
            _failures_table(corpus)
            corpus.execute(f"DELETE FROM {FAILURES} WHERE source = ? OR content_hash = ?",
                           [result.source, result.content_hash])
    finally:
        corpus.close()


def _failed(db: Path, summary: RunSummary, notify: ReportListener, source: str, digest: str | None,
            error: str) -> None:
    summary.failed[source] = error
    corpus = open_corpus(db)
    try:
        with corpus.conn:
            _failures_table(corpus)
            corpus.execute(f"INSERT OR REPLACE INTO {FAILURES} (source, content_hash, error, failed_at) "
                           "VALUES (?, ?, ?, ?)",
                           [source, digest, error, datetime.now(timezone.utc).isoformat(timespec="seconds")])
    finally:
        corpus.close()
    notify(source, "failed", error)


def _failures_table(corpus: sqlite_utils.Database) -> None:
    corpus.table(FAILURES).create({"source": str, "content_hash": str, "error": str, "failed_at": str}, pk="source",
                            if_not_exists=True)


def _stored_sections(db: Path) -> dict[str, dict[str, str]]:
    """Content hash → section id → status of every report the database holds."""
    corpus = open_corpus(db)
    try:
        stored: dict[str, dict[str, str]] = {row[0]: {} for row in corpus.execute("SELECT content_hash FROM documents")}
        for digest, section, status in corpus.execute(
                "SELECT d.content_hash, s.section_id, s.status FROM sections s JOIN documents d ON d.id = s.document_id"):
            stored[digest][section] = status
        return stored
    finally:
        corpus.close()


def _done(path: Path, stored: dict[str, str], sections: tuple[str, ...] | None) -> bool:
    """Done, as for `extract`'s manifest: the database holds the report with every section this
    run plans extracted without failure. A stored section that failed means not done, at once;
    else the report is planned here (no model) to see whether this run wants more sections."""
    if any(status not in ("extracted", "cached") for status in stored.values()):
        return False
    planned = Extractor(None, model="", mode="json").plan(load_document(path), sections)
    return {job.section.id for job in planned} <= set(stored)


def failures(db: Path) -> dict[str, str]:
    """Source → error of the reports the last runs could not finish (and no later run did)."""
    corpus = open_corpus(db)
    try:
        if not corpus[FAILURES].exists():
            return {}
        return dict(corpus.execute(f"SELECT source, error FROM {FAILURES} ORDER BY source").fetchall())
    finally:
        corpus.close()


# --- on a worker ----------------------------------------------------------------------------------

_workers: dict[tuple[WorkerSettings, str | None], tuple[Backend, ResultCache | None]] = {}


def extract_report(path: str, settings: WorkerSettings, refresh: frozenset[str], endpoint: str | None) -> str | None:
    """One report, extracted on a worker against `endpoint` (one of `settings.base_urls`): the
    result as JSON, or None if it has none of the chosen sections. The worker's model client (one
    per endpoint) and cache are built once and kept for its next reports."""
    backend, cache = _worker_state(settings, endpoint)
    doc = load_document(path)
    # Results and cache keys name who answered as `extract` names it: the backend's identity
    # (model and endpoint) where the backend has one, else its model.
    extractor = Extractor(backend, model=getattr(backend, "identity", backend.model), mode=backend.mode,
                          cache=cache, retry_failed=settings.retry_failed, ask_all=settings.ask_all)
    jobs = extractor.plan(doc, settings.sections)
    if not jobs:
        return None
    result = extractor.run(doc, jobs, concurrency=settings.concurrency,
                           refresh=refresh & {job.section.id for job in jobs})
    return result.model_dump_json()


def _worker_state(settings: WorkerSettings, endpoint: str | None) -> tuple[Backend, ResultCache | None]:
    if (settings, endpoint) not in _workers:
        options = BackendOptions(base_url=endpoint, model=settings.model, mode=settings.mode,
                                 model_path=Path(settings.model_path) if settings.model_path else None)
        backend = Backend(options)  # the key comes from this worker's OPENAI_API_KEY
        cache = None if settings.no_cache else ResultCache(Path(settings.cache_dir) if settings.cache_dir else None)
        atexit.register(backend.close)  # an embedded model's server stops with the worker
        _workers[settings, endpoint] = (backend, cache)
    return _workers[settings, endpoint]
