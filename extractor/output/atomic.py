"""Write results atomically (temp file + rename) so a crash never leaves half a file."""
from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
from pathlib import Path

from ..errors import ExtractorError
from ..redaction import scrub, scrub_obj
from .result import Result


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write `data` (text scrubbed of secrets, as UTF-8; bytes, a Parquet file, as they are) to
    `path` through a temp file and a rename. The file gets the mode a plain `open()` would give:
    an existing file's own, else 0666 less the umask (mkstemp alone would leave every output 0600)."""
    path = Path(path)
    data = scrub(data) if isinstance(data, str) else data
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        mode = stat.S_IMODE(path.stat().st_mode) if path.is_file() else 0o666 & ~_umask()
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.fchmod(fd, mode)
        text = isinstance(data, str)
        with os.fdopen(fd, "w" if text else "wb", encoding="utf-8" if text else None, newline="" if text else None) as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        if tmp is not None:  # a full disk or a failed rename leaves no stray temp file
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise ExtractorError(f"cannot write {path}: {exc.strerror or exc}") from None


def _umask() -> int:
    """The process umask, read without changing it where Linux shows it (another thread may be
    creating files); elsewhere set briefly to the strictest value and put back."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    old = os.umask(0o077)
    os.umask(old)
    return old


def check_writable(path: Path) -> None:
    """Raise a one-line error unless a file can be created beside `path` (existing file kept)."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".check")
        os.close(fd)
        os.unlink(tmp)
    except OSError as exc:
        raise ExtractorError(f"cannot write {path}: {exc.strerror or exc}") from None
    if path.is_dir():
        raise ExtractorError(f"cannot write {path}: it is a directory")


def to_json(result: Result) -> str:
    return json.dumps(scrub_obj(result.model_dump(mode="json")), ensure_ascii=False, indent=2) + "\n"
