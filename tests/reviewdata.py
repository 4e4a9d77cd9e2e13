"""A review store as real runs leave it, for the review page tests.

- Section II.2 of the 2026 report, replayed from the cassette the CLI test recorded: the
  model's records and the real inconsistency of footnote 6 (402 people "giảm 3,34%" from 389).
- A short report whose text carries markup, run with no model at all: its section fails, but
  the text-level check still flags the change it prints (52 vs 50 "giảm 3,5%").

`build_queue` makes a longer queue for the keyboard: a short report printing eleven changes
from last year, each 1,5 points off its own two figures, run with no model.
"""
from __future__ import annotations

import re
from pathlib import Path

import vcr

from extractor.document.report import Document, load_document
from extractor.extraction.engine import Extractor
from extractor.llm.client import LLMClient, LLMConfig
from extractor.output.result import Result
from extractor.review.flagging import flag_result
from extractor.review.store import ReviewStore

from .conftest import REPORT_2026

CASSETTE = Path(__file__).parent.parent / "cassettes" / \
    "test_cli_extract_flags_a_real_inconsistency_and_honours_the_review.yaml"
MODEL = "qwen2.5-coder-1.5b-instruct-q4_k_m"
MARKUP = ("I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH\n"
          "Số vụ tai nạn giao thông là 52 vụ, giảm 3,5% so với cùng kỳ (50 vụ) <script>alert('x')</script>.\n")


def _keep(store: ReviewStore, doc: Document, result: Result) -> None:
    flag_result(store, result, doc)
    store.save_result(result)


def build_store(directory: Path) -> tuple[Path, Document, Document]:
    """The store's path, the 2026 report, and the markup report (written into `directory`)."""
    path = directory / "review.sqlite3"
    store = ReviewStore(path)
    report = load_document(REPORT_2026)
    assert CASSETTE.is_file(), f"{CASSETTE.name} is missing: re-record it (README.md, Cassettes)"
    replay = vcr.VCR(record_mode="none", match_on=["method", "path", "body"], decode_compressed_response=True)
    with replay.use_cassette(str(CASSETTE), allow_playback_repeats=True):
        # every piece asked whole, as the cassette was recorded: a focused ask would find no recording
        engine = Extractor(LLMClient(LLMConfig(base_url="http://127.0.0.1:8765/v1", model=MODEL, api_key="sk-web",
                                               timeout=60)), model=MODEL, mode="json", ask_all=True)
        _keep(store, report, engine.run(report, engine.plan(report, ["II.2"])))
    source = directory / "markup.txt"
    source.write_text(MARKUP, encoding="utf-8")
    markup = load_document(source)
    offline = Extractor(None, model=MODEL, mode="json")
    _keep(store, markup, offline.run(markup, offline.plan(markup)))
    store.close()
    return path, report, markup


def build_queue(directory: Path, count: int = 11) -> Path:
    """A store holding `count` open items, one per printed change that does not add up."""
    units = ["vụ", "người", "hộ", "xe", "lượt", "doanh nghiệp", "hợp tác xã", "hồ sơ", "căn", "trường hợp", "tấn"]
    lines = ["I. TÌNH HÌNH AN NINH, TRẬT TỰ"]
    for n, unit in enumerate(units[:count]):
        now, before = 40 + 7 * n, 50 + 5 * n
        printed = f"{abs(now - before) / before * 100 + 1.5:.1f}".replace(".", ",")
        lines.append(f"Trong tháng có {now} {unit}, {'giảm' if now < before else 'tăng'} {printed}% so với cùng kỳ "
                     f"({before} {unit}).")
    source = directory / "changes.txt"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path = directory / "queue.sqlite3"
    store = ReviewStore(path)
    doc = load_document(source)
    offline = Extractor(None, model=MODEL, mode="json")
    _keep(store, doc, offline.run(doc, offline.plan(doc)))
    assert len(store.items(status="open")) == count
    store.close()
    return path


def form_token(html: str) -> str:
    """The CSRF token of the first form of a review page."""
    found = re.search(r'name="token" value="([^"]+)"', html)
    assert found, "no form token on the page"
    return found.group(1)


def store_copy(built: Path, target: Path) -> Path:
    """A fresh copy of a built store for one test (decisions do not leak between tests)."""
    source = ReviewStore(built)
    source._db.execute(f"VACUUM INTO '{target}'")
    source.close()
    return target
