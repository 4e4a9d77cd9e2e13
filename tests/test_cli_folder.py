"""`extract FOLDER`: every report in the folder, one output each; an empty folder is one line."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from bench.replayserver import ReplayServer
from extractor.cli.writers import MANIFEST

from .conftest import NOTICE_OCR, REPORT_2026
from .test_faults import CASSETTE, MODEL


def test_a_folder_of_reports_is_extracted_report_by_report(tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    for report in (REPORT_2026, NOTICE_OCR):
        shutil.copy(report, folder / report.name)
    (folder / "notes.csv").write_text("not a report", encoding="utf-8")
    (folder / "older").mkdir()  # subfolders are not entered
    shutil.copy(REPORT_2026, folder / "older" / "copy.txt")
    with ReplayServer([CASSETTE], fallback=True) as server:
        run = subprocess.run([sys.executable, "-m", "extractor", "extract", str(folder), "--sections", "1",
                              "--base-url", server.base_url, "--model", MODEL, "--store", str(tmp_path / "r.db"),
                              "--cache-dir", str(tmp_path / "cache"), "-o", str(tmp_path / "out")],
                             capture_output=True, text=True, timeout=120)
    # "1" is a section of the notice only: the report without it is skipped, with a line that says so.
    assert run.returncode == 0, run.stderr[-2000:]
    assert f"skipped {REPORT_2026.name}: no section 1" in " ".join(run.stderr.split())
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted([f"{NOTICE_OCR.stem}.json", MANIFEST])

    with ReplayServer([CASSETTE], fallback=True) as server:
        run = subprocess.run([sys.executable, "-m", "extractor", "extract", str(folder), "--base-url", server.base_url,
                              "--model", MODEL, "--store", str(tmp_path / "r.db"), "--cache-dir",
                              str(tmp_path / "cache"), "-o", str(tmp_path / "out")],
                             capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]  # the stand-in answers every piece (recorded or fallback)
    written = sorted(p.name for p in (tmp_path / "out").iterdir() if p.name != MANIFEST)
    assert written == sorted(f"{r.stem}.json" for r in (REPORT_2026, NOTICE_OCR)), run.stderr[-2000:]
    for name in written:
        result = json.loads((tmp_path / "out" / name).read_text(encoding="utf-8"))
        assert result["source"].endswith(name.replace(".json", ".txt")) and result["sections"]


def test_a_folder_without_reports_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    run = subprocess.run([sys.executable, "-m", "extractor", "extract", str(tmp_path / "empty")],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and run.stderr.count("\n") == 1 and "no .txt, .docx, .pdf report" in run.stderr
