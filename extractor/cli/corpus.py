"""`extractor corpus ...` (many results in one SQLite database) and `extractor series`."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .distributed import run as run_on_cluster

corpus_app = typer.Typer(help="A corpus database of many results (SQLite; plain SQL, Datasette).",
                         no_args_is_help=True)
out = Console()
DbOpt = typer.Option(..., "--db", help="The corpus database (SQLite file; created if new).")
JsonOpt = typer.Option(False, "--json", help="Print JSON instead of a table.")
corpus_app.command("run")(run_on_cluster)  # a folder of reports on a cluster: extractor/corpus/distributed.py


@corpus_app.command("add")
def add(results: list[Path] = typer.Argument(..., help="Result files written by `extract` (JSON or JSON Lines)."),
        db: Path = DbOpt,
        province: Optional[str] = typer.Option(None, "--province", help="Province of reports whose header names none."),
        store: Optional[Path] = typer.Option(None, "--store", help="Review store whose decisions (taken since the "
                                             "results were written) to carry into the corpus.")) -> None:
    """Add results; a report already there (same content hash) is replaced, in one transaction."""
    from ..corpus.database import add_results, attach_decisions, load_results
    from ..errors import ExtractorError
    from ..review.store import ReviewStore

    loaded = load_results(results)
    if store is not None:
        if not store.is_file():
            raise ExtractorError(f"{store}: no such review store")
        decisions = ReviewStore(store)
        for result in loaded:
            attach_decisions(result, decisions)
        decisions.close()
    add_results(db, loaded, province)
    out.print(f"{len(loaded)} report{'s' if len(loaded) != 1 else ''} in {db}", highlight=False)
    if store is not None:
        from ..corpus.crossreview import flag_for_review

        _waiting(flag_for_review(db, ReviewStore(store)))


@corpus_app.command("checks")
def checks(db: Path = typer.Option(..., "--db", help="The corpus database."),
           store: Optional[Path] = typer.Option(None, "--store", help="Flag the failing ones for review in this "
                                                "store, and bring back the decisions taken on them."),
           status: Optional[str] = typer.Option(None, "--status", help="Only checks of this status: pass, warn, fail."),
           as_json: bool = JsonOpt) -> None:
    """Checks across reports: a cumulative against last month's plus this month's figure, a
    change on the same period against the report of a year before. Made again here over the
    whole corpus (adding a report makes those it takes part in)."""
    from ..corpus.crosschecks import check_all
    from ..corpus.crossreview import flag_for_review, listed
    from ..errors import ExtractorError
    from ..review.store import ReviewStore

    if status not in (None, "pass", "warn", "fail"):
        raise ExtractorError(f"--status {status!r}: give pass, warn or fail")
    check_all(db)
    waiting = flag_for_review(db, ReviewStore(store, writable=True)) if store is not None else None
    rows = listed(db, status)
    if as_json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table(title=f"{len(rows)} checks across reports",
                  caption="offsets: of each figure, in the report of that period (--json names the files)")
    for name in ("period", "indicator · rule", "check", "review", "offsets"):
        table.add_column(name, overflow="fold")
    for r in rows:
        colour = {"fail": "red", "warn": "yellow"}.get(r["status"])
        check = f"[{colour}]{escape(r['expression'])}[/{colour}]" if colour else escape(r["expression"])
        spans: dict[str, list[str]] = {}
        for f in r["figures"]:
            spans.setdefault(f["period"], []).append(f"{f['start']}–{f['end']}")
        table.add_row(f"{r['period']}\n{r['province'] or ''}", f"{r['indicator'] or ''}\n[dim]{r['rule']}[/dim]", check,
                      r["review"] or "", "\n".join(f"{p}: {', '.join(v)}" for p, v in spans.items()))
    out.print(table)
    if waiting is not None:
        _waiting(waiting)


def _waiting(count: int) -> None:
    if count:
        out.print(f"{count} failing checks across reports await a reviewer: [bold]extractor review list[/] or "
                  "[bold]extractor review serve[/]")


@corpus_app.command("unmatched")
def unmatched(db: Path = DbOpt, as_json: bool = JsonOpt) -> None:
    """Record names no canonical indicator key covers, most frequent first."""
    from ..corpus.database import unmatched as find

    rows = find(db)
    if as_json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table("name", "type", "part of", "section", "records", "reports",
                  title=f"{len(rows)} names without an indicator key (extractor/data/indicators.toml)")
    for r in rows:
        table.add_row(r["name"], r["type"], r["parent"] or "", r["title_path"] or "", str(r["records"]),
                      str(r["documents"]))
    out.print(table)


@corpus_app.command("rekey")
def rekey(db: Path = DbOpt) -> None:
    """Give every stored record the key the indicator table gives it now."""
    from ..corpus.database import rekey as run

    out.print(f"{run(db)} records changed key", highlight=False)


def series(key: str = typer.Argument(..., help="Canonical indicator key, e.g. budget.revenue.total."),
           db: Path = typer.Option(..., "--db", help="The corpus database."),
           province: Optional[str] = typer.Option(None, "--province", help="Only this province (Lạng Sơn or lang son)."),
           field: Optional[str] = typer.Option(None, "--field", help="Which figure of the record (default: its value "
                                               "or total; for tasks: assigned)."),
           chart: Optional[Path] = typer.Option(None, "-o", "--output", help="Also draw the series into this PNG."),
           as_json: bool = JsonOpt) -> None:
    """An indicator over periods: value, % plan, % same period, source and offsets of each point.
    A point whose review is open or rejected is marked; a corrected value is the one used."""
    from ..corpus.indicators import load_table
    from ..corpus.series import point_dict, scale_of, shown, write_chart
    from ..corpus.series import series as find

    points = find(db, key, province, field)
    label = load_table().by_key[key].label if key in load_table().by_key else key
    label += f" · {field}" if field else ""
    if chart is not None:
        write_chart(points, key, label, chart)
    if as_json:
        sys.stdout.write(json.dumps([point_dict(p) for p in points], ensure_ascii=False, indent=2) + "\n")
        return
    divisor, word = scale_of(points)
    unit = " ".join(w for w in (word, points[0].unit or "") if w)
    table = Table("period", "province", f"value ({unit})" if unit else "value", "% plan", "% same period",
                  "review", title=f"{label} · {key}")
    table.add_column("source: offsets", overflow="fold")
    for p in points:
        mark = f"[red]{p.review}[/red]" if p.untrusted else ("corrected" if p.corrected else (p.review or ""))
        period = f"{p.period or '?'} ({p.period_kind})" if p.period_kind not in (None, "month") else p.period or "?"
        table.add_row(period, p.province or "", shown(p.value, divisor), _pct(p.plan_percent),
                      _pct(p.change_percent), mark, f"{Path(p.source or '-').name}:{p.start}–{p.end}")
    out.print(table)
    if chart is not None:
        out.print(f"chart: {chart}", highlight=False)


def _pct(value: str | None) -> str:
    from ..corpus.series import shown

    return "" if value is None else shown(value) + "%"
