"""Grounding reads a figure exactly as the document's number inventory does (footnote markers
included), and a run's output never depends on whether the cache was warm."""
from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from extractor.checks.records import make_check
from extractor.checks.text import check_grounding
from extractor.document.report import Document, Figure
from extractor.extraction import engine as engine_module
from extractor.extraction.cache import ResultCache
from extractor.extraction.engine import Extractor, Job
from extractor.llm.client import LLMClient, LLMConfig
from extractor.output.figures import figure_value
from extractor.output.result import Record, Result
from extractor.reading.reader import is_reader_record


def model_records(result: Result) -> list[Record]:
    """What the model's replies gave (the reader's own records are beside them)."""
    return [r for r in result.records if not is_reader_record(r)]

def figure_at(doc: Document, printed: str) -> Figure:
    start = doc.text.index(printed)
    [fig] = [f for f in doc.figures if f.mention.start == start]
    return fig


def record_of(fig: Figure, **changes: str) -> Record:
    return Record(id="r", section_id=fig.section_id or "", chunk_id="c", kind="economy", type="indicator",
                  figures={"value": figure_value(fig).model_copy(update=changes)})


@pytest.mark.parametrize("report, printed, value", [
    ("report_2026", "339 đề tài", "33"),    # 33 and footnote marker 9
    ("report_2024", "5312 đề tài", "53"),   # 53 and footnote marker 12
])
def test_a_figure_glued_to_its_footnote_marker_is_grounded_as_the_inventory_reads_it(
        report: str, printed: str, value: str, request: pytest.FixtureRequest) -> None:
    doc = request.getfixturevalue(report)
    fig = figure_at(doc, printed)
    assert fig.mention.text == printed and str(fig.mention.value) == value
    assert check_grounding(doc, [record_of(fig)], doc.content_hash) == []
    # A value read from the raw digits, marker and all, is not the document's reading.
    [check] = check_grounding(doc, [record_of(fig, value=printed.split()[0])], doc.content_hash)
    assert check.status == "fail" and check.message.endswith(f"= {value} đề tài, not {printed.split()[0]}")


def test_grounding_agrees_with_the_inventory_wherever_a_marker_was_placed(report_2024: Document) -> None:
    """Whatever the layout made of "03 xã" next to marker 3, grounding takes the same reading."""
    fig = figure_at(report_2024, "03 xã đạt chuẩn")
    assert check_grounding(report_2024, [record_of(fig)], report_2024.content_hash) == []


def _answering(reply: dict) -> tuple[LLMClient, list[dict]]:
    sent: list[dict] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        return httpx.Response(200, json={
            "id": "1", "object": "chat.completion", "created": 0, "model": "m",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": json.dumps(reply, ensure_ascii=False)}}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}})

    config = LLMConfig(base_url="http://model.test/v1", model="m", max_attempts=1)
    return LLMClient(config, http_client=httpx.Client(transport=httpx.MockTransport(answer))), sent


def _piece_with(doc: Document, printed: str) -> list[Job]:
    engine = Extractor(None, model="m", mode="json", ask_all=True)  # the reader may settle the piece: ask it
    return [Job(j.section, j.kind, [c for c in j.chunks if printed in [f.mention.text for f in c.figures]])
            for j in engine.plan(doc) if any(printed in [f.mention.text for f in c.figures] for c in j.chunks)]


def _run(doc: Document, jobs: list[Job], client: LLMClient, cache_dir: Path) -> Result:
    return Extractor(client, model="m", mode="json", cache=ResultCache(cache_dir)).run(doc, jobs)


@pytest.mark.parametrize("ref", ["n1", "339 đề tài", "339"])
def test_a_correct_answer_about_a_marked_figure_is_kept_cold_and_warm(report_2026: Document, tmp_path: Path,
                                                                      ref: str) -> None:
    jobs = _piece_with(report_2026, "339 đề tài")
    [job] = jobs
    assert [c.figures[0].mention.text for c in job.chunks] == ["339 đề tài"]
    client, sent = _answering({"indicators": [{"name": "đề tài, dự án nghiên cứu khoa học", "value": ref}]})
    cold = _run(report_2026, jobs, client, tmp_path)
    warm = _run(report_2026, jobs, client, tmp_path)
    assert len(sent) == 1 and warm.usage.cache_hits == 1
    assert cold.sections[0].status == "extracted" and warm.sections[0].status == "cached"
    [record] = model_records(cold)
    assert (record.figures["value"].text, record.figures["value"].value) == ("339 đề tài", "33")
    assert [r.model_dump() for r in warm.records] == [r.model_dump() for r in cold.records]


def test_a_piece_that_fails_grounding_keeps_nothing_cold_or_warm(report_2026: Document, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    jobs = _piece_with(report_2026, "339 đề tài")
    client, sent = _answering({"indicators": [{"name": "đề tài", "value": "n1"}]})

    def nothing_grounded(doc: Document, records: list[Record], content_hash: str) -> list:
        return [make_check(content_hash, "grounding", "fail", "value: not in the text", [], section_id=None,
                           category="extraction")
                for _ in records]

    with monkeypatch.context() as patched:
        patched.setattr(engine_module, "check_grounding", nothing_grounded)
        cold = _run(report_2026, jobs, client, tmp_path)
    warm = _run(report_2026, jobs, client, tmp_path)
    assert len(sent) == 1 and warm.usage.cache_hits == 1
    assert model_records(cold) == model_records(warm) == []
    assert cold.sections[0].status == warm.sections[0].status == "failed"
    piece = jobs[0].chunks[0].id
    assert cold.sections[0].errors == warm.sections[0].errors == [f"{piece}: ungrounded: value: not in the text"]
