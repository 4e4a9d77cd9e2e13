"""Which endpoint, model and key a run uses (extractor/llm/backend.py): flags, then the environment,
then the config file; and the key is sent to the server, never kept anywhere else."""
from __future__ import annotations

from pathlib import Path

import pytest

from extractor.errors import ExtractorError
from extractor.llm.backend import LOCAL_TIMEOUT, OPENAI_DEFAULT_MODEL, OPENAI_URL, Backend, BackendOptions, resolve

from .chatserver import ChatServer

KEY = "sk-resolve-test-key-0123456789"
ENV_KEY = "sk-from-the-environment-9876"


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty environment and a config file path (not yet written)."""
    path = tmp_path / "config.toml"
    monkeypatch.setenv("EXTRACTOR_CONFIG", str(path))
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "EXTRACTOR_MODEL"):
        monkeypatch.delenv(name, raising=False)
    return path


FILE = 'base_url = "http://file.example:8000/v1"\nmodel = "file-model"\nmode = "md_json"\n' \
       'max_tokens = 300\ntimeout = 30\nmodel_path = "/models/file.gguf"\n'


def test_nothing_set_means_the_embedded_model(config: Path) -> None:
    got = resolve(BackendOptions())
    assert (got.base_url, got.model, got.api_key, got.mode, got.model_path) == (None, None, None, "json", None)
    assert (got.max_tokens, got.timeout) == (1024, LOCAL_TIMEOUT)  # a local CPU model takes minutes a reply


def test_the_config_file_fills_what_nothing_else_gives(config: Path) -> None:
    config.write_text(FILE, encoding="utf-8")
    got = resolve(BackendOptions())
    assert (got.base_url, got.model, got.mode, got.max_tokens, got.timeout, got.model_path) == (
        "http://file.example:8000/v1", "file-model", "md_json", 300, 30.0, Path("/models/file.gguf"))


def test_the_environment_beats_the_config_file(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config.write_text(FILE, encoding="utf-8")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://env.example/v1")
    monkeypatch.setenv("EXTRACTOR_MODEL", "env-model")
    monkeypatch.setenv("OPENAI_API_KEY", ENV_KEY)
    got = resolve(BackendOptions())
    assert (got.base_url, got.model, got.api_key) == ("http://env.example/v1", "env-model", ENV_KEY)
    assert got.mode == "md_json" and got.max_tokens == 300  # what the environment does not set stays the file's


def test_flags_beat_the_environment_and_the_config_file(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config.write_text(FILE, encoding="utf-8")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://env.example/v1")
    monkeypatch.setenv("EXTRACTOR_MODEL", "env-model")
    monkeypatch.setenv("OPENAI_API_KEY", ENV_KEY)
    got = resolve(BackendOptions(base_url="http://flag.example/v1", model="flag-model", api_key=KEY, mode="tools",
                                 model_path=Path("flag.gguf"), max_tokens=64, timeout=5))
    assert (got.base_url, got.model, got.api_key, got.mode, got.model_path, got.max_tokens, got.timeout) == (
        "http://flag.example/v1", "flag-model", KEY, "tools", Path("flag.gguf"), 64, 5)


def test_a_key_alone_means_openai(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", ENV_KEY)
    backend = Backend(BackendOptions())
    assert backend.options.base_url == OPENAI_URL and backend.model == OPENAI_DEFAULT_MODEL
    assert backend.identity == f"{OPENAI_DEFAULT_MODEL}@{OPENAI_URL}"


def test_the_config_file_holds_no_key(config: Path) -> None:
    """README: the key comes from --api-key or OPENAI_API_KEY only; one written in the config file is not read."""
    config.write_text('api_key = "sk-written-in-the-file"\n', encoding="utf-8")
    got = resolve(BackendOptions())
    assert got.api_key is None and got.base_url is None


@pytest.mark.parametrize("text, problem", [
    ('max_tokens = "many"\n', "max_tokens = 'many' is not a whole number above 0"),
    ("max_tokens = 0\n", "max_tokens = 0 is not a whole number above 0"),
    ("max_tokens = true\n", "max_tokens = True is not a whole number above 0"),
    ('timeout = "soon"\n', "timeout = 'soon' is not a number of seconds above 0"),
    ("timeout = nan\n", "timeout = nan is not a number of seconds above 0"),
    ("timeout = inf\n", "timeout = inf is not a number of seconds above 0"),
    ("model = 3\n", "model = 3 is not a string"),
    ('base_url = ["a", "b"]\n', "base_url = ['a', 'b'] is not a string"),
    ('mode = "toolz"\n', "unknown mode 'toolz': one of json, md_json, tools, json_schema"),
    ("max_tokens = \n", "cannot read config file"),
])
def test_a_bad_config_file_is_one_clear_error(config: Path, text: str, problem: str) -> None:
    config.write_text(text, encoding="utf-8")
    with pytest.raises(ExtractorError) as caught:
        Backend(BackendOptions())
    assert problem in str(caught.value) and "\n" not in str(caught.value).strip()


def test_a_config_timeout_may_be_whole_seconds(config: Path) -> None:
    config.write_text("timeout = 45\n", encoding="utf-8")
    assert resolve(BackendOptions()).timeout == 45.0


def test_an_unknown_mode_flag_is_refused_before_any_model_starts(config: Path) -> None:
    with pytest.raises(ExtractorError, match="unknown mode 'yaml'"):
        Backend(BackendOptions(mode="yaml"))  # no base URL: the embedded model would have been started


def test_the_key_is_sent_and_shown_nowhere(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The key travels in the Authorization header; the options' repr and the identity that names
    the endpoint in results and cache keys do not show it."""
    from extractor.kinds import reply_model

    monkeypatch.setenv("OPENAI_API_KEY", ENV_KEY)
    with ChatServer(lambda body: {}, models=["served-model"]) as server:
        with Backend(BackendOptions(base_url=server.base_url, api_key=KEY)) as backend:
            assert KEY not in repr(backend.options) and ENV_KEY not in repr(backend.options)
            assert backend.identity == f"served-model@{server.base_url}"  # the name the server reports
            backend.complete(reply_model("direction"), [{"role": "user", "content": "Text: none"}])
    [(headers, body)] = server.requests
    assert headers["Authorization"] == f"Bearer {KEY}" and KEY not in str(body)  # the flag's key, not the environment's


def test_credentials_in_the_url_stay_out_of_the_identity(config: Path) -> None:
    backend = Backend(BackendOptions(base_url=f"http://user:{KEY}@127.0.0.1:9/v1?api-key={KEY}", model="m"))
    assert backend.identity == "m@http://127.0.0.1:9/v1"
