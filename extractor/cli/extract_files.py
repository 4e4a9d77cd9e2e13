"""`extractor extract`: documents in, results out, with a live progress bar and a summary.

Bad inputs fail before any model starts; results are written after every finished section,
so an interrupted run keeps what it did (and the cache makes the re-run cheap)."""
from __future__ import annotations

import functools
import time
from pathlib import Path

from rich import box
from rich.console import Console
from rich.table import Table

from ..document.ingest import report_files
from ..document.report import Document, load_document
from ..errors import ExtractorError, Interrupted
from ..extraction.cache import ResultCache
from ..extraction.engine import INTERRUPTED, Extractor, Job
from ..llm.backend import Backend
from ..output.result import Result
from ..review.flagging import flag_result
from ..review.store import ReviewStore
from .progress import RunProgress
from .writers import Outputs

READER_ONLY = "none (reader only)"


def run_files(files: list[Path], *, backend: Backend | None, cache: ResultCache | None, outputs: Outputs,
              sections: list[str] | None, concurrency: int, token_budget: int | None, console: Console,
              store: ReviewStore | None = None, retry_failed: bool = False, ask_all: bool = False) -> bool:
    docs = [load_document(f) for f in report_files(files)]
    # No backend: `--no-model`, only the reader and the checks.
    extractor = Extractor(backend, model=getattr(backend, "identity", READER_ONLY), mode=getattr(backend, "mode", "none"),
                          cache=cache, token_budget=token_budget, retry_failed=retry_failed, use_model=backend is not None,
                          ask_all=ask_all)
    several = len(docs) > 1
    planned = [(doc, extractor.plan(doc, sections)) for doc in docs]
    if sections:
        planned = _with_sections(planned, sections, console)
    docs = [doc for doc, _ in planned]
    outputs.plan([str(doc.source.path) if doc.source else _name(doc) for doc in docs], several)
    outputs.store = store  # with --db: checks across reports go to review as each report is added
    results: list[Result] = []
    timings: list[float] = []
    awaiting = skipped = 0
    with RunProgress(console, [jobs for _, jobs in planned], extractor.use_model) as progress:
        for index, (doc, jobs) in enumerate(planned):
            done = outputs.already_done(index, doc.content_hash, {j.section.id for j in jobs})
            if done:  # an earlier run finished it: resume after it
                console.print(f"[dim]done[/] {_name(doc)}: already extracted ({done})")
                progress.skip(jobs)
                skipped += 1
                continue
            bar = progress.report(doc, jobs, functools.partial(outputs.section_done, index))
            started = time.monotonic()
            section_ids = {j.section.id for j in jobs}
            refresh = store.sections_to_reextract(doc.content_hash) & section_ids if store else set()
            results.append(extractor.run(doc, jobs, concurrency=concurrency, refresh=refresh,
                                         on_chunk=bar.on_chunk, on_section=bar.on_section))
            timings.append(time.monotonic() - started)
            if store is not None:
                awaiting += flag_result(store, results[-1], doc)
                store.save_result(results[-1])
                store.reextracted(doc.content_hash, {s.id for s in results[-1].sections
                                                     if s.id in refresh and s.status == "extracted"})
            outputs.report_done(index, results[-1], timings[-1])
            bar.end()
            if extractor.interrupted:
                break
    outputs.finish(results)
    if results:
        console.print(_summary(results, timings))
    for line in _failures(results) + _dropped(results):
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    if skipped:
        console.print(f"{skipped} report{'s' if skipped > 1 else ''} already done, skipped")
    if awaiting:
        console.print(f"{awaiting} flagged checks await a reviewer: [bold]extractor review list[/] or "
                      "[bold]extractor review serve[/]")
    if extractor.interrupted:
        raise Interrupted(f"interrupted: {_not_sent(results)} pieces left unanswered; what was answered is "
                          f"{_kept(outputs.output, cache)}: run the same command again to resume")
    if extractor.stopped:  # the last line: what happened to the run
        console.print(f"error: {extractor.stopped}; stopped sending, {_not_sent(results)} pieces not sent; "
                      f"what was extracted is {_kept(outputs.output, cache)}", markup=False, highlight=False, soft_wrap=True)
    return all(s.status in ("extracted", "cached") for r in results for s in r.sections)


def _name(doc: Document) -> str:
    return doc.source.path.name if doc.source else "report"


def _with_sections(planned: list[tuple[Document, list[Job]]], sections: list[str],
                   console: Console) -> list[tuple[Document, list[Job]]]:
    """Reports that have none of the chosen sections are skipped, with a line each; if none has
    them, that is the error."""
    wanted = ", ".join(sections)
    having = [(doc, jobs) for doc, jobs in planned if jobs]
    if not having and len(planned) == 1:
        doc = planned[0][0]
        raise ExtractorError(f"no section {wanted} in {_name(doc)} (sections: {', '.join(s.id for s in doc.sections)})")
    if not having:
        raise ExtractorError(f"no section {wanted} in any of the {len(planned)} reports")
    for doc, jobs in planned:
        if not jobs:
            console.print(f"[yellow]skipped[/] {_name(doc)}: no section {wanted}")
    return having


def _summary(results: list[Result], timings: list[float]) -> Table:
    """One row per report, narrow enough for an 80-column terminal (the report name folds)."""
    table = Table(title="extraction summary", box=box.SIMPLE_HEAD, padding=(0, 1), pad_edge=False, collapse_padding=True,
                  caption="ok: sections done/planned · figures: accounted for/in scope · "
                          "checks: failed/run · calls (+retries)")
    table.add_column("report", overflow="fold", min_width=8)
    for header in ("ok", "records", "figures", "checks", "calls", "tokens", "cached", "time"):
        table.add_column(header, justify="right", no_wrap=True, min_width=len(header))
    for result, seconds in zip(results, timings):
        ok = sum(1 for s in result.sections if s.status in ("extracted", "cached"))
        done = f"{ok}/{len(result.sections)}"
        cov = result.coverage
        u = result.usage
        table.add_row(Path(result.source or "-").name, done if ok == len(result.sections) else f"[red]{done}[/red]",
                      str(len(result.records)), f"{cov.covered}/{cov.figures}" if cov else "-",
                      f"{sum(c.status == 'fail' for c in result.checks)}/{len(result.checks)}",
                      f"{u.requests} (+{u.retries})" if u.retries else str(u.requests),
                      f"{u.prompt_tokens + u.completion_tokens:,}", str(u.cache_hits),
                      _seconds(seconds))
    if len(results) > 1:
        table.add_section()
        sections = [s for r in results for s in r.sections]
        ok = sum(s.status in ("extracted", "cached") for s in sections)
        covs = [r.coverage for r in results if r.coverage]
        table.add_row(f"total ({len(results)})", f"{ok}/{len(sections)}", str(sum(len(r.records) for r in results)),
                      f"{sum(c.covered for c in covs)}/{sum(c.figures for c in covs)}", f"{sum(c.status == 'fail' for r in results for c in r.checks)}/"
                          f"{sum(len(r.checks) for r in results)}", str(sum(r.usage.requests for r in results)),
                      f"{sum(r.usage.prompt_tokens + r.usage.completion_tokens for r in results):,}",
                      str(sum(r.usage.cache_hits for r in results)), _seconds(sum(timings)))
    return table


def _seconds(seconds: float) -> str:
    return f"{seconds:.0f}s" if seconds >= 100 else f"{seconds:.1f}s"


def _failures(results: list[Result]) -> list[str]:
    """Why pieces failed, one line per report and reason (the JSON has them piece by piece)."""
    lines = []
    for result in results:
        reasons: dict[str, list[str]] = {}
        for section in result.sections:
            for error in section.errors:
                piece, _, why = error.partition(": ")
                reasons.setdefault(why, []).append(piece)
        for why, pieces in reasons.items():
            shown = ", ".join(pieces[:4]) + (f" and {len(pieces) - 4} more" if len(pieces) > 4 else "")
            lines.append(f"failed in {Path(result.source or '-').name}: {shown}: {why}")
    return lines


_DROPS = ((" dropped: ", "model field{s} dropped where the reader reads the figure otherwise"),
          (": left out, its name ", "model record{s} left out, named with words the text does not print"))


def _dropped(results: list[Result]) -> list[str]:
    """How many model fields the reader's reading overruled, and how many model records were left
    out for a name the text does not print, per report (the JSON lists each)."""
    lines = []
    for result in results:
        warnings = [w for s in result.sections for w in s.warnings]
        for marker, what in _DROPS:
            n = sum(1 for w in warnings if marker in w)
            if n:
                lines.append(f"{Path(result.source or '-').name}: {n} {what.format(s='s' if n > 1 else '')} "
                             "(sections[].warnings)")
    return lines


def _not_sent(results: list[Result]) -> int:
    return sum(1 for r in results for s in r.sections for e in s.errors
               if e.partition(": ")[2].startswith(("not sent: ", INTERRUPTED)))


def _kept(output: Path | None, cache: ResultCache | None) -> str:
    places = ([f"written to {output}"] if output else []) + (["in the cache"] if cache else [])
    return " and ".join(places) or "written to stdout"
