"""The live progress of `extract`, rendered into an 80-column console."""
from __future__ import annotations

import io
import re
from pathlib import Path

from rich.console import Console

from extractor.cli.extract_files import run_files
from extractor.cli.writers import Outputs
from extractor.document.report import load_document
from extractor.extraction.engine import Extractor

from .conftest import REPORT_2024, REPORT_2026
from .fakemodel import ScriptedModel, month_2026_01

ITEM = re.compile(r"^(?:\d+ failed|\d+ cached|\d+k? tokens|\d+/\d+ sections|reader only)$")


def _progress_lines(backend: object, sections: list[str] | None, tmp_path: Path, width: int = 80) -> list[str]:
    console = Console(width=width, record=True, file=io.StringIO(), color_system=None)
    run_files([REPORT_2026, REPORT_2024], backend=backend, cache=None, outputs=Outputs(output=tmp_path / "out"),
              sections=sections, concurrency=1, token_budget=None, console=console)
    return [line.rstrip() for line in console.export_text().splitlines() if "━" in line]


def _planned(sections: list[str] | None, pieces: bool) -> list[int]:
    engine = Extractor(None, model="none", mode="none", use_model=False)
    sizes = []
    for path in (REPORT_2026, REPORT_2024):
        jobs = engine.plan(load_document(path), sections)
        sizes.append(sum(len(j.chunks) for j in jobs) if pieces else len(jobs))
    return sizes


def _tail(line: str) -> list[str]:
    """The counters after the time column, as items."""
    after = re.split(r"\d+:\d\d ", line, maxsplit=1)[1] if re.search(r"\d+:\d\d ", line) else ""
    return [item.strip() for item in after.split(" · ") if item.strip()]


def test_progress_counts_reports_and_pieces_and_fits_80_columns(tmp_path: Path) -> None:
    sections = ["I", "II.1.3"]
    lines = _progress_lines(ScriptedModel(month_2026_01()), sections, tmp_path)
    pieces = _planned(sections, pieces=True)
    assert len(lines) == 3 and all(len(line) <= 80 for line in lines)
    assert lines[0].startswith("reports 2/2") and f"{sum(pieces)}/{sum(pieces)} pieces" in lines[0]
    assert lines[1].startswith("lang-son-2026-01-repo…") and f"{pieces[0]}/{pieces[0]} pieces" in lines[1]
    assert lines[2].startswith("lang-son-2024-01-repo…") and f"{pieces[1]}/{pieces[1]} pieces" in lines[2]
    for line in lines[1:]:  # the counters are whole words: the ones that do not fit are left out
        items = _tail(line)
        assert items and all(ITEM.match(item) for item in items), line
    assert "2/2 sections" in lines[1]


def test_without_a_model_the_line_counts_the_sections_read(tmp_path: Path) -> None:
    lines = _progress_lines(None, None, tmp_path)
    sections = _planned(None, pieces=False)
    assert all(len(line) <= 80 for line in lines) and "chunks" not in "".join(lines)
    assert f"{sections[0]}/{sections[0]} sections" in lines[1] and _tail(lines[1]) == ["reader only"]
    assert f"{sum(sections)}/{sum(sections)} sections" in lines[0]
    wide = _progress_lines(ScriptedModel(month_2026_01()), ["I"], tmp_path / "wide", width=120)
    assert all(len(line) <= 120 for line in wide) and "1/1 sections" in wide[1]
