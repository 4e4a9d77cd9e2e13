"""The embedded model's launcher: the command it builds, the weights kept out of llama.cpp's
extra buffers, and a server that dies being reported, not swallowed.

The dying server is a stand-in script run through the launcher seam: it starts, answers
/v1/models like llama-cpp-python's server, logs like llama.cpp, and kills itself with SIGSEGV on
its first completion, as the native build did on an AMX Xeon."""
from __future__ import annotations

import argparse
import functools
import importlib.util
import inspect
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest

from extractor.errors import ExtractorError
from extractor.llm import localmodel
from extractor.llm.backend import Backend, BackendOptions
from extractor.llm.llamaserver import plain_cpu_buffers
from extractor.llm.localmodel import MODEL_ID, LocalServer

HAS_LLAMA_CPP = importlib.util.find_spec("llama_cpp") is not None

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
    parser = argparse.ArgumentParser()
    for flag in ("model", "model_alias", "host", "port", "n_ctx", "n_threads", "n_threads_batch",
                 "n_batch", "n_ubatch", "flash_attn"):
        parser.add_argument(f"--{flag}", required=True)
    args = parser.parse_args(command[3:])
    assert args.host == "127.0.0.1" and args.port == "8123"
    assert args.model == str(model_file) and args.model_alias == MODEL_ID
    assert (args.n_threads, args.n_threads_batch) == ("2", "2")
    assert args.n_ctx == "4096" and args.n_batch == args.n_ubatch == "256"


def test_threads_default_to_every_core_and_can_be_lowered(model_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EXTRACTOR_THREADS", raising=False)
    assert LocalServer(model_file).threads == (os.cpu_count() or 2)
    monkeypatch.setenv("EXTRACTOR_THREADS", "1")
    command = LocalServer(model_file).command(8123)
    assert command[command.index("--n_threads") + 1] == command[command.index("--n_threads_batch") + 1] == "1"
    monkeypatch.setenv("EXTRACTOR_THREADS", "two")
    with pytest.raises(ExtractorError, match="EXTRACTOR_THREADS"):
        LocalServer(model_file)


@pytest.mark.skipif(not HAS_LLAMA_CPP, reason="llama-cpp-python (the `local` extra) is not installed")
def test_command_is_what_llama_cpp_server_reads(model_file: Path) -> None:
    from llama_cpp.server.cli import add_args_from_model, parse_model_from_args
    from llama_cpp.server.settings import ModelSettings, ServerSettings, Settings

    parser = argparse.ArgumentParser()
    add_args_from_model(parser, Settings)
    args = parser.parse_args(LocalServer(model_file, threads=2, flash_attn=True).command(8123)[3:])
    server, model = parse_model_from_args(ServerSettings, args), parse_model_from_args(ModelSettings, args)
    assert (server.host, server.port) == ("127.0.0.1", 8123)
    assert (model.n_threads, model.n_threads_batch, model.n_ctx, model.model_alias) == (2, 2, 4096, MODEL_ID)
    assert model.flash_attn is True


def test_plain_cpu_buffers_turns_extra_buffers_off_and_keeps_the_rest() -> None:
    bindings = ModuleType("fake_bindings")
    bindings.llama_model_default_params = lambda: SimpleNamespace(use_extra_bufts=True, n_gpu_layers=-1)
    plain_cpu_buffers(bindings)
    params = bindings.llama_model_default_params()
    assert params.use_extra_bufts is False and params.n_gpu_layers == -1


@pytest.mark.skipif(not HAS_LLAMA_CPP, reason="llama-cpp-python (the `local` extra) is not installed")
def test_plain_cpu_buffers_reaches_the_params_llama_builds(monkeypatch: pytest.MonkeyPatch) -> None:
    import llama_cpp
    import llama_cpp.llama_cpp as bindings

    monkeypatch.setattr(bindings, "llama_model_default_params", bindings.llama_model_default_params)
    assert bindings.llama_model_default_params().use_extra_bufts is True
    plain_cpu_buffers(bindings)
    assert bindings.llama_model_default_params().use_extra_bufts is False
    # The seam: Llama.__init__ starts its model params from the bindings' defaults, looked up
    # at call time. If a new llama-cpp-python builds them otherwise, the launcher must change.
    assert "llama_cpp.llama_model_default_params()" in inspect.getsource(llama_cpp.Llama.__init__)


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
