"""The inspection commands on the sample reports: `numbers`, `info` and `cache` (stats, clear)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from extractor.cli.commands import app
from extractor.document.report import Document

from .chatserver import ChatServer
from .conftest import NOTICE_OCR, REPORT_2024, REPORT_2026

cli = CliRunner()


def run(*args: str) -> str:
    result = cli.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def one_line_error(*args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run([sys.executable, "-m", "extractor", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})})
    assert done.returncode == 2 and done.stderr.startswith("error: ") and done.stderr.count("\n") == 1, done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    return done.stderr


def test_numbers_reads_vietnamese_numerals_at_their_offsets(report_2026: Document) -> None:
    figures = json.loads(run("numbers", str(REPORT_2026), "--json"))
    by_start = {f["start"]: f for f in figures}
    revenue = by_start[report_2026.text.index("2.828,46 tỷ đồng")]
    assert (revenue["text"], revenue["number"], revenue["decimals"], revenue["scale"], revenue["unit"]) == (
        "2.828,46 tỷ đồng", "2828.46", 2, "tỷ", "đồng")
    assert revenue["value"] == "2828460000000" and revenue["section_id"] == "II.1.6"
    spending = by_start[report_2026.text.index("809.338 triệu đồng")]
    assert (spending["number"], spending["value"]) == ("809338", "809338000000")  # '.' groups thousands
    topics = by_start[report_2026.text.index("339 đề tài")]
    assert (topics["text"], topics["number"]) == ("339 đề tài", "33")  # 33 and the footnote marker 9
    decree = report_2026.text.index("339/2025/NĐ-CP")
    assert not any(f["start"] <= decree < f["end"] for f in figures)  # a document number is no figure
    for f in figures:
        assert " ".join(report_2026.text[f["start"]:f["end"]].split()) == " ".join(f["text"].split())


def test_numbers_of_one_section_as_a_table(report_2026: Document) -> None:
    listed = json.loads(run("numbers", str(REPORT_2026), "--json", "--section", "II.1.6"))
    assert listed and {f["section_id"] for f in listed} == {"II.1.6"}
    everything = json.loads(run("numbers", str(REPORT_2026), "--json"))
    assert listed == [f for f in everything if f["section_id"] == "II.1.6"]
    table = run("numbers", str(REPORT_2026), "--section", "II.1.6")
    start = report_2026.text.index("2.828,46 tỷ đồng")
    assert f"{len(listed)} numeric mentions" in table
    assert "2828460000000" in table and f"{start}–{start + len('2.828,46 tỷ đồng')}" in table
    assert "no section 'II.9'" in one_line_error("numbers", str(REPORT_2026), "--section", "II.9")


def test_info_reads_the_header_of_each_kind_of_report() -> None:
    report = json.loads(run("info", str(REPORT_2024), "--json"))
    assert (report["issuer"], report["doc_type"], report["place"]) == ("ỦY BAN NHÂN DÂN TỈNH LẠNG SƠN", "báo cáo",
                                                                       "Lạng Sơn")
    assert report["title"] == "Tình hình kinh tế - xã hội tháng 01, nhiệm vụ trọng tâm tháng 02 năm 2024"
    assert (report["period"]["month"], report["period"]["year"]) == (1, 2024)
    notice = json.loads(run("info", str(NOTICE_OCR), "--json"))  # OCR'd: read on the folded text
    assert (notice["number"], notice["date"], notice["doc_type"]) == ("26/TB-UBND", "2026-01-27", "thông báo kết luận")
    assert notice["recipients"][0] == "Thuong truc Tinh uy;" and notice["signature"] == ["TL CHU TICH"]
    table = run("info", str(REPORT_2024))
    assert "ỦY BAN NHÂN DÂN TỈNH LẠNG SƠN" in table and '"year": 2024' in table


def test_info_of_a_report_without_its_header(report_2026: Document) -> None:
    data = json.loads(run("info", str(REPORT_2026), "--json"))
    assert (data["issuer"], data["number"], data["title"]) == (None, None, None)  # the sample starts at section I
    assert (data["period"]["month"], data["period"]["year"]) == (1, 2026)
    assert data["content_hash"] == report_2026.content_hash


def answer(body: dict[str, Any]) -> dict[str, Any]:
    return {}


def extract(tmp_path: Path, cache: Path, server: ChatServer) -> dict[str, Any]:
    out = tmp_path / "out.json"
    run("extract", str(REPORT_2026), "--sections", "I", "--ask-all", "--base-url", server.base_url, "--model", "m",
        "--cache-dir", str(cache), "--store", str(tmp_path / "review.sqlite3"), "-o", str(out))
    return json.loads(out.read_text(encoding="utf-8"))


def test_cache_stats_and_clear_on_a_real_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXTRACTOR_CONFIG", str(tmp_path / "none.toml"))
    cache = tmp_path / "cache"
    with ChatServer(answer) as server:
        first = extract(tmp_path, cache, server)
        pieces = first["sections"][0]["chunks"]
        assert len(server.requests) == pieces > 1
        stats = json.loads(run("cache", "stats", "--cache-dir", str(cache), "--json"))
        assert (stats["entries"], stats["directory"]) == (pieces, str(cache)) and stats["bytes"] > 0
        assert run("cache", "stats", "--cache-dir", str(cache)).split() == \
            f"{pieces} entries, {stats['bytes']:,} bytes in {cache}".split()
        assert extract(tmp_path, cache, server)["usage"]["cache_hits"] == pieces and len(server.requests) == pieces
        assert run("cache", "clear", "--cache-dir", str(cache)).strip() == f"removed {pieces} entries"
        assert json.loads(run("cache", "stats", "--cache-dir", str(cache), "--json"))["entries"] == 0
        again = extract(tmp_path, cache, server)  # nothing left to answer from: every piece is asked again
        assert again["usage"]["cache_hits"] == 0 and len(server.requests) == 2 * pieces


def test_cache_commands_on_a_path_that_is_no_cache(tmp_path: Path) -> None:
    a_file = tmp_path / "not-a-dir"
    a_file.write_text("x")
    for command in ("stats", "clear"):
        assert str(a_file) in one_line_error("cache", command, "--cache-dir", str(a_file))


def test_cache_commands_never_make_a_cache_by_looking(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    typo = tmp_path / "cahce"
    for command in ("stats", "clear"):
        assert one_line_error("cache", command, "--cache-dir", str(typo)) == f"error: {typo}: no cache there\n"
    assert not typo.exists()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "fresh"))  # the default cache, not made yet
    stats = json.loads(run("cache", "stats", "--json"))
    assert (stats["entries"], stats["bytes"]) == (0, 0) and stats["directory"].startswith(str(tmp_path / "fresh"))
    assert run("cache", "clear").strip() == "removed 0 entries" and not (tmp_path / "fresh").exists()
