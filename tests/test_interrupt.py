"""Ctrl+C can land anywhere in the engine's loop, even while a section whose pieces were all
answered is being finished (checked, merged with the reader's records, written). That section
must still be in the result: what was answered is never lost (README, "Interrupting a run")."""
from __future__ import annotations

import json
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from bench.replayserver import ReplayServer
from extractor.document.report import Document
from extractor.extraction import engine as engine_module
from extractor.extraction.engine import INTERRUPTED, Extractor
from extractor.reading.reader import is_reader_record

from .fakemodel import Passage, ScriptedModel
from .test_faults import CASSETTE, TASKS, _cli, _env, tasks_in

TASKS_PASSAGE = Passage("510 nhiệm vụ", {"tasks": {"assigned": "510 nhiệm vụ", "completed": "379 nhiệm vụ",
                                           "completed_on_time": "354 nhiệm vụ", "completed_late": "25 nhiệm vụ",
                                           "pending": "131 nhiệm vụ"}})


def test_ctrl_c_while_a_section_is_finished_keeps_that_section(report_2026: Document,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    model = ScriptedModel([TASKS_PASSAGE])
    engine = Extractor(model, model=model.model, mode=model.mode, ask_all=True)  # type: ignore[arg-type]
    jobs = engine.plan(report_2026, ["I", "II.1.1"])
    checked: list[str] = []
    validate = engine_module.validate_section
    # The scripted model answers at once: without a gate, section II.1.1 could be answered
    # before section I is checked. Its first request waits until the run is over (in flight
    # when Ctrl+C lands); the pieces behind it are never sent.
    gate, answer = threading.Event(), model.complete

    def gated(*args: Any, **kwargs: Any) -> Any:
        if model.calls >= len(jobs[0].chunks):
            gate.wait(timeout=30)
        return answer(*args, **kwargs)

    def interrupted_once(doc: Document, section_id: str, records: Any) -> Any:
        checked.append(section_id)
        if len(checked) == 1:
            raise KeyboardInterrupt  # as if Ctrl+C arrived while section I was being checked
        return validate(doc, section_id, records)

    monkeypatch.setattr(model, "complete", gated)
    monkeypatch.setattr(engine_module, "validate_section", interrupted_once)
    try:
        result = engine.run(report_2026, jobs)
    finally:
        gate.set()
    assert engine.interrupted and checked[:2] == ["I", "I"]  # finished again after the interrupt
    section_i = next(s for s in result.sections if s.id == "I")
    assert section_i.status == "extracted" and section_i.failed_chunks == 0
    [tasks] = [r for r in result.records if r.type == "tasks" and not is_reader_record(r)]  # the model's answer
    assert {f: v.text for f, v in tasks.figures.items() if v} == {
        "assigned": "510 nhiệm vụ", "completed": "379 nhiệm vụ", "completed_on_time": "354 nhiệm vụ",
        "completed_late": "25 nhiệm vụ", "pending": "131 nhiệm vụ"}
    assert any(c.rule == "identity" for c in result.checks if c.section_id == "I")
    # the section after it is in the result too, its unsent pieces said to be interrupted
    later = next(s for s in result.sections if s.id == "II.1.1")
    assert later.failed_chunks == len(jobs[1].chunks) > 1 and all(INTERRUPTED in e for e in later.errors)
    assert result.usage.requests == len(jobs[0].chunks)  # what was answered; the request in flight was abandoned


def test_ctrl_c_stops_sending_keeps_what_was_answered_and_says_how_to_resume(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    with ReplayServer([CASSETTE], fallback=True, latency=0.5) as server:
        cmd = _cli(tmp_path, server.base_url, "I,II.1.1,II.1.2,II.1.3", out, "--concurrency", "2", "--timeout", "30")
        # Ctrl+C as a terminal sends it: to a child that has not inherited an ignored SIGINT (an
        # earlier test's process may leave it ignored in this one, and an ignored signal survives exec).
        proc = subprocess.Popen(cmd, env=_env(tmp_path), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        deadline = time.monotonic() + 60
        while len(server.log) < 7 and time.monotonic() < deadline:
            time.sleep(0.02)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=30)
        sent = len(server.log)
        time.sleep(1.0)  # anything still to be sent would arrive now
        assert len(server.log) == sent <= 7 + 2  # at most the two requests in flight went on
        assert proc.returncode == 130, stderr
        [line] = [ln for ln in stderr.splitlines() if ln.startswith("interrupted:")]
        assert "run the same command again to resume" in line and str(out) in line
        result = json.loads(out.read_text(encoding="utf-8"))
        [first] = [s for s in result["sections"] if s["id"] == "I"]  # sections are written as they finish
        assert first["status"] == "extracted"
        assert tasks_in(result) == TASKS
        assert any(e.endswith("not sent: interrupted") for s in result["sections"] for e in s["errors"])
        before = len(server.log)
        rerun = subprocess.run(cmd, env=_env(tmp_path), capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    again = json.loads(out.read_text(encoding="utf-8"))
    assert again["usage"]["cache_hits"] >= 5 and again["usage"]["requests"] == len(server.log) - before
    assert all(s["status"] in ("extracted", "cached") for s in again["sections"])
