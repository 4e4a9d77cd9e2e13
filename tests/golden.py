"""Golden files for the cassette tests: what each recording yields, read and judged by a person.

A cassette test pins every record the engine builds from its recording, and each section's
status and errors, against `tests/golden/<test>.json`. Each pinned record carries a verdict a
person gave after reading the report text: "right", or "wrong" with why (the small model's
known-wrong readings). So a better prompt or model shows up as a diff here, never silently.

After a deliberate change (a new prompt, a re-recorded cassette), rewrite the files with

    EXTRACTOR_UPDATE_GOLDEN=1 python -m pytest tests/test_cassettes.py

then read the diff: a record that changed loses its verdict ("unreviewed"), and the tests fail
until a person has judged it again.
"""
from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

from extractor.output.result import Record, Result
from extractor.reading.reader import is_reader_record

GOLDEN = Path(__file__).parent / "golden"
UNREVIEWED = "unreviewed"


def pin_record(rec: Record) -> dict[str, Any]:
    """A record as a person reads it: each figure as printed and where, its labels and parts."""
    pinned: dict[str, Any] = {"chunk": rec.chunk_id, "type": rec.type}
    if rec.name is not None:
        pinned["name"] = rec.name
    pinned["figures"] = {field: f"{fig.text} @{fig.start}" for field, fig in rec.figures.items() if fig}
    if rec.labels:
        pinned["labels"] = rec.labels
    if rec.parts:
        pinned["parts"] = [pin_record(p) for p in rec.parts]
    if rec.parts_complete is not None:
        pinned["parts_complete"] = rec.parts_complete
    if rec.issues:
        pinned["issues"] = [f"{i.field}: {i.problem}" for i in rec.issues]
    return pinned


def pin_result(result: Result) -> dict[str, Any]:
    return {
        "sections": [{"id": s.id, "status": s.status, "chunks": s.chunks, "failed_chunks": s.failed_chunks,
                      "errors": [_reason(e) for e in s.errors]} for s in result.sections],
        "records": [pin_record(r) for r in result.records if not is_reader_record(r)],  # the model's only
    }


def _reason(error: str) -> str:
    """A piece's error without the validator's detail (its wording and links change with pydantic)."""
    return error.split(" <failed_attempts>")[0]


def assert_matches_golden(name: str, result: Result) -> dict[str, Any]:
    """Compare `result` with the reviewed golden file `name`; returns the golden file."""
    path = GOLDEN / f"{name}.json"
    pinned = pin_result(result)
    if os.environ.get("EXTRACTOR_UPDATE_GOLDEN"):
        _rewrite(path, pinned)
    golden = json.loads(path.read_text(encoding="utf-8"))
    assert pinned["sections"] == golden["sections"]
    assert pinned["records"] == [entry["record"] for entry in golden["records"]]
    unjudged = [e["record"] for e in golden["records"] if e["verdict"] == UNREVIEWED]
    assert not unjudged, f"{path.name}: records nobody has judged yet: {unjudged}"
    return golden


def verdicts(golden: dict[str, Any]) -> Counter[str]:
    return Counter(entry["verdict"] for entry in golden["records"])


def known_wrong(golden: dict[str, Any]) -> list[str]:
    """Why each wrong reading is wrong, as the reviewer wrote it."""
    return [entry["why"] for entry in golden["records"] if entry["verdict"] == "wrong"]


def _rewrite(path: Path, pinned: dict[str, Any]) -> None:
    """Keep the verdict of every record that did not change; the rest await a person."""
    old = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {"records": []}
    judged = {json.dumps(e["record"], sort_keys=True): e for e in old["records"]}
    entries = []
    for rec in pinned["records"]:
        entry = judged.get(json.dumps(rec, sort_keys=True))
        entries.append(entry if entry else {"record": rec, "verdict": UNREVIEWED})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"sections": pinned["sections"], "records": entries}, ensure_ascii=False, indent=1)
                    + "\n", encoding="utf-8")
