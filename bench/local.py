"""The real embedded model on a sample report, from a cold cache: what a user's first run costs.

    python bench/local.py [REPORT] [--sections I,II.1.6] [--concurrency 1] [--ask-all] [--json OUT] [--result OUT] [--log LOG]
                          [--time-limit S]

Runs `extractor extract` as a user would, in a process of its own, with XDG_CACHE_HOME in a
temporary folder (so no cached reply and a fresh server log), then prints the wall time, the
run's usage (requests, prompt and generated tokens as the server billed them), what llama.cpp's
server reports per request in its log (prompt tokens it really evaluated after reusing the
previous prompt's prefix, prompt and generation tokens/s), records and sections ok/failed,
with the machine's load average before, during (mean, max) and after (other work on the
machine slows it down). EXTRACTOR_THREADS is passed on.
Not a test: it needs the `local` extra and takes minutes.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_REPORT = ROOT / "tests" / "fixtures" / "lang-son-2026-01-report.txt"

_PROMPT = re.compile(r"prompt eval time =\s*([\d.]+) ms /\s*(\d+) tokens")
_EVAL = re.compile(r"(?<!prompt )eval time =\s*([\d.]+) ms /\s*(\d+) tokens")


def server_figures(log: str, billed_prompt_tokens: int) -> dict[str, float]:
    """Sum llama-server's per-request timings (its `print_timing` lines) from the server log.
    The prompt tokens billed but not evaluated are the prefix reused from the previous prompt."""
    prompt = [(float(ms), int(n)) for ms, n in _PROMPT.findall(log)]
    gen = [(float(ms), int(n)) for ms, n in _EVAL.findall(log)]
    prompt_ms, prompt_n = sum(ms for ms, _ in prompt), sum(n for _, n in prompt)
    gen_ms, gen_n = sum(ms for ms, _ in gen), sum(n for _, n in gen)
    return {
        "server_requests": len(prompt),
        "prompt_tokens_evaluated": prompt_n,
        "prefix_tokens_reused": max(0, billed_prompt_tokens - prompt_n),
        "prompt_tokens_per_s": round(prompt_n / prompt_ms * 1000, 1) if prompt_ms else 0.0,
        "generated_tokens_per_s": round(gen_n / gen_ms * 1000, 2) if gen_ms else 0.0,
        "prompt_eval_s": round(prompt_ms / 1000, 1),
        "generation_s": round(gen_ms / 1000, 1),
    }


def run(report: Path, sections: str | None, concurrency: int, ask_all: bool = False,
        keep_log: Path | None = None, time_limit: float | None = None,
        keep_result: Path | None = None) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="bench-local-") as tmp:
        out = Path(tmp) / "out.json"
        env = {**os.environ, "XDG_CACHE_HOME": tmp, "EXTRACTOR_REVIEW_DB": str(Path(tmp) / "review.db")}
        for name in ("OPENAI_BASE_URL", "OPENAI_API_KEY"):
            env.pop(name, None)
        cmd = [sys.executable, "-m", "extractor", "extract", str(report), "-o", str(out),
               "--concurrency", str(concurrency), *(["--sections", sections] if sections else []),
               *(["--ask-all"] if ask_all else [])]
        load_before = os.getloadavg()
        start = time.monotonic()
        proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdin=subprocess.DEVNULL)
        load_during = []  # the 1-minute load average, every 10 s while it runs
        stopped = False
        while proc.poll() is None:
            if time_limit and time.monotonic() - start > time_limit and not stopped:
                proc.send_signal(signal.SIGTERM)  # extract keeps what was answered, exits 130
                stopped = True
            load_during.append(os.getloadavg()[0])
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        wall = time.monotonic() - start
        load_after = os.getloadavg()
        result = json.loads(out.read_text(encoding="utf-8")) if out.is_file() else {}
        log_path = Path(tmp) / "extractor" / "llama-server.log"
        log = log_path.read_text(encoding="utf-8", errors="replace") if log_path.is_file() else ""
        if keep_log:
            keep_log.write_text(log, encoding="utf-8")
        if keep_result and out.is_file():
            keep_result.write_bytes(out.read_bytes())
    usage = result.get("usage", {})
    secs = result.get("sections", [])
    figures: dict[str, object] = {
        "report": report.name, "sections_asked": sections or "all", "concurrency": concurrency,
        "ask_all": ask_all, "stopped_at_time_limit": stopped, "threads": os.environ.get("EXTRACTOR_THREADS") or os.cpu_count(),
        "exit_code": proc.returncode, "wall_s": round(wall, 1),
        "requests": usage.get("requests", 0), "retries": usage.get("retries", 0),
        "prompt_tokens": usage.get("prompt_tokens", 0), "completion_tokens": usage.get("completion_tokens", 0),
        "records": len(result.get("records", [])),
        "sections_ok": sum(s["status"] in ("extracted", "cached") for s in secs),
        "sections_partial": sum(s["status"] == "partial" for s in secs),
        "sections_failed": sum(s["status"] == "failed" for s in secs),
        "pieces": sum(s.get("chunks", 0) for s in secs),
        "pieces_failed": sum(s.get("failed_chunks", 0) for s in secs),
        **server_figures(log, usage.get("prompt_tokens", 0)),
        "load_avg_before": [round(x, 2) for x in load_before],
        "load_avg_after": [round(x, 2) for x in load_after],
        "load_avg_during_mean_max": [round(sum(load_during) / len(load_during), 2), round(max(load_during), 2)]
        if load_during else [],
    }
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("report", nargs="?", type=Path, default=DEFAULT_REPORT)
    parser.add_argument("--sections", help="comma-separated section ids (default: the whole report)")
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--ask-all", action="store_true",
                        help="pass --ask-all: the model is asked every piece, also those the reader settles")
    parser.add_argument("--result", type=Path, help="keep the extraction's JSON result here (for `extractor eval`)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--log", type=Path, help="keep the server log here")
    parser.add_argument("--time-limit", type=float, help="seconds; then stop the run (SIGTERM) and report what it did")
    args = parser.parse_args()
    figures = run(args.report, args.sections, args.concurrency, args.ask_all, args.log, args.time_limit, args.result)
    for key, value in figures.items():
        print(f"{key:26} {value}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
