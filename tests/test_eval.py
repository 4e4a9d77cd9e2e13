"""The eval against gold: locating relations on the real sample text, judging the real
deterministic checks, and scoring figure roles on results whose right answer is known."""
from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from extractor.cli.commands import app
from extractor.document.report import Document, parse_text
from extractor.eval.relations import Locator, Relation, expression_numbers, load_relations
from extractor.eval.report import evaluate, gold_report_of, text_checks_only

from .conftest import REPORT_2024, REPORT_2026

GOLD = Path(__file__).parent.parent / "bench" / "gold"
RELATIONS = GOLD / "relations.json"


@pytest.fixture(scope="module")
def relations() -> dict[str, Relation]:
    return {r.id: r for r in load_relations(RELATIONS)}


def starts(doc: Document, rel: Relation) -> list[int]:
    return [f.mention.start for f in Locator(doc).locate(rel).figures]


# Offsets found by hand: str.find on the NFC text of the fixture (each phrase occurs once there).
def test_a_sum_resolves_to_its_printed_figures(report_2026: Document, relations: dict[str, Relation]) -> None:
    # "… giao 510 nhiệm vụ: đã hoàn thành 379 nhiệm vụ, trong đó 354 nhiệm vụ … đúng thời hạn, 25 nhiệm vụ …"
    assert starts(report_2026, relations["2026-01-002"]) == [4826, 4851, 4890]  # 379, 354, 25
    assert starts(report_2026, relations["2026-01-003"]) == [4798, 4826, 4933]  # 510, 379, 131
    assert report_2026.text[4851:4854] == "354" and report_2026.text[4890:4892] == "25"


def test_a_quote_inside_a_footnote_resolves_there(report_2024: Document, relations: dict[str, Relation]) -> None:
    # Footnote 16: "… trả kết quả 13.552 hồ sơ, trong đó: trả trước hạn 1.848 hồ sơ (chiếm 13,64%) …"
    loc = Locator(report_2024).locate(relations["2024-01-057"])
    assert [f.mention.start for f in loc.figures] == [29433, 29458, 29477]
    assert {f.footnote for f in loc.figures} == {16}
    # the computed ratio (1848 / 13552 = 13,6364%) is not looked for: it is printed nowhere
    assert Decimal("13.6364") not in relations["2024-01-057"].numbers() and loc.unresolved == []


def test_footnote_parts_of_a_body_total_are_found(report_2026: Document, relations: dict[str, Relation]) -> None:
    # "khoảng 3.987 ha" in the body; its crops (2.310 ha, 670 ha, …) are in footnote 1.
    loc = Locator(report_2026).locate(relations["2026-01-004"])
    texts = [f.mention.text for f in loc.figures]
    assert texts[0] == "khoảng 3.987 ha" and [f.footnote for f in loc.figures[1:]] == [1] * 5
    assert Decimal(3850) not in relations["2026-01-004"].numbers()  # the computed sum
    assert loc.unresolved == []


def test_a_quote_the_text_lacks_is_unlocated_not_dropped(report_2026: Document,
                                                         relations: dict[str, Relation]) -> None:
    wrong = replace(relations["2026-01-002"], quote="đã hoàn thành 999 nhiệm vụ")
    ev = evaluate(report_2026, [], [wrong], model="-")
    [outcome] = ev.outcomes
    assert outcome.state == "unlocated" and outcome.location.problem == "quote not found in the text"
    assert ev.totals()["unlocated"] == 1 and ev.totals()["relations"] == 1


def test_expression_numbers_leave_out_arithmetic() -> None:
    assert expression_numbers("958 / 970 × 100 = 98.7629% (stated 98.8%)") == \
        [Decimal(958), Decimal(970), Decimal("98.7629"), Decimal("98.8")]
    assert expression_numbers("3.8/2.6132 − 1 = 45.413%") == [Decimal("3.8"), Decimal("2.6132"), Decimal("45.413")]
    # an interval stands for the printed value it brackets; "footnote 3" is no figure
    assert expression_numbers("(115 − b)/b × 100 in [64.25, 64.35]%") == [Decimal(115), Decimal("64.30")]
    assert expression_numbers("footnote 3 lists 12 products") == [Decimal(12)]
    assert expression_numbers("(269 − 281) / 281 × 100 = -4.2705%") == \
        [Decimal(269), Decimal(281), Decimal("4.2705")]


def test_the_computed_side_is_left_out_unless_the_text_states_it(relations: dict[str, Relation]) -> None:
    # "354 + 25 = 379 (stated total 379)": 379 is computed and stated
    assert relations["2026-01-002"].numbers() == [Decimal(354), Decimal(25), Decimal(379)]
    # "13 + 9 = 22 (stated total 26)": 22 is only computed
    assert relations["2024-01-045"].numbers() == [Decimal(13), Decimal(9), Decimal(26)]
    # "min 1.03 <= 14.77 <= max 23.56": 14.77 (gold's `computed`) is the stated index, after "<=", not "="
    assert Decimal("14.77") in relations["2024-01-013"].numbers()


def test_a_report_is_matched_by_its_quotes_without_its_file_name(relations: dict[str, Relation]) -> None:
    doc = parse_text(REPORT_2024.read_text(encoding="utf-8"))
    assert doc.source is None
    assert gold_report_of(doc, list(relations.values())) == "lang-son-2024-01-report.txt"
    unrelated = parse_text("I. CÔNG TÁC CHỈ ĐẠO\nĐã ban hành 12 văn bản.\n")
    assert gold_report_of(unrelated, list(relations.values())) is None


# ---- verdicts, on the real deterministic checks of the real report

@pytest.fixture(scope="module")
def baseline_checks(report_2026: Document):
    return text_checks_only(report_2026)


def outcome(doc: Document, checks, rel: Relation):
    [o] = evaluate(doc, checks, [rel], model="-").outcomes
    return o


def test_the_baseline_catches_the_sign_error_and_passes_what_holds(report_2026: Document, baseline_checks,
                                                                   relations: dict[str, Relation]) -> None:
    ev = evaluate(report_2026, baseline_checks, list(relations.values()), model="-")
    state = {o.location.relation.id: o.state for o in ev.outcomes}
    # "402 người giảm 3,34% so với cùng kỳ (389 người)": an increase printed as giảm (gold: false)
    assert state["2026-01-044"] == "caught"
    assert state["2026-01-043"] == "right" and state["2026-01-027"] == "right"
    # the reader reads "đã hoàn thành 379 nhiệm vụ, trong đó: 354 … 25 …": the sum is reached and holds
    assert state["2026-01-002"] == "right"
    # the derived plan relations (implied dự toán of total vs parts) hold: the plan check that
    # holds all six of their figures decides them, not the growth check on the same amounts
    assert state["2026-01-020"] == state["2026-01-021"] == "right"
    assert state["2026-01-022"] == "caught"  # that growth check: 190,37% printed, parts allow ≤ 189,3%
    assert ev.totals()["false_flags"] == 0
    # the change check holds all three figures of the relation: 402, 3,34% and 389
    [caught] = [o for o in ev.outcomes if o.location.relation.id == "2026-01-044"]
    assert caught.covered == len(caught.location.figures) == 3


def test_verdicts_against_each_kind_of_gold_answer(report_2026: Document, baseline_checks,
                                                   relations: dict[str, Relation]) -> None:
    holds, wrong = relations["2026-01-043"], relations["2026-01-044"]
    # the same checks, judged against a gold that says the opposite
    assert outcome(report_2026, baseline_checks, replace(holds, holds=False)).state == "missed"
    assert outcome(report_2026, baseline_checks, replace(wrong, holds=True)).state == "false flag"
    # undecidable gold: a failing error check is wrong, a pass is fine, a warning is fine
    assert outcome(report_2026, baseline_checks, replace(wrong, holds=None)).right is False
    assert outcome(report_2026, baseline_checks, replace(holds, holds=None)).right is True
    [fail] = [c for c in baseline_checks if c.expression.startswith("402 vs 389")]
    warn = fail.model_copy(update={"status": "warn", "severity": "warning"})
    assert outcome(report_2026, [warn], replace(wrong, holds=None)).right is True
    assert outcome(report_2026, [warn], wrong).state == "caught"  # a warning is a flag


def test_a_check_of_another_kind_does_not_reach(report_2026: Document, baseline_checks,
                                                relations: dict[str, Relation]) -> None:
    as_sum = replace(relations["2026-01-044"], kind="sum")
    assert outcome(report_2026, baseline_checks, as_sum).state == "not reached"


def test_a_flag_no_gold_relation_explains_is_listed(report_2026: Document, baseline_checks,
                                                    relations: dict[str, Relation]) -> None:
    others = [r for r in relations.values() if r.id != "2026-01-044"]
    ev = evaluate(report_2026, baseline_checks, others, model="-")
    assert [c.expression for c in ev.unmatched_flags] == ["402 vs 389: 3,3419%, printed giảm 3,34% ✗"]


# ---- the command

def test_cli_baseline_json_and_table() -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["eval", "--source", str(REPORT_2026), "--gold", str(RELATIONS), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    [report] = data["reports"]
    assert report["report"] == "lang-son-2026-01-report.txt" and len(report["relations"]) == 52
    # the six source errors the gold lists for this report, caught with no model
    assert sorted(r["id"] for r in report["relations"] if r["state"] == "caught") == [
        "2026-01-014", "2026-01-016", "2026-01-022", "2026-01-026", "2026-01-044", "2026-01-052"]
    table = runner.invoke(app, ["eval", "--source", str(REPORT_2026), "--gold", str(RELATIONS)])
    assert table.exit_code == 0 and "2026-01-044" in table.stdout and "caught" in table.stdout


def test_cli_bad_inputs_are_one_line_errors(tmp_path: Path) -> None:
    bad = tmp_path / "gold.json"
    bad.write_text("{not json", encoding="utf-8")
    for args in (["eval", "--source", str(REPORT_2026), "--gold", str(bad)],
                 ["eval", str(tmp_path / "missing.json"), "--gold", str(RELATIONS)],
                 ["eval", "--gold", str(RELATIONS)]):
        proc = subprocess.run([sys.executable, "-m", "extractor", *args], capture_output=True, text=True)
        assert proc.returncode == 2 and proc.stderr.startswith("error: ") and "Traceback" not in proc.stderr


# ---- figure roles, on records whose right answer is known by construction

FIGURES_2026 = GOLD / "figures-lang-son-2026-01-report.json"


def test_every_gold_figure_is_placed_on_the_text(report_2026: Document, report_2024: Document) -> None:
    from extractor.eval.figures import load_figure_gold, locate_figure
    from extractor.eval.relations import CollapsedText

    for doc, name in ((report_2026, "2026"), (report_2024, "2024")):
        gold = load_figure_gold(GOLD / f"figures-lang-son-{name}-01-report.json")
        collapsed = CollapsedText(doc.text)
        for g in gold.figures:
            at = locate_figure(doc, collapsed, g)
            assert at is not None and doc.text.startswith(g.number, at), g


def record(doc: Document, rid: str, section: str, figures: dict[str, int],
           parts: tuple[dict[str, int], ...] = (), kind: str = "test", rtype: str = "test"):
    """A record whose figures are the document's own mentions at the given (hand-found) offsets."""
    from extractor.output.figures import figure_value
    from extractor.output.result import Record

    at = {f.mention.start: f for f in doc.figures}

    def make(i: str, figs: dict[str, int], subparts: tuple[dict[str, int], ...] = ()) -> Record:
        return Record(id=i, section_id=section, chunk_id=f"{section}#1", kind=kind, type=rtype,
                      figures={name: figure_value(at[start]) for name, start in figs.items()},
                      parts=[make(f"{i}.p{j}", p) for j, p in enumerate(subparts)])

    return make(rid, figures, parts)


def test_figure_roles_are_scored_by_offset_field_and_aligned_record(report_2026: Document) -> None:
    from extractor.eval.figures import load_figure_gold, score_figures

    doc = report_2026
    # Offsets by str.find on the NFC text: 510/379/354/25/131 nhiệm vụ, "hơn 2.530", "62 văn bản",
    # "5 năm 2026" (a plan's name: no data), "2.828,46 tỷ", "21,15%" (central estimate), "20,99%" (provincial).
    tasks = record(doc, "t", "I", {"assigned": 4798, "completed": 4826, "completed_on_time": 4851,
                                   "completed_late": 4890, "pending": 4933})
    documents = record(doc, "d", "I", {"total": 4440}, parts=({"value": 4474}, {"value": 4933}))  # 131 is a task
    noise = record(doc, "n", "I", {"value": 136})
    revenue = record(doc, "r", "II.1.6", {"value": 14184, "plan_percent": 14206, "change_percent": 14242})
    score = score_figures(doc, [tasks, documents, noise, revenue], load_figure_gold(FIGURES_2026),
                          extracted={"I", "II.1.6"})
    direction, budget = score.by_kind["direction"], score.by_kind["budget"]
    # section I: 15 figures with a role (2 election boards, the total, 7 kinds of documents, 5 task counts)
    assert (direction.gold, direction.predicted, direction.right, direction.found) == (15, 9, 7, 7)
    assert direction.taken == 7  # 131 is held twice (once rightly); "5 năm" has no role to take
    # budget: an unspecific plan share is right for the central estimate; 20,99% is no change
    assert (budget.gold, budget.predicted, budget.right, budget.found, budget.taken) == (24, 3, 2, 2, 3)
    assert (score.by_field["part.value"].predicted, score.by_field["part.value"].right) == (2, 1)
    assert score.by_field["pending"].found == 1  # the tasks record gave 131 its role
    assert set(score.by_kind) == {"direction", "budget"}
    assert sorted(score.not_extracted) == ["II.1.2", "II.2", "II.7"]
    wrong = {(m["text"].split()[0], m["field"]) for m in score.mistakes}
    assert wrong == {("131", "part.value"), ("5", "value"), ("20,99%", "change_percent")}


def test_cli_measures_figure_roles_of_a_result(report_2026: Document, tmp_path: Path) -> None:
    from extractor.output.atomic import to_json
    from extractor.output.result import Result, SectionResult

    tasks = record(report_2026, "t", "I", {"assigned": 4798, "completed": 4826, "completed_on_time": 4851,
                                           "completed_late": 4890, "pending": 4933}, kind="direction", rtype="tasks")
    result = Result(source=str(REPORT_2026), content_hash=report_2026.content_hash, metadata={}, model="hand",
                    sections=[SectionResult(id="I", title="x", kind="direction", status="extracted", chunks=1)],
                    records=[tasks])
    path = tmp_path / "r.json"
    path.write_text(to_json(result), encoding="utf-8")
    res = CliRunner().invoke(app, ["eval", str(path), "--gold", str(RELATIONS), "--figures", str(FIGURES_2026),
                                   "--json"])
    assert res.exit_code == 0, res.output
    figures = json.loads(res.stdout)["reports"][0]["figures"]
    assert figures["total"] == {"gold": 15, "taken": 5, "found": 5, "predicted": 5, "right": 5, "precision": 1.0,
                                "recall": 0.333}
    assert json.loads(res.stdout)["totals"]["reached"] == 0  # the result carries no checks
    # --recheck runs today's checks on its records: the task identities reach two gold sums
    rechecked = CliRunner().invoke(app, ["eval", str(path), "--gold", str(RELATIONS), "--recheck", "--json"])
    states = {r["id"]: r["state"] for r in json.loads(rechecked.stdout)["reports"][0]["relations"]}
    assert states["2026-01-002"] == states["2026-01-003"] == "right"
    # a figure gold for a report not measured here is an error, not silently unused
    other = CliRunner().invoke(app, ["eval", str(path), "--gold", str(RELATIONS), "--figures",
                                     str(GOLD / "figures-lang-son-2024-01-report.json")])
    assert other.exit_code != 0 and "matches no report evaluated here" in str(other.exception)


@pytest.mark.block_network
def test_a_replayed_model_result_is_measured(report_2026: Document, relations: dict[str, Relation]) -> None:
    """bench/cassette_results.py: the recorded model's reading of section I, judged against the gold."""
    from bench.cassette_results import replay

    result = replay("test_direction_tasks_and_a_warm_rerun.yaml", REPORT_2026, ["I"])
    assert result.sections[0].status == "extracted"
    ev = evaluate(report_2026, result.checks, list(relations.values()), model=result.model, records=result.records)
    state = {o.location.relation.id: o.state for o in ev.outcomes}
    assert state["2026-01-002"] == state["2026-01-003"] == "right"  # the task identities, read by the model
    assert state["2026-01-044"] == "not reached"  # section II.2 was not extracted
