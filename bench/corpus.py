"""Benchmark: the corpus database at the size of years of monthly reports.

    python bench/corpus.py [--reports 240]

One real result (the January 2026 report, every section, replies replayed from the cassettes
by the stand-in server with empty replies elsewhere) is copied into `--reports` monthly
reports (another content hash and period each) and added one by one. Printed: adding time
per report (median and slowest), re-adding one (replace in place), the database's size, and
the time of a series over all the months and of `corpus unmatched`.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.replayserver import ReplayServer  # noqa: E402
from extractor.corpus.database import add_results, unmatched  # noqa: E402
from extractor.corpus.series import series  # noqa: E402
from extractor.document.report import load_document  # noqa: E402
from extractor.extraction.engine import Extractor  # noqa: E402
from extractor.llm.client import LLMClient, LLMConfig  # noqa: E402
from extractor.output.result import Result  # noqa: E402

MODEL = "qwen2.5-coder-1.5b-instruct-q4_k_m"
REPORT = ROOT / "tests" / "fixtures" / "lang-son-2026-01-report.txt"


def real_result() -> Result:
    doc = load_document(REPORT)
    with ReplayServer(sorted((ROOT / "cassettes").glob("*.yaml")), fallback=True) as server:
        client = LLMClient(LLMConfig(base_url=server.base_url, model=MODEL, api_key="sk-bench", max_attempts=1))
        engine = Extractor(client, model=MODEL, mode="json")
        return engine.run(doc, engine.plan(doc))


def month(result: Result, i: int) -> Result:
    copy = result.model_copy(deep=True)
    copy.content_hash = f"{i:064x}"
    copy.source = str(REPORT.with_name(f"lang-son-{2006 + i // 12}-{i % 12 + 1:02d}-report.txt"))
    copy.metadata["period"] = {"year": 2006 + i // 12, "month": i % 12 + 1}
    return copy


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=240)
    args = parser.parse_args()
    result = real_result()
    records = len(result.records)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "corpus.sqlite"
        times = []
        for i in range(args.reports):
            copy = month(result, i)
            started = time.perf_counter()
            add_results(db, [copy], province="Lạng Sơn")
            times.append(time.perf_counter() - started)
        started = time.perf_counter()
        add_results(db, [month(result, 0)], province="Lạng Sơn")
        readd = time.perf_counter() - started
        started = time.perf_counter()
        points = series(db, "direction.tasks", province="Lạng Sơn")
        series_s = time.perf_counter() - started
        started = time.perf_counter()
        names = unmatched(db)
        unmatched_s = time.perf_counter() - started
        size = db.stat().st_size
    print(f"reports added:          {args.reports} (each {records} records, {len(result.checks)} checks)")
    print(f"add one report:         median {statistics.median(times) * 1000:.1f} ms, slowest {max(times) * 1000:.1f} ms")
    print(f"re-add (replace) one:   {readd * 1000:.1f} ms")
    print(f"database size:          {size / 2**20:.2f} MiB ({size / args.reports / 1024:.1f} KiB a report)")
    print(f"series over {len(points)} months:  {series_s * 1000:.1f} ms")
    print(f"corpus unmatched:       {unmatched_s * 1000:.1f} ms ({len(names)} names)")


if __name__ == "__main__":
    main()
