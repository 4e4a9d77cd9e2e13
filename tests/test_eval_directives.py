"""The directives measure (`extractor eval --directives`, extractor/eval/directives.py) against the
hand-read gold of the OCR'd conclusion notice (bench/gold/directives-*.json)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from extractor.cli.commands import app
from extractor.document.report import Document
from extractor.eval.directives import load_directive_gold, score_directives
from extractor.output.result import Evidence, Record

ROOT = Path(__file__).resolve().parent.parent
NOTICE_GOLD = ROOT / "bench" / "gold" / "directives-lang-son-2026-01-conclusion-notice-ocr.json"
REPORT_GOLD = ROOT / "bench" / "gold" / "directives-lang-son-2026-01-report.json"


def answer(doc: Document, section_id: str, responsible: list[str], deadline: str | None,
           source: str | None = None) -> Record:
    sec = doc.section(section_id)
    labels: dict[str, object] = {"responsible": responsible, "deadline": deadline}
    if source:
        labels["source"] = source
    return Record(id=f"{section_id}/x", section_id=section_id, chunk_id=section_id, kind="directives",
                  type="directive", labels=labels,
                  evidence=Evidence(quote=doc.text[sec.start:sec.own_end], start=sec.start, end=sec.own_end))


def test_quotes_match_folded_and_by_most_of_their_words(notice: Document) -> None:
    gold = load_directive_gold(NOTICE_GOLD)
    records = [
        # directive 8: one exact, one with its verb ("Giao …"), one cut to its head word (no match), one not a body
        answer(notice, "8", ["Thu truong cac so, ban, nganh", "Giao Van phong UBND tinh", "Chu tich", "ban"], None),
        # directive 10: the deadline without its lead is right; a body with diacritics restored matches
        answer(notice, "10", ["các sở, ban, ngành liên quan"], "30/01/2026"),
        # directive 1 names no body: anything named is wrong; a date where there is none is wrong
        answer(notice, "1", ["cac diém nghén"], "quý I/2026"),
    ]
    t = score_directives(notice, records, gold).totals()
    assert (t["answered"], t["responsible_result"], t["responsible_matched"]) == (3, 6, 3)
    assert (t["responsible_gold"], t["deadline_right"], t["deadline_wrong"], t["deadline_unanswered"]) == (9, 2, 1, 7)
    assert t["precision"] == 3 / 6 and t["recall"] == 3 / 9


def test_the_models_answer_is_scored_where_both_answered(notice: Document) -> None:
    gold = load_directive_gold(NOTICE_GOLD)
    records = [answer(notice, "8", [], None, source="reader"), answer(notice, "8", ["Van phong UBND tinh"], None)]
    [piece] = [p for p in score_directives(notice, records, gold).pieces if p.answered_by]
    assert piece.answered_by == "model" and piece.matched == 1


def test_cli_measures_the_readers_directives(tmp_path: Path) -> None:
    """The reader on the OCR'd notice: it answers only the pieces it is sure of, and there it
    names no body the gold does not and misses no deadline; of the gold's bodies it misses only
    directive 9's "cic sé, nganh" ("các sở, ngành" with two words misread)."""
    out = tmp_path / "notice.json"
    runner = CliRunner()
    done = runner.invoke(app, ["extract", str(ROOT / "tests" / "fixtures" / "lang-son-2026-01-conclusion-notice-ocr.txt"),
                               "--no-model", "-o", str(out)])
    assert done.exit_code == 0, done.output
    done = runner.invoke(app, ["eval", str(out), "--directives", str(NOTICE_GOLD), "--directives", str(REPORT_GOLD),
                               "--json"])
    assert done.exit_code == 0, done.output
    [score] = json.loads(done.output)["directives"]
    t = score["totals"]
    assert score["report"] == "lang-son-2026-01-conclusion-notice-ocr.txt"
    assert t["by_reader"] == t["answered"] >= 5 and t["precision"] == 1.0 and t["deadline_wrong"] == 0
    answered = [p for p in score["pieces"] if p["answered_by"]]
    missed = {p["opens"]: len(p["gold_responsible"]) - p["matched"] for p in answered}
    assert {opens: n for opens, n in missed.items() if n} == {"Yéu cau cic sé, nganh, UBND cac x4": 1}


def test_eval_needs_some_gold_and_a_result_for_directives(tmp_path: Path) -> None:
    for args in (["eval", str(tmp_path / "x.json")],
                 ["eval", "--source", str(ROOT / "tests" / "fixtures" / "lang-son-2026-01-report.txt"),
                  "--directives", str(REPORT_GOLD)]):
        proc = subprocess.run([sys.executable, "-m", "extractor", *args], capture_output=True, text=True)
        assert proc.returncode == 2 and proc.stderr.startswith("error: ") and "Traceback" not in proc.stderr
