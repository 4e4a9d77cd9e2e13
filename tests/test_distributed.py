"""`extractor corpus run`: the sample reports on a local Dask cluster of 2 worker processes against
the stand-in model server give the corpus database a single-process `extract --db` gives; a
worker killed mid-run loses its reports to the run's failures, and a re-run adds exactly those."""
from __future__ import annotations

import os
import re
import shutil
import signal
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

import dask
import pytest
from distributed import Client, LocalCluster
from typer.testing import CliRunner

from bench.replayserver import ReplayServer
from extractor.cli.commands import app
from extractor.corpus.distributed import WorkerSettings, failures, run_corpus
from extractor.review.store import ReviewStore

from .conftest import NOTICE_OCR, REPORT_2024, REPORT_2026
from .test_faults import MODEL

CASSETTES = sorted((Path(__file__).parent.parent / "cassettes").glob("*.yaml"))
SECTIONS = "II.2,preamble"  # the budget section of each monthly report, the notice's preamble (its figures are
# the model's: the reader settles every directive item, which sends nothing, and every endpoint must be asked)
KEY = "sk-cluster-secret-4242"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("corpus") / "reports"
    folder.mkdir()
    for report in (REPORT_2026, REPORT_2024, NOTICE_OCR):
        shutil.copy(report, folder / report.name)
    return folder


@pytest.fixture(scope="module")
def single_process(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The database `extract --db` fills in one process: what a cluster run must reproduce."""
    tmp = tmp_path_factory.mktemp("single")
    with ReplayServer(CASSETTES, fallback=True) as server:
        run = CliRunner().invoke(app, ["extract", str(corpus), "--sections", SECTIONS, "--base-url", server.base_url,
                                       "--model", MODEL, "--db", str(tmp / "corpus.sqlite"), "--store",
                                       str(tmp / "review.db"), "--cache-dir", str(tmp / "cache"), "-o", str(tmp / "out")])
    assert run.exit_code in (0, 1), run.output  # 1: a section the small model answered badly is partial
    return tmp / "corpus.sqlite"


def contents(db: Path) -> dict[str, list[tuple]]:
    """Every corpus table's rows with row ids replaced by what they stand for (content hash,
    record id), in a fixed order: what two runs that added reports in another order share."""
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    record_ids = {r["id"]: r["record_id"] for r in conn.execute("SELECT id, record_id FROM records")}
    hashes = {r["id"]: r["content_hash"] for r in conn.execute("SELECT id, content_hash FROM documents")}
    tables = {}
    for table in ("documents", "sections", "records", "figures", "checks"):
        rows = []
        for row in conn.execute(f"SELECT * FROM {table}"):
            data = dict(row)
            data.pop("id")
            data.pop("added_at", None)
            if table == "documents" and data["model"]:  # who answered may name a stand-in's port
                data["model"] = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", data["model"])
            if "document_id" in data:
                data["document_id"] = hashes[data["document_id"]]
            if table == "sections" and data["status"] == "cached":  # answered before, the same records
                data["status"] = "extracted"
            if table == "records" and data["parent_id"] is not None:
                data["parent_id"] = record_ids[data["parent_id"]]
            if table == "figures":
                data["record_id"] = record_ids[data["record_id"]]
            rows.append(tuple(sorted(data.items(), key=lambda kv: kv[0])))
        tables[table] = sorted(rows, key=repr)
    conn.close()
    return tables


def test_a_cluster_run_fills_the_database_a_single_process_run_fills(corpus: Path, single_process: Path,
                                                                     tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    db = tmp_path / "corpus.sqlite"
    with ReplayServer(CASSETTES, fallback=True) as one, ReplayServer(CASSETTES, fallback=True) as other:
        run = CliRunner().invoke(app, ["corpus", "run", str(corpus), "--cluster", "local:2", "--sections", SECTIONS,
                                       "--base-url", one.base_url, "--base-url", other.base_url, "--model", MODEL,
                                       "--api-key", KEY, "--db", str(db), "--store", str(tmp_path / "review.db"),
                                       "--cache-dir", str(tmp_path / "cache")])
        requests = [server.stats()["requests"] for server in (one, other)]
        authorizations = one.authorizations | other.authorizations
        after_first = contents(db)

        # A re-run finds done the reports stored with every section extracted; the one with a
        # partial section is sent again (to the same endpoint), and answered from the cache.
        again = CliRunner().invoke(app, ["corpus", "run", str(corpus), "--cluster", "local:2", "--sections", SECTIONS,
                                         "--db", str(db), "--base-url", one.base_url, "--base-url", other.base_url,
                                         "--model", MODEL, "--store", str(tmp_path / "review.db"), "--cache-dir",
                                         str(tmp_path / "cache")])
        assert [server.stats()["requests"] for server in (one, other)] == requests
    assert run.exit_code == 0, run.output
    assert "3 reports: 3 done, 0 failed" in " ".join(run.output.split())
    expected = contents(single_process)
    assert len(expected["documents"]) == 3 and expected["figures"] and expected["checks"]
    assert after_first == expected
    # The workers asked both endpoints (reports are spread over them; no cache shared with the
    # single-process run) with the key they inherited from the driver's environment, which holds
    # it no longer; no file holds it.
    assert all(n > 0 for n in requests) and authorizations == {f"Bearer {KEY}"}
    assert "OPENAI_API_KEY" not in os.environ
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert written and not [p for p in written if KEY.encode() in p.read_bytes()]

    assert again.exit_code == 0, again.output
    partial = [s for s, in sqlite3.connect(db).execute(
        "SELECT DISTINCT d.source FROM sections s JOIN documents d ON d.id = s.document_id WHERE s.status = 'partial'")]
    assert len(partial) == 1 and f"done {Path(partial[0]).name}" in again.output
    assert f"3 reports: 1 done, 0 failed, 0 skipped, 2 already in {db}" in " ".join(again.output.split())
    assert contents(db) == expected


@contextmanager
def losing_cluster() -> Iterator[Client]:
    """Two worker processes; a task whose worker dies fails at once instead of being retried
    elsewhere (Dask's default), so that the loss reaches the run's failures."""
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}), \
            LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        yield client


def _busy_worker_pid(dask_worker: object) -> tuple[int, int]:
    return os.getpid(), len(dask_worker.state.executing)  # type: ignore[attr-defined]


def test_a_worker_killed_mid_run_loses_its_reports_which_the_rerun_adds_once(corpus: Path, single_process: Path,
                                                                            tmp_path: Path) -> None:
    db = tmp_path / "corpus.sqlite"
    store = ReviewStore(tmp_path / "review.db")
    killed: list[int] = []
    with losing_cluster() as client, ReplayServer(CASSETTES, fallback=True, latency=0.3) as server:
        settings = WorkerSettings(base_urls=(server.base_url,), model=MODEL, sections=tuple(SECTIONS.split(",")),
                                  cache_dir=str(tmp_path / "cache"))
        reports = sorted(corpus.iterdir())

        def kill_a_busy_worker(source: str, status: str, detail: str) -> None:
            # Once the worker that finished the first report has taken the queued one (so one report
            # surely runs: another may be finishing as short as the first), kill every busy worker.
            if killed:
                return
            deadline = time.monotonic() + 2
            while True:
                busy = [pid for pid, executing in client.run(_busy_worker_pid).values() if executing]
                if len(busy) == 2 or time.monotonic() > deadline:
                    break
                time.sleep(0.02)
            assert busy, "no worker was running a report when the first one finished"
            for pid in busy:
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)

        first = run_corpus(reports, db, settings, lambda: nullcontext(client), store=store,
                           on_report=kill_a_busy_worker)
        # The dead worker's reports (the one it ran, any queued behind it) are failures of the run.
        lost = first.failed
        assert killed and lost and len(first.done) + len(lost) == 3, (first, killed)
        assert all("KilledWorker" in error for error in lost.values()) and failures(db) == lost

        complete = {s for s, in sqlite3.connect(db).execute(
            "SELECT source FROM documents d WHERE NOT EXISTS (SELECT 1 FROM sections s WHERE s.document_id = d.id "
            "AND s.status NOT IN ('extracted', 'cached'))")}
        second = run_corpus(reports, db, settings, lambda: nullcontext(client), store=store)
    # Sent again: the lost reports, and a report stored with a partial section (as for `extract`).
    assert set(lost) <= set(second.done) and not second.failed
    assert second.already == len(complete) and len(second.done) == 3 - len(complete)
    assert failures(db) == {}
    assert contents(db) == contents(single_process)  # nothing lost, nothing twice


def test_an_unreadable_report_is_a_failure_of_the_run_and_a_done_one_starts_no_cluster(
        single_process: Path, tmp_path: Path) -> None:
    db = tmp_path / "corpus.sqlite"
    shutil.copy(single_process, db)
    (tmp_path / "empty.txt").write_text("  \n", encoding="utf-8")

    def no_cluster() -> nullcontext[Client]:
        raise AssertionError("a cluster was started with nothing to do")

    sections = tuple(SECTIONS.split(","))
    summary = run_corpus([REPORT_2024, tmp_path / "empty.txt"], db, WorkerSettings(sections=sections), no_cluster)
    assert summary.already == 1 and not summary.done
    assert failures(db) == summary.failed == {str(tmp_path / "empty.txt"): f"{tmp_path / 'empty.txt'}: is empty"}
    assert contents(db) == contents(single_process)


def test_a_report_stored_with_fewer_sections_than_the_run_plans_is_not_done(single_process: Path,
                                                                            tmp_path: Path) -> None:
    db = tmp_path / "corpus.sqlite"
    shutil.copy(single_process, db)

    class Opened(Exception):
        pass

    def opened() -> nullcontext[Client]:
        raise Opened

    with pytest.raises(Opened):  # every section: more than the stored run of SECTIONS
        run_corpus([REPORT_2024], db, WorkerSettings(), opened)
