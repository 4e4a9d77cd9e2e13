"""Real model results without a model: replay the recorded cassettes (cassettes/*.yaml, the
embedded Qwen2.5-Coder-1.5B's answers) through the engine and write one result per report, for
`extractor eval` to measure.

    python bench/cassette_results.py OUT_DIR [--ask-all]
    extractor eval OUT_DIR/lang-son-2026-01-report.json --gold bench/gold/relations.json \
        --figures bench/gold/figures-lang-son-2026-01-report.json

By default, as `extract` does, pieces the deterministic reader settles are not asked (their
recorded exchanges are not played); `--ask-all` asks every piece, as the cassettes were recorded.
Only the sections the cassettes hold can be replayed (2026 report: I, II.1.6, II.2; the OCR'd
conclusion notice: its ten directives). Requests
must match a recorded one exactly (method, path, body); a piece whose request is not on the
cassette fails like any unanswered piece and the result says so. Nothing leaves the machine:
vcrpy answers every request, and the key sent is a placeholder.
"""
from __future__ import annotations

import sys
from pathlib import Path

import vcr

from extractor.document.report import load_document
from extractor.extraction.engine import Extractor
from extractor.llm.client import LLMClient, LLMConfig
from extractor.output.atomic import to_json, write_atomic
from extractor.output.result import Result

ROOT = Path(__file__).resolve().parent.parent
MODEL = "qwen2.5-coder-1.5b-instruct-q4_k_m"
REPLAYS = [  # (cassette, report, sections) as tests/test_cassettes.py recorded them
    ("test_direction_tasks_and_a_warm_rerun.yaml", "lang-son-2026-01-report.txt", ["I"]),
    ("test_budget_section_as_the_small_model_reads_it.yaml", "lang-son-2026-01-report.txt", ["II.1.6"]),
    ("test_cli_extract_flags_a_real_inconsistency_and_honours_the_review.yaml", "lang-son-2026-01-report.txt",
     ["II.2"]),
    ("test_ocr_notice_directives.yaml", "lang-son-2026-01-conclusion-notice-ocr.txt", [str(i) for i in range(1, 11)]),
]


def replay(cassette: str, report: Path, sections: list[str], ask_all: bool = False) -> Result:
    player = vcr.VCR(cassette_library_dir=str(ROOT / "cassettes"), record_mode="none",
                     match_on=["method", "path", "body"], decode_compressed_response=True)
    config = LLMConfig(base_url="http://127.0.0.1:8765/v1", model=MODEL, api_key="sk-replay-placeholder",
                       max_tokens=1024, timeout=900)
    doc = load_document(report)
    with player.use_cassette(cassette, allow_playback_repeats=True):
        engine = Extractor(LLMClient(config, sleep=lambda _: None), model=MODEL, mode="json", cache=None,
                           ask_all=ask_all)
        return engine.run(doc, engine.plan(doc, sections))


def merge(results: list[Result]) -> Result:
    """One result per report: the sections of several replays side by side."""
    first = results[0].model_copy(deep=True)
    for other in results[1:]:
        first.sections += other.sections
        first.records += other.records
        first.checks += other.checks
        first.usage.requests += other.usage.requests
    first.coverage = None  # per replay only; not meaningful once merged
    return first


def main(out_dir: Path, ask_all: bool) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    by_report: dict[str, list[Result]] = {}
    for cassette, report, sections in REPLAYS:
        result = replay(cassette, ROOT / "tests" / "fixtures" / report, sections, ask_all)
        for s in result.sections:
            print(f"{report} {s.id}: {s.status}, {s.records} records, {s.failed_chunks}/{s.chunks} pieces failed")
        by_report.setdefault(report, []).append(result)
    for report, results in by_report.items():
        path = out_dir / (Path(report).stem + ".json")
        write_atomic(path, to_json(merge(results)))
        print(f"wrote {path}")


if __name__ == "__main__":
    args = sys.argv[1:]
    if len(args) not in (1, 2) or args[1:] not in ([], ["--ask-all"]):
        sys.exit("usage: python bench/cassette_results.py OUT_DIR [--ask-all]")
    main(Path(args[0]), ask_all=args[1:] == ["--ask-all"])
