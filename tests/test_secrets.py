"""A key given by environment or flag is sent to the server and written nowhere else."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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


class EchoServer:
    """A model server on loopback that quotes the caller's key back in every answer, the way
    some servers word a 401 ("Incorrect API key provided: sk-…"), a 500 or an invalid request."""

    def __init__(self, status: int) -> None:
        self.status = status
        self.requests = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length", 0)))
                owner.requests += 1
                key = self.headers.get("authorization", "").removeprefix("Bearer ")
                if owner.status == 200:  # a "reply" that is no JSON at all and quotes the key
                    content = f"I cannot use the key {key} for this request"
                    body = json.dumps({"id": "x", "object": "chat.completion", "created": 0, "model": MODEL,
                                       "choices": [{"index": 0, "finish_reason": "stop",
                                                    "message": {"role": "assistant", "content": content}}],
                                       "usage": {"prompt_tokens": 1, "completion_tokens": 1}})
                else:
                    body = json.dumps({"error": {"message": f"Incorrect API key provided: {key}. Header was "
                                                            f"'Authorization: Bearer {key}'", "type": "invalid_request_error"}})
                payload = body.encode()
                self.send_response(owner.status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.send_header("retry-after", "0")  # a 5xx is retried: at once, to keep the test short
                self.end_headers()
                self.wfile.write(payload)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> "EchoServer":
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.mark.parametrize("status", [401, 400, 500, 200])
def test_a_key_the_server_quotes_back_reaches_no_file(tmp_path: Path, status: int) -> None:
    env = {**os.environ, "EXTRACTOR_CONFIG": str(tmp_path / "none.toml"), "OPENAI_API_KEY": SECRET}
    log = tmp_path / "log.txt"
    with EchoServer(status) as server, log.open("w") as stderr:
        run = subprocess.run([sys.executable, "-m", "extractor", "-vv", "extract", str(REPORT_2026), "--sections", "I",
                              "--base-url", server.base_url, "--model", MODEL, "--cache-dir", str(tmp_path / "cache"),
                              "--store", str(tmp_path / "review.db"), "-o", str(tmp_path / "out.json")],
                             env=env, stdout=subprocess.PIPE, stderr=stderr, text=True, timeout=300)
    errors = log.read_text(encoding="utf-8")
    assert run.returncode in (1, 2) and "error" in errors, errors[-2000:]  # (-vv logs library tracebacks)
    assert server.requests >= 1
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert {"out.json", "review.db", "log.txt"} <= {p.name for p in files}, files
    output = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert output["sections"][0]["errors"]
    if status != 200:  # the server's words are kept with the key masked (pydantic shortens the 200 reply itself)
        assert "Incorrect API key provided: ***" in json.dumps(output)
    assert SECRET not in run.stdout
    for path in files:
        assert SECRET.encode() not in path.read_bytes(), path


def test_the_cache_masks_a_registered_key_and_any_bearer_credential(tmp_path: Path) -> None:
    from extractor.extraction.cache import ResultCache
    from extractor.redaction import register

    register(SECRET)
    cache = ResultCache(tmp_path / "cache")
    cache.put("k", {"failed": f"the server said {SECRET}", "nested": [{"quote": f"Bearer {SECRET}"}]})
    assert SECRET not in json.dumps(cache.get("k")) and "***" in cache.get("k")["failed"]
    cache.put("other", {"failed": "refused: Authorization: Bearer tok3n-never-registered"})
    assert "tok3n" not in cache.get("other")["failed"]
    cache.close()
    for path in (p for p in tmp_path.rglob("*") if p.is_file()):
        assert SECRET.encode() not in path.read_bytes(), path
