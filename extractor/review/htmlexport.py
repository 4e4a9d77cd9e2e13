"""`extractor export-html`: one self-contained HTML file of a report and what was extracted
from it, to hand to someone without a server: the report's text with every figure marked and
coloured by its checks, the checks and records beside it, and reviewers' decisions if a store
is given. The file is the review server's document page (same templates, same marks), with
its styles and one small script inline, and no link, font or script fetched from anywhere."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

import typer

from ..document.report import Document
from ..errors import InputError
from ..extraction.validate import load_result, source_of
from ..output.atomic import write_atomic
from ..output.result import Result
from .flagging import apply_decisions
from .labels import LANGUAGES, translator
from .pages import document_context, environment, worst_flags
from .store import ReviewStore


def render_report(result: Result, doc: Document, store: ReviewStore | None = None, lang: str = "vi") -> str:
    """The page for `result` read against `doc`; decisions from `store` are shown with its checks."""
    if doc.content_hash != result.content_hash:
        raise InputError(f"{doc.source.path if doc.source else 'the report'} has changed since it was extracted "
                         "(its text differs from the result's)")
    result = result.model_copy(deep=True)
    if store is not None:
        for check in result.checks:
            item = store.get_by_key(check.key)
            check.review = item.review() if item else None
        apply_decisions(result)
    flags = worst_flags((check, f"#check-{number}") for number, check in enumerate(result.checks))
    env = environment(lang)
    name = Path(result.source).name if result.source else doc.source.path.name if doc.source else "report"
    context = document_context(doc, result, flags, translator(lang))
    return env.get_template("export.html").render(
        **context, name=name, items=[c for c in result.checks if c.review], checks=result.checks,
        records=result.records, exported_at=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))


def export_html(result_file: Path = typer.Argument(..., help="A JSON result written by `extract`."),
                output: Path = typer.Option(..., "-o", "--output", help="The HTML file to write."),
                source: Optional[Path] = typer.Option(None, "--source", help="The report, if not where the result says."),
                store: Optional[Path] = typer.Option(None, "--store", help="Review store whose decisions to include."),
                lang: str = typer.Option("vi", "--lang", help="Language of the page: vi or en.")) -> None:
    """Write one self-contained HTML file (no server, no network) of the report with its figures
    highlighted, the checks and records beside it, and reviewers' decisions (with --store)."""
    from .store import existing_store

    if lang not in LANGUAGES:
        raise InputError(f"unknown language {lang!r}: one of {', '.join(LANGUAGES)}")
    result = load_result(result_file)
    doc = source_of(result, source)
    decisions = existing_store(store) if store else None
    write_atomic(output, render_report(result, doc, decisions, lang))
    typer.echo(f"wrote {output}")
