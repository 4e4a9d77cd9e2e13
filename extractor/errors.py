"""Errors a user can act on: the CLI prints their message on one line and exits non-zero."""


class ExtractorError(Exception):
    """Base for every error the CLI reports as a one-line message instead of a traceback."""

    exit_code = 2


class Interrupted(ExtractorError):
    """The user stopped the run (Ctrl+C); what was answered is kept."""

    exit_code = 130


class InputError(ExtractorError):
    """The input file cannot be read as a report (missing, empty, binary, bad encoding, no text layer…)."""
