"""Result files edited by hand or damaged, given to the commands that read them (`validate`,
`export-html`, `corpus add`): one line and exit code 2, never a traceback."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from .conftest import REPORT_2026


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("result")
    out = tmp / "r.json"
    done = subprocess.run([sys.executable, "-m", "extractor", "extract", str(REPORT_2026), "--sections", "II.1.6",
                           "--no-model", "--store", str(tmp / "r.db"), "--cache-dir", str(tmp / "cache"),
                           "-o", str(out)],
                          capture_output=True, text=True, env={**os.environ, "EXTRACTOR_CONFIG": str(tmp / "none")})
    assert done.returncode == 0, done.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["records"] and data["records"][0]["figures"]["value"]["text"] == "2.828,46 tỷ đồng"
    return data


def figures(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for r in data["records"] for rec in (r, *r["parts"]) for f in rec["figures"].values() if f]


def as_model_records(data: dict[str, Any]) -> None:
    """Without the reader's label, records are checked as a model's (grounding included)."""
    for rec in data["records"]:
        rec["labels"].pop("source", None)


def not_a_number(data: dict[str, Any]) -> None:
    as_model_records(data)
    figures(data)[0]["value"] = "abc"


def not_finite(data: dict[str, Any]) -> None:
    figures(data)[0]["corrected_value"] = "NaN"


def unknown_section(data: dict[str, Any]) -> None:
    data["sections"][0]["id"] = "II.9"
    for rec in data["records"]:
        rec["section_id"] = "II.9"


@pytest.mark.parametrize("damage, says", [(not_a_number, "not an extractor result"),
                                          (not_finite, "not an extractor result"),
                                          (unknown_section, "section 'II.9' of the result is not a section")])
def test_a_damaged_result_is_one_line(result: dict[str, Any], tmp_path: Path,
                                      damage: Callable[[dict[str, Any]], None], says: str) -> None:
    data = json.loads(json.dumps(result))
    damage(data)
    path = tmp_path / "damaged.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    commands = [["validate", str(path)], ["export-html", str(path), "-o", str(tmp_path / "r.html")]]
    if damage is not unknown_section:  # the corpus keeps what the result says; it reads no report
        commands.append(["corpus", "add", str(path), "--db", str(tmp_path / "corpus.sqlite")])
    for command in commands:
        done = subprocess.run([sys.executable, "-m", "extractor", *command, "--store", str(tmp_path / "r.db")]
                              if command[0] != "corpus" else [sys.executable, "-m", "extractor", *command],
                              capture_output=True, text=True)
        assert "Traceback" not in done.stderr, (command, done.stderr)
        if damage is unknown_section and command[0] == "export-html":
            continue  # the page shows the report's own sections; the result's unknown one has nothing to show
        assert done.returncode == 2 and done.stderr.count("\n") == 1 and says in done.stderr, (command, done.stderr)
