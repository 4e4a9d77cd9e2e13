"""Write results atomically (temp file + rename) so a crash never leaves half a file."""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from .errors import ExtractorError
from .result import Result


def write_atomic(path: Path, data: str | bytes) -> None:
    """Text is written as UTF-8; bytes (a Parquet file) as they are."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        text = isinstance(data, str)
        with os.fdopen(fd, "w" if text else "wb", encoding="utf-8" if text else None, newline="" if text else None) as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        raise ExtractorError(f"cannot write {path}: {exc.strerror or exc}") from None


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
    return json.dumps(result.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n"
