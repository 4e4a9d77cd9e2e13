"""Command line: a thin layer over the library. Every user-facing failure is one line on
stderr and a non-zero exit code."""
from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import typer
from rich.console import Console
from rich.table import Table
from rich.tree import Tree

from ..document.report import Document, load_document
from ..errors import ExtractorError, Interrupted
from ..output.dicts import figure_dict, metadata_dict, section_dict
from ..redaction import scrub
from ..review.htmlexport import export_html
from .corpus import corpus_app
from .corpus import series as series_command
from .logs import configure as configure_logging
from .plan import plan as plan_command
from .review import review_app

if TYPE_CHECKING:
    from ..extraction.cache import ResultCache

app = typer.Typer(help="Turn Vietnamese government reports into typed, checked, reviewable data.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
out = Console()
err = Console(stderr=True)

FileArg = typer.Argument(..., help="Report file: .txt (UTF-8/UTF-16/cp1258), .docx or .pdf with a text layer.")
JsonOpt = typer.Option(False, "--json", help="Print JSON instead of a table.")


def _version(shown: bool) -> None:
    if shown:
        from importlib.metadata import version

        out.print(f"extractor {version('extractor')}", highlight=False)
        raise typer.Exit()


@app.callback()
def _options(verbose: int = typer.Option(0, "-v", "--verbose", count=True,
                                         help="-v: retries and progress; -vv: HTTP and library debug. Keys are masked."),
             _shown: bool = typer.Option(False, "--version", is_eager=True, callback=_version,
                                         help="Print the version and exit.")) -> None:
    configure_logging(verbose)


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


@app.command()
def sections(file: Path = FileArg, as_json: bool = JsonOpt) -> None:
    """Show the report's section tree with its footnotes, and what the structure pass was unsure of."""
    doc = load_document(file)
    if as_json:
        _print_json({"sections": [section_dict(doc, s) for s in doc.sections], "warnings": doc.metadata.warnings})
        return
    out.print(_tree(doc))
    for warning in doc.metadata.warnings:
        out.print(f"warning: {warning}", style="yellow", markup=False, highlight=False, soft_wrap=True)


@app.command()
def numbers(file: Path = FileArg, as_json: bool = JsonOpt,
            section: Optional[str] = typer.Option(None, "--section", help="Only this section id (and its children).")) -> None:
    """List every numeric mention with its value, unit, kind, offsets and section."""
    doc = load_document(file)
    if section is not None and not any(s.id == section or s.id.startswith(section + ".") for s in doc.sections):
        raise ExtractorError(f"{file}: no section {section!r}; its sections are "
                             f"{', '.join(s.id for s in doc.sections if s.parent is None)} and those under them")
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
    files: list[Path] = typer.Argument(..., help="Report files, folders of them (.txt, .docx, .pdf), or quoted glob patterns ('reports/**/*.txt')."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Output file (one input) or directory (several). Default: stdout."),
    fmt: str = typer.Option("json", "--format", help="json (several reports on stdout: JSON Lines), jsonl, csv or parquet (one row per figure)."),
    bom: bool = typer.Option(False, "--bom", help="CSV: start with a UTF-8 byte order mark (for Excel)."),
    recursive: bool = typer.Option(False, "--recursive", "-r", help="Enter the subfolders of the folders given."),
    db: Optional[Path] = typer.Option(None, "--db", help="Also add each result to this corpus database (SQLite)."),
    base_url: Optional[str] = typer.Option(None, "--base-url", help="OpenAI-compatible endpoint (else OPENAI_BASE_URL, config file, or the embedded model)."),
    model: Optional[str] = typer.Option(None, "--model", help="Model name on that endpoint."),
    api_key: Optional[str] = typer.Option(None, "--api-key", help="API key (else OPENAI_API_KEY). Never written anywhere."),
    mode: Optional[str] = typer.Option(None, "--mode", help="Structured-output mode: json, md_json, tools, json_schema."),
    model_path: Optional[Path] = typer.Option(None, "--model-path", help="A GGUF file to serve locally instead of the embedded model."),
    timeout: Optional[float] = typer.Option(None, "--timeout", min=1, help="Seconds to wait for one reply (default: "
                                            "config file, else 120; 900 for the embedded model); a request that times out is sent twice more at "
                                            "most (the embedded model's is not sent again)."),
    concurrency: int = typer.Option(1, "--concurrency", min=1, max=64, help="Chunks in flight at once."),
    sections_opt: Optional[str] = typer.Option(None, "--sections", help="Comma-separated section ids (an id includes its children)."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Neither read nor write the result cache."),
    cache_dir: Optional[Path] = typer.Option(None, "--cache-dir", help="Cache directory (default: the user cache dir)."),
    retry_failed: bool = typer.Option(False, "--retry-failed", help="Ask again about pieces whose reply was invalid on an earlier run (cached as failures)."),
    token_budget: Optional[int] = typer.Option(None, "--token-budget", min=1, help="Tokens (prompt + reply) the whole "
                                               "run may spend; stops sending when spent. A reply's own limit is "
                                               "max_tokens in the config file."),
    old_budget: Optional[int] = typer.Option(None, "--max-tokens", min=1, hidden=True,
                                             help="Deprecated name of --token-budget."),
    store: Optional[Path] = typer.Option(None, "--store", help="Review store for flagged inconsistencies (default: EXTRACTOR_REVIEW_DB or the user data dir)."),
    no_model: bool = typer.Option(False, "--no-model", help="Only the deterministic reader and the checks: no model is started or asked."),
    ask_all: bool = typer.Option(False, "--ask-all", help="Ask the model about every piece, even those the deterministic reader settles (by default they are not sent)."),
) -> None:
    """Extract typed, grounded records from every section (or the chosen ones)."""
    from contextlib import nullcontext

    from ..document.ingest import report_files
    from ..extraction.cache import ResultCache
    from ..llm.backend import Backend, BackendOptions
    from ..review.store import ReviewStore
    from .extract_files import run_files
    from .writers import Outputs

    if old_budget is not None:
        if token_budget is not None:
            raise ExtractorError("--max-tokens is the old name of --token-budget: give only --token-budget")
        err.print("warning: --max-tokens is deprecated, use --token-budget (the run's budget; a reply's own limit is "
                  "max_tokens in the config file)", markup=False, highlight=False, soft_wrap=True)
        token_budget = old_budget
    outputs = Outputs(output, fmt, bom, db)
    files = report_files(files, recursive=recursive)
    wanted = [s.strip() for s in sections_opt.split(",") if s.strip()] if sections_opt else None
    cache = None if no_cache else ResultCache(cache_dir)
    options = BackendOptions(base_url=base_url, model=model, api_key=api_key, mode=mode, model_path=model_path,
                             timeout=timeout)
    try:
        with nullcontext() if no_model else Backend(options) as backend:
            ok = run_files(files, backend=backend, cache=cache, outputs=outputs, sections=wanted,
                           concurrency=concurrency, token_budget=token_budget, console=err, store=ReviewStore(store, writable=True),
                           retry_failed=retry_failed, ask_all=ask_all)
    finally:
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
    from ..extraction.validate import load_result, source_of, validate_result
    from ..review.store import ReviewStore, default_store_path
    from .review import checks_table

    result = load_result(result_file)
    checks = validate_result(result, source_of(result, source))
    path = store or default_store_path()
    decisions = ReviewStore(path) if path.exists() else None  # reading must not create a store
    for check in checks:
        item = decisions.get_by_key(check.key) if decisions else None
        check.review = item.review() if item else None
    if as_json:
        _print_json([c.model_dump(mode="json") for c in checks])
    else:
        failed = sum(c.status == "fail" for c in checks)
        out.print(checks_table(checks, f"{len(checks)} checks, {failed} failed"))
    raise typer.Exit(1 if any(c.status == "fail" for c in checks) else 0)


@app.command("eval")
def eval_command(results: Optional[list[Path]] = typer.Argument(None, help="JSON results written by `extract`."),
                 gold: Optional[Path] = typer.Option(None, "--gold", help="Gold relations (bench/gold/relations.json)."),
                 sources: Optional[list[Path]] = typer.Option(None, "--source", help="Without results: a report "
                                                              "whose no-model baseline to measure (repeatable); "
                                                              "with one result: its report."),
                 figures: Optional[list[Path]] = typer.Option(None, "--figures", help="Figure-role gold of a "
                                                              "report (bench/gold/figures-*.json; repeatable)."),
                 directives: Optional[list[Path]] = typer.Option(None, "--directives", help="Directives gold of a "
                                                                 "report (bench/gold/directives-*.json; repeatable)."),
                 recheck: bool = typer.Option(False, "--recheck", help="Run today's checks on the results' "
                                              "records instead of taking the checks they carry."),
                 as_json: bool = JsonOpt) -> None:
    """Measure results (or a report's no-model baseline) against hand-read gold relations and figure roles."""
    from ..eval import directives as directive_eval
    from ..eval import report as evaluation

    if gold is None and not directives:
        raise ExtractorError("give --gold (relations) or --directives (directives gold), or both")
    evals = evaluation.run(results or [], sources or [], gold, figures or [], recheck) if gold else []
    scores = directive_eval.run_directives(results or [], sources or [], directives) if directives else []
    if as_json:
        _print_json({"reports": [evaluation.report_dict(e) for e in evals], "totals": evaluation.sum_totals(evals),
                     "directives": [directive_eval.directives_dict(s) for s in scores]})
    else:
        if evals:
            evaluation.render(evals, out)
        if scores:
            directive_eval.render_directives(scores, out)


app.add_typer(review_app, name="review")
app.add_typer(corpus_app, name="corpus")
app.command("series")(series_command)
app.command("export-html")(export_html)
app.command("plan")(plan_command)
cache_app = typer.Typer(help="Inspect or clear the result cache.", no_args_is_help=True)
app.add_typer(cache_app, name="cache")


@cache_app.command("stats")
def cache_stats(cache_dir: Optional[Path] = typer.Option(None, "--cache-dir"), as_json: bool = JsonOpt) -> None:
    """Entries and size of the result cache."""
    from ..extraction.cache import default_cache_dir

    cache = _existing_cache(cache_dir)
    stats = cache.stats() if cache else {"directory": str(default_cache_dir()), "entries": 0, "bytes": 0}
    if as_json:
        _print_json(stats)
    else:
        out.print(f"{stats['entries']} entries, {stats['bytes']:,} bytes in {stats['directory']}")


@cache_app.command("clear")
def cache_clear(cache_dir: Optional[Path] = typer.Option(None, "--cache-dir")) -> None:
    """Remove every cached result."""
    cache = _existing_cache(cache_dir)
    out.print(f"removed {cache.clear() if cache else 0} entries")


def _existing_cache(cache_dir: Path | None) -> ResultCache | None:
    """The cache to look at, never made by looking: a --cache-dir that does not exist is a
    mistyped path (an error); the default one not made yet is an empty cache (None)."""
    from ..extraction.cache import ResultCache, default_cache_dir

    directory = cache_dir or default_cache_dir()
    if not directory.exists():
        if cache_dir is not None:
            raise ExtractorError(f"{cache_dir}: no cache there")
        return None
    return ResultCache(directory)


@app.command()
def schema(kind: Optional[str] = typer.Argument(None, help="A section kind; without it, the output's JSON Schema.")) -> None:
    """Print a JSON Schema: a kind's reply schema, or the whole output's."""
    from ..kinds import kinds, reply_model
    from ..output.result import Result

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


def _terminated(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM (kill, a container or CI stopping the job) stops the run as Ctrl+C does


def main() -> None:
    signal.signal(signal.SIGTERM, _terminated)
    try:
        app()
    except Interrupted as exc:
        err.print(str(exc), markup=False, highlight=False, soft_wrap=True)
        # Requests still in flight are abandoned: their threads would otherwise hold the exit
        # for as long as the model takes. What was answered is written and cached already.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(exc.exit_code)
    except ExtractorError as exc:
        err.print(f"error: {scrub(str(exc))}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err.print("interrupted", markup=False)
        sys.exit(130)
