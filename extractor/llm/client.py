"""The one path to a model: openai client + instructor for typed replies, tenacity for retries.

Every backend (OpenAI, vLLM, Ollama, llama.cpp, the embedded model) goes through `LLMClient`,
so retries, cassettes and usage accounting behave the same for all. Transport failures (429,
5xx, timeouts, dropped connections, a 200 whose body is no chat completion) are retried here
with exponential backoff and jitter, honouring Retry-After; a request that timed out is sent at
most `timeout_retries` times more. A refused connection is not retried: it and a request that
timed out every time raise `EndpointDown`, on which the engine stops sending. A reply that
fails the schema is sent back to the model with the error (instructor), a bounded number of
times; a reply cut off by the token limit is never accepted.
"""
from __future__ import annotations

import copy
import email.utils
import functools
import json
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import urlsplit, urlunsplit

import httpx
import instructor
import openai
import tenacity
from instructor.core.exceptions import IncompleteOutputException, InstructorRetryException
from openai.types.chat import ChatCompletionMessageParam
from pydantic import BaseModel
from pydantic.json_schema import model_json_schema as pydantic_json_schema

from ..errors import ExtractorError
from ..redaction import register, scrub
from .held import held_to_piece

log = logging.getLogger("extractor.llm")
logging.getLogger("instructor").addHandler(logging.NullHandler())
logging.getLogger("instructor").propagate = False

MODES = {"json": instructor.Mode.JSON, "md_json": instructor.Mode.MD_JSON,
         "tools": instructor.Mode.TOOLS, "json_schema": instructor.Mode.JSON_SCHEMA}
MAX_BACKOFF = 60.0
# Long enough for a local CPU model to answer one piece; with two retries of a timeout, a hung
# server costs six minutes before the run stops sending, not the twenty of 300 s x 4.
DEFAULT_TIMEOUT = 120.0


@dataclass(frozen=True)
class LLMConfig:
    base_url: str
    model: str
    api_key: str | None = field(default=None, repr=False)
    mode: str = "json"
    timeout: float = DEFAULT_TIMEOUT  # per request
    max_attempts: int = 4
    timeout_retries: int = 2  # a request that timed out is sent at most this many times more
    # Set for the embedded model (backend): in the schema its reply is constrained by, a figure
    # reference may only be an id the piece lists of a kind and unit the field takes, or null, so
    # the small model cannot put "n3 = 04 hợp tác xã" in a percent field and need a re-ask. The
    # prompt is unchanged (prefix reuse); a --base-url endpoint gets the schema as is (the
    # cassettes match on it).
    listed_ids_only: bool = False
    max_reasks: int = 1
    max_tokens: int = 1024
    temperature: float = 0.0
    seed: int = 0
    backoff_base: float = 1.0


@dataclass
class Usage:
    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    retries: int = 0

    def add(self, other: "Usage") -> None:
        self.requests += other.requests
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens
        self.retries += other.retries


class LLMError(ExtractorError):
    def __init__(self, message: str, usage: Usage | None = None) -> None:
        super().__init__(message)
        self.usage = usage or Usage()


class TruncatedReply(LLMError):
    """The reply hit the token limit (finish_reason "length"): split the chunk or raise the limit."""


class EndpointUnavailable(LLMError):
    """Retries exhausted on 429, 5xx, timeouts or connection errors; or a request the server refuses."""


class EndpointDown(EndpointUnavailable):
    """Nothing listens at the endpoint any more (connection refused, host not found), or nothing
    answers there (every attempt timed out): asking again, for this piece or any other, cannot
    help, so the run stops sending."""


class InvalidReply(LLMError):
    """The reply did not fit the schema (or named no listed figure) after the allowed re-asks."""


class MalformedCompletion(openai.APIConnectionError):
    """A 200 reply whose body is no complete chat completion (cut short, a proxy's HTML page):
    a transport fault, retried like a dropped connection and never taken for the model's answer."""

    def __init__(self, problem: str, request: httpx.Request) -> None:
        super().__init__(message=f"a reply that is not a chat completion ({problem})", request=request)


def completion_problem(body: bytes) -> str | None:
    """What keeps `body` from being a complete, well-formed chat completion, if anything."""
    try:
        data = json.loads(body)
    except ValueError as exc:
        return f"not JSON: {exc}; it starts {body[:60]!r}"
    choices = data.get("choices") if isinstance(data, dict) else None
    if not isinstance(choices, list) or not choices:
        return "no choices"
    if not all(isinstance(c, dict) and isinstance(c.get("message"), dict) and c.get("finish_reason")
               for c in choices):
        return "a choice without its message or finish_reason"
    return None


@functools.lru_cache(maxsize=None)
def json_schema_of(model: type[BaseModel]) -> dict[str, Any]:
    """A reply model's JSON Schema, built once (pydantic takes ~10 ms each time). Do not mutate."""
    return model.model_json_schema()


@functools.lru_cache(maxsize=None)
def _schema_built_once(model: type[BaseModel]) -> type[BaseModel]:
    """`model` as instructor should see it: instructor asks the reply model for its JSON Schema
    on every request (a third of a request's CPU in the client, which serialises concurrent
    requests under the GIL). Same name, fields and schema; the schema is built once and copied."""
    def model_json_schema(cls: type[BaseModel], *args: Any, **kwargs: Any) -> dict[str, Any]:
        if args or kwargs:
            return pydantic_json_schema(cls, *args, **kwargs)
        return copy.deepcopy(json_schema_of(model))

    return type(model.__name__, (model,), {"__module__": model.__module__, "__doc__": model.__doc__,
                                           "model_json_schema": classmethod(model_json_schema)})


def public_url(url: str) -> str:
    """The endpoint without what may carry a secret (user:password@, a query such as ?api-key=)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    port = parts.netloc.rpartition("@")[2].rpartition("]")[2].partition(":")[2]
    return urlunsplit((parts.scheme, f"{netloc}:{port}" if port else netloc, parts.path, "", ""))


def _refused(exc: BaseException) -> bool:
    """A connection that could not be made at all (as opposed to one dropped mid-reply)."""
    return isinstance(exc, openai.APIConnectionError) and isinstance(exc.__cause__, httpx.ConnectError)


def _retryable(exc: BaseException) -> bool:
    if _refused(exc):
        return False
    if isinstance(exc, (openai.APITimeoutError, openai.APIConnectionError)):
        return True
    return isinstance(exc, openai.APIStatusError) and (exc.status_code == 429 or exc.status_code >= 500)


def retry_after(exc: BaseException) -> float | None:
    """Seconds asked for by a Retry-After header (delta-seconds or HTTP date), if any."""
    response = getattr(exc, "response", None)
    value = response.headers.get("retry-after") if response is not None else None
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):  # neither seconds nor a date: the usual backoff applies
        return None
    return max(0.0, parsed.timestamp() - time.time())


class LLMClient:
    def __init__(self, config: LLMConfig, *, sleep: Callable[[float], None] = time.sleep,
                 http_client: httpx.Client | None = None, rng: random.Random | None = None) -> None:
        self.config = config
        register(config.api_key)  # whatever quotes the key back (an error body) is masked before it is written
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._local = threading.local()
        http = http_client or httpx.Client(timeout=config.timeout)
        http.event_hooks.setdefault("request", []).append(self._count_request)
        http.event_hooks.setdefault("response", []).append(_check_completion)
        raw = openai.OpenAI(base_url=config.base_url, api_key=config.api_key or "not-needed",
                            max_retries=0, timeout=config.timeout, http_client=http)
        if config.mode not in MODES:
            raise ExtractorError(f"unknown mode {config.mode!r}: one of {', '.join(MODES)}")
        self._client = instructor.from_openai(raw, mode=MODES[config.mode])
        self._client.on("completion:response", self._count_tokens)

    @property
    def max_tokens(self) -> int:
        return self.config.max_tokens

    def _usage(self) -> Usage:
        return self._local.usage

    def _count_request(self, request: httpx.Request) -> None:
        if getattr(self._local, "usage", None) is not None:
            self._local.usage.requests += 1

    def _count_tokens(self, response: Any) -> None:
        usage = getattr(response, "usage", None)
        if usage is not None and getattr(self._local, "usage", None) is not None:
            self._local.usage.prompt_tokens += usage.prompt_tokens or 0
            self._local.usage.completion_tokens += usage.completion_tokens or 0

    def _wait(self, state: tenacity.RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        asked = retry_after(exc) if exc else None
        if asked is not None:
            return min(asked, MAX_BACKOFF)
        ceiling = min(MAX_BACKOFF, self.config.backoff_base * 2 ** (state.attempt_number - 1))
        return ceiling * (0.5 + 0.5 * self._rng.random())

    def _stop(self, state: tenacity.RetryCallState) -> bool:
        timed_out = state.outcome is not None and isinstance(state.outcome.exception(), openai.APITimeoutError)
        limit = self.config.max_attempts
        if timed_out:
            limit = min(limit, self.config.timeout_retries + 1)
        return state.attempt_number >= limit

    def _before_sleep(self, state: tenacity.RetryCallState) -> None:
        self._usage().retries += 1
        failed = state.outcome.exception() if state.outcome else None
        log.info("retrying after %s (attempt %d)", type(failed).__name__, state.attempt_number)

    def complete(self, response_model: type[BaseModel], messages: list[dict[str, str]],
                 context: dict[str, Any] | None = None) -> tuple[BaseModel, Usage]:
        """Ask for one reply of `response_model`; return it with the usage of every attempt."""
        self._local.usage = Usage()
        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception(_retryable), stop=self._stop, wait=self._wait, sleep=self._sleep,
            before_sleep=self._before_sleep, reraise=True)
        try:
            reply = retrying(self._ask, response_model, messages, context)
        except openai.APIStatusError as exc:
            raise EndpointUnavailable(f"model server answered {exc.status_code}: {_brief(exc)}", self._usage()) from None
        except openai.APITimeoutError:
            usage = self._usage()
            raise EndpointDown(f"model server at {public_url(self.config.base_url)} did not answer within "
                               f"{self.config.timeout:g} s ({usage.requests} attempts; raise --timeout for a slow "
                               "model)", usage) from None
        except openai.APIConnectionError as exc:
            if _refused(exc):
                raise EndpointDown(f"model server at {public_url(self.config.base_url)} refuses connections: "
                                   f"{_brief(exc.__cause__) or type(exc.__cause__).__name__}", self._usage()) from None
            if isinstance(exc, MalformedCompletion):
                raise EndpointUnavailable(f"model server sent {exc.message}", self._usage()) from None
            raise EndpointUnavailable(f"model server unreachable: {type(exc).__name__}", self._usage()) from None
        except IncompleteOutputException:
            raise TruncatedReply(f"reply cut off at max_tokens={self.config.max_tokens}", self._usage()) from None
        except InstructorRetryException as exc:
            raise InvalidReply(f"invalid reply after {exc.n_attempts} attempts: {_brief(exc)}", self._usage()) from None
        finally:
            usage, self._local.usage = self._local.usage, None
        return reply, usage

    def _ask(self, response_model: type[BaseModel], messages: list[dict[str, str]],
             context: dict[str, Any] | None) -> BaseModel:
        kwargs: dict[str, Any] = {}
        if self.config.mode == "json":
            # llama.cpp, vLLM and others constrain the output with a schema given this way.
            schema = json_schema_of(response_model)
            figure_ids = (context or {}).get("figure_ids")
            if self.config.listed_ids_only and figure_ids is not None:
                schema = held_to_piece(response_model, schema, figure_ids)
            kwargs["extra_body"] = {"response_format": {"type": "json_object", "schema": schema}}
        # roles and contents as prompting renders them (system, user): openai's message shapes
        sent = [_literal(m) for m in messages] if context else cast(list[ChatCompletionMessageParam], messages)
        try:
            return self._client.chat.completions.create(
                model=self.config.model, response_model=_schema_built_once(response_model),
                messages=sent,
                max_retries=self.config.max_reasks, context=context, temperature=self.config.temperature,
                max_tokens=self.config.max_tokens, seed=self.config.seed, **kwargs)
        except InstructorRetryException as exc:
            # instructor wraps transport and HTTP errors too; hand those back to tenacity to retry.
            cause = exc.__cause__
            if isinstance(cause, openai.APIError) and not isinstance(cause, openai.APIResponseValidationError):
                raise cause from cause.__cause__  # keep what httpx said (a refused connection is not retried)
            raise


def _check_completion(response: httpx.Response) -> None:
    """Only a reply the model gave may reach instructor (and so, perhaps, the cache)."""
    if response.status_code != 200 or not response.request.url.path.endswith("/chat/completions"):
        return
    response.read()
    problem = completion_problem(response.content)
    if problem:
        raise MalformedCompletion(problem, response.request)


def _literal(message: dict[str, str]) -> ChatCompletionMessageParam:
    """instructor renders every message as a Jinja template when given a validation context
    (and only then: without one, the marks would reach the model): mark ours raw so report
    text such as "{{" or "{%" reaches the model exactly as written."""
    content = message["content"].replace("{% endraw %}", "{% endraw %}{{ '{% endraw %}' }}{% raw %}")
    # a role and its content, as prompting renders them (system, user): one of openai's message shapes
    return cast(ChatCompletionMessageParam, {**message, "content": "{% raw %}" + content + "{% endraw %}"})


def _brief(exc: BaseException | None) -> str:
    """The server's or validator's words, short and with any key it quoted back masked: they
    become a piece's failure reason, shown on the console and kept in every output."""
    text = scrub(" ".join(str(exc).split()))
    return text if len(text) <= 300 else text[:297] + "..."
