"""Damaged and unwritable files: a review store with damaged pages or a damaged row, a store or
cache that cannot be written, an item id past 64 bits. Each is one line on stderr and exit 2,
never a traceback; `extract` finds out before it asks any model."""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bench.replayserver import ReplayServer
from extractor.review.store import ReviewStore

from .conftest import REPORT_2026
from .test_faults import CASSETTE, MODEL


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "extractor", *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "COLUMNS": "200", **(env or {})})


def one_line_error(run: subprocess.CompletedProcess[str], *words: str) -> None:
    assert run.returncode == 2 and "Traceback" not in run.stderr, run.stderr[-3000:]
    assert run.stderr.startswith("error: ") and run.stderr.count("\n") == 1, run.stderr
    for word in words:
        assert word in run.stderr, run.stderr


@contextmanager
def read_only(path: Path) -> Iterator[None]:
    """Make `path` unwritable; as root (whom permissions do not stop) with the immutable flag."""
    if os.geteuid() != 0:
        mode = path.stat().st_mode
        path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            yield
        finally:
            path.chmod(mode)
        return
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode:
        pytest.skip("running as root where the immutable flag cannot be set: nothing here is read-only")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


def extract_args(tmp_path: Path, server: ReplayServer, *, store: Path, cache: Path) -> list[str]:
    return ["extract", str(REPORT_2026), "--sections", "I", "--base-url", server.base_url, "--model", MODEL,
            "--store", str(store), "--cache-dir", str(cache), "-o", str(tmp_path / "out.json")]


def test_a_read_only_store_stops_extract_before_any_model_call(tmp_path: Path, store_path: Path) -> None:
    with read_only(store_path), ReplayServer([CASSETTE]) as server:
        run = cli(*extract_args(tmp_path, server, store=store_path, cache=tmp_path / "cache"))
        one_line_error(run, str(store_path), "read")
        assert server.log == [] and not (tmp_path / "out.json").exists()
        # Reading a read-only store still works; a decision is refused in one line.
        listed = cli("review", "list", "--json", "--store", str(store_path))
        assert listed.returncode == 0 and '"status": "open"' in listed.stdout
        one_line_error(cli("review", "approve", "1", "--store", str(store_path)), str(store_path))
    assert ReviewStore(store_path).get(1).status == "open"


@pytest.mark.parametrize("how", ["read-only", "under a file"])
def test_an_unusable_cache_dir_stops_extract_before_any_model_call(tmp_path: Path, store_path: Path,
                                                                   how: str) -> None:
    cache = tmp_path / "cache"
    if how == "under a file":
        (tmp_path / "a-file").write_text("x")
        cache = tmp_path / "a-file" / "cache"
    else:
        cache.mkdir()
    with ReplayServer([CASSETTE]) as server:
        with read_only(cache) if how == "read-only" else _nothing():
            run = cli(*extract_args(tmp_path, server, store=store_path, cache=cache))
            one_line_error(run, str(cache))
            one_line_error(cli("cache", "stats", "--cache-dir", str(cache)), str(cache))
        assert server.log == []


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def damage_pages(path: Path) -> None:
    """Overwrite every page after the first (the header stays valid)."""
    db = sqlite3.connect(path)
    page = db.execute("PRAGMA page_size").fetchone()[0]
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    data = bytearray(path.read_bytes())
    assert len(data) > 2 * page
    data[page:] = bytes([0xA5]) * (len(data) - page)
    path.write_bytes(bytes(data))


def test_a_store_with_damaged_pages_is_one_line(tmp_path: Path, store_path: Path) -> None:
    damage_pages(store_path)
    for args in (["review", "list"], ["review", "show", "1"], ["review", "approve", "1"]):
        one_line_error(cli(*args, "--store", str(store_path)), str(store_path))
    with ReplayServer([CASSETTE]) as server:
        run = cli(*extract_args(tmp_path, server, store=store_path, cache=tmp_path / "cache"))
    one_line_error(run, str(store_path))
    assert server.log == []


def test_a_damaged_row_is_one_line_naming_the_item(store_path: Path) -> None:
    db = sqlite3.connect(store_path)
    db.execute("UPDATE items SET check_json = '{\"rule\": 7' WHERE id = 1")
    db.commit()
    db.close()
    for args in (["review", "list"], ["review", "show", "1"]):
        one_line_error(cli(*args, "--store", str(store_path)), "item 1")
    shown = cli("review", "show", "2", "--store", str(store_path))  # the sound items stay reachable
    assert shown.returncode == 0 and "#2" in shown.stdout


def test_an_item_id_past_64_bits_is_not_found(store_path: Path) -> None:
    for args in (["review", "show"], ["review", "approve"]):
        one_line_error(cli(*args, "99999999999999999999999", "--store", str(store_path)), "no review item")


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_outputs_honour_the_umask_like_any_new_file(tmp_path: Path, umask: int) -> None:
    from extractor.output.atomic import write_atomic

    old = os.umask(umask)
    try:
        write_atomic(tmp_path / "out.json", "{}\n")
        (tmp_path / "plain.json").write_text("{}\n")  # what open() gives under the same umask
    finally:
        os.umask(old)
    assert (tmp_path / "out.json").stat().st_mode & 0o777 == 0o666 & ~umask
    assert (tmp_path / "out.json").stat().st_mode == (tmp_path / "plain.json").stat().st_mode


def test_rewriting_an_output_keeps_the_mode_it_was_given(tmp_path: Path) -> None:
    from extractor.output.atomic import write_atomic

    target = tmp_path / "out.json"
    write_atomic(target, "{}\n")
    target.chmod(0o640)
    write_atomic(target, '{"again": true}\n')
    assert target.stat().st_mode & 0o777 == 0o640 and "again" in target.read_text()


def test_a_failed_write_leaves_no_temp_file_behind(tmp_path: Path) -> None:
    from extractor.errors import ExtractorError
    from extractor.output.atomic import write_atomic

    (tmp_path / "out.json").mkdir()  # the rename onto a directory fails after the temp file is written
    with pytest.raises(ExtractorError, match="cannot write"):
        write_atomic(tmp_path / "out.json", "{}\n")
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]
