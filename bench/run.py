"""Benchmark: speed, cache, overhead, prompt size and memory of a whole-report extraction.

    python bench/run.py [--latency 0.2] [--repeat 3] [--out bench/results.json]

The model is the local stand-in (bench/replayserver.py): recorded replies where a cassette
holds one, else an empty reply, each after `--latency` seconds, so what is measured is the
engine (ingest, chunking, concurrency, cache, validation, output), not a model. Figures are
ratios measured in the same run; see bench/README.md for what they mean and the goals.
"""
from __future__ import annotations

import argparse
import json
import math
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extractor.document.report import load_document  # noqa: E402
from extractor.extraction.cache import ResultCache  # noqa: E402
from extractor.extraction.engine import Extractor  # noqa: E402
from extractor.extraction.prompting import render_messages  # noqa: E402
from extractor.llm.client import LLMClient, LLMConfig  # noqa: E402
from extractor.output.atomic import to_json, write_atomic  # noqa: E402

REPORTS = sorted((ROOT / "tests" / "fixtures").glob("*.txt"))
MODEL = "qwen2.5-coder-1.5b-instruct-q4_k_m"


def engine(base_url: str, cache_dir: Path) -> Extractor:
    client = LLMClient(LLMConfig(base_url=base_url, model=MODEL, api_key="sk-bench", max_attempts=1))
    return Extractor(client, model=MODEL, mode="json", cache=ResultCache(cache_dir))


def timed(fn):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - started


class StandIn:
    """bench/replayserver.py in a process of its own, so it does not share the engine's GIL."""

    def __init__(self, latency: float) -> None:
        cassettes = [str(p) for p in sorted((ROOT / "cassettes").glob("*.yaml"))]
        self.proc = subprocess.Popen([sys.executable, str(ROOT / "bench" / "replayserver.py"), *cassettes,
                                      "--latency", str(latency), "--fallback"], stdout=subprocess.PIPE, text=True)
        self.base_url = self.proc.stdout.readline().strip()  # type: ignore[union-attr]

    def stats(self) -> dict[str, int]:
        with urllib.request.urlopen(self.base_url + "/stats") as response:
            return json.loads(response.read())

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait()


def bench_report(path: Path, server: StandIn, latency: float, work: Path, repeat: int) -> dict[str, object]:
    """Each figure is the median of `repeat` runs (a shared 2-vCPU machine varies run to run)."""
    doc, _ = timed(lambda: load_document(path))
    load_s = statistics.median(timed(lambda: load_document(path))[1] for _ in range(repeat))
    plan = Extractor(None, model=MODEL, mode="json").plan(doc)
    chunks = [(job.kind, c) for job in plan for c in job.chunks]
    user_chars = sum(len(render_messages(kind, c)[1]["content"]) for kind, c in chunks)
    row: dict[str, object] = {"report": path.name, "chars": len(doc.text), "sections": len(plan),
                              "requests": len(chunks), "load_s": round(load_s, 4),
                              "user_prompt_chars_per_document_char": round(user_chars / len(doc.text), 2)}
    for c in (1, 4, 8, 16):
        walls, warms, writes = [], [], []
        for i in range(repeat):
            ex = engine(server.base_url, work / f"{path.stem}-c{c}-{i}")
            before = server.stats()
            result, wall = timed(lambda: ex.run(doc, plan, concurrency=c))  # noqa: B023  (timed calls it at once)
            walls.append(wall)
            if c == 1 and i == 0:
                after = server.stats()
                row["sent"] = after["requests"] - before["requests"]  # pieces plus their re-asks
                row["prompt_chars_per_document_char"] = round((after["prompt_chars"] - before["prompt_chars"])
                                                              / len(doc.text), 2)
            if c == 8:
                warm, warm_s = timed(lambda: ex.run(doc, plan, concurrency=c))  # noqa: B023  (called at once)
                _, write_s = timed(lambda: write_atomic(work / f"{path.stem}.json", to_json(warm)))  # noqa: B023
                warms.append(warm_s)
                writes.append(write_s)
                row.update(warm_requests=warm.usage.requests, checks=len(result.checks), records=len(result.records))
        wall = statistics.median(walls)
        row[f"c{c}_s"] = round(wall, 3)
        row[f"c{c}_vs_bound"] = round(wall / (math.ceil(len(chunks) / c) * latency), 3)
        if c == 8:
            warm_s = statistics.median(warms)
            row.update(warm_s=round(warm_s, 4), cold_over_warm=round(wall / warm_s, 1),
                       cold_c1_over_warm=round(float(row["c1_s"]) / warm_s, 1),  # type: ignore[arg-type]
                       overhead_s=round(load_s + warm_s + statistics.median(writes), 4))
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.2, help="Seconds the stand-in waits per reply.")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results.json")
    parser.add_argument("--repeat", type=int, default=3, help="Runs per figure; the median is reported.")
    args = parser.parse_args()
    server = StandIn(args.latency)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            rows = [bench_report(p, server, args.latency, Path(tmp), args.repeat) for p in REPORTS]
    finally:
        server.close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    machine = {"python": platform.python_version(), "machine": platform.machine(), "system": platform.system(),
               "cpus": __import__("os").cpu_count(), "processor": platform.processor() or "unknown"}
    results = {"latency_s": args.latency, "repeat": args.repeat, "peak_rss_mb": round(peak_mb, 1), "machine": machine,
               "reports": rows}
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    columns = ["report", "requests", "sent", "c1_vs_bound", "c4_vs_bound", "c8_vs_bound", "c16_vs_bound",
               "cold_over_warm", "cold_c1_over_warm", "warm_requests", "overhead_s", "prompt_chars_per_document_char",
               "user_prompt_chars_per_document_char"]
    print(" | ".join(columns))
    for row in rows:
        print(" | ".join(str(row[c]) for c in columns))
    print(f"peak memory {peak_mb:.0f} MB · latency {args.latency}s per reply · median of {args.repeat} runs · "
          f"results in {args.out}")


if __name__ == "__main__":
    main()
