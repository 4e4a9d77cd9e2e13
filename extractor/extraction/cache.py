"""Results of chunks that passed validation — and settled failures (the model's invalid or
ungrounded answer to the same messages) — kept with diskcache.

The key is a hash of everything that shapes the answer — who answers (the model's name and,
for a remote endpoint, its URL: `Backend.identity`), mode, template names and versions, the
rendered messages, the reply schema — and of nothing secret: the API key and the endpoint's
credentials never enter it.
"""
from __future__ import annotations

import hashlib
import json
import logging
import pickle
import sqlite3
from pathlib import Path
from typing import Any

import diskcache
import platformdirs
from pydantic import BaseModel

from ..errors import ExtractorError
from ..output.atomic import check_writable
from ..redaction import scrub_obj

log = logging.getLogger("extractor.extraction.cache")

# 2: entries of version 1 may hold transport faults or grounding misreadings as settled failures (#14).
CACHE_VERSION = "2"
# A piece's reply is a few kilobytes (it points at figure ids); a reply past this is a server
# that ignored max_tokens or is hostile, and would become a flood of records in every output.
MAX_REPLY_BYTES = 1 << 20


class ReplyTooLarge(ExtractorError):
    """The reply is bigger than any piece could need: the piece fails, nothing of it is kept."""


def check_reply_size(reply: BaseModel) -> None:
    size = len(reply.model_dump_json())
    if size > MAX_REPLY_BYTES:
        raise ReplyTooLarge(f"reply too large: {size:,} bytes of JSON (a piece's reply is at most "
                            f"{MAX_REPLY_BYTES:,})")


def default_cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir("extractor")) / "results"


def cache_key(*, model: str, mode: str, templates: dict[str, str], messages: list[dict[str, str]],
              schema: dict[str, Any]) -> str:
    payload = {"v": CACHE_VERSION, "model": model, "mode": mode, "templates": templates,
               "messages": messages, "schema": schema}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


class ResultCache:
    def __init__(self, directory: Path | None = None) -> None:
        """Open the cache; a directory that cannot be created or written, or a damaged cache,
        is a one-line error now rather than a traceback in the middle of a run."""
        self.directory = directory or default_cache_dir()
        check_writable(self.directory / "cache.db")
        try:
            self._cache = diskcache.Cache(str(self.directory))
        except (sqlite3.Error, OSError) as exc:
            raise ExtractorError(f"{self.directory}: not a usable cache ({exc}); remove the directory to start "
                                 "afresh") from None

    def get(self, key: str) -> dict[str, Any] | None:
        """The entry, or None; an entry that cannot be read back counts as a miss (with a warning)."""
        try:
            value = self._cache.get(key)
        except (sqlite3.Error, OSError, pickle.UnpicklingError, EOFError, ValueError) as exc:
            log.warning("cache entry unreadable in %s, asking again: %s", self.directory, exc)
            return None
        return value if isinstance(value, dict) else None

    def put(self, key: str, reply: dict[str, Any]) -> None:
        """Keep an entry (scrubbed of secrets). A cache that fails to take it is warned about:
        the run's result does not depend on it."""
        try:
            self._cache.set(key, scrub_obj(reply))
        except (sqlite3.Error, OSError) as exc:
            log.warning("cannot write the cache in %s: %s", self.directory, exc)

    def stats(self) -> dict[str, Any]:
        return {"directory": str(self.directory), "entries": len(self._cache), "bytes": self._cache.volume()}

    def clear(self) -> int:
        return self._cache.clear()

    def close(self) -> None:
        self._cache.close()
