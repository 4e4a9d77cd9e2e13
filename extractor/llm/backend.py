"""Choose the model endpoint: flags, then environment, then config file, then the embedded
local model. Whatever is chosen, requests go through the same `LLMClient`."""
from __future__ import annotations

import functools
import math
import os
import threading
import tomllib
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import platformdirs

from ..errors import ExtractorError
from ..redaction import register as redact
from .client import DEFAULT_TIMEOUT, MODES, EndpointDown, LLMClient, LLMConfig, public_url

if TYPE_CHECKING:
    from .localmodel import LocalServer

OPENAI_URL = "https://api.openai.com/v1"
OPENAI_DEFAULT_MODEL = "gpt-4o-mini"
# The embedded model on 2 busy cores generates 2-5 tokens/s: a reply of 1,024 tokens can take
# minutes, and asking again on the same cores takes as long (a 120 s limit cancelled replies of
# 500 tokens three times over). A dead local server is noticed at once all the same (failure()).
LOCAL_TIMEOUT = 900.0


@dataclass
class BackendOptions:
    base_url: str | None = None
    model: str | None = None
    api_key: str | None = field(default=None, repr=False)
    mode: str | None = None
    model_path: Path | None = None
    max_tokens: int | None = None
    timeout: float | None = None


def config_path() -> Path:
    return Path(os.environ.get("EXTRACTOR_CONFIG") or Path(platformdirs.user_config_dir("extractor")) / "config.toml")


def _file_settings() -> dict[str, object]:
    path = config_path()
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ExtractorError(f"cannot read config file {path}: {exc}") from None


def resolve(options: BackendOptions) -> BackendOptions:
    """Fill unset options from the environment and the config file (flags win). A setting of
    the wrong type or an unknown mode is one clear error here, before any model is started."""
    conf = _file_settings()
    base_url = options.base_url or os.environ.get("OPENAI_BASE_URL") or _conf(conf, "base_url", str)
    api_key = options.api_key or os.environ.get("OPENAI_API_KEY")
    redact(api_key)
    mode = options.mode or _conf(conf, "mode", str) or "json"
    if mode not in MODES:
        raise ExtractorError(f"unknown mode {mode!r}: one of {', '.join(MODES)}")
    model_path = options.model_path or _conf(conf, "model_path", str)
    return BackendOptions(
        base_url=str(base_url) if base_url else (OPENAI_URL if api_key else None),
        model=options.model or os.environ.get("EXTRACTOR_MODEL") or _conf(conf, "model", str),
        api_key=api_key,
        mode=mode,
        model_path=Path(model_path) if model_path else None,
        max_tokens=options.max_tokens or _conf(conf, "max_tokens", int) or 1024,
        timeout=options.timeout or _conf(conf, "timeout", float) or (DEFAULT_TIMEOUT if base_url or api_key else LOCAL_TIMEOUT),
    )


def _conf(conf: dict[str, object], name: str, kind: type[Any]) -> Any:
    """A config file setting of the expected type (a number must be finite and above zero), or None."""
    value = conf.get(name)
    if value is None:
        return None
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or isinstance(value, bool) or (kind in (int, float) and not 0 < value < math.inf):
        wanted = {str: "a string", int: "a whole number above 0", float: "a number of seconds above 0"}[kind]
        raise ExtractorError(f"config file {config_path()}: {name} = {value!r} is not {wanted}")
    return value


class Backend:
    """The model endpoint, opened on first use: a run served from the cache starts no server.

    `model` (the name requests carry) is known before anything starts: the configured name, or
    the embedded model's id; `identity` names who answers in results and cache keys.
    """

    def __init__(self, options: BackendOptions) -> None:
        self.options = resolve(options)
        self.mode = str(self.options.mode)
        if self.options.base_url:
            default = OPENAI_DEFAULT_MODEL if self.options.base_url == OPENAI_URL else "default"
            self.model = self.options.model or default
        else:
            from .localmodel import MODEL_ID

            self.model = MODEL_ID if self.options.model_path is None else self.options.model_path.stem
        self._stack = ExitStack()
        self._client: LLMClient | None = None
        self._server: LocalServer | None = None
        self._lock = threading.Lock()

    @functools.cached_property
    def identity(self) -> str:
        """Who answers, as results and cache keys name it. For a remote endpoint: the model's name
        (the one the server reports when no --model was given and it serves a single model) and
        the endpoint's URL without credentials, so two servers never share cached answers. The
        embedded model is named by its file: its URL changes with every start."""
        if not self.options.base_url:
            return self.model
        name = self.options.model or (None if self.options.base_url == OPENAI_URL else self._served_model())
        return f"{name or self.model}@{public_url(self.options.base_url)}"

    def _served_model(self) -> str | None:
        """The model the endpoint says it serves (GET /models), if it lists exactly one."""
        headers = {"Authorization": f"Bearer {self.options.api_key}"} if self.options.api_key else {}
        try:
            reply = httpx.get(str(self.options.base_url).rstrip("/") + "/models", headers=headers, timeout=5.0)
            listed = reply.json().get("data") if reply.status_code == 200 else None
        except (httpx.HTTPError, ValueError, AttributeError):
            return None
        ids = [m.get("id") for m in listed if isinstance(m, dict)] if isinstance(listed, list) else []
        return ids[0] if len(ids) == 1 and isinstance(ids[0], str) and ids[0] else None

    @property
    def max_tokens(self) -> int:
        return int(self.options.max_tokens)  # type: ignore[arg-type]  # resolve() set it

    def complete(self, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            if self._client is None:
                try:
                    self._client = self._open()
                except ExtractorError as exc:  # no server to send to: the run stops sending
                    raise EndpointDown(str(exc)) from None
        return self._client.complete(*args, **kwargs)

    def _open(self) -> LLMClient:
        opts = self.options
        if opts.base_url:
            return _client(opts, opts.base_url, self.model)
        from .localmodel import LocalServer, ensure_model

        server = self._stack.enter_context(LocalServer(opts.model_path or ensure_model()))
        self._server = server
        # A timed-out request is not sent again (the same cores would take as long). The reply's
        # figure references are held to the piece's listed ids that fit them (client.LLMConfig).
        return _client(opts, server.base_url, server.model, timeout_retries=0, listed_ids_only=True)

    def failure(self) -> str | None:
        """Why the embedded model server died (one line), or None: it runs, none was started,
        or the endpoint is remote."""
        return self._server.failure() if self._server is not None else None

    def close(self) -> None:
        self._stack.close()

    def __enter__(self) -> "Backend":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _client(opts: BackendOptions, base_url: str, model: str, timeout_retries: int = 2,
            listed_ids_only: bool = False) -> LLMClient:
    return LLMClient(LLMConfig(base_url=base_url, model=model, api_key=opts.api_key, mode=str(opts.mode),
                               max_tokens=int(opts.max_tokens or 1024), timeout=float(opts.timeout or DEFAULT_TIMEOUT),
                               timeout_retries=timeout_retries, listed_ids_only=listed_ids_only))
