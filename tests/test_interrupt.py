"""Ctrl+C can land anywhere in the engine's loop, even while a section whose pieces were all
answered is being finished (checked, merged with the reader's records, written). That section
must still be in the result: what was answered is never lost (README, "Interrupting a run")."""
from __future__ import annotations

from typing import Any

import pytest

from extractor.document.report import Document
from extractor.extraction import engine as engine_module
from extractor.extraction.engine import INTERRUPTED, Extractor
from extractor.reading.reader import is_reader_record

from .fakemodel import Passage, ScriptedModel

TASKS = Passage("510 nhiệm vụ", {"tasks": {"assigned": "510 nhiệm vụ", "completed": "379 nhiệm vụ",
                                           "completed_on_time": "354 nhiệm vụ", "completed_late": "25 nhiệm vụ",
                                           "pending": "131 nhiệm vụ"}})


def test_ctrl_c_while_a_section_is_finished_keeps_that_section(report_2026: Document,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    model = ScriptedModel([TASKS])
    engine = Extractor(model, model=model.model, mode=model.mode, ask_all=True)  # type: ignore[arg-type]
    jobs = engine.plan(report_2026, ["I", "II.1.1"])
    checked: list[str] = []
    validate = engine_module.validate_section

    def interrupted_once(doc: Document, section_id: str, records: Any) -> Any:
        checked.append(section_id)
        if len(checked) == 1:
            raise KeyboardInterrupt  # as if Ctrl+C arrived while section I was being checked
        return validate(doc, section_id, records)

    monkeypatch.setattr(engine_module, "validate_section", interrupted_once)
    result = engine.run(report_2026, jobs)
    assert engine.interrupted and checked[:2] == ["I", "I"]  # finished again after the interrupt
    section_i = next(s for s in result.sections if s.id == "I")
    assert section_i.status == "extracted" and section_i.failed_chunks == 0
    [tasks] = [r for r in result.records if r.type == "tasks" and not is_reader_record(r)]  # the model's answer
    assert {f: v.text for f, v in tasks.figures.items() if v} == {
        "assigned": "510 nhiệm vụ", "completed": "379 nhiệm vụ", "completed_on_time": "354 nhiệm vụ",
        "completed_late": "25 nhiệm vụ", "pending": "131 nhiệm vụ"}
    assert any(c.rule == "identity" for c in result.checks if c.section_id == "I")
    # the section after it is in the result too, its unsent pieces said to be interrupted
    later = next(s for s in result.sections if s.id == "II.1.1")
    assert later.failed_chunks and all(INTERRUPTED in e for e in later.errors)
    assert result.usage.requests == model.calls
