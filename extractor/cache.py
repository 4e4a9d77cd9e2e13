"""Results of chunks that passed validation — and settled failures (the model's invalid or
ungrounded answer to the same messages) — kept with diskcache.

The key is a hash of everything that shapes the answer — model id, mode, template names and
versions, the rendered messages, the reply schema — and of nothing secret: the API key and
the endpoint's credentials never enter it.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import diskcache
import platformdirs

from .redaction import scrub_obj

CACHE_VERSION = "1"


def default_cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir("extractor")) / "results"


def cache_key(*, model: str, mode: str, templates: dict[str, str], messages: list[dict[str, str]],
              schema: dict[str, Any]) -> str:
    payload = {"v": CACHE_VERSION, "model": model, "mode": mode, "templates": templates,
               "messages": messages, "schema": schema}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


class ResultCache:
    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or default_cache_dir()
        self.directory.mkdir(parents=True, exist_ok=True)
        self._cache = diskcache.Cache(str(self.directory))

    def get(self, key: str) -> dict[str, Any] | None:
        return self._cache.get(key)

    def put(self, key: str, reply: dict[str, Any]) -> None:
        self._cache.set(key, scrub_obj(reply))

    def stats(self) -> dict[str, Any]:
        return {"directory": str(self.directory), "entries": len(self._cache), "bytes": self._cache.volume()}

    def clear(self) -> int:
        return self._cache.clear()

    def close(self) -> None:
        self._cache.close()
