"""A refused connection means nothing listens there: reported at once, never retried."""
import json
import socket

import httpx
import pytest

from extractor.llm.client import EndpointDown, LLMClient, LLMConfig
from extractor.schemas.economy import Reply


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_connection_refused_is_reported_at_once_without_retries() -> None:
    slept: list[float] = []
    port = _closed_port()
    client = LLMClient(LLMConfig(base_url=f"http://user:secret@127.0.0.1:{port}/v1?key=k", model="m", max_attempts=3),
                       sleep=slept.append)
    with pytest.raises(EndpointDown, match=f"model server at http://127.0.0.1:{port}/v1 refuses connections") as caught:
        client.complete(Reply, [{"role": "user", "content": "x"}])
    assert "secret" not in str(caught.value) and "key=k" not in str(caught.value)
    assert caught.value.usage.requests == 1 and caught.value.usage.retries == 0 and slept == []


def test_report_text_reaches_the_model_verbatim_even_with_template_syntax() -> None:
    """instructor treats messages as Jinja templates when given a context; ours must not be."""
    sent: list[dict] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        return httpx.Response(200, json={
            "id": "1", "object": "chat.completion", "created": 0, "model": "m",
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "{}"}}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})

    text = "Chỉ tiêu {{ 7 * 7 }} đạt {% if x %}100%{% endif %}, {% endraw %} {# ghi chú #} {% raw"
    client = LLMClient(LLMConfig(base_url="http://model.test/v1", model="m", max_attempts=1),
                       http_client=httpx.Client(transport=httpx.MockTransport(answer)))
    client.complete(Reply, [{"role": "user", "content": text}], context={"x": True})
    assert [m["content"] for m in sent[0]["messages"] if m["role"] == "user"] == [text]
