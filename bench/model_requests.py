"""Model requests per whole report: every piece asked, or only what the reader cannot settle.

    python bench/model_requests.py

For each bundled sample report, a whole-report extraction (every section) runs twice against
the stand-in server (bench/replayserver.py, in this process, no latency): once asking the model
about every piece (`extract --ask-all`), once the default (pieces the deterministic reader reads
completely are not sent). Each run starts with an empty cache. Printed per report: the pieces
planned, the figures they list to the model (the piece's figures, or only those the reader leaves
open: `Chunk.focus`; a reply has at most a record per listed figure, so this bounds what the model
writes) and the requests the stand-in received (pieces plus the re-asks of recorded replies that
broke the schema). The stand-in answers the recorded reply where a cassette holds one, else an
empty reply, so the counts are the engine's, not a model's.
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.replayserver import ReplayServer  # noqa: E402
from extractor.document.report import load_document  # noqa: E402
from extractor.extraction.cache import ResultCache  # noqa: E402
from extractor.extraction.engine import Extractor  # noqa: E402
from extractor.llm.client import LLMClient, LLMConfig  # noqa: E402

REPORTS = sorted((ROOT / "tests" / "fixtures").glob("*.txt"))
MODEL = "qwen2.5-coder-1.5b-instruct-q4_k_m"


def count(path: Path, ask_all: bool, cache_dir: Path) -> tuple[int, int, int, int]:
    """(sections, pieces planned, figures listed in them, requests received) of one cold whole-report run."""
    cassettes = sorted((ROOT / "cassettes").glob("*.yaml"))
    doc = load_document(path)
    with ReplayServer(cassettes, fallback=True) as server:
        client = LLMClient(LLMConfig(base_url=server.base_url, model=MODEL, api_key="sk-bench", max_attempts=2))
        engine = Extractor(client, model=MODEL, mode="json", cache=ResultCache(cache_dir), ask_all=ask_all)
        jobs = engine.plan(doc)
        engine.run(doc, jobs, concurrency=4)
        listed = sum(len(c.listed()) for j in jobs for c in j.chunks)
        return len(jobs), sum(len(j.chunks) for j in jobs), listed, int(server.stats()["requests"])  # type: ignore[call-overload]


def main() -> None:
    print("| report | sections | pieces, every one asked | figures listed | requests | pieces, reader first "
          "| figures listed | requests |")
    print("|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for path in REPORTS:
            sections, every, listed_all, sent_all = count(path, True, Path(tmp) / f"{path.stem}-all")
            _, first, listed_first, sent_first = count(path, False, Path(tmp) / f"{path.stem}-first")
            print(f"| {path.name} | {sections} | {every} | {listed_all} | {sent_all} | {first} | {listed_first} "
                  f"| {sent_first} |")


if __name__ == "__main__":
    main()
