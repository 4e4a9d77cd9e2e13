"""The live progress of an `extract` run: one line for the whole run (reports done, pieces
done, time left) when it has several reports, and one line per report.

Each line fits the terminal: the report name is shortened with an ellipsis, the bar and the
counts keep a fixed width, and the counters after them (failed, cached, tokens, sections) are
dropped whole, last first, when there is no room for them, so no word is ever cut. Without a
model (`--no-model`) nothing is asked, so the line counts the sections the reader read, not
pieces never sent.
"""
from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeRemainingColumn
from rich.table import Column

from ..document.report import Document
from ..extraction.engine import ChunkOutcome, Job
from ..output.result import Result

NAME, BAR, COUNT, ETA = 22, 10, 15, 7  # column widths; what is left goes to the counters
GAPS = 4  # one space between the five columns


class RunProgress:
    def __init__(self, console: Console, plans: list[list[Job]], use_model: bool) -> None:
        self.console = console
        self.use_model = use_model
        self.unit = "pieces" if use_model else "sections"
        self.reports, self.done = len(plans), 0
        self.progress = Progress(
            TextColumn("{task.description}", table_column=Column(no_wrap=True, overflow="ellipsis", max_width=NAME,
                                                                  width=NAME)),
            BarColumn(bar_width=BAR),
            TextColumn("{task.fields[count]}", justify="right",
                       table_column=Column(no_wrap=True, width=COUNT, justify="right")),
            TimeRemainingColumn(compact=True, elapsed_when_finished=True,
                                table_column=Column(no_wrap=True, width=ETA, justify="right")),
            TextColumn("{task.fields[stats]}", table_column=Column(no_wrap=True)),
            # the ETA's speed over the whole run: a local model answers a piece a minute at most,
            # and rich's default 30-second window would show no estimate at all
            console=console, transient=False, speed_estimate_period=24 * 3600)
        total = sum(self.size(jobs) for jobs in plans)
        self.overall: TaskID | None = None
        if self.reports > 1:
            self.overall = self.progress.add_task(self._reports(), total=total, count=self._count(0, total), stats="")

    def size(self, jobs: list[Job]) -> int:
        return sum(len(j.chunks) for j in jobs) if self.use_model else len(jobs)

    def __enter__(self) -> "RunProgress":
        self.progress.__enter__()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.progress.__exit__(kind, exc, tb)

    def report(self, doc: Document, jobs: list[Job], keep: Callable[[Result], None]) -> "ReportLine":
        return ReportLine(self, doc, jobs, keep)

    def skip(self, jobs: list[Job]) -> None:
        """A report an earlier run finished: it counts as done."""
        self.finished(self.size(jobs))

    def finished(self, unfinished: int = 0) -> None:
        self.done += 1
        self.advance(unfinished)

    def advance(self, steps: int) -> None:
        if self.overall is None:
            return
        self.progress.advance(self.overall, steps)
        task = self.progress.tasks[self.overall]
        self.progress.update(self.overall, description=self._reports(),
                             count=self._count(int(task.completed), int(task.total or 0)))

    def _reports(self) -> str:
        return f"reports {self.done}/{self.reports}"

    def _count(self, done: int, total: int) -> str:
        return f"{done}/{total} {self.unit}"

    def fitted(self, items: list[str]) -> str:
        """The counters that fit after the fixed columns, whole, in order."""
        room = self.console.width - NAME - BAR - COUNT - ETA - GAPS - 1
        shown: list[str] = []
        for item in items:
            if len(" · ".join([*shown, item])) > room:
                break
            shown.append(item)
        return " · ".join(shown)


class ReportLine:
    """One report's line; each finished section also rewrites its JSON (through `keep`), so an
    interrupted run keeps what it did."""

    def __init__(self, run: RunProgress, doc: Document, jobs: list[Job], keep: Callable[[Result], None]) -> None:
        self.run, self.keep, self.sections = run, keep, len(jobs)
        self.total = run.size(jobs)
        self.counts: dict[str, Any] = {"done": 0, "failed": 0, "cached": 0, "tokens": 0, "sections": 0}
        name = doc.source.path.name if doc.source else "report"
        self.task = run.progress.add_task(name, total=self.total, count=run._count(0, self.total), stats="")

    def on_chunk(self, outcome: ChunkOutcome) -> None:
        self.counts["failed" if outcome.error else "cached" if outcome.cached else "done"] += 1
        self.counts["tokens"] += outcome.usage.prompt_tokens + outcome.usage.completion_tokens
        self._show(advance=1)

    def on_section(self, result: Result) -> None:
        self.counts["sections"] = len(result.sections)
        self._show(advance=0 if self.run.use_model else 1)
        self.keep(result)

    def end(self) -> None:
        """The report is done: whatever its line did not count (pieces never sent) counts now
        for the run."""
        task = self.run.progress.tasks[self.task]
        self.run.finished(self.total - int(task.completed))

    def _show(self, advance: int) -> None:
        c = self.counts
        items = [f"{c['failed']} failed" if c["failed"] else "", f"{c['cached']} cached" if c["cached"] else "",
                 _tokens(c["tokens"]) if c["tokens"] else "",
                 f"{c['sections']}/{self.sections} sections" if self.run.use_model else "reader only"]
        task = self.run.progress.tasks[self.task]
        done = int(task.completed) + advance
        self.run.progress.update(self.task, advance=advance, count=self.run._count(done, self.total),
                                 stats=self.run.fitted([i for i in items if i]))
        self.run.advance(advance)


def _tokens(n: int) -> str:
    return f"{n / 1000:.0f}k tokens" if n >= 10_000 else f"{n} tokens"
