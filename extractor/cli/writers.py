"""Where and how results are written: json, jsonl, csv or parquet; to stdout, one file, or a
folder with one file per report; and, with a corpus database, into it as each report ends.

Several reports on stdout are JSON Lines (one compact result per line): a stream any JSON
reader takes line by line, that `jq -c`, `pandas.read_json(lines=True)` and DuckDB read as
is, and that can be appended to; one report alone stays an indented JSON document.
"""
from __future__ import annotations

import io
import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ExtractorError
from ..output.atomic import check_writable, to_json, write_atomic
from ..output.dicts import document_fields
from ..output.result import Record, Result
from ..redaction import scrub_obj

FORMATS = ("json", "jsonl", "csv", "parquet")
MANIFEST = "extractor-manifest.json"  # in an output folder: the reports this folder holds, done
SUFFIX = {"json": ".json", "jsonl": ".jsonl", "csv": ".csv", "parquet": ".parquet"}
# One row per figure (parts flattened under their total), the same in CSV and Parquet.
FIGURE_COLUMNS = ["source", "period", "province", "issuer", "document_number", "section_id", "record_id", "type",
                  "name", "field", "text", "value", "unit", "scale", "kind", "start", "end", "footnote", "review",
                  "corrected_value", "issues"]
_INT_COLUMNS = {"start", "end", "footnote"}


def figure_rows(result: Result) -> list[dict[str, Any]]:
    """Every figure of every record with the document's period, province, issuer and number."""
    doc = document_fields(result)
    head = {"source": result.source, "period": doc["period"], "province": doc["province"], "issuer": doc["issuer"],
            "document_number": doc["number"]}
    return [scrub_obj({**head, **row}) for rec in result.records for row in _record_rows(rec)]


def _record_rows(rec: Record, prefix: str = "") -> list[dict[str, Any]]:
    name = f"{prefix}{rec.name or ''}"
    issues = "; ".join(f"{i.field}: {i.problem}" for i in rec.issues)
    rows = [{"section_id": rec.section_id, "record_id": rec.id, "type": rec.type, "name": name, "field": field,
             "text": fig.text, "value": fig.value, "unit": fig.unit, "scale": fig.scale, "kind": fig.kind,
             "start": fig.start, "end": fig.end, "footnote": fig.footnote, "review": fig.review,
             "corrected_value": fig.corrected_value, "issues": issues}
            for field, fig in rec.figures.items() if fig is not None]
    for part in rec.parts:
        rows.extend(_record_rows(part, prefix=f"{name} > " if name else ""))
    return rows


def to_jsonl(results: list[Result]) -> str:
    return "".join(json.dumps(scrub_obj(r.model_dump(mode="json")), ensure_ascii=False) + "\n" for r in results)


def to_csv(results: list[Result], bom: bool = False) -> str:
    """For spreadsheets: a header, one row per figure, one line per cell (line breaks in the
    report's words collapse to spaces), and with `bom` the UTF-8 mark Excel needs to read
    Vietnamese letters right."""
    import csv

    buf = io.StringIO()
    writer = csv.DictWriter(buf, FIGURE_COLUMNS)
    writer.writeheader()
    for result in results:
        for row in figure_rows(result):
            writer.writerow({k: _one_line(v) for k, v in row.items()})
    return ("\ufeff" if bom else "") + buf.getvalue()


def _one_line(value: Any) -> Any:
    return " ".join(value.split()) if isinstance(value, str) else "" if value is None else value


def to_parquet(results: list[Result]) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([(c, pa.int64() if c in _INT_COLUMNS else pa.string()) for c in FIGURE_COLUMNS])
    rows = [row for r in results for row in figure_rows(r)]
    buf = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), buf)
    return buf.getvalue()


def render(results: list[Result], fmt: str, bom: bool = False) -> str | bytes:
    """The results in one document of the format (json: one result, or JSON Lines for several)."""
    if fmt == "json":
        return to_json(results[0]) if len(results) == 1 else to_jsonl(results)
    if fmt == "jsonl":
        return to_jsonl(results)
    if fmt == "csv":
        return to_csv(results, bom)
    return to_parquet(results)


@dataclass
class Outputs:
    """Where a run's results go. `plan` fails before any model starts if a target cannot be
    written; `section_done` rewrites a report's JSON file after each finished section (an
    interrupted run keeps what it did); `report_done` writes the report's own file and adds it
    to the corpus; `finish` writes what holds all reports (stdout, or one jsonl/parquet/csv file)."""

    output: Path | None = None
    fmt: str = "json"
    bom: bool = False
    db: Path | None = None
    store: Any = None  # a ReviewStore: the failing checks across reports of each report added go there
    targets: list[Path | None] = field(default_factory=list)
    folder: bool = False  # one file per report in the output folder, with the manifest
    manifest: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.fmt not in FORMATS:
            raise ExtractorError(f"unknown format {self.fmt!r}: use {', '.join(FORMATS)}")
        if self.bom and self.fmt != "csv":
            raise ExtractorError("--bom is for --format csv (the other formats are read by programs, not Excel)")
        if self.fmt == "parquet" and self.output is None:
            raise ExtractorError("--format parquet needs -o FILE or FOLDER (it is not text for a terminal)")

    def plan(self, names: list[str], several: bool | None = None) -> None:
        """Each report's own file (in the folder, or -o itself for one report), or none (all go
        to stdout or, written at the end, to one file).

        json and csv go into a folder when -o is one or when several reports were given (even if
        some are then skipped); jsonl and parquet hold several reports in one file unless -o is
        an existing folder."""
        out = self.output
        several = len(names) > 1 if several is None else several
        self.folder = out is not None and (out.is_dir() or (several and self.fmt in ("json", "csv")))
        if self.folder:
            assert out is not None
            self.targets = [out / f"{stem}{SUFFIX[self.fmt]}" for stem in _unique_stems(names)]
        elif out is not None and not several:
            self.targets = [out]  # rewritten as each section ends: an interrupted run keeps them
        else:
            self.targets = [None] * len(names)
        for path in [t for t in self.targets if t is not None] or ([out] if out else []):
            check_writable(path)  # fail now, not after an hour of extraction
        if self.folder and self._manifest_path().is_file():
            try:
                self.manifest = json.loads(self._manifest_path().read_text(encoding="utf-8"))["reports"]
            except (ValueError, KeyError, TypeError, OSError):
                self.manifest = {}  # unreadable: nothing counts as done, every report is redone
        if self.db is not None:
            from ..corpus.database import open_corpus

            open_corpus(self.db).close()  # a bad database fails now too

    def _manifest_path(self) -> Path:
        assert self.output is not None
        return self.output / MANIFEST

    def already_done(self, index: int, content_hash: str, section_ids: set[str]) -> str | None:
        """Why report `index` need not run again, or None: its file is in the output folder and
        the folder's manifest (or the corpus database) holds it with every planned section
        done. Without files per report (stdout, one file for all) every report runs."""
        target = self.targets[index] if index < len(self.targets) else None
        if not self.folder or target is None or not target.is_file():
            return None
        entry = self.manifest.get(content_hash)
        if entry and section_ids <= set(entry.get("sections_done", [])):
            return f"in {MANIFEST}"
        if self.db is not None and self.db.is_file():
            from ..corpus.database import sections_done

            if section_ids <= sections_done(self.db, content_hash):
                return f"in {self.db.name}"
        return None

    def section_done(self, index: int, result: Result) -> None:
        target = self.targets[index] if index < len(self.targets) else None
        if target is not None and self.fmt == "json":
            write_atomic(target, to_json(result))

    def report_done(self, index: int, result: Result, seconds: float = 0.0) -> None:
        target = self.targets[index] if index < len(self.targets) else None
        if target is not None:
            write_atomic(target, render([result], self.fmt, self.bom))
            if self.folder:
                self._note(result, target, seconds)
        if self.db is not None:
            from ..corpus.database import add_results

            add_results(self.db, [result])
            if self.store is not None:
                from ..corpus.crossreview import flag_for_review

                flag_for_review(self.db, self.store, result.content_hash)

    def _note(self, result: Result, target: Path, seconds: float) -> None:
        """The manifest entry of a finished report, written as soon as it finishes: a run
        killed later resumes after it."""
        ok = [s.id for s in result.sections if s.status in ("extracted", "cached")]
        self.manifest[result.content_hash] = {
            "source": result.source, "output": target.name, "sections_done": ok,
            "sections_failed": [s.id for s in result.sections if s.id not in ok], "records": len(result.records),
            "checks": len(result.checks), "checks_failed": sum(c.status == "fail" for c in result.checks),
            "seconds": round(seconds, 1)}
        write_atomic(self._manifest_path(),
                     json.dumps({"reports": self.manifest}, ensure_ascii=False, indent=2) + "\n")

    def finish(self, results: list[Result]) -> None:
        if not results or any(t is not None for t in self.targets):
            return
        data = render(results, self.fmt, self.bom)
        if self.output is not None:
            write_atomic(self.output, data)
        elif isinstance(data, str):
            sys.stdout.write(data)


def _unique_stems(names: list[str]) -> list[str]:
    """File stems for the reports; two reports of one name (from two folders) are told apart
    by their folder's name, then by their place in the run."""
    stems = [Path(n).stem for n in names]
    counts = Counter(stems)
    named = [f"{Path(n).parent.name}__{s}" if counts[s] > 1 and Path(n).parent.name else s
             for n, s in zip(names, stems)]
    again = Counter(named)
    return [f"{s}-{i + 1}" if again[s] > 1 else s for i, s in enumerate(named)]
