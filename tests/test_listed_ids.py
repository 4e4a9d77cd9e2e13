"""The embedded model may refer only to the piece's listed figures that fit a field; a --base-url
endpoint gets the reply schema as before (the cassettes match on that body byte for byte).

The small model fills a percent field with the id of a count ("n3 = 04 hợp tác xã") or of a
figure the piece does not list; each such reply failed validation and cost a re-ask (six of the
eight pieces asked in a whole-report run, bench/README.md). With an enum of the fitting ids in the
schema llama.cpp's server constrains the reply by, such a reply cannot be generated."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import BaseModel

from extractor.document.report import Document
from extractor.extraction.chunking import chunk_section
from extractor.extraction.prompting import render_messages
from extractor.extraction.records import FigureResolver
from extractor.kinds import kind_of, reply_model
from extractor.llm import localmodel
from extractor.llm.backend import Backend, BackendOptions
from extractor.llm.client import LLMClient, LLMConfig, json_schema_of

COMPLETION = {"id": "1", "object": "chat.completion", "created": 0, "model": "m",
              "choices": [{"index": 0, "finish_reason": "stop",
                           "message": {"role": "assistant", "content": '{"indicators": []}'}}],
              "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}


def sent_body(config: LLMConfig, model: type[BaseModel], messages: list[dict[str, str]],
              context: dict[str, Any]) -> dict[str, Any]:
    sent: list[dict[str, Any]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        return httpx.Response(200, json=COMPLETION)

    LLMClient(config, http_client=httpx.Client(transport=httpx.MockTransport(answer))).complete(model, messages, context)
    [body] = sent
    return body


def properties(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every property of the schema and of its $defs, as "Model.field" (the reply model's as ".field")."""
    found = {f".{name}": prop for name, prop in schema.get("properties", {}).items()}
    for model, node in schema.get("$defs", {}).items():
        found.update({f"{model}.{name}": prop for name, prop in node.get("properties", {}).items()})
    return found


def test_the_embedded_model_may_refer_only_to_listed_figures_that_fit(report_2026: Document) -> None:
    section = report_2026.section("II.1.6")  # the budget: amounts and percentages in one piece
    chunk = chunk_section(report_2026, section)[0]
    kind = kind_of(report_2026, section)
    model = reply_model(kind)
    resolver = FigureResolver(chunk)
    context = {"check_figure": resolver.check, "figure_ids": resolver.ids_for}
    config = LLMConfig(base_url="http://model.test/v1", model="m", max_attempts=1)
    messages = render_messages(kind, chunk)
    held = sent_body(dataclasses.replace(config, listed_ids_only=True), model, messages, context)
    plain = sent_body(config, model, messages, context)
    assert held["messages"] == plain["messages"]  # the prompt (and so the server's prefix reuse) is unchanged
    assert plain["response_format"] == {"type": "json_object", "schema": json_schema_of(model)}

    kinds = {fid: fig.mention.kind for fid, fig in chunk.listed()}
    percents = [fid for fid, k in kinds.items() if k == "percent"]
    assert percents and set(kinds) - set(percents)  # the piece lists both
    props = properties(held["response_format"]["schema"])
    percent_fields = [p for p in props.values() if "listed percentage" in p.get("description", "")]
    amount_fields = [p for p in props.values() if "listed amount" in p.get("description", "")]
    assert percent_fields and amount_fields
    for prop in percent_fields:
        assert prop["anyOf"] == [{"enum": percents}, {"type": "null"}]
    for prop in amount_fields:
        allowed = set(prop["anyOf"][0]["enum"])
        assert allowed and not allowed & set(percents)
    assert props["BudgetLine.name"] == properties(json_schema_of(model))["BudgetLine.name"]  # text stays text
    # at most a record per listed figure, and a record one part fewer (its own figure is not a part)
    assert props[".indicators"]["maxItems"] == len(kinds) and "maxItems" not in plain["response_format"]["schema"]["properties"]["indicators"]
    assert props["BudgetLine.parts"]["maxItems"] == len(kinds) - 1


def test_a_reply_about_one_figure_holds_one_record_without_parts(report_2026: Document) -> None:
    [piece] = [c for c in chunk_section(report_2026, report_2026.section("II.1.5")) if "có 859 chi nhánh" in c.text]
    piece.focus = [f for f in piece.figures if f.mention.text == "859"]  # what the plan asks when the reader names the rest
    resolver = FigureResolver(piece)
    context = {"check_figure": resolver.check, "figure_ids": resolver.ids_for}
    config = LLMConfig(base_url="http://model.test/v1", model="m", max_attempts=1, listed_ids_only=True)
    props = properties(sent_body(config, reply_model("economy"), render_messages("economy", piece), context)["response_format"]["schema"])
    assert props[".indicators"]["maxItems"] == 1
    assert props["Indicator.value"]["anyOf"] == [{"enum": ["n1"]}, {"type": "null"}]
    # what the piece leaves nothing for is not written at all: no part (a record holds the one
    # figure), no percentage field (the piece lists none); the other labels stay
    indicator = {name.split(".", 1)[1] for name in props if name.startswith("Indicator.")}
    assert indicator == {"name", "value", "period", "change_direction", "parts_complete"}



def test_only_the_embedded_model_is_held_to_listed_ids(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXTRACTOR_CONFIG", str(tmp_path / "none.toml"))
    for name in ("OPENAI_BASE_URL", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)

    class Started:  # a LocalServer that starts nothing: what matters is the client built for it
        base_url, model = "http://127.0.0.1:9/v1", localmodel.MODEL_ID

        def __init__(self, *args: object, **kwargs: object) -> None:
            pass

        def __enter__(self) -> "Started":
            return self

        def __exit__(self, *exc: object) -> None:
            pass

    monkeypatch.setattr(localmodel, "LocalServer", Started)
    model = tmp_path / "model.gguf"
    model.write_bytes(b"GGUF")
    with Backend(BackendOptions(model_path=model)) as embedded:
        assert embedded._open().config.listed_ids_only is True
    with Backend(BackendOptions(base_url="http://127.0.0.1:9/v1", model="m")) as remote:
        assert remote._open().config.listed_ids_only is False
