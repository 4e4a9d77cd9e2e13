"""Outputs for many reports: JSON Lines on stdout, jsonl/csv/parquet files, a CSV for spreadsheets,
folders entered recursively and quoted glob patterns."""
from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.replayserver import ReplayServer
from extractor.cli.writers import FIGURE_COLUMNS, MANIFEST, Outputs, to_csv, to_parquet
from extractor.document.ingest import report_files
from extractor.errors import ExtractorError
from extractor.output.result import FigureValue, Record, Result

from .conftest import REPORT_2024, REPORT_2026
from .fakemodel import extract, month_2024_01, month_2026_01
from .test_faults import CASSETTE, MODEL


@pytest.fixture(scope="module")
def two_months() -> list[Result]:
    return [extract(REPORT_2026, month_2026_01()), extract(REPORT_2024, month_2024_01())]


def _nested(tmp_path: Path) -> Path:
    """reports/a/<2026 report> and reports/b/<the same file>: two reports of one name."""
    for sub in ("a", "b"):
        (tmp_path / "reports" / sub).mkdir(parents=True)
        shutil.copy(REPORT_2026, tmp_path / "reports" / sub / REPORT_2026.name)
    return tmp_path / "reports"


def _extract(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    with ReplayServer([CASSETTE], fallback=True) as server:
        return subprocess.run([sys.executable, "-m", "extractor", "extract", *args, "--sections", "I",
                               "--base-url", server.base_url, "--model", MODEL, "--store", str(tmp_path / "r.db"),
                               "--cache-dir", str(tmp_path / "cache")],
                              capture_output=True, text=True, timeout=300, cwd=tmp_path)


def test_several_reports_on_stdout_are_json_lines_and_folders_are_entered_recursively(tmp_path: Path) -> None:
    folder = _nested(tmp_path)
    run = _extract(tmp_path, str(folder), "--recursive")
    assert run.returncode in (0, 1), run.stderr[-2000:]
    lines = run.stdout.splitlines()
    results = [json.loads(line) for line in lines]  # each line is one whole result
    assert [Path(r["source"]).parent.name for r in results] == ["a", "b"]
    tasks = [rec for rec in results[0]["records"] if rec["type"] == "tasks"]
    assert tasks and tasks[0]["figures"]["assigned"]["value"] == "510"

    # A quoted pattern is expanded by us; CSV for several reports goes one file per report,
    # the two files of one name told apart by their folder.
    run = _extract(tmp_path, "reports/**/*.txt", "--format", "csv", "--bom", "-o", "out")
    assert run.returncode in (0, 1), run.stderr[-2000:]
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == [f"a__{REPORT_2026.stem}.csv", f"b__{REPORT_2026.stem}.csv", MANIFEST]
    raw = (tmp_path / "out" / written[0]).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert {r["period"] for r in rows} == {"2026-01"}
    assert any(r["field"] == "assigned" and r["value"] == "510" for r in rows)


def test_csv_for_spreadsheets_has_the_document_columns_and_one_line_per_cell(two_months: list[Result]) -> None:
    text = to_csv(two_months)
    assert not text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == FIGURE_COLUMNS
    # Every record is one line: no cell keeps a line break of the report.
    assert text.count("\r\n") == len(rows) + 1 and "\n" not in text.replace("\r\n", "")
    by_period = {(r["period"], r["name"], r["field"]): r for r in rows}
    revenue_2024 = by_period[("2024-01", "Tổng thu ngân sách nhà nước trên địa bàn", "value")]
    assert revenue_2024["value"] == "702100000000" and revenue_2024["province"] == "Lạng Sơn"
    assert revenue_2024["issuer"] == "ỦY BAN NHÂN DÂN TỈNH LẠNG SƠN" and revenue_2024["document_number"] == "/BC-UBND"
    assert by_period[("2026-01", "", "assigned")]["value"] == "510"
    assert by_period[("2026-01", "Tổng thu ngân sách nhà nước trên địa bàn > Thu nội địa", "value")]["value"] \
        == "783850000000"
    # A figure printed over a line break ("397.000 lượt\nkhách" or the like) is one line in its cell.
    assert all(r["text"] == " ".join(r["text"].split()) for r in rows)
    assert to_csv(two_months, bom=True).startswith("\ufeff")


def test_parquet_holds_the_same_rows_as_the_csv(two_months: list[Result], tmp_path: Path) -> None:
    table = pq.read_table(io.BytesIO(to_parquet(two_months)))
    rows = list(csv.DictReader(io.StringIO(to_csv(two_months))))
    assert table.column_names == FIGURE_COLUMNS and table.num_rows == len(rows)
    assert str(table.schema.field("start").type) == "int64"
    values = {(r["period"], r["field"], r["value"]) for r in table.to_pylist()}
    assert ("2026-01", "completed", "379") in values and ("2024-01", "value", "311000") in values


def test_file_outputs_per_format(two_months: list[Result], tmp_path: Path) -> None:
    names = [r.source or "" for r in two_months]
    # jsonl and parquet hold several reports in one file; json and csv go into a folder.
    for fmt, target in (("jsonl", tmp_path / "all.jsonl"), ("parquet", tmp_path / "all.parquet")):
        outputs = Outputs(target, fmt)
        outputs.plan(names)
        for i, r in enumerate(two_months):
            outputs.report_done(i, r)
        outputs.finish(two_months)
    lines = (tmp_path / "all.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["metadata"]["period"]["year"] for line in lines] == [2026, 2024]
    assert pq.read_table(tmp_path / "all.parquet").num_rows == len(list(csv.DictReader(io.StringIO(to_csv(two_months)))))
    outputs = Outputs(tmp_path / "json", "json")
    outputs.plan(names)
    for i, r in enumerate(two_months):
        outputs.report_done(i, r)
    outputs.finish(two_months)
    assert sorted(p.name for p in (tmp_path / "json").iterdir()) == sorted([f"{Path(n).stem}.json" for n in names]
                                                                          + [MANIFEST])
    # One report into a file: rewritten after each section, so an interrupted run keeps them.
    outputs = Outputs(tmp_path / "one.json", "json")
    outputs.plan(names[:1])
    partial = two_months[0].model_copy(update={"sections": two_months[0].sections[:1]})
    outputs.section_done(0, partial)
    assert len(json.loads((tmp_path / "one.json").read_text(encoding="utf-8"))["sections"]) == 1
    outputs.report_done(0, two_months[0])
    outputs.finish(two_months[:1])
    assert json.loads((tmp_path / "one.json").read_text(encoding="utf-8"))["sections"][-1]["id"] == "II.1.6"
    assert not (tmp_path / MANIFEST).exists()
    # An existing folder takes one CSV per report even for one report: no "is a directory".
    (tmp_path / "csv").mkdir()
    outputs = Outputs(tmp_path / "csv", "csv")
    outputs.plan(names[:1])
    outputs.report_done(0, two_months[0])
    outputs.finish(two_months[:1])
    assert sorted(p.name for p in (tmp_path / "csv").iterdir()) == [MANIFEST, f"{REPORT_2026.stem}.csv"]


def test_bad_format_and_parquet_to_a_terminal_are_one_line_errors() -> None:
    with pytest.raises(ExtractorError, match="unknown format 'xml'"):
        Outputs(None, "xml")
    with pytest.raises(ExtractorError, match="parquet needs -o"):
        Outputs(None, "parquet")
    with pytest.raises(ExtractorError, match="--bom is for --format csv"):
        Outputs(None, "json", bom=True)


def test_glob_patterns_and_recursive_folders(tmp_path: Path) -> None:
    folder = _nested(tmp_path)
    (folder / ".hidden").mkdir()
    shutil.copy(REPORT_2026, folder / ".hidden" / "x.txt")
    assert len(report_files([folder], recursive=True)) == 2
    with pytest.raises(ExtractorError, match="--recursive enters its subfolders"):
        report_files([folder])
    assert len(report_files([folder / "**" / "*.txt"])) == 2
    with pytest.raises(ExtractorError, match="no .txt, .docx, .pdf report matches"):
        report_files([folder / "*.docx"])
    (folder / "a" / "notes.csv").write_text("not a report", encoding="utf-8")
    assert [p.suffix for p in report_files([folder / "**" / "*"])] == [".txt", ".txt"]


def test_version() -> None:
    run = subprocess.run([sys.executable, "-m", "extractor", "--version"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and run.stdout.strip() == "extractor 0.1.0"


def test_a_folder_run_resumes_after_the_reports_it_finished(tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    for report in (REPORT_2024, REPORT_2026):
        shutil.copy(report, folder / report.name)
    run = _extract(tmp_path, "reports", "-o", "out", "--db", "corpus.sqlite")
    assert run.returncode in (0, 1), run.stderr[-2000:]
    summary = " ".join(run.stderr.split())
    assert "total (2)" in summary and "already done" not in summary
    manifest = json.loads((tmp_path / "out" / MANIFEST).read_text(encoding="utf-8"))["reports"]
    by_name = {Path(e["source"]).name: e for e in manifest.values()}
    assert by_name[REPORT_2026.name]["sections_done"] == ["I"] and by_name[REPORT_2026.name]["records"] >= 1

    # As if the run had been killed during the 2024 report: its entry and file are not there.
    hash_2024 = next(h for h, e in manifest.items() if e["source"].endswith(REPORT_2024.name))
    del manifest[hash_2024]
    (tmp_path / "out" / MANIFEST).write_text(json.dumps({"reports": manifest}), encoding="utf-8")
    (tmp_path / "out" / f"{REPORT_2024.stem}.json").unlink()
    run = _extract(tmp_path, "reports", "-o", "out", "--db", "corpus.sqlite")
    said = " ".join(run.stderr.split())
    assert f"done {REPORT_2026.name}: already extracted (in {MANIFEST})" in said, said[-2000:]
    assert f"done {REPORT_2024.name}" not in said and "1 report already done, skipped" in said
    assert (tmp_path / "out" / f"{REPORT_2024.stem}.json").is_file()

    # Without the manifest the corpus database knows what is done.
    (tmp_path / "out" / MANIFEST).unlink()
    run = _extract(tmp_path, "reports", "-o", "out", "--db", "corpus.sqlite")
    said = " ".join(run.stderr.split())
    assert "2 reports already done, skipped" in said and "already extracted (in corpus.sqlite)" in said


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab ệĐ,;\"'\n\r\t\u2028\x0b"), max_size=30))
def test_any_name_is_one_line_in_its_csv_cell(name: str) -> None:
    result = Result(content_hash="0" * 64, metadata={}, model="m", source="r.txt", records=[Record(
        id="r1", section_id="I", chunk_id="I#1", kind="economy", type="indicator", name=name,
        figures={"value": FigureValue(text="5\nvụ", value="5", number="5", decimals=0, kind="count", start=0, end=4)})])
    text = to_csv([result])
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(text.splitlines()) == 2 == len(rows) + 1
    assert rows[0]["name"] == " ".join(name.split()) and rows[0]["text"] == "5 vụ"
