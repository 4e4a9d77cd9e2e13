"""Faults injected by a local stand-in server that replays recorded replies (bench/replayserver.py).

For every fault the run finishes, every section ends extracted or failed with its reason,
nothing already extracted is lost, and the retries are the configured ones; a server that is
gone (or Ctrl+C) stops the sending at once. Asserted on the server's request log and on the
waits the client asked for (the clock is injected), never on elapsed time.
"""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import httpx
import pytest

from bench.replayserver import Fault, ReplayServer
from extractor.document.report import Document
from extractor.extraction.cache import ResultCache
from extractor.extraction.engine import Extractor
from extractor.llm.client import LLMClient, LLMConfig
from extractor.output.result import Result
from extractor.reading.reader import is_reader_record

from .conftest import REPORT_2026

CASSETTE = Path(__file__).parent.parent / "cassettes" / "test_direction_tasks_and_a_warm_rerun.yaml"
MODEL = "qwen2.5-coder-1.5b-instruct-q4_k_m"
TASKS = {"assigned": "510", "completed": "379", "completed_on_time": "354", "completed_late": "25", "pending": "131"}


def extract(doc: Document, server: ReplayServer, tmp_path: Path, *, timeout: float = 5.0,
            max_attempts: int = 4, retry_failed: bool = False, max_tokens: int = 1024) -> tuple[Result, list[float]]:
    slept: list[float] = []
    config = LLMConfig(base_url=server.base_url, model=MODEL, api_key="sk-fault", timeout=timeout,
                       max_attempts=max_attempts, backoff_base=1.0, max_tokens=max_tokens)
    engine = Extractor(LLMClient(config, sleep=slept.append), model=MODEL, mode="json",
                       cache=ResultCache(tmp_path / "cache"), retry_failed=retry_failed, ask_all=True)
    return engine.run(doc, engine.plan(doc, ["I"])), slept  # every piece asked: the faults are the model's


def tasks_of(result: Result) -> dict[str, str]:
    [rec] = [r for r in result.records if r.type == "tasks" and not is_reader_record(r)]  # the model's
    return {name: f.value for name, f in rec.figures.items() if f}


def tasks_in(data: dict) -> dict[str, str]:
    """The tasks record of a result as written to JSON."""
    return {k: f["value"] for r in data["records"] if r["type"] == "tasks" and r["labels"].get("source") != "reader"
            for k, f in r["figures"].items() if f}


def test_clean_replay_matches_the_recording(report_2026: Document, tmp_path: Path) -> None:
    with ReplayServer([CASSETTE]) as server:
        result, slept = extract(report_2026, server, tmp_path)
    assert tasks_of(result) == TASKS and slept == []
    assert result.usage.requests == len(server.log) and set(server.log) == {"replay"}
    assert (result.usage.prompt_tokens, result.usage.completion_tokens) == (server.prompt_tokens,
                                                                           server.completion_tokens)


@pytest.mark.parametrize("fault, waits", [
    (Fault("status", 429, {"Retry-After": "7"}), [7.0]), (Fault("status", 429, {"Retry-After": "soon"}), [None]),
    (Fault("status", 500), [None]), (Fault("status", 502), [None]), (Fault("status", 503), [None]),
    (Fault("hang", seconds=1.5), [None]), (Fault("drop"), [None]),
])
def test_transient_faults_are_retried_then_the_run_completes(report_2026: Document, tmp_path: Path,
                                                            fault: Fault, waits: list) -> None:
    with ReplayServer([CASSETTE], script=[fault]) as server:
        result, slept = extract(report_2026, server, tmp_path, timeout=0.5)
    assert server.log[0] == fault.kind and server.log[1:] == ["replay"] * (len(server.log) - 1)
    assert result.usage.retries == 1 and result.usage.requests == len(server.log)
    assert [w if w == 7.0 else None for w in slept] == waits and all(0.5 <= w <= 60 for w in slept)
    assert result.sections[0].status == "extracted" and tasks_of(result) == TASKS


def test_a_section_that_keeps_records_is_partial_even_if_every_piece_failed(report_2026: Document) -> None:
    """The section's one piece is cut off; of its halves one is answered, the other fails: the
    answered half's records are kept, so the section is partial, and the error names the half."""
    replies = iter([
        ("length", '{"indicators": [{"name": "Tăng trưởng'),
        ("stop", '{"indicators": [{"name": "doanh nghiệp hoạt động trở lại", "change_percent": "n1", '
                 '"change_direction": "decrease"}]}'),
    ])

    def answer(request: httpx.Request) -> httpx.Response:
        step = next(replies, None)
        if step is None:
            return httpx.Response(503, json={"error": {"message": "overloaded"}})
        return httpx.Response(200, json={
            "id": "1", "object": "chat.completion", "created": 0, "model": "m",
            "choices": [{"index": 0, "finish_reason": step[0], "message": {"role": "assistant", "content": step[1]}}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}})

    client = LLMClient(LLMConfig(base_url="http://model.test/v1", model="m", max_attempts=1),
                       http_client=httpx.Client(transport=httpx.MockTransport(answer)))
    engine = Extractor(client, model="m", mode="json", ask_all=True)  # the piece whole: both halves are asked
    [job] = engine.plan(report_2026, ["II.danh-gia-chung"])
    assert len(job.chunks) == 1
    result = engine.run(report_2026, [job])
    [section] = result.sections
    [record] = [r for r in result.records if not is_reader_record(r)]
    assert record.chunk_id == job.chunks[0].id + "a"
    assert section.status == "partial" and section.failed_chunks == section.chunks == 1
    assert section.records == len(result.records)  # the model's one record and the reader's
    assert section.errors == [f"{job.chunks[0].id}b: model server answered 503: Error code: 503 - "
                              "{'error': {'message': 'overloaded'}}"]


def test_retries_are_bounded_and_the_failure_is_reported(report_2026: Document, tmp_path: Path) -> None:
    script = [Fault("status", 503)] * 3
    with ReplayServer([CASSETTE], script=script) as server:
        result, slept = extract(report_2026, server, tmp_path, max_attempts=3)
    section = result.sections[0]
    assert server.log[:3] == ["status"] * 3 and len(slept) == 2
    assert slept[1] > 0 and slept[0] <= 1.0 < slept[1] <= 2.0  # exponential backoff with jitter
    assert section.status == "partial" and section.failed_chunks == 1
    assert section.errors == ["I#1: model server answered 503: Error code: 503 - {'error': {'message': "
                              "'injected fault', 'type': 'server_error'}}"]
    assert tasks_of(result) == TASKS  # the other pieces are kept


@pytest.mark.parametrize("kind", ["malformed", "bad_schema"])
def test_broken_replies_are_asked_again(report_2026: Document, tmp_path: Path, kind: str) -> None:
    with ReplayServer([CASSETTE], script=[Fault(kind)]) as server:
        result, _ = extract(report_2026, server, tmp_path)
    assert server.log[0] == kind and result.usage.requests == len(server.log)
    assert result.sections[0].status == "extracted" and tasks_of(result) == TASKS


@pytest.mark.parametrize("kind", ["malformed", "html"])
def test_a_reply_that_is_no_chat_completion_is_retried_and_never_cached(report_2026: Document, tmp_path: Path,
                                                                       kind: str) -> None:
    """A body cut short, or a proxy's HTML page sent with status 200, is not the model's answer:
    retried like a dropped connection, reported as the server's fault, and asked again next run."""
    with ReplayServer([CASSETTE], script=[Fault(kind)] * 3) as server:
        first, slept = extract(report_2026, server, tmp_path, max_attempts=3)
    assert server.log[:3] == [kind] * 3 and len(slept) == 2 and first.usage.retries == 2
    [error] = first.sections[0].errors
    assert error.startswith("I#1: model server sent a reply that is not a chat completion (not JSON")
    assert first.sections[0].status == "partial" and tasks_of(first) == TASKS
    with ReplayServer([CASSETTE]) as server:
        second, _ = extract(report_2026, server, tmp_path)
    assert server.log == ["replay"] and second.sections[0].status == "extracted"


def test_an_invalid_answer_is_settled_until_asked_to_retry(report_2026: Document, tmp_path: Path) -> None:
    """A reply still invalid after its re-ask is the model's answer to those messages: the next
    run reports it from the cache without asking; --retry-failed asks again."""
    with ReplayServer([CASSETTE], script=[Fault("bad_schema")] * 2) as server:
        first, _ = extract(report_2026, server, tmp_path)
    [error] = first.sections[0].errors
    assert error.startswith("I#1: invalid reply after 2 attempts") and server.log[:2] == ["bad_schema"] * 2
    with ReplayServer([CASSETTE]) as server:
        second, _ = extract(report_2026, server, tmp_path)
        assert server.log == [] and second.sections[0].errors == [error]
        assert second.usage.cache_hits == first.sections[0].chunks
        third, _ = extract(report_2026, server, tmp_path, retry_failed=True)
        assert server.log == ["replay"] and third.sections[0].status == "extracted"
    assert tasks_of(first) == tasks_of(second) == tasks_of(third) == TASKS


def test_a_truncated_reply_is_never_accepted(report_2026: Document, tmp_path: Path) -> None:
    with ReplayServer([CASSETTE], script=[Fault("truncated")]) as server:
        result, _ = extract(report_2026, server, tmp_path)
    assert server.log[0] == "truncated"
    section = result.sections[0]
    # The cut-off piece (I#1) is split and its halves asked; they have no recording (404), so the
    # piece is reported failed. Nothing from the cut-off reply is kept; the other pieces are.
    assert "404" in server.log
    assert not any(r.chunk_id in {"I#1", "I#1a", "I#1b"} for r in result.records)
    assert section.failed_chunks == 1 and section.errors[0].startswith("I#1: model server answered 404")
    assert tasks_of(result) == TASKS
    # The cut-off is remembered with its token limit: a re-run goes straight to the halves.
    with ReplayServer([CASSETTE]) as server:
        again, _ = extract(report_2026, server, tmp_path)
    assert server.log and "replay" not in server.log and again.sections[0].errors == section.errors
    with ReplayServer([CASSETTE]) as server:  # with room for a longer reply, it is asked again
        roomier, _ = extract(report_2026, server, tmp_path, max_tokens=2048)
    assert server.log == ["replay"] and roomier.sections[0].status == "extracted"


def test_a_killed_run_resumes_from_the_cache(tmp_path: Path) -> None:
    env = {**os.environ, "EXTRACTOR_CONFIG": str(tmp_path / "none.toml"), "EXTRACTOR_REVIEW_DB": str(tmp_path / "r.db")}
    out = tmp_path / "out.json"
    with ReplayServer([CASSETTE], latency=0.4) as server:
        cmd = [sys.executable, "-m", "extractor", "extract", str(REPORT_2026), "--sections", "I", "--base-url",
               server.base_url, "--model", MODEL, "--cache-dir", str(tmp_path / "cache"), "-o", str(out), "--ask-all"]
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while server.log.count("replay") < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.6)  # let the third reply land in the cache
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        before = len(server.log)
        rerun = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["usage"]["cache_hits"] >= 2 and result["usage"]["requests"] == len(server.log) - before
    assert result["usage"]["cache_hits"] + result["usage"]["requests"] >= result["sections"][0]["chunks"]
    assert result["sections"][0]["status"] == "extracted"
    with sqlite3.connect(tmp_path / "r.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_token_budget_stops_sending_and_keeps_what_was_read(report_2026: Document, tmp_path: Path) -> None:
    with ReplayServer([CASSETTE]) as server:
        config = LLMConfig(base_url=server.base_url, model=MODEL, api_key="sk-fault")
        engine = Extractor(LLMClient(config), model=MODEL, mode="json", cache=ResultCache(tmp_path / "cache"),
                           token_budget=1, ask_all=True)  # every piece of section I asked: more than one
        result = engine.run(report_2026, engine.plan(report_2026, ["I"]))
    section = result.sections[0]
    assert server.log == ["replay"]  # the first piece spends the budget; no other is sent
    assert section.status == "partial" and section.failed_chunks == section.chunks - 1
    assert all(e.endswith(": token budget of 1 spent") for e in section.errors)
    assert (result.usage.prompt_tokens, result.usage.completion_tokens) == (server.prompt_tokens,
                                                                           server.completion_tokens) != (0, 0)


def _cli(tmp_path: Path, base_url: str, sections: str, out: Path, *extra: str) -> list[str]:
    """`extract` asking every piece (--ask-all): these tests count the requests a fault leaves unsent."""
    return [sys.executable, "-m", "extractor", "extract", str(REPORT_2026), "--sections", sections, "--base-url",
            base_url, "--model", MODEL, "--cache-dir", str(tmp_path / "cache"), "-o", str(out), "--ask-all", *extra]


def _env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "EXTRACTOR_CONFIG": str(tmp_path / "none.toml"),
            "EXTRACTOR_REVIEW_DB": str(tmp_path / "r.db"), "COLUMNS": "200"}


def test_a_refused_endpoint_stops_the_run_at_once_and_keeps_what_was_read(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    with ReplayServer([CASSETTE]) as server:  # section I answered once: the cache holds it
        first = subprocess.run(_cli(tmp_path, server.base_url, "I", out), env=_env(tmp_path), capture_output=True,
                               text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    url = server.base_url  # closed now: nothing listens there any more
    run = subprocess.run(_cli(tmp_path, url, "I,II.1.1,II.1.2", out), env=_env(tmp_path), capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 1
    [line] = [ln for ln in run.stderr.splitlines() if ln.startswith("error:")]
    assert line.startswith(f"error: model server at {url} refuses connections") and "7 pieces not sent" in line
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["usage"]["requests"] == 1 and result["usage"]["retries"] == 0
    status = {s["id"]: s["status"] for s in result["sections"]}
    assert status == {"I": "cached", "II.1.1": "failed", "II.1.2": "failed"}
    assert tasks_in(result) == TASKS
    # The console summary says why, not only the JSON.
    assert any(ln.startswith("failed in lang-son-2026-01-report.txt: ") and "and 3 more: not sent: model server at"
               in ln for ln in run.stderr.splitlines())


def test_a_server_that_dies_mid_run_stops_the_run(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    server = subprocess.Popen([sys.executable, "-m", "bench.replayserver", str(CASSETTE), "--fallback", "--latency",
                               "0.3"], stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parent.parent)
    try:
        url = server.stdout.readline().strip()
        proc = subprocess.Popen(_cli(tmp_path, url, "I,II.1.1,II.1.2", out), env=_env(tmp_path),
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while _served(url) < 7 and time.monotonic() < deadline:
            time.sleep(0.05)
        server.kill()  # the 7th request is in flight
        server.wait()
        _, stderr = proc.communicate(timeout=60)
    finally:
        server.kill()
        server.wait()
    assert proc.returncode == 1
    [line] = [ln for ln in stderr.splitlines() if ln.startswith("error:")]
    assert "refuses connections" in line and "stopped sending" in line
    result = json.loads(out.read_text(encoding="utf-8"))
    status = {s["id"]: s["status"] for s in result["sections"]}
    assert status["I"] == "extracted" and status["II.1.2"] == "failed"
    assert result["usage"]["requests"] <= 7 + 2  # the dropped request is asked once more, then nothing
    assert all(e.split(": ", 1)[1].startswith("not sent: ")
               for e in next(s for s in result["sections"] if s["id"] == "II.1.2")["errors"])
    assert tasks_in(result) == TASKS


def _served(url: str) -> int:
    try:
        return json.loads(urllib.request.urlopen(url + "/stats", timeout=2).read())["requests"]
    except OSError:
        return 0


class _DyingBackend:
    """What the embedded model's backend offers the engine: `failure()` says how its server died."""

    def __init__(self, client: LLMClient, diagnosis: str) -> None:
        self.client, self.diagnosis, self.model, self.mode = client, diagnosis, MODEL, "json"
        self.max_tokens = client.max_tokens

    def complete(self, *args: object, **kwargs: object) -> object:
        return self.client.complete(*args, **kwargs)

    def failure(self) -> str | None:
        return self.diagnosis


def test_a_backend_that_says_its_server_died_stops_the_run_with_its_words(report_2026: Document,
                                                                           tmp_path: Path) -> None:
    died = "embedded model server died (signal SIGKILL); log /tmp/llama.log ends: out of memory"
    with ReplayServer([CASSETTE], script=[Fault("status", 500)] * 10) as server:
        config = LLMConfig(base_url=server.base_url, model=MODEL, max_attempts=1)
        engine = Extractor(_DyingBackend(LLMClient(config), died), model=MODEL, mode="json",
                           cache=ResultCache(tmp_path / "cache"), ask_all=True)  # every piece of section I asked
        result = engine.run(report_2026, engine.plan(report_2026, ["I"]))
    assert server.log == ["status"] and engine.stopped == died
    first, *rest = result.sections[0].errors
    assert first == f"I#1: {died}" and rest and all(e.endswith(f": not sent: {died}") for e in rest)


def test_a_hung_server_costs_three_timeouts_then_the_run_stops(report_2026: Document, tmp_path: Path) -> None:
    with ReplayServer([CASSETTE], script=[Fault("hang", seconds=1.0)] * 5) as server:
        result, slept = extract(report_2026, server, tmp_path, timeout=0.3)
    assert server.log == ["hang"] * 3 and len(slept) == 2  # 2 retries of a timeout, then nothing else is sent
    first, *rest = result.sections[0].errors
    assert first.startswith(f"I#1: model server at {server.base_url} did not answer within 0.3 s (3 attempts")
    assert rest and all(e.split(": ", 1)[1] == "not sent: " + first.split(": ", 1)[1] for e in rest)
    assert result.sections[0].status == "failed" and [r for r in result.records if not is_reader_record(r)] == []


def test_two_servers_never_share_cached_answers(tmp_path: Path) -> None:
    """With --base-url and no --model, the cache key still tells the endpoints (and the model a
    server reports) apart: a second server is asked, not answered from the first one's cache."""
    out = tmp_path / "out.json"
    runs = []
    for served in (None, "model-a", "model-b"):
        with ReplayServer([], fallback=True, served_model=served) as server:
            cmd = [arg for arg in _cli(tmp_path, server.base_url, "I", out) if arg not in ("--model", MODEL)]
            run = subprocess.run(cmd, env=_env(tmp_path), capture_output=True, text=True, timeout=120)
            assert run.returncode == 0, run.stderr
            runs.append((server.log.count("empty"), json.loads(out.read_text(encoding="utf-8"))))
    chunks = runs[0][1]["sections"][0]["chunks"]
    assert [asked for asked, _ in runs] == [chunks] * 3
    assert [r["model"].split("@")[0] for _, r in runs] == ["default", "model-a", "model-b"]


def test_a_backend_is_named_by_the_model_it_serves_and_its_url_without_credentials(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from extractor.llm.backend import Backend, BackendOptions

    monkeypatch.setenv("EXTRACTOR_CONFIG", "/nonexistent/config.toml")
    with ReplayServer([], served_model="qwen-x") as server:
        port = server.base_url.split(":")[2].split("/")[0]
        secret = Backend(BackendOptions(base_url=f"http://user:pw@127.0.0.1:{port}/v1?api-key=k", api_key="sk-x"))
        assert secret.identity == f"qwen-x@{server.base_url}" and secret.model == "default"
        named = Backend(BackendOptions(base_url=server.base_url, model="other"))
        assert named.identity == f"other@{server.base_url}"


@pytest.mark.parametrize("flag", ["--token-budget", "--max-tokens"])
def test_the_run_budget_flag_and_its_deprecated_name(tmp_path: Path, flag: str) -> None:
    out = tmp_path / "out.json"
    with ReplayServer([CASSETTE]) as server:
        run = subprocess.run(_cli(tmp_path, server.base_url, "I", out, flag, "1"), env=_env(tmp_path),
                             capture_output=True, text=True, timeout=120)
    assert run.returncode == 1 and server.log == ["replay"]
    deprecated = [ln for ln in run.stderr.splitlines() if "--max-tokens is deprecated, use --token-budget" in ln]
    assert len(deprecated) == (flag == "--max-tokens")
    assert json.loads(out.read_text(encoding="utf-8"))["sections"][0]["status"] == "partial"


def test_the_timeout_flag_bounds_the_wait_on_a_hung_server(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    with ReplayServer([CASSETTE], script=[Fault("hang", seconds=3.0)] * 5) as server:
        run = subprocess.run(_cli(tmp_path, server.base_url, "I", out, "--timeout", "1"), env=_env(tmp_path),
                             capture_output=True, text=True, timeout=60)
        log = list(server.log)
    assert run.returncode == 1 and log == ["hang"] * 3
    assert run.stderr.strip().splitlines()[-1].startswith(
        f"error: model server at {server.base_url} did not answer within 1 s (3 attempts; raise --timeout")
