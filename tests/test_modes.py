"""The instructor modes `extract --mode` accepts, each against a loopback chat server: what the
request carries, and that the reply in that mode's shape gives the same records."""
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
from extractor.kinds import reply_model
from extractor.llm.client import MODES, json_schema_of

from .chatserver import ChatServer
from .conftest import REPORT_2026

TASKS = {"tasks": {"assigned": "510 nhiệm vụ", "completed": "379 nhiệm vụ", "completed_on_time": "354 nhiệm vụ",
                   "completed_late": "25 nhiệm vụ", "pending": "131 nhiệm vụ"}}


def answer(body: dict[str, Any]) -> dict[str, Any]:
    """The task counts for the piece that prints them, nothing for the others."""
    user = " ".join(body["messages"][-1]["content"].split())
    return TASKS if "nhiệm vụ: đã hoàn thành" in user else {}


@pytest.fixture(autouse=True)
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXTRACTOR_CONFIG", str(tmp_path / "none.toml"))
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "EXTRACTOR_MODEL"):
        monkeypatch.delenv(name, raising=False)


def extract(tmp_path: Path, server: ChatServer, mode: str, cache: str = "cache") -> dict[str, Any]:
    out = tmp_path / f"{mode}.json"
    run = CliRunner().invoke(app, ["extract", str(REPORT_2026), "--sections", "I", "--base-url", server.base_url,
                                   "--model", "m", "--mode", mode, "--ask-all", "--store", str(tmp_path / "review.sqlite3"),
                                   "--cache-dir", str(tmp_path / cache), "-o", str(out)])
    assert run.exit_code == 0, run.output
    return json.loads(out.read_text(encoding="utf-8"))


def tasks_of(result: dict[str, Any]) -> dict[str, str]:
    [tasks] = [r for r in result["records"] if r["type"] == "tasks"
               and (r.get("labels") or {}).get("source") != "reader"]  # the model's, not the reader's own
    return {k: f["value"] for k, f in tasks["figures"].items() if f}


@pytest.mark.parametrize("mode", list(MODES))
def test_each_mode_sends_its_own_request_and_reads_its_reply(tmp_path: Path, mode: str) -> None:
    with ChatServer(answer, fence=mode == "md_json") as server:
        result = extract(tmp_path, server, mode)
    assert tasks_of(result) == {"assigned": "510", "completed": "379", "completed_on_time": "354",
                                "completed_late": "25", "pending": "131"}
    assert result["sections"][0]["status"] == "extracted" and result["usage"]["requests"] == len(server.requests) > 1
    schema = json_schema_of(reply_model("direction"))
    for _, body in server.requests:
        assert (body["model"], body["temperature"], body["seed"], body["max_tokens"]) == ("m", 0, 0, 1024)
        system, user = body["messages"][0]["content"], body["messages"][-1]["content"]
        assert "Use only the text given" in system and "Figures in the text:" in user
        assert "{% raw %}" not in system + user  # instructor rendered the marks away
        shape = {k for k in ("response_format", "tools", "tool_choice") if k in body}
        if mode == "json":  # the schema in response_format, as llama.cpp and vLLM constrain output with
            assert shape == {"response_format"}
            assert body["response_format"] == {"type": "json_object", "schema": schema}
        elif mode == "json_schema":
            assert shape == {"response_format"} and body["response_format"]["type"] == "json_schema"
            assert body["response_format"]["json_schema"]["schema"]["properties"] == schema["properties"]
        elif mode == "tools":
            assert shape == {"tools", "tool_choice"}
            [tool] = body["tools"]
            assert body["tool_choice"] == {"type": "function", "function": {"name": tool["function"]["name"]}}
            assert tool["function"]["parameters"]["properties"] == schema["properties"]
        else:  # md_json: nothing constrains the output; the prompt asks for a ```json block
            assert shape == set() and "```json" in user


def test_the_mode_is_part_of_the_cache_key(tmp_path: Path) -> None:
    with ChatServer(answer) as server:
        first = extract(tmp_path, server, "json")
        asked = len(server.requests)
        again = extract(tmp_path, server, "json")
        assert len(server.requests) == asked and again["usage"]["cache_hits"] == first["sections"][0]["chunks"]
        tools = extract(tmp_path, server, "tools")
        assert len(server.requests) == 2 * asked and tools["usage"]["cache_hits"] == 0
    assert tasks_of(tools) == tasks_of(first)


def test_an_unsupported_mode_is_one_line_before_anything_is_sent(tmp_path: Path) -> None:
    with ChatServer(answer) as server:
        run = subprocess.run([sys.executable, "-m", "extractor", "extract", str(REPORT_2026), "--sections", "I",
                              "--base-url", server.base_url, "--mode", "parallel_tools",
                              "--cache-dir", str(tmp_path / "cache"), "-o", str(tmp_path / "out.json")],
                             capture_output=True, text=True,
                             env={**os.environ, "EXTRACTOR_CONFIG": str(tmp_path / "x")})
    assert run.returncode == 2
    assert run.stderr == "error: unknown mode 'parallel_tools': one of json, md_json, tools, json_schema\n"
    assert server.requests == [] and not (tmp_path / "out.json").exists()


@pytest.mark.parametrize("context", [None, {"check_text": lambda s: None}])
def test_report_text_reaches_the_model_as_written_with_or_without_a_context(context: Any) -> None:
    """The raw marks that keep instructor's templating off the report text are only added when
    instructor renders (with a validation context); without one they would reach the model."""
    from extractor.llm.client import LLMClient, LLMConfig

    text = "Text: {{ 510 }} nhiệm vụ {% if %} {# #}"
    with ChatServer(lambda body: {}) as server:
        LLMClient(LLMConfig(base_url=server.base_url, model="m")).complete(
            reply_model("direction"), [{"role": "user", "content": text}], context=context)
    [(_, body)] = server.requests
    assert body["messages"][-1]["content"] == text
