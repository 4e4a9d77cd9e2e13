"""Command line: a thin layer over the library. Every user-facing failure is one line on
stderr and a non-zero exit code."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console
from rich.table import Table
from rich.tree import Tree

from .document import Document, load_document
from .errors import ExtractorError
from .cli_review import review_app
from .export import figure_dict, metadata_dict, section_dict
from .htmlexport import export_html
from .logs import configure as configure_logging

app = typer.Typer(help="Turn Vietnamese government reports into typed, checked, reviewable data.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
out = Console()
err = Console(stderr=True)

FileArg = typer.Argument(..., help="Report file: .txt (UTF-8/UTF-16/cp1258), .docx or .pdf with a text layer.")
JsonOpt = typer.Option(False, "--json", help="Print JSON instead of a table.")


@app.callback()
def _options(verbose: int = typer.Option(0, "-v", "--verbose", count=True,
                                         help="-v: retries and progress; -vv: HTTP and library debug. Keys are masked.")) -> None:
    configure_logging(verbose)


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


@app.command()
def sections(file: Path = FileArg, as_json: bool = JsonOpt) -> None:
    """Show the report's section tree with its footnotes."""
    doc = load_document(file)
    if as_json:
        _print_json([section_dict(doc, s) for s in doc.sections])
        return
    out.print(_tree(doc))


@app.command()
def numbers(file: Path = FileArg, as_json: bool = JsonOpt,
            section: Optional[str] = typer.Option(None, "--section", help="Only this section id (and its children).")) -> None:
    """List every numeric mention with its value, unit, kind, offsets and section."""
    doc = load_document(file)
    figures = [f for f in doc.figures
               if section is None or (f.section_id or "") == section or (f.section_id or "").startswith(section + ".")]
    if as_json:
        _print_json([figure_dict(f) for f in figures])
        return
    table = Table("section", "text", "value", "unit", "kind", "offsets", title=f"{len(figures)} numeric mentions")
    for f in figures:
        d = figure_dict(f)
        where = d["section_id"] or "-"
        if f.footnote:
            where += f" (fn {f.footnote})"
        table.add_row(where, d["text"], d["value"], d["unit"] or "", d["kind"], f"{d['start']}–{d['end']}")
    out.print(table)


@app.command()
def info(file: Path = FileArg, as_json: bool = JsonOpt) -> None:
    """Show the document's metadata: issuer, number, date, type, title, period, recipients."""
    doc = load_document(file)
    data = metadata_dict(doc)
    if as_json:
        _print_json(data)
        return
    table = Table("field", "value", show_header=False)
    for key, value in data.items():
        table.add_row(key, json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else str(value))
    out.print(table)


@app.command()
def extract(
    files: list[Path] = typer.Argument(..., help="Report files, or folders of them (.txt, .docx, .pdf)."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Output file (one input) or directory (several). Default: stdout."),
    fmt: str = typer.Option("json", "--format", help="json or csv (one row per figure)."),
    base_url: Optional[str] = typer.Option(None, "--base-url", help="OpenAI-compatible endpoint (else OPENAI_BASE_URL, config file, or the embedded model)."),
    model: Optional[str] = typer.Option(None, "--model", help="Model name on that endpoint."),
    api_key: Optional[str] = typer.Option(None, "--api-key", help="API key (else OPENAI_API_KEY). Never written anywhere."),
    mode: Optional[str] = typer.Option(None, "--mode", help="Structured-output mode: json, md_json, tools, json_schema."),
    model_path: Optional[Path] = typer.Option(None, "--model-path", help="A GGUF file to serve locally instead of the embedded model."),
    concurrency: int = typer.Option(1, "--concurrency", min=1, max=64, help="Chunks in flight at once."),
    sections_opt: Optional[str] = typer.Option(None, "--sections", help="Comma-separated section ids (an id includes its children)."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Neither read nor write the result cache."),
    cache_dir: Optional[Path] = typer.Option(None, "--cache-dir", help="Cache directory (default: the user cache dir)."),
    retry_failed: bool = typer.Option(False, "--retry-failed", help="Ask again about pieces whose reply was invalid on an earlier run (cached as failures)."),
    max_tokens: Optional[int] = typer.Option(None, "--max-tokens", help="Token budget for the run; stops sending when spent."),
    store: Optional[Path] = typer.Option(None, "--store", help="Review store for flagged inconsistencies (default: EXTRACTOR_REVIEW_DB or the user data dir)."),
) -> None:
    """Extract typed, grounded records from every section (or the chosen ones)."""
    from .backend import Backend, BackendOptions
    from .cache import ResultCache
    from .review import ReviewStore
    from .runner import run_files

    if fmt not in ("json", "csv"):
        raise ExtractorError(f"unknown format {fmt!r}: use json or csv")
    wanted = [s.strip() for s in sections_opt.split(",") if s.strip()] if sections_opt else None
    cache = None if no_cache else ResultCache(cache_dir)
    options = BackendOptions(base_url=base_url, model=model, api_key=api_key, mode=mode, model_path=model_path)
    with Backend(options) as backend:
        ok = run_files(files, backend=backend, cache=cache, output=output, fmt=fmt, sections=wanted,
                       concurrency=concurrency, token_budget=max_tokens, console=err, store=ReviewStore(store),
                       retry_failed=retry_failed)
    if cache:
        cache.close()
    raise typer.Exit(0 if ok else 1)


@app.command()
def validate(result_file: Path = typer.Argument(..., help="A JSON result written by `extract`."),
             source: Optional[Path] = typer.Option(None, "--source", help="The report, if not where the result says."),
             store: Optional[Path] = typer.Option(None, "--store", help="Review store whose decisions to show "
                                                  "(default: EXTRACTOR_REVIEW_DB or the user data dir)."),
             as_json: bool = JsonOpt) -> None:
    """Re-run every check on a saved result, without any model; show what reviewers decided.
    Exit 1 if a check fails."""
    from .cli_review import checks_table
    from .review import ReviewStore, default_store_path
    from .validator import load_result, source_of, validate_result

    result = load_result(result_file)
    checks = validate_result(result, source_of(result, source))
    path = store or default_store_path()
    decisions = ReviewStore(path) if path.exists() else None  # reading must not create a store
    for check in checks:
        item = decisions.get_by_key(check.key) if decisions else None
        check.review = item and (item.decision() or {"status": "open", "item": item.id})
    if as_json:
        _print_json([c.model_dump(mode="json") for c in checks])
    else:
        failed = sum(c.status == "fail" for c in checks)
        out.print(checks_table(checks, f"{len(checks)} checks, {failed} failed"))
    raise typer.Exit(1 if any(c.status == "fail" for c in checks) else 0)


app.add_typer(review_app, name="review")
app.command("export-html")(export_html)
cache_app = typer.Typer(help="Inspect or clear the result cache.", no_args_is_help=True)
app.add_typer(cache_app, name="cache")


@cache_app.command("stats")
def cache_stats(cache_dir: Optional[Path] = typer.Option(None, "--cache-dir"), as_json: bool = JsonOpt) -> None:
    """Entries and size of the result cache."""
    from .cache import ResultCache

    stats = ResultCache(cache_dir).stats()
    if as_json:
        _print_json(stats)
    else:
        out.print(f"{stats['entries']} entries, {stats['bytes']:,} bytes in {stats['directory']}")


@cache_app.command("clear")
def cache_clear(cache_dir: Optional[Path] = typer.Option(None, "--cache-dir")) -> None:
    """Remove every cached result."""
    from .cache import ResultCache

    removed = ResultCache(cache_dir).clear()
    out.print(f"removed {removed} entries")


@app.command()
def schema(kind: Optional[str] = typer.Argument(None, help="A section kind; without it, the output's JSON Schema.")) -> None:
    """Print a JSON Schema: a kind's reply schema, or the whole output's."""
    from .kinds import kinds, reply_model
    from .result import Result

    if kind is None:
        _print_json(Result.model_json_schema())
    elif kind in kinds():
        _print_json(reply_model(kind).model_json_schema())
    else:
        raise ExtractorError(f"unknown kind {kind!r}: one of {', '.join(kinds())}")


def _tree(doc: Document) -> Tree:
    title = doc.metadata.title or (doc.source.path.name if doc.source else "report")
    root = Tree(f"[bold]{title}[/bold]")
    nodes: dict[str | None, Tree] = {None: root}
    for sec in doc.sections:
        notes = f"  [cyan]footnotes {', '.join(map(str, sec.footnotes))}[/cyan]" if sec.footnotes else ""
        label = f"[bold]{sec.id}[/bold] {sec.title}  [dim]{sec.end - sec.start:,} chars[/dim]{notes}"
        nodes[sec.id] = nodes.get(sec.parent, root).add(label)
    return root


def main() -> None:
    try:
        app()
    except ExtractorError as exc:
        err.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(2)
    except KeyboardInterrupt:
        err.print("interrupted", markup=False)
        sys.exit(130)
