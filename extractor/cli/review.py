"""`extractor review …` and `extractor validate`: the reviewer's commands over the review store."""
from __future__ import annotations

import functools
import json
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..corpus.pages import series_routes
from ..errors import ExtractorError
from ..output.result import Check
from ..review.flagging import parse_correction
from ..review.reflow import Mark, kept_passage
from ..review.store import STATUSES, Item, ReviewError, existing_store, reviewer_name

review_app = typer.Typer(help="List, show and decide flagged source inconsistencies.", no_args_is_help=True)
out = Console()

StoreOpt = typer.Option(None, "--store", help="Review store (SQLite). Default: EXTRACTOR_REVIEW_DB or the user data dir.")
NoteOpt = typer.Option(None, "--note", help="Why: required to reject or correct.")
WhoOpt = typer.Option(None, "--reviewer", help="Who decides (default: the OS user).")
OverrideOpt = typer.Option(False, "--override", help="Replace an earlier decision (kept in the audit log).")
CreateOpt = typer.Option(False, "--create", help="Start a new, empty review store if there is none at --store.")
SEVERITIES = ("error", "warning", "info")
STYLE = {"fail": "bold red", "warn": "bold yellow", "pass": "green", "skip": "dim"}


def _print_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def item_dict(item: Item) -> dict[str, object]:
    """An item as JSON: each figure with the reviewer's corrected value, if one was given."""
    correction = item.correction or {}
    return {"id": item.id, "key": item.key, "status": item.status, "rule": item.rule, "severity": item.severity,
            "expression": item.expression, "section_id": item.section_id, "source": item.source,
            "content_hash": item.content_hash, "note": item.note, "decided_by": item.decided_by,
            "decided_at": item.decided_at, "correction": item.correction,
            "figures": [{**f.model_dump(), "corrected_value": correction.get(f.role)} for f in item.check.figures]}


def _of_report(item: Item, report: str) -> bool:
    """Does `report` name the item's report: a prefix of its content hash, or its file name?"""
    return item.content_hash.startswith(report.lower()) or Path(item.source or "").name == report


@review_app.command("list")
def review_list(status: Optional[str] = typer.Option(None, "--status", help="open, approved, rejected or corrected."),
                section: Optional[str] = typer.Option(None, "--section", help="Only this section id."),
                rule: Optional[str] = typer.Option(None, "--rule", help="Only this rule (identity, change, …)."),
                report: Optional[str] = typer.Option(None, "--report", help="Only this report: its file name or "
                                                     "the start of its content hash."),
                severity: Optional[str] = typer.Option(None, "--severity", help="error, warning or info."),
                store: Optional[Path] = StoreOpt, as_json: bool = typer.Option(False, "--json")) -> None:
    """Flagged items, oldest first."""
    if status is not None and status not in STATUSES:
        raise ReviewError(f"unknown status {status!r}: one of {', '.join(STATUSES)}")
    if severity is not None and severity not in SEVERITIES:
        raise ReviewError(f"unknown severity {severity!r}: one of {', '.join(SEVERITIES)}")
    items = existing_store(store).items(status, section_id=section, rule=rule, severity=severity)
    if report:
        items = [i for i in items if _of_report(i, report)]
    if as_json:
        _print_json([item_dict(i) for i in items])
        return
    table = Table("id", "status", "rule", "severity", "section", "expression", "report",
                  title=f"{len(items)} review items")
    for i in items:
        table.add_row(str(i.id), i.status, i.rule, i.severity, i.section_id or "-",
                      Text(i.expression, STYLE[i.check.status]), Path(i.source or "-").name)
    out.print(table)


@review_app.command("show")
def review_show(item_id: int = typer.Argument(..., help="Item id from `review list`."),
                store: Optional[Path] = StoreOpt, as_json: bool = typer.Option(False, "--json")) -> None:
    """The check, its expression, and the source passage with its numbers highlighted."""
    s = existing_store(store)
    item = s.get(item_id)
    if as_json:
        _print_json({**item_dict(item), "passage": item.passage, "passage_start": item.passage_start,
                     "audit": s.audit(item.id)})
        return
    out.print(f"[bold]#{item.id}[/bold] {item.rule} ({item.severity}) in section {item.section_id} of "
              f"{Path(item.source or '-').name} — [bold]{item.status}[/bold]")
    out.print(Text(item.expression, STYLE[item.check.status]))
    out.print(highlighted(item))
    for f in item.check.figures:
        corrected = (item.correction or {}).get(f.role)
        out.print(f"  {f.role}: {f.text!r} = {f.value} at {f.start}–{f.end}"
                  f"{f' → corrected to {corrected}' if corrected else ''}", highlight=False)
    for entry in s.audit(item.id):
        out.print(f"  [dim]{entry['at']} {entry['who']}: {entry['previous_status']} → {entry['new_status']}"
                  f"{' — ' + entry['note'] if entry['note'] else ''}[/dim]")


def highlighted(item: Item) -> Text:
    """The item's passage reflowed as on the review page, its figures in reverse video."""
    style = "bold reverse " + STYLE[item.check.status].split()[-1]
    marks = [Mark(f.start, f.end, style) for f in item.check.figures]
    text = Text()
    for paragraph in kept_passage(item.passage, item.passage_start, marks):
        for piece in paragraph:
            text.append(piece.text, piece.mark.css if piece.mark else None)
        text.append("\n")
    text.rstrip()
    return text


def _decide(item_id: int, status: str, store: Path | None, note: str | None, reviewer: str | None,
            override: bool, correction: dict[str, str] | None = None) -> None:
    item = existing_store(store).decide(item_id, status, who=reviewer_name(reviewer), note=note, correction=correction,
                                     override=override)
    out.print(f"item {item.id}: {item.status} by {item.decided_by}")


@review_app.command("approve")
def review_approve(item_id: int, note: Optional[str] = NoteOpt, reviewer: Optional[str] = WhoOpt,
                   override: bool = OverrideOpt, store: Optional[Path] = StoreOpt) -> None:
    """The source really says so: keep the values."""
    _decide(item_id, "approved", store, note, reviewer, override)


@review_app.command("reject")
def review_reject(item_id: int, note: Optional[str] = NoteOpt, reviewer: Optional[str] = WhoOpt,
                  override: bool = OverrideOpt, store: Optional[Path] = StoreOpt) -> None:
    """The extraction is wrong: its section is extracted again on the next run."""
    _decide(item_id, "rejected", store, note, reviewer, override)


@review_app.command("correct")
def review_correct(item_id: int, assignments: list[str] = typer.Argument(..., help="FIELD=VALUE, e.g. completed=380"),
                   note: Optional[str] = NoteOpt, reviewer: Optional[str] = WhoOpt, override: bool = OverrideOpt,
                   store: Optional[Path] = StoreOpt) -> None:
    """A person's value overrides the extracted one (VALUE written like the report: 2.828,46)."""
    correction = parse_correction(existing_store(store).get(item_id).check, assignments)
    _decide(item_id, "corrected", store, note, reviewer, override, correction)


@review_app.command("serve")
def review_serve(port: int = typer.Option(8700, "--port", min=1, max=65535, help="Port on 127.0.0.1."),
                 host: str = typer.Option("127.0.0.1", "--host", help="Bind elsewhere only on purpose: anyone who "
                                          "reaches the port can decide items."),
                 reviewer: Optional[str] = WhoOpt, store: Optional[Path] = StoreOpt,
                 lang: str = typer.Option("vi", "--lang", help="Language of the pages: vi or en."),
                 create: bool = CreateOpt,
                 corpus: Optional[Path] = typer.Option(None, "--db",
                                                       help="A corpus database: its series at /series.")) -> None:
    """Review in the browser: the queue, each item beside its source passage, the whole report."""
    import socket

    import uvicorn

    from ..review.labels import LANGUAGES
    from ..review.web import create_app

    if lang not in LANGUAGES:
        raise ExtractorError(f"unknown language {lang!r}: one of {', '.join(LANGUAGES)}")
    existing_store(store, create).close()  # a store that cannot be opened fails now, not on the first page
    if corpus is not None:
        from ..corpus.database import open_existing

        open_existing(corpus).close()  # a mistyped path fails now, not on the series page
    app = create_app(store, reviewer, lang, host=host, port=port, more_pages=functools.partial(series_routes, corpus))
    try:  # bind before saying where: the address printed is one that is listening
        listener = socket.create_server((host, port), family=socket.AF_INET6 if ":" in host else socket.AF_INET)
    except OSError as exc:
        raise ExtractorError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    if host not in ("127.0.0.1", "localhost", "::1"):
        Console(stderr=True).print(f"[bold yellow]warning:[/] serving on {host}: the review pages are open to "
                                   "every machine that can reach this port")
    out.print(f"review pages at http://{'localhost' if host in ('127.0.0.1', '::1') else host}:{port}/ "
              "(Ctrl+C to stop)", highlight=False)
    uvicorn.Server(uvicorn.Config(app, log_level="warning")).run(sockets=[listener])


def checks_table(checks: list[Check], title: str) -> Table:
    table = Table("rule", "status", "section", "expression", "review", title=title)
    for c in checks:
        review = f"{c.review['status']} #{c.review['item']}" if c.review else ""
        table.add_row(c.rule, Text(c.status, STYLE[c.status]), c.section_id or "-", c.expression, review)
    return table
