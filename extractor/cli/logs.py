"""Logging for the command line: `-v` shows retries and progress, `-vv` everything (HTTP and
library debug). Every line, tracebacks included, passes through `redaction.scrub`, whatever
logger wrote it: a key must not reach a log at any verbosity."""
from __future__ import annotations

import logging
import sys

from ..redaction import scrub


class RedactingFormatter(logging.Formatter):
    """Scrubs the whole formatted record: message, arguments and any traceback text."""

    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))


def configure(verbosity: int) -> None:
    if verbosity <= 0:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbosity >= 2 else logging.WARNING)
    logging.getLogger("extractor").setLevel(logging.DEBUG if verbosity >= 2 else logging.INFO)
    instructor_log = logging.getLogger("instructor")
    instructor_log.propagate = verbosity >= 2
