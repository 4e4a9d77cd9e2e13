"""A refused connection is a transient fault: retried with backoff, then reported as unreachable."""
import socket

import pytest

from extractor.llm import EndpointUnavailable, LLMClient, LLMConfig
from schemas.economy import Reply


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_connection_refused_is_retried_then_reported() -> None:
    slept: list[float] = []
    client = LLMClient(LLMConfig(base_url=f"http://127.0.0.1:{_closed_port()}/v1", model="m", max_attempts=3),
                       sleep=slept.append)
    with pytest.raises(EndpointUnavailable, match="unreachable") as caught:
        client.complete(Reply, [{"role": "user", "content": "x"}])
    assert caught.value.usage.requests == 3
    assert caught.value.usage.retries == 2
    assert len(slept) == 2 and slept[1] > 0
