"""`extractor corpus run`: a folder of reports extracted on a Dask cluster into a corpus database."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

err = Console(stderr=True)


def run(files: list[Path] = typer.Argument(..., help="Report files, folders of them, or quoted glob patterns."),
        db: Path = typer.Option(..., "--db", help="The corpus database (SQLite; created if new). A report whose "
                                "content hash it holds is done and not sent again."),
        cluster: str = typer.Option("local:2", "--cluster", help="local:N (N worker processes on this machine) or "
                                    "a Dask scheduler's address (tcp://host:8786)."),
        recursive: bool = typer.Option(False, "--recursive", "-r", help="Enter the subfolders of the folders given."),
        base_urls: Optional[list[str]] = typer.Option(None, "--base-url", help="OpenAI-compatible endpoint the "
                                                      "workers talk to; repeat it to spread the reports over several "
                                                      "(else OPENAI_BASE_URL, config file, or the embedded model)."),
        model: Optional[str] = typer.Option(None, "--model", help="Model name on that endpoint."),
        api_key: Optional[str] = typer.Option(None, "--api-key", help="API key for a local cluster's workers (else "
                                              "OPENAI_API_KEY). Reaches them by environment, never in a task."),
        mode: Optional[str] = typer.Option(None, "--mode", help="Structured-output mode: json, md_json, tools, json_schema."),
        model_path: Optional[Path] = typer.Option(None, "--model-path", help="A GGUF file each worker serves locally."),
        concurrency: int = typer.Option(1, "--concurrency", min=1, max=64, help="Chunks in flight at once on each worker."),
        sections_opt: Optional[str] = typer.Option(None, "--sections", help="Comma-separated section ids (an id includes its children)."),
        no_cache: bool = typer.Option(False, "--no-cache", help="Neither read nor write the result cache."),
        cache_dir: Optional[Path] = typer.Option(None, "--cache-dir", help="Cache directory the workers share (default: the user cache dir)."),
        retry_failed: bool = typer.Option(False, "--retry-failed", help="Ask again about pieces whose reply was invalid on an earlier run."),
        ask_all: bool = typer.Option(False, "--ask-all", help="Ask the model about every piece, whole, even those the deterministic reader settles."),
        store: Optional[Path] = typer.Option(None, "--store", help="Review store for flagged inconsistencies (default: EXTRACTOR_REVIEW_DB or the user data dir)."),
) -> None:
    """Extract a corpus on a cluster, one report per task, into the corpus database; a re-run
    resumes (reports already there are skipped, failed ones tried again). Exit 1 if a report failed."""
    from ..corpus.distributed import WorkerSettings, cluster_opener, run_corpus
    from ..document.ingest import report_files
    from ..review.store import ReviewStore

    opener = cluster_opener(cluster, api_key)
    reports = report_files(files, recursive=recursive)
    settings = WorkerSettings(
        base_urls=tuple(base_urls or ()), model=model, mode=mode,
        model_path=str(model_path.resolve()) if model_path else None,
        sections=tuple(s.strip() for s in sections_opt.split(",") if s.strip()) if sections_opt else None,
        concurrency=concurrency, cache_dir=str(cache_dir.resolve()) if cache_dir else None, no_cache=no_cache,
        retry_failed=retry_failed, ask_all=ask_all)
    review = ReviewStore(store)

    def shown(source: str, status: str, detail: str) -> None:
        colour = {"done": "green", "failed": "red", "skipped": "yellow"}[status]
        err.print(f"[{colour}]{status}[/] {Path(source).name}: {detail}", highlight=False)

    summary = run_corpus([p.resolve() for p in reports], db, settings, opener,
                         store=review, on_report=shown)
    err.print(f"{len(reports)} reports: {len(summary.done)} done, {len(summary.failed)} failed, "
              f"{len(summary.skipped)} skipped, {summary.already} already in {db}"
              + (f", {summary.duplicates} copies of another" if summary.duplicates else ""), highlight=False)
    raise typer.Exit(1 if summary.failed else 0)
