"""Property tests over the whole command line: hostile report files (random bytes, truncated
UTF-8, huge lines, deep numbering, repeated headings, footnote markers everywhere) through
`sections`, `numbers`, `info` and `extract`, and damaged review stores and caches through
`review list/show`, `cache stats` and `extract`.

Whatever the input: exit code 0, 1 or 2, never a traceback, and a review store's decisions
taken before the command are still there after it. `extract` runs with a token budget of 1
against a closed loopback port: it plans, renders and looks up the cache for every piece, its
first request is refused, and the run stops sending. The CLI runs in-process (`extractor.cli.commands.main`, as
the console script does) to keep the whole suite within a minute; the number of cases run is
printed in the terminal summary.
"""
from __future__ import annotations

import io
import shutil
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from unittest.mock import patch

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extractor.cli.commands import main
from extractor.extraction.cache import ResultCache
from extractor.review.store import ReviewStore

from .conftest import FUZZ_CASES, NOTICE_OCR, REPORT_2024, REPORT_2026
from .reviewdata import build_store

SAMPLES = [p.read_text(encoding="utf-8") for p in (REPORT_2026, REPORT_2024, NOTICE_OCR)]
LINES = [line for text in SAMPLES for line in text.splitlines() if line.strip()]
HEADINGS = [line for line in LINES if line.split(".")[0].strip() in {"I", "II", "III", "IV", "V", "1", "2", "3"}]
RAW = REPORT_2026.read_bytes()
CLOSED_PORT = "http://127.0.0.1:9/v1"
FUZZ = settings(deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                       HealthCheck.data_too_large])


def run_cli(*args: str) -> tuple[int, str, str]:
    """Run the console script's entry point in-process: exit code, stdout, stderr. An exception
    that escapes `main` fails the test with its traceback."""
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with redirect_stdout(out), redirect_stderr(err), patch.object(sys, "argv", ["extractor", *args]):
        try:
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    FUZZ_CASES["cli runs"] += 1
    return code, out.getvalue(), err.getvalue()


def assert_clean(code: int, err: str, *args: str) -> None:
    assert code in (0, 1, 2), (args, code, err[-2000:])
    assert "Traceback" not in err, (args, err[-3000:])
    if code == 2:
        assert err.startswith("error: ") and err.count("\n") == 1, (args, err)


# --- hostile report files -------------------------------------------------------------------

def _glued_markers(draw: st.DrawFn) -> str:
    words = " ".join(draw(st.lists(st.sampled_from(LINES), min_size=1, max_size=20))).split()
    markers = draw(st.lists(st.integers(0, 99), min_size=len(words), max_size=len(words)))
    return " ".join(f"{w}{m}" for w, m in zip(words, markers))


@st.composite
def report_bytes(draw: st.DrawFn) -> bytes:
    shape = draw(st.sampled_from(["bytes", "truncated", "huge line", "deep numbering", "repeated headings",
                                  "markers", "odd characters", "shuffled", "encodings"]))
    if shape == "bytes":
        return draw(st.binary(max_size=3000))
    if shape == "truncated":  # a slice of the real report cut at any byte, mid-character too
        start = draw(st.integers(0, len(RAW) - 1))
        return RAW[start:start + draw(st.integers(1, 6000))]
    if shape == "huge line":
        token = draw(st.sampled_from(["1.234,56 tỷ đồng ", "339 đề tài ", "9", "tăng 3,5% so với cùng kỳ ", "a", " "]))
        head = draw(st.sampled_from(HEADINGS)) + "\n"
        return (head + token * draw(st.integers(1000, 12000))).encode()
    if shape == "deep numbering":
        depth = draw(st.integers(1, 80))
        lines = [".".join(["1"] * d) + f". Mục cấp {d}: đạt {d},5% kế hoạch, tăng {d} người" for d in range(1, depth + 1)]
        return "\n".join(lines).encode()
    if shape == "repeated headings":
        heading = draw(st.sampled_from(HEADINGS))
        body = draw(st.sampled_from(LINES))
        return ((heading + "\n" + body + "\n") * draw(st.integers(2, 300))).encode()
    if shape == "markers":
        return "\n".join(_glued_markers(draw) for _ in range(draw(st.integers(1, 5)))).encode()
    lines = draw(st.lists(st.sampled_from(LINES), min_size=1, max_size=60))
    text = "\n".join(lines)
    if shape == "odd characters":  # line ends, controls, zero-width and combining marks, BOMs mid-text
        odd = draw(st.sampled_from(["\r", "\f", "\v", "\t", "\x00", "\u200b", "\u202e", "\u0301", "\ufeff", "\u2028"]))
        return text.replace(draw(st.sampled_from([" ", "\n", ","])), odd).encode()
    if shape == "shuffled":
        return text.encode()
    return text.encode(draw(st.sampled_from(["utf-16", "utf-16-le", "utf-8-sig"])))


@pytest.fixture(scope="module")
def decided_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real store (tests/reviewdata.py) with one item approved and one corrected."""
    path = build_store(tmp_path_factory.mktemp("fuzz-store"))[0]
    store = ReviewStore(path)
    first, second = [i.id for i in store.items()][:2]
    store.decide(first, "approved", who="lan", note="báo cáo in như vậy")
    store.decide(second, "corrected", who="minh", note="sửa", correction={"value": "51"})
    store._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    return path


def decisions(path: Path) -> dict[int, tuple[str, str | None]]:
    store = ReviewStore(path)
    try:
        return {i.id: (i.status, i.note) for i in store.items() if i.status != "open"}
    finally:
        store.close()


@given(data=report_bytes())
@settings(FUZZ, max_examples=40)
def test_hostile_reports_through_sections_numbers_and_info(tmp_path_factory: pytest.TempPathFactory,
                                                           data: bytes) -> None:
    report = tmp_path_factory.mktemp("fuzz") / "report.txt"
    report.write_bytes(data)
    commands = [["sections", str(report)], ["numbers", str(report), "--json"], ["info", str(report), "--json"]]
    if len(data) < 20_000:  # the table of a big one only measures how fast rich draws thousands of rows
        commands.append(["numbers", str(report)])
    for args in commands:
        code, _, err = run_cli(*args)
        assert_clean(code, err, *args)
    FUZZ_CASES["reports"] += 1


@given(data=report_bytes())
@settings(FUZZ, max_examples=12)
def test_hostile_reports_through_extract_keep_every_decision(tmp_path_factory: pytest.TempPathFactory,
                                                             decided_store: Path, data: bytes) -> None:
    work = tmp_path_factory.mktemp("fuzz-extract")
    report, store = work / "report.txt", work / "review.sqlite3"
    report.write_bytes(data)
    shutil.copy(decided_store, store)
    before = decisions(store)
    args = ["extract", str(report), "--base-url", CLOSED_PORT, "--model", "m", "--token-budget", "1",
            "--store", str(store), "--cache-dir", str(work / "cache"), "-o", str(work / "out.json")]
    code, _, err = run_cli(*args)
    assert_clean(code, err, *args)
    assert before and decisions(store) == before
    FUZZ_CASES["extract runs"] += 1


# --- damaged stores and caches --------------------------------------------------------------

@st.composite
def damage(draw: st.DrawFn) -> list[tuple[int, bytes]]:
    """Where to overwrite the file and with what: a few bytes here and there, or a whole run."""
    if draw(st.booleans()):
        return draw(st.lists(st.tuples(st.integers(0, 1 << 17), st.binary(min_size=1, max_size=8)), min_size=1,
                             max_size=12))
    return [(draw(st.integers(0, 1 << 17)), draw(st.binary(min_size=1, max_size=1)) * draw(st.integers(16, 8192)))]


def damaged_copy(source: Path, target: Path, changes: list[tuple[int, bytes]], cut: int | None) -> None:
    data = bytearray(source.read_bytes())
    for offset, chunk in changes:
        offset %= len(data)
        data[offset:offset + len(chunk)] = chunk
    target.write_bytes(bytes(data[:cut]) if cut else bytes(data))


def readable_decisions(path: Path) -> dict[int, tuple[str, str | None]] | None:
    try:
        return decisions(path)
    except Exception:  # noqa: BLE001  (a damaged store may fail in any way here: it is the input)
        return None


@given(changes=damage(), cut=st.one_of(st.none(), st.integers(1, 1 << 16)))
@settings(FUZZ, max_examples=25)
def test_damaged_stores_through_review_and_extract(tmp_path_factory: pytest.TempPathFactory, decided_store: Path,
                                                   changes: list[tuple[int, bytes]], cut: int | None) -> None:
    work = tmp_path_factory.mktemp("fuzz-store")
    store = work / "review.sqlite3"
    damaged_copy(decided_store, store, changes, cut)
    before = readable_decisions(store)
    report = work / "report.txt"
    report.write_text(SAMPLES[0][:3000], encoding="utf-8")
    for args in (["review", "list", "--store", str(store)], ["review", "list", "--json", "--store", str(store)],
                 ["review", "show", "1", "--store", str(store)], ["review", "show", "2", "--store", str(store)],
                 ["extract", str(report), "--base-url", CLOSED_PORT, "--model", "m", "--token-budget", "1",
                  "--store", str(store), "--cache-dir", str(work / "cache"), "-o", str(work / "out.json")]):
        code, _, err = run_cli(*args)
        assert_clean(code, err, *args)
    if before is not None:  # what could be read before is still there
        assert readable_decisions(store) == before
    FUZZ_CASES["damaged stores"] += 1


@pytest.fixture(scope="module")
def filled_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("fuzz-cache") / "cache"
    cache = ResultCache(directory)
    for n in range(40):
        cache.put(f"key-{n}", {"reply": {"indicators": [{"name": f"chỉ tiêu {n}", "value": "n1"}] * (n + 1)}})
    cache.put("failed", {"failed": "invalid reply after 2 attempts"})
    cache.close()
    db = sqlite3.connect(directory / "cache.db")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return directory


@given(changes=damage(), cut=st.one_of(st.none(), st.integers(1, 1 << 16)))
@settings(FUZZ, max_examples=15)
def test_damaged_caches_through_extract_and_cache_stats(tmp_path_factory: pytest.TempPathFactory,
                                                        filled_cache: Path, changes: list[tuple[int, bytes]],
                                                        cut: int | None) -> None:
    work = tmp_path_factory.mktemp("fuzz-cache")
    cache = work / "cache"
    shutil.copytree(filled_cache, cache)
    damaged_copy(filled_cache / "cache.db", cache / "cache.db", changes, cut)
    report = work / "report.txt"
    report.write_text(SAMPLES[0][:3000], encoding="utf-8")
    for args in (["cache", "stats", "--cache-dir", str(cache)],
                 ["extract", str(report), "--base-url", CLOSED_PORT, "--model", "m", "--token-budget", "1",
                  "--store", str(work / "review.sqlite3"), "--cache-dir", str(cache), "-o", str(work / "out.json")]):
        code, _, err = run_cli(*args)
        assert_clean(code, err, *args)
    FUZZ_CASES["damaged caches"] += 1


@pytest.fixture(autouse=True, scope="module")
def _no_model_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """No user config, key or model server reaches these runs."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("EXTRACTOR_CONFIG", str(tmp_path_factory.mktemp("fuzz-config") / "none.toml"))
        mp.delenv("OPENAI_API_KEY", raising=False)
        mp.delenv("OPENAI_BASE_URL", raising=False)
        mp.setenv("COLUMNS", "120")
        yield
