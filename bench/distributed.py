"""Benchmark: reports per minute of `extractor corpus run` on a local Dask cluster of 1, 2 and 4
worker processes, against the stand-in model server with a fixed latency, as a ratio to the ideal;
and what an archive of reports costs in requests, tokens and hours.

    python bench/distributed.py [--latency 0.5] [--copies 2] [--concurrency 4] [--workers 1 2 4]
                                [--archive 10000] [--endpoint-rps 4]

The corpus is the sample reports, each `--copies` times with a line added at its end (another
content hash, so no copy is skipped as done; the model cache is off, so every copy asks the
stand-in). The ideal is what the model's latency alone allows: a report of n pieces at
`--concurrency` pieces in flight takes ceil(n / concurrency) × latency, and W workers share the
reports perfectly (the makespan is the larger of their sum / W and the longest report). The
cluster's start-up is timed apart and left out of the rate (a long run pays it once).

The archive estimate takes the requests of a whole monthly report (its pieces, as planned without
a model: a real model adds a few when a cut-off reply is split) and the tokens per request of the
recorded cassettes (real usage of the small model), and divides by `--endpoint-rps`, the requests
per second the endpoint sustains. Not a test: figures move with the machine's load.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # not bench/: this file's name would hide the `distributed` package

from bench.run import MODEL, REPORTS, StandIn  # noqa: E402
from extractor.corpus.distributed import WorkerSettings, cluster_opener, run_corpus  # noqa: E402
from extractor.document.report import load_document  # noqa: E402
from extractor.extraction.engine import Extractor  # noqa: E402


def pieces(path: Path, sections: tuple[str, ...] | None = None) -> int:
    """Requests a report (or the chosen sections) sends on its first pass: its planned pieces."""
    plan = Extractor(None, model=MODEL, mode="json").plan(load_document(path), sections)
    return sum(len(job.chunks) for job in plan)


def corpus(folder: Path, copies: int) -> list[Path]:
    files = []
    for report in REPORTS:
        text = report.read_text(encoding="utf-8")
        for n in range(copies):
            copy = folder / f"{report.stem}-{n}.txt"
            copy.write_text(f"{text}\n(bản sao {n})\n", encoding="utf-8")
            files.append(copy)
    return files


def _warm() -> None:
    import extractor.corpus.distributed  # noqa: F401  the first task would pay this import


def rate(workers: int, files: list[Path], settings: WorkerSettings, latency: float, work: Path) -> dict[str, float]:
    started = time.perf_counter()
    with cluster_opener(f"local:{workers}")() as client:
        client.run(_warm)
        startup = time.perf_counter() - started
        t = time.perf_counter()
        summary = run_corpus(files, work / f"corpus-{workers}.sqlite", settings, lambda: nullcontext(client))
        wall = time.perf_counter() - t
    if summary.failed or len(summary.done) != len(files):
        raise SystemExit(f"{workers} workers: {len(summary.done)} of {len(files)} done, failed: {summary.failed}")
    each = [math.ceil(pieces(f, settings.sections) / settings.concurrency) * latency for f in files]
    ideal = max(sum(each) / workers, max(each))
    return {"workers": workers, "startup_s": round(startup, 1), "wall_s": round(wall, 1),
            "reports_per_min": round(len(files) * 60 / wall, 1), "ideal_per_min": round(len(files) * 60 / ideal, 1),
            "ratio_to_ideal": round(ideal / wall, 2)}


def cassette_usage() -> tuple[int, float, float]:
    """Recorded requests, and their mean prompt and completion tokens (the model's own count)."""
    usages = []
    for path in sorted((ROOT / "cassettes").glob("*.yaml")):
        for exchange in yaml.safe_load(path.read_text(encoding="utf-8"))["interactions"]:
            if exchange["response"]["status"]["code"] == 200:
                usage = json.loads(exchange["response"]["body"]["string"]).get("usage") or {}
                usages.append((usage.get("prompt_tokens", 0), usage.get("completion_tokens", 0)))
    return len(usages), sum(u[0] for u in usages) / len(usages), sum(u[1] for u in usages) / len(usages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.5, help="Seconds the stand-in waits per reply.")
    parser.add_argument("--copies", type=int, default=2, help="Copies of each sample report in the corpus.")
    parser.add_argument("--concurrency", type=int, default=4, help="Pieces in flight on each worker.")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--sections", help="Only these section ids (comma-separated), for a shorter run.")
    parser.add_argument("--archive", type=int, default=10_000, help="Reports in the archive to cost.")
    parser.add_argument("--endpoint-rps", type=float, default=4.0, help="Requests per second the endpoint sustains.")
    args = parser.parse_args()

    server = StandIn(args.latency)
    rows = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            files = corpus(Path(tmp), args.copies)
            settings = WorkerSettings(base_urls=(server.base_url,), model=MODEL, concurrency=args.concurrency,
                                      no_cache=True, mode="json",
                                      sections=tuple(args.sections.split(",")) if args.sections else None)
            for workers in args.workers:
                rows.append(rate(workers, files, settings, args.latency, Path(tmp)))
                print(json.dumps(rows[-1]), flush=True)
            sent = server.stats()
    finally:
        server.close()
    print(f"{len(files)} reports · latency {args.latency}s · {args.concurrency} pieces in flight per worker · "
          f"stand-in served {sent['requests']} requests in all")

    monthly = [r for r in REPORTS if "report" in r.name]
    per_report = sum(pieces(r) for r in monthly) / len(monthly)
    recorded, prompt, completion = cassette_usage()
    requests = per_report * args.archive
    hours = requests / args.endpoint_rps / 3600
    print(f"archive of {args.archive:,} monthly reports: {per_report:.0f} requests a report "
          f"({', '.join(f'{r.name}: {pieces(r)}' for r in monthly)}) → {requests:,.0f} requests; "
          f"at {prompt:,.0f} prompt + {completion:,.0f} completion tokens a request (mean of {recorded} recorded) → "
          f"{requests * prompt / 1e9:.2f} G prompt + {requests * completion / 1e6:.0f} M completion tokens; "
          f"{hours:,.0f} h at {args.endpoint_rps:g} requests/s ({hours / 24:.1f} days)")


if __name__ == "__main__":
    main()
