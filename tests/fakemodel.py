"""A stand-in for `LLMClient` that answers with replies written by hand from the report text.

Each `Passage` names words of the report (its anchor) and the reply a reader writes for the
piece holding them, pointing at figures as printed ("510 nhiệm vụ"). The engine resolves and
checks those references exactly as it does a model's, so the results are real engine results:
values, offsets and checks come from our parser and validator, never from this file.

`month_2026_01` and `month_2024_01` are replies read from the two sample monthly reports;
`february_2026` makes a copy of the 2026 report as the next month's, figures changed, with the
replies that go with it.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from extractor.document.report import load_document
from extractor.document.text import collapse_ws
from extractor.extraction.engine import Extractor
from extractor.llm.client import Usage
from extractor.output.result import Result


@dataclass(frozen=True)
class Passage:
    anchor: str
    reply: dict[str, Any]


class ScriptedModel:
    """`complete()` like `LLMClient`: the reply of every passage whose anchor is in the piece
    (merged), or the empty reply. A passage cut over two pieces answers, in each, with what
    that piece prints (a part whose number is in the next piece is left to it)."""

    model = "scripted"
    mode = "json"

    def __init__(self, passages: list[Passage]) -> None:
        self.passages = passages
        self.calls = 0

    def complete(self, response_model: type[BaseModel], messages: list[dict[str, str]],
                 context: dict[str, Any] | None = None) -> tuple[BaseModel, Usage]:
        self.calls += 1
        piece = collapse_ws(messages[-1]["content"])
        reply: dict[str, Any] = {}
        for passage in self.passages:
            if passage.anchor in piece and set(passage.reply) <= set(response_model.model_fields):
                for key, value in _printed_in(passage.reply, piece).items():
                    if isinstance(value, list):
                        reply.setdefault(key, []).extend(value)
                    else:
                        reply[key] = value
        return response_model.model_validate(reply, context=context), Usage(requests=1)


def _printed_in(reply: Any, piece: str) -> Any:
    """The reply without the figures the piece does not print, and without parts left with no value."""
    if isinstance(reply, dict):
        kept = {k: _printed_in(v, piece) for k, v in reply.items()
                if not (isinstance(v, str) and any(c.isdigit() for c in v) and v not in piece)}
        return kept
    if isinstance(reply, list):
        return [_printed_in(v, piece) for v in reply
                if not isinstance(v, dict) or "value" not in v or v["value"] in piece]
    return reply


def tasks(assigned: str, completed: str, on_time: str, late: str, pending: str) -> Passage:
    return Passage("nhiệm vụ: đã hoàn thành", {"tasks": {
        "assigned": assigned, "completed": completed, "completed_on_time": on_time, "completed_late": late,
        "pending": pending}})


def budget_2026(total: str = "2.828,46 tỷ đồng") -> Passage:
    return Passage("Tổng thu ngân sách nhà nước trên địa bàn", {"indicators": [{
        "name": "Tổng thu ngân sách nhà nước trên địa bàn", "flow": "revenue", "value": total,
        "plan_percent_central": "21,15%", "plan_percent_provincial": "20,99%", "change_percent": "190,37%",
        "change_direction": "increase", "parts_complete": False, "parts": [
            {"name": "Thu nội địa", "value": "783,85 tỷ đồng", "plan_percent": "20,77%", "change_percent": "117,78%"},
            {"name": "thu từ hoạt động xuất nhập khẩu", "value": "2.043,61 tỷ đồng", "plan_percent": "21,29%",
             "change_percent": "230,86%"},
            {"name": "các khoản huy động, đóng góp", "value": "1,0 tỷ đồng"}]}]})


TOURISM_2026 = Passage("dự ước tổng lượng khách du lịch đạt", {"indicators": [{
    "name": "tổng lượng khách du lịch", "value": "397.000 lượt khách", "plan_percent": "8,4%",
    "change_percent": "13,4%", "change_direction": "increase"}]})


def month_2026_01() -> list[Passage]:
    return [tasks("510 nhiệm vụ", "379 nhiệm vụ", "354 nhiệm vụ", "25 nhiệm vụ", "131 nhiệm vụ"), budget_2026(),
            TOURISM_2026]


def month_2024_01() -> list[Passage]:
    return [
        Passage("Tổng thu ngân sách nhà nước trên địa bàn ước đạt", {"indicators": [{
            "name": "Tổng thu ngân sách nhà nước trên địa bàn", "flow": "revenue", "value": "702,1 tỷ đồng",
            "plan_percent": "9,4%", "change_percent": "69,6%", "change_direction": "increase", "parts": [
                {"name": "thu nội địa", "value": "202 tỷ đồng", "plan_percent": "8,1%", "change_percent": "7,1%"},
                {"name": "thu từ hoạt động xuất nhập khẩu", "value": "500 tỷ đồng", "plan_percent": "10%",
                 "change_percent": "155%"}]}]}),
        Passage("tổng lượng khách du lịch ước đạt", {"indicators": [{
            "name": "tổng lượng khách du lịch", "value": "311 nghìn lượt khách", "plan_percent": "7,7%",
            "change_percent": "23,9%", "change_direction": "increase"}]}),
    ]


SECTIONS = ["I", "II.1.3", "II.1.4", "II.1.6"]  # where the passages above stand in either report


def extract(report: Path, passages: list[Passage]) -> Result:
    """The engine's result for the report, read by the scripted model (no cache, no network)."""
    doc = load_document(report)
    model = ScriptedModel(passages)
    # Every piece is asked: the passages stand for a model that reads each one.
    engine = Extractor(model, model=model.model, mode=model.mode, ask_all=True)  # type: ignore[arg-type]
    return engine.run(doc, engine.plan(doc, SECTIONS))


def february_2026(source: Path, target: Path, on_time: str = "400") -> list[Passage]:
    """A copy of the January 2026 report as the next month's: the period and the task and
    revenue figures changed in the text; returns the replies for it. An `on_time` other than
    400 makes the report's own task arithmetic wrong (on time + late ≠ completed)."""
    text = source.read_text(encoding="utf-8")
    edits = {"THÁNG 01 NĂM 2026": "THÁNG 02 NĂM 2026", "tháng 01/2026": "tháng 02/2026",
             "510 nhiệm vụ": "560 nhiệm vụ", "379 nhiệm vụ": "429 nhiệm vụ", "354 nhiệm vụ": f"{on_time} nhiệm vụ",
             "25 nhiệm vụ": "29 nhiệm vụ", "2.828,46 tỷ": "3.101,20 tỷ"}
    for old, new in edits.items():
        assert old in text, old
        text = text.replace(old, new)
    target.write_text(text, encoding="utf-8")
    return [tasks("560 nhiệm vụ", "429 nhiệm vụ", f"{on_time} nhiệm vụ", "29 nhiệm vụ", "131 nhiệm vụ"),
            budget_2026("3.101,20 tỷ đồng"), TOURISM_2026]
