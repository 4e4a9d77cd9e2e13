"""The one redaction step between a secret and anything we write.

Every string that goes to an output (JSON, CSV), the cache, the review store or a log passes
through `scrub`/`scrub_obj`: a key registered here (the configured API key) is masked, and so
is any bearer credential written out in text (`Authorization: Bearer …`), because a server that
refuses a request may quote the header back in its error body and that body becomes a piece's
failure reason.
"""
from __future__ import annotations

import re
import threading
from typing import Any, TypeVar, cast

MASK = "***"
# A credential quoted after what introduces one: "Bearer sk-…", "Authorization: Basic …",
# "api_key=…". The token must hold a digit, so prose ("bearer instruments") is left alone.
_CREDENTIAL = re.compile(r"(?i)\b(bearer\s+|authorization\s*[:=]\s*(?:bearer\s+|basic\s+)?|api[-_]?key[\"']?\s*[:=]\s*[\"']?)"
                         r"(?=[A-Za-z._~+/=-]*\d)[A-Za-z0-9._~+/=-]{8,}")
_secrets: set[str] = set()
_lock = threading.Lock()
T = TypeVar("T")


def register(secret: str | None) -> None:
    """Mask `secret` wherever it appears from now on (a key shorter than 4 characters is no
    secret worth masking and would blank ordinary words)."""
    if secret and len(secret) >= 4:
        with _lock:
            _secrets.add(secret)


def scrub(text: str) -> str:
    """`text` with every registered secret and every quoted credential masked."""
    for secret in sorted(_secrets, key=len, reverse=True):  # a key that contains another goes first
        if secret in text:
            text = text.replace(secret, MASK)
    return _CREDENTIAL.sub(lambda m: m.group(1) + MASK, text)


def scrub_obj(obj: T) -> T:
    """A copy of a JSON-like value (dicts, lists, strings…) with every string scrubbed."""
    value: Any = obj
    if isinstance(value, str):
        value = scrub(value)
    elif isinstance(value, dict):
        value = {scrub(k) if isinstance(k, str) else k: scrub_obj(v) for k, v in value.items()}
    elif isinstance(value, (list, tuple)):
        value = type(value)(scrub_obj(v) for v in value)
    return cast(T, value)  # the same type it was given: str, dict, list or tuple of the same
