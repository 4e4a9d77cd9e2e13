"""A key given by environment or flag is sent to the server and written nowhere else."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.replayserver import Fault, ReplayServer

from .conftest import REPORT_2026
from .test_faults import CASSETTE, MODEL

SECRET = "sk-test-0123456789abcdefSECRET"


@pytest.mark.parametrize("how", ["env", "flag"])
def test_the_key_reaches_no_log_output_cache_or_store(tmp_path: Path, how: str) -> None:
    env = {**os.environ, "EXTRACTOR_CONFIG": str(tmp_path / "none.toml"), "EXTRACTOR_REVIEW_DB": str(tmp_path / "r.db"),
           "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    env.pop("OPENAI_API_KEY", None)
    with ReplayServer([CASSETTE], script=[Fault("status", 429, {"Retry-After": "0"})]) as server:
        cmd = [sys.executable, "-m", "extractor", "-vv", "extract", str(REPORT_2026), "--sections", "I",
               "--base-url", server.base_url, "--model", MODEL, "--cache-dir", str(tmp_path / "cache"),
               "-o", str(tmp_path / "out.json")]
        if how == "env":
            env["OPENAI_API_KEY"] = SECRET
        else:
            cmd += ["--api-key", SECRET]
        run = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert server.authorizations == {f"Bearer {SECRET}"}  # the key was used…
    assert "HTTP Request: POST" in run.stderr and "retrying after RateLimitError" in run.stderr  # …at full verbosity
    assert SECRET not in run.stdout + run.stderr  # …and written nowhere
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.name == "out.json" for p in files) and any("cache" in p.parts for p in files)
    for path in files:
        assert SECRET.encode() not in path.read_bytes(), path


def test_an_unwritable_output_fails_before_any_model_call(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with ReplayServer([CASSETTE]) as server:
        run = subprocess.run([sys.executable, "-m", "extractor", "extract", str(REPORT_2026), "--sections", "I",
                              "--base-url", server.base_url, "--model", MODEL, "--store", str(tmp_path / "r.db"),
                              "-o", str(blocker / "out.json")], capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and run.stderr.startswith(f"error: cannot write {blocker / 'out.json'}")
    assert run.stderr.count("\n") == 1 and server.log == []
