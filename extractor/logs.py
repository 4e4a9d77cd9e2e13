"""Logging for the command line: `-v` shows retries and progress, `-vv` everything (HTTP and
library debug). Any secret registered with `redact` is masked in every record, whatever
logger wrote it: a key must not reach a log at any verbosity."""
from __future__ import annotations

import logging
import sys

_SECRETS: set[str] = set()


def redact(secret: str | None) -> None:
    if secret:
        _SECRETS.add(secret)


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if _SECRETS:
            message = record.getMessage()
            for secret in _SECRETS:
                message = message.replace(secret, "***")
            record.msg, record.args = message, None
        return True


def configure(verbosity: int) -> None:
    if verbosity <= 0:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets())
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbosity >= 2 else logging.WARNING)
    logging.getLogger("extractor").setLevel(logging.DEBUG if verbosity >= 2 else logging.INFO)
    instructor_log = logging.getLogger("instructor")
    instructor_log.propagate = verbosity >= 2
