"""The output's JSON Schema ships in schemas/ and stays in step with the models."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from extractor.output.result import Result

SHIPPED = Path(__file__).parent.parent / "schemas" / "result.schema.json"


def test_shipped_output_schema_matches_the_models() -> None:
    # Regenerate with: extractor schema > schemas/result.schema.json
    assert json.loads(SHIPPED.read_text(encoding="utf-8")) == Result.model_json_schema()


def test_schema_command_prints_a_kind_or_refuses() -> None:
    run = subprocess.run([sys.executable, "-m", "extractor", "schema", "direction"], capture_output=True, text=True)
    assert run.returncode == 0 and set(json.loads(run.stdout)["properties"]) == {"documents", "tasks"}
    run = subprocess.run([sys.executable, "-m", "extractor", "schema", "nope"], capture_output=True, text=True)
    assert run.returncode == 2 and run.stderr.startswith("error: unknown kind 'nope'") and run.stderr.count("\n") == 1
