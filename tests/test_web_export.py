"""`extractor export-html` and the review commands' options, through the CLI as a user runs them."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from extractor.cli.commands import app
from extractor.document.report import Document
from extractor.review.store import ReviewStore

from .reviewdata import build_store

cli = CliRunner()


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """The installed command as a user runs it: errors are one line on stderr and exit code 2."""
    return subprocess.run([sys.executable, "-m", "extractor", *args], capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Document, Path]:
    """The review store, the 2026 report, and its kept result written out as `extract` would."""
    directory = tmp_path_factory.mktemp("export")
    store_path, report, _ = build_store(directory)
    result = ReviewStore(store_path).result(report.content_hash)
    result_file = directory / "lang-son-2026-01.json"
    result_file.write_text(result.model_dump_json(), encoding="utf-8")  # type: ignore[union-attr]
    return store_path, report, result_file


def test_export_html_writes_one_self_contained_file_with_every_figure_marked(built: tuple[Path, Document, Path],
                                                                            tmp_path: Path) -> None:
    store_path, report, result_file = built
    out = tmp_path / "report.html"
    done = cli.invoke(app, ["export-html", str(result_file), "-o", str(out)])
    assert done.exit_code == 0, done.output
    html = out.read_text(encoding="utf-8")
    # Nothing to fetch: no external style sheet, script, image or font, no link to a server page.
    assert not re.search(r'<link|<script[^>]+src=|<img|@import|url\(|href="/|src="', html)
    assert "http://" not in html and "https://" not in html
    result = ReviewStore(store_path).result(report.content_hash)
    extracted = {s.id for s in result.sections}
    marked = {int(s) for s in re.findall(r'<mark class="fig-[a-z]+" [^>]*data-start="(\d+)"', html)}
    assert marked == {f.mention.start for f in report.figures if f.section_id in extracted}
    # Every check listed beside the text, and each checked figure links to its check.
    assert len(re.findall(r'<li id="check-\d+"', html)) == len(result.checks)
    [failed] = [n for n, c in enumerate(result.checks) if c.status == "fail"]
    assert f'href="#check-{failed}"' in html and result.checks[failed].expression in html
    assert "Năm 2026 là năm đầu thực hiện" in html  # the report's whole text, not only the extracted part


def test_export_html_shows_reviewers_decisions_from_a_store(built: tuple[Path, Document, Path], tmp_path: Path) -> None:
    store_path, report, result_file = built
    copy = tmp_path / "review.sqlite3"
    copy.write_bytes(store_path.read_bytes())
    [item] = [i for i in ReviewStore(copy).items(content_hash=report.content_hash) if i.rule == "change"]  # 402 vs 389
    assert cli.invoke(app, ["review", "correct", str(item.id), "previous_value=416", "--note", "cùng kỳ là 416",
                            "--reviewer", "minh", "--store", str(copy)]).exit_code == 0
    out = tmp_path / "report.html"
    done = cli.invoke(app, ["export-html", str(result_file), "-o", str(out), "--store", str(copy), "--lang", "en"])
    assert done.exit_code == 0, done.output
    html = out.read_text(encoding="utf-8")
    assert '<html lang="en">' in html
    assert re.search(r'class="status-corrected">corrected</span> by minh — “cùng kỳ là 416” \(previous_value → 416\)',
                     html)


def test_export_html_refuses_a_changed_report_in_one_line(built: tuple[Path, Document, Path], tmp_path: Path) -> None:
    _, report, result_file = built
    changed = tmp_path / "changed.txt"
    changed.write_text(report.text.replace("402 người", "403 người"), encoding="utf-8")
    done = run("export-html", str(result_file), "-o", str(tmp_path / "x.html"), "--source", str(changed))
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "has changed since it was extracted" in done.stderr
    assert not (tmp_path / "x.html").exists()


def test_review_show_json_carries_the_corrected_value(built: tuple[Path, Document, Path], tmp_path: Path) -> None:
    store_path, _, _ = built
    copy = tmp_path / "review.sqlite3"
    copy.write_bytes(store_path.read_bytes())
    [item] = [i for i in ReviewStore(copy).items() if "402 vs 389" in i.expression]
    cli.invoke(app, ["review", "correct", str(item.id), "previous_value=416", "--note", "cùng kỳ là 416",
                     "--store", str(copy)])
    shown = json.loads(cli.invoke(app, ["review", "show", str(item.id), "--json", "--store", str(copy)]).stdout)
    assert shown["status"] == "corrected" and shown["note"] == "cùng kỳ là 416"
    assert {f["role"]: f["corrected_value"] for f in shown["figures"]} == \
        {"value": None, "previous_value": "416", "change_percent": None}
    assert shown["passage"][item.check.figures[0].start - shown["passage_start"]:].startswith(item.check.figures[0].text)
    text = cli.invoke(app, ["review", "show", str(item.id), "--store", str(copy)], env={"COLUMNS": "200"}).stdout
    assert "previous_value: '389 người' = 389 at" in text and "→ corrected to 416" in text


def test_review_list_filters_by_report_and_severity(built: tuple[Path, Document, Path]) -> None:
    store_path, report, _ = built

    def listed(*options: str) -> list[str]:
        done = cli.invoke(app, ["review", "list", "--json", "--store", str(store_path), *options])
        assert done.exit_code == 0, done.output
        return [i["expression"][:9] for i in json.loads(done.stdout)]

    assert len(listed()) == 3
    assert listed("--report", report.content_hash[:8]) == ["44 / 65 =", "402 vs 38"]
    assert listed("--report", "markup.txt") == ["52 vs 50:"]
    assert listed("--report", "elsewhere.txt") == []
    assert listed("--severity", "warning") == ["44 / 65 ="]  # truncated, not rounded: a warning
    assert listed("--severity", "error") == ["402 vs 38", "52 vs 50:"]
    bad = run("review", "list", "--severity", "loud", "--store", str(store_path))
    assert bad.returncode == 2 and "unknown severity 'loud'" in bad.stderr


def test_a_store_that_is_not_there_is_an_error_unless_asked_to_create_it(tmp_path: Path) -> None:
    missing = tmp_path / "typo" / "review.sqlite3"
    for command in (["review", "list"], ["review", "show", "1"], ["review", "approve", "1"],
                    ["review", "serve", "--port", "1"]):
        done = run(*command, "--store", str(missing))
        assert done.returncode == 2 and done.stdout == "", (command, done.stderr)
        assert done.stderr.count("\n") == 1 and f"{missing}: no review store there" in done.stderr
    assert not missing.parent.exists()  # nothing created, not even the folder
