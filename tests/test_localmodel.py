"""The embedded model's launcher: the command and runtime settings it builds, the weights kept
out of llama.cpp's extra buffers, a clean stop on SIGTERM, and a server that dies being
reported, not swallowed. No test here needs the runtime or the model (one reads the real
runtime's fields back when xllamacpp is installed).

The dying server is a stand-in script run through the launcher seam: it starts, answers
/v1/models like llama.cpp's server, logs like llama.cpp, and kills itself with SIGSEGV on
its first completion, as the native build did on an AMX Xeon."""
from __future__ import annotations

import functools
import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest

from extractor.errors import ExtractorError
from extractor.llm import localmodel
from extractor.llm.backend import Backend, BackendOptions
from extractor.llm.llamaserver import apply_settings, parse_args, server_settings
from extractor.llm.localmodel import MODEL_ID, LocalServer

HAS_RUNTIME = importlib.util.find_spec("xllamacpp") is not None

CRASHING_SERVER = r'''
import argparse, json, os, signal, sys
from http.server import BaseHTTPRequestHandler, HTTPServer

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int)
parser.add_argument("--model_alias")
args, _ = parser.parse_known_args()
print("load_tensors: AMX model buffer size = 1024.00 MiB", flush=True)
print("amx repack tensor blk.27.ffn_down.weight of type q4_K", flush=True)

class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"object": "list", "data": [{"id": args.model_alias}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        print("llama_perf_context_print: first completion", flush=True)
        os.kill(os.getpid(), signal.SIGSEGV)

    def log_message(self, *a):
        pass

HTTPServer(("127.0.0.1", args.port), Handler).serve_forever()
'''

EXITING_SERVER = r'''
import sys
print("gguf_init_from_file_impl: failed to read magic", flush=True)
print("ValueError: Failed to load model from file", flush=True)
sys.exit(1)
'''


@pytest.fixture
def model_file(tmp_path: Path) -> Path:
    path = tmp_path / "model.gguf"
    path.write_bytes(b"GGUF")
    return path


def _script(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "fake_server.py"
    path.write_text(text)
    return [sys.executable, str(path)]


def _wait_exit(server: LocalServer, seconds: float = 10.0) -> str | None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and server.failure() is None:
        time.sleep(0.05)
    return server.failure()


def _crash_with_a_completion(base_url: str) -> None:
    request = urllib.request.Request(f"{base_url}/chat/completions", data=b"{}", method="POST")
    with pytest.raises((urllib.error.URLError, ConnectionError)):
        urllib.request.urlopen(request, timeout=10)


def test_command_serves_on_loopback_with_every_core_and_our_model_id(model_file: Path) -> None:
    command = LocalServer(model_file, n_ctx=4096, threads=2, n_batch=256).command(8123)
    assert command[:3] == [sys.executable, "-m", "extractor.llm.llamaserver"]
    settings = server_settings(parse_args(command[3:]))
    assert settings["hostnames"] == ["127.0.0.1"] and settings["port"] == 8123
    assert settings["model.path"] == str(model_file) and settings["model_alias"] == {MODEL_ID}
    assert settings["cpuparams.n_threads"] == settings["cpuparams_batch.n_threads"] == 2
    assert settings["n_ctx"] == 4096 and settings["n_batch"] == settings["n_ubatch"] == 256


def test_the_server_keeps_weights_in_plain_buffers_and_one_slot_that_reuses_prompts(model_file: Path) -> None:
    settings = server_settings(parse_args(LocalServer(model_file).command(8123)[3:]))
    assert settings["no_extra_bufts"] is True  # the AMX buffer crashed a native build (issue #11)
    assert settings["n_parallel"] == 1 and settings["cache_prompt"] is True and settings["cache_ram_mib"] > 0


def test_threads_default_to_every_core_and_can_be_lowered(model_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EXTRACTOR_THREADS", raising=False)
    assert LocalServer(model_file).threads == (os.cpu_count() or 2)
    monkeypatch.setenv("EXTRACTOR_THREADS", "1")
    settings = server_settings(parse_args(LocalServer(model_file).command(8123)[3:]))
    assert settings["cpuparams.n_threads"] == settings["cpuparams_batch.n_threads"] == 1
    monkeypatch.setenv("EXTRACTOR_THREADS", "two")
    with pytest.raises(ExtractorError, match="EXTRACTOR_THREADS"):
        LocalServer(model_file)


def test_the_log_goes_to_the_user_cache_dir(model_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert LocalServer(model_file).log_path == tmp_path / "cache" / "extractor" / "llama-server.log"


def test_settings_reach_nested_fields() -> None:
    params = SimpleNamespace(port=0, model=SimpleNamespace(path=""), cpuparams=SimpleNamespace(n_threads=-1))
    apply_settings(params, {"port": 8123, "model.path": "/m.gguf", "cpuparams.n_threads": 2})
    assert (params.port, params.model.path, params.cpuparams.n_threads) == (8123, "/m.gguf", 2)
    with pytest.raises(AttributeError):
        apply_settings(params, {"no_such.field": 1})


@pytest.mark.skipif(not HAS_RUNTIME, reason="xllamacpp (the `local` extra) is not installed")
def test_every_setting_is_a_field_the_runtime_keeps(model_file: Path) -> None:
    import xllamacpp

    settings = server_settings(parse_args(LocalServer(model_file, threads=2).command(8123)[3:]))
    params = apply_settings(xllamacpp.CommonParams(), settings)
    for dotted, value in settings.items():
        target = params
        for name in dotted.split("."):
            target = getattr(target, name)
        assert target == value, dotted  # read back: a field renamed or converted (a str as a set of letters) fails


def test_without_the_runtime_the_server_is_one_clear_error(model_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "xllamacpp", None)  # what an import finds when it is not installed
    with pytest.raises(ExtractorError, match=r"needs xllamacpp: run `pip install 'extractor\[local\]'`"):
        LocalServer(model_file).__enter__()
    assert localmodel.smoke() == 1


FAKE_RUNTIME = r'''
"""A stand-in for xllamacpp: Server(params) serves the params' port (/v1/models; every chat
completion answered "{}", nothing found, after 0.3 s) and writes what it was given."""
import json, os, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

RECORD = os.environ["FAKE_RUNTIME_RECORD"]


class CommonParams(SimpleNamespace):
    def __init__(self):
        super().__init__(model=SimpleNamespace(path=""), cpuparams=SimpleNamespace(n_threads=-1),
                         cpuparams_batch=SimpleNamespace(n_threads=-1))


class Server:
    def __init__(self, params):
        alias = sorted(params.model_alias)[0]

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                self._send({"object": "list", "data": [{"id": alias}]})

            def do_POST(self):
                self.rfile.read(int(self.headers.get("content-length", 0)))
                with open(RECORD + ".requests", "a") as log:
                    log.write("request\n")
                time.sleep(0.3)
                self._send({"id": "fake", "object": "chat.completion", "created": 0, "model": alias,
                            "choices": [{"index": 0, "finish_reason": "stop",
                                         "message": {"role": "assistant", "content": "{}"}}],
                            "usage": {"prompt_tokens": 100, "completion_tokens": 1, "total_tokens": 101}})

            def _send(self, payload):
                body = json.dumps(payload).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        self.http = ThreadingHTTPServer((params.hostnames[0], params.port), Handler)
        self.http.daemon_threads = True
        threading.Thread(target=self.http.serve_forever, daemon=True).start()
        with open(RECORD, "w") as out:
            json.dump({"pid": os.getpid(), "port": params.port, "threads": params.cpuparams.n_threads,
                       "model": params.model.path, "no_extra_bufts": params.no_extra_bufts}, out)
        print("srv init: listening", flush=True)
'''


def _fake_runtime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Put the stand-in xllamacpp first on the path of this process and of the processes it starts."""
    (tmp_path / "runtime" / "xllamacpp").mkdir(parents=True)
    (tmp_path / "runtime" / "xllamacpp" / "__init__.py").write_text(FAKE_RUNTIME)
    monkeypatch.syspath_prepend(str(tmp_path / "runtime"))
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "runtime"))
    monkeypatch.setenv("FAKE_RUNTIME_RECORD", str(tmp_path / "record.txt"))
    return tmp_path / "record.txt"


def test_the_launcher_starts_the_runtime_and_stops_it_on_sigterm(tmp_path: Path, model_file: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    record = _fake_runtime(tmp_path, monkeypatch)
    with LocalServer(model_file, threads=1, log_path=tmp_path / "s.log") as server:
        process = server._process
        given = json.loads(record.read_text())
        assert server.base_url == f"http://127.0.0.1:{given['port']}/v1"
        assert (given["threads"], given["model"], given["no_extra_bufts"]) == (1, str(model_file), True)
    assert process is not None and process.returncode == 0  # SIGTERM taken: a clean exit, not a kill
    assert "srv init: listening" in (tmp_path / "s.log").read_text()


def test_sigterm_stops_extract_like_ctrl_c_and_its_server_with_it(tmp_path: Path, model_file: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    record = _fake_runtime(tmp_path, monkeypatch)
    (tmp_path / "config.toml").write_text(f"model_path = {json.dumps(str(model_file))}\n")
    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_BASE_URL", "OPENAI_API_KEY")}
    env.update(EXTRACTOR_CONFIG=str(tmp_path / "config.toml"), XDG_CACHE_HOME=str(tmp_path / "cache"),
               EXTRACTOR_REVIEW_DB=str(tmp_path / "review.db"))
    out = tmp_path / "out.json"
    report = Path(__file__).parent / "fixtures" / "lang-son-2026-01-report.txt"
    proc = subprocess.Popen([sys.executable, "-m", "extractor", "extract", str(report), "--sections",
                             "I,II.1.1,II.1.2,II.1.3", "--ask-all", "-o", str(out)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    requests = Path(f"{record}.requests")
    deadline = time.monotonic() + 60
    while (not requests.exists() or len(requests.read_text().splitlines()) < 4) and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130, stderr
    [line] = [ln for ln in stderr.splitlines() if ln.startswith("interrupted:")]
    assert "run the same command again to resume" in line
    assert not _alive(json.loads(record.read_text())["pid"])  # no server left behind
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["sections"][0]["id"] == "I" and result["usage"]["requests"] >= 3
    assert any(e.endswith("not sent: interrupted") for s in result["sections"] for e in s["errors"])


def test_the_server_exits_when_the_process_that_started_it_is_gone(tmp_path: Path) -> None:
    child = tmp_path / "child.py"
    child.write_text("import os, time\nfrom extractor.llm.llamaserver import PARENT_ENV, exit_with_parent\n"
                     "exit_with_parent(int(os.environ[PARENT_ENV]), 0.05)\n"
                     f"open({str(tmp_path / 'watching')!r}, 'w').close()\ntime.sleep(60)\n")
    parent = ("import os, subprocess, sys\n"
              f"p = subprocess.Popen([sys.executable, {str(child)!r}], stdout=subprocess.DEVNULL,\n"
              "                     env={**os.environ, 'EXTRACTOR_PARENT_PID': str(os.getpid())})\n"
              f"while not os.path.exists({str(tmp_path / 'watching')!r}) and p.poll() is None:\n"
              "    pass\n"
              "print(p.pid, flush=True)\n")
    out = subprocess.run([sys.executable, "-c", parent], capture_output=True, text=True, timeout=30)
    pid = int(out.stdout)
    deadline = time.monotonic() + 15
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert (tmp_path / "watching").exists()  # it ran, and did not die of something else first
    assert not _alive(pid)


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def test_a_running_server_has_no_failure_and_a_crash_is_named(tmp_path: Path, model_file: Path) -> None:
    log = tmp_path / "server.log"
    log.write_text("an earlier run's line\n")
    with LocalServer(model_file, launcher=_script(tmp_path, CRASHING_SERVER), log_path=log) as server:
        assert server.failure() is None
        _crash_with_a_completion(server.base_url)
        failure = _wait_exit(server)
    assert failure is not None and "\n" not in failure
    assert failure.startswith("the embedded model server died (signal SIGSEGV)")
    assert str(log) in failure
    assert "amx repack tensor blk.27.ffn_down.weight of type q4_K" in failure
    assert "an earlier run" not in failure


def test_a_server_that_exits_at_start_is_one_clear_error(tmp_path: Path, model_file: Path) -> None:
    server = LocalServer(model_file, launcher=_script(tmp_path, EXITING_SERVER), log_path=tmp_path / "s.log")
    with pytest.raises(ExtractorError) as caught:
        server.__enter__()
    message = str(caught.value)
    assert "died (exit code 1)" in message and "Failed to load model from file" in message


def test_backend_failure_is_the_local_server_s(tmp_path: Path, model_file: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(localmodel, "LocalServer", functools.partial(
        LocalServer, launcher=_script(tmp_path, CRASHING_SERVER), log_path=tmp_path / "s.log"))
    monkeypatch.setenv("EXTRACTOR_CONFIG", str(tmp_path / "none.toml"))
    for name in ("OPENAI_BASE_URL", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    with Backend(BackendOptions(model_path=model_file)) as backend:
        assert backend.failure() is None  # nothing started yet
        client = backend._open()
        assert backend.failure() is None
        _crash_with_a_completion(str(client.config.base_url))
        deadline = time.monotonic() + 10
        while backend.failure() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "signal SIGSEGV" in (backend.failure() or "")


def test_a_remote_endpoint_has_no_server_failure(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("EXTRACTOR_CONFIG", str(tmp_path / "none.toml"))
    with Backend(BackendOptions(base_url="http://127.0.0.1:9/v1")) as backend:
        assert backend.failure() is None
