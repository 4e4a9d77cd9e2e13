"""Checks across reports, on months made from the January 2026 sample report: a "2026-02" and a
"2025-01" copy with the period and chosen figures edited in the text, read with no model (the
reader's records), added to one corpus."""
from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from extractor.corpus.crosschecks import check_all
from extractor.corpus.crossreview import flag_for_review, listed
from extractor.corpus.database import add_results
from extractor.corpus.series import series
from extractor.document.report import load_document
from extractor.extraction.engine import Extractor
from extractor.output.result import Result
from extractor.review.flagging import parse_correction
from extractor.review.store import ReviewStore

from .conftest import REPORT_2026

# January 2026 prints: tourism 397.000 lượt khách "tăng 13,4% so với cùng kỳ" (a month figure,
# "Trong tháng"); credit 53.400 tỷ đồng "tăng 20,9% so với cùng kỳ"; public hospital visits
# "trong tháng … 93.507 lượt"; and, in a footnote, 318 people "giảm 42,29% so với cùng kỳ (551
# người)" and 269 people applying "giảm 4,27% so với cùng kỳ (281 người)".
YEAR_BEFORE = {  # 2025-01, as January 2026's comparisons say it was, except where noted
    "THÁNG 01 NĂM 2026": "THÁNG 01 NĂM 2025",
    "397.000 lượt khách": "350.000 lượt khách",  # 397.000 / 350.000 = +13,43%: printed 13,4% ✓
    "53.400 tỷ đồng": "40.000 tỷ đồng",  # +33,5%, not the printed 20,9% ✗
    "nghiệp là 318 người": "nghiệp là 551 người",  # 318 / 551 = −42,287%: giảm 42,29% ✓, and the (551) ✓
    "Số người nộp hồ sơ hưởng BHTN": "Số người nộp hồ sơ hưởng trợ cấp",  # another indicator: not checked
}
NEXT_MONTH = {
    "THÁNG 01 NĂM 2026": "THÁNG 02 NĂM 2026",
    "397.000 lượt khách": "420.000 lượt khách",
    "tăng 31,5%.": "tăng 31,5%. Lũy kế 2 tháng, tổng lượng khách du lịch đạt 817.000 lượt khách.",  # 397 + 420 ✓
    "93.507 lượt,": "90.000 lượt,",
    "ngoại trú đạt 6.221 lượt.": "ngoại trú đạt 6.221 lượt. Khám chữa bệnh công lập 2 tháng đầu năm đạt "
                                 "190.000 lượt.",  # 93.507 + 90.000 = 183.507 ✗
}


def _variant(folder: Path, name: str, edits: dict[str, str]) -> Path:
    text = REPORT_2026.read_text(encoding="utf-8")
    for old, new in edits.items():
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _read(path: Path) -> Result:
    """What `extract --no-model` gives: the reader's records and the checks."""
    doc = load_document(path)
    engine = Extractor(None, model="none", mode="none", use_model=False)
    return engine.run(doc, engine.plan(doc, None))


@pytest.fixture(scope="module")
def months(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Result]:
    folder = tmp_path_factory.mktemp("months")
    results = {"2025-01": _read(_variant(folder, "lang-son-2025-01-report.txt", YEAR_BEFORE)),
               "2026-01": _read(REPORT_2026),
               "2026-02": _read(_variant(folder, "lang-son-2026-02-report.txt", NEXT_MONTH))}
    assert {period: (r.metadata["period"]["year"], r.metadata["period"]["month"]) for period, r in results.items()} \
        == {"2025-01": (2025, 1), "2026-01": (2026, 1), "2026-02": (2026, 2)}
    return results


def _by(checks: list[dict], rule: str, indicator: str, period: str) -> list[dict]:
    return [c for c in checks if (c["rule"], c["indicator"], c["period"]) == (rule, indicator, period)]


def test_checks_across_months_hold_or_fail_as_constructed(months: dict[str, Result], tmp_path: Path) -> None:
    db = tmp_path / "corpus.sqlite"
    add_results(db, list(months.values()), province="Lạng Sơn")
    checks = listed(db)

    cum, = _by(checks, "cumulative_months", "tourism.visitors.total", "2026-02")
    assert cum["status"] == "pass"
    assert cum["expression"] == ("397.000 (2026-01, tháng) + 420.000 (2026-02) = 817.000 = "
                                 "817.000 (2026-02, lũy kế 2 tháng) ✓")
    hospital, = _by(checks, "cumulative_months", "health.visits.public", "2026-02")
    assert hospital["status"] == "fail" and "183.507 ≠ 190.000" in hospital["expression"]
    # Both documents and the offsets of every number used.
    feb, jan = (load_document(Path(months[p].source)) for p in ("2026-02", "2026-01"))
    used = {f["role"]: f for f in hospital["figures"]}
    assert used["previous_cumulative"]["period"] == "2026-01" and used["cumulative"]["period"] == "2026-02"
    assert jan.text[used["previous_cumulative"]["start"]:used["previous_cumulative"]["end"]] == "93.507 lượt"
    assert feb.text[used["cumulative"]["start"]:used["cumulative"]["end"]] == "190.000 lượt"
    assert feb.text[used["month"]["start"]:used["month"]["end"]] == "90.000 lượt"

    tourism, = _by(checks, "same_period_change", "tourism.visitors.total", "2026-01")
    assert tourism["status"] == "pass" and tourism["expression"] == \
        "397.000 vs 350.000 (2025-01): +13,429%, printed tăng 13,4% ✓"
    credit, = _by(checks, "same_period_change", "credit.loans", "2026-01")
    assert credit["status"] == "fail" and "53.400 tỷ vs 40.000 tỷ (2025-01): +33,500%, printed tăng 20,9% ✗" in credit["expression"]
    terminated = {c["rule"]: c["status"] for c in checks
                  if c["indicator"] == "labour.unemployment.terminated" and c["period"] == "2026-01"}
    assert terminated == {"same_period_change": "pass", "same_period_base": "pass"}  # a decrease, sign and all
    # What the 2025 copy left as January 2026 prints it cannot be the base of a change: each fails.
    unchanged = [c for c in checks if c["rule"] == "same_period_change" and c["status"] == "fail"
                 and c["indicator"] != "credit.loans"]
    assert len(unchanged) >= 5 and all(": +0,0" in c["expression"] for c in unchanged)

    # Not checked: an indicator the year before does not state under that key, a month with no
    # report the year before (2025-02), and January 2026's cumulative (none needed).
    assert not [c for c in checks if c["indicator"] == "labour.unemployment.applications"]
    assert not [c for c in checks if c["rule"] != "cumulative_months" and c["period"] == "2026-02"]
    assert {c["period"] for c in checks} == {"2026-01", "2026-02"}

    with sqlite3.connect(db) as conn:  # every check figure points at a stored figure of its own document
        assert conn.execute("""SELECT count(*) FROM check_figures cf JOIN figures f ON f.id = cf.figure_id
                               WHERE f.document_id != cf.document_id OR f.start != cf.start""").fetchone() == (0,)
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


def test_a_missing_month_is_not_checked_and_adding_it_later_makes_the_checks(months: dict[str, Result],
                                                                             tmp_path: Path) -> None:
    db = tmp_path / "corpus.sqlite"
    add_results(db, [months["2026-02"], months["2025-01"]], province="Lạng Sơn")
    assert listed(db) == []  # January 2026 is the month both need
    add_results(db, [months["2026-01"]], province="Lạng Sơn")
    made = sorted((c["rule"], c["indicator"], c["status"]) for c in listed(db))
    add_results(db, [months["2026-01"]], province="Lạng Sơn")  # replaced: its checks are made again, not doubled
    assert sorted((c["rule"], c["indicator"], c["status"]) for c in listed(db)) == made
    assert ("cumulative_months", "health.visits.public", "fail") in made
    check_all(db)
    assert sorted((c["rule"], c["indicator"], c["status"]) for c in listed(db)) == made
    other = tmp_path / "other.sqlite"  # another province's January is no base for Lạng Sơn's February
    add_results(other, [months["2026-02"]], province="Lạng Sơn")
    add_results(other, [months["2026-01"]], province="Hà Giang")
    assert listed(other) == []


def test_failing_checks_go_to_review_and_a_correction_reaches_the_series(months: dict[str, Result],
                                                                       tmp_path: Path) -> None:
    db = tmp_path / "corpus.sqlite"
    add_results(db, list(months.values()), province="Lạng Sơn")
    points = series(db, "health.visits.public")
    assert [(p.period, p.value, p.untrusted) for p in points if p.period_kind == "cumulative"] == \
        [("2026-02", "190000", True)]  # in a failing check no one has decided on

    store = ReviewStore(tmp_path / "review.sqlite3")
    failing = [c for c in listed(db) if c["status"] in ("fail", "warn")]
    assert flag_for_review(db, store) == len(failing) and len(store.items("open")) == len(failing)
    item = next(i for i in store.items("open") if i.rule == "cumulative_months")
    assert [f.role for f in item.check.figures] == ["cumulative", "month"]  # the later report's own figures
    assert "93.507" in item.check.expression and "lang-son-2026-01-report.txt" in item.check.message
    feb = load_document(Path(months["2026-02"].source))
    assert "190.000 lượt" in item.passage and feb.text[item.passage_start:].startswith(item.passage)
    store.decide(item.id, "corrected", who="lan", note="183.507 in the signed copy",
                 correction=parse_correction(item.check, ["cumulative=183.507"]))
    assert flag_for_review(db, store) == len(failing) - 1
    store.close()

    with sqlite3.connect(db) as conn:
        rows = conn.execute("""SELECT c.rule, rd.decision, rd.who, rd.field, rd.corrected_value, f.text, d.period
                               FROM review_decisions rd JOIN checks c ON c.id = rd.check_id
                               JOIN figures f ON f.id = rd.figure_id JOIN documents d ON d.id = rd.document_id""")
        assert rows.fetchall() == [("cumulative_months", "corrected", "lan", "cumulative", "183507", "190.000 lượt",
                                    "2026-02")]
    cumulative = [p for p in series(db, "health.visits.public") if p.period_kind == "cumulative"]
    assert [(p.value, p.corrected, p.untrusted) for p in cumulative] == [("183507", True, False)]


def test_corpus_checks_command_lists_and_flags(months: dict[str, Result], tmp_path: Path) -> None:
    from extractor.output.atomic import to_json

    files = []
    for period, result in months.items():
        files.append(tmp_path / f"{period}.json")
        files[-1].write_text(to_json(result), encoding="utf-8")
    db, store = tmp_path / "corpus.sqlite", tmp_path / "review.sqlite3"
    run = subprocess.run([sys.executable, "-m", "extractor", "corpus", "add", *map(str, files), "--db", str(db),
                          "--province", "Lạng Sơn"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    run = subprocess.run([sys.executable, "-m", "extractor", "corpus", "checks", "--db", str(db), "--store", str(store),
                          "--status", "fail"], capture_output=True, text=True, timeout=120,
                         env={"COLUMNS": "120", "PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stderr
    assert "health.visits.public" in run.stdout and "credit.loans" in run.stdout
    assert "tourism.visitors.total" not in run.stdout  # passed: not listed under --status fail
    flagged = ReviewStore(store).items("open")
    assert f"{len(flagged)} failing checks across reports await a reviewer" in run.stdout
    assert {"same_period_change", "cumulative_months", "same_period_base"} == {i.rule for i in flagged}
    run = subprocess.run([sys.executable, "-m", "extractor", "corpus", "checks", "--db", str(db), "--status", "bad"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and run.stderr.count("\n") == 1 and "pass, warn or fail" in run.stderr


def test_a_corpus_of_the_previous_version_is_upgraded_and_checked(months: dict[str, Result], tmp_path: Path) -> None:
    db = tmp_path / "corpus.sqlite"
    add_results(db, list(months.values()), province="Lạng Sơn")
    expected = sorted((c["rule"], c["indicator"], c["period"], c["status"]) for c in listed(db))
    with sqlite3.connect(db) as conn:  # as version 1 wrote it: no precision, no check figures, no decisions
        conn.execute("DROP TABLE review_decisions")
        conn.execute("DROP TABLE check_figures")
        conn.execute("DELETE FROM checks WHERE scope = 'corpus'")
        for table, column in (("figures", "decimals"), ("figures", "qualifier"), ("figures", "range_to"),
                              ("checks", "scope"), ("checks", "indicator")):
            conn.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        conn.execute("PRAGMA user_version=1")
    check_all(db)  # opening upgrades; decimals then come from the printed number where it shows them
    assert sorted((c["rule"], c["indicator"], c["period"], c["status"]) for c in listed(db)) == expected
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (2,)


def test_extract_no_model_into_a_corpus_flags_the_checks_across_reports(tmp_path: Path) -> None:
    """The whole way a user goes: three reports whose header names the province, one
    `extract --no-model --db --store` over their folder."""
    header = "ỦY BAN NHÂN DÂN TỈNH LẠNG SƠN\n\n"
    folder = tmp_path / "reports"
    folder.mkdir()
    for name, edits in (("2025-01", YEAR_BEFORE), ("2026-01", {}), ("2026-02", NEXT_MONTH)):
        path = _variant(tmp_path, f"{name}.txt", edits)
        (folder / f"lang-son-{name}-report.txt").write_text(header + path.read_text(encoding="utf-8"), encoding="utf-8")
    db, store = tmp_path / "corpus.sqlite", tmp_path / "review.sqlite3"
    run = subprocess.run([sys.executable, "-m", "extractor", "extract", str(folder), "--no-model", "-o",
                          str(tmp_path / "out"), "--db", str(db), "--store", str(store)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    checks = listed(db)
    assert {c["province"] for c in checks} == {"Lạng Sơn"}
    assert [c["status"] for c in _by(checks, "cumulative_months", "health.visits.public", "2026-02")] == ["fail"]
    assert [c["status"] for c in _by(checks, "same_period_change", "tourism.visitors.total", "2026-01")] == ["pass"]
    flagged = {(i.rule, Path(i.source or "").name) for i in ReviewStore(store).items("open")
               if i.rule in ("cumulative_months", "same_period_change", "same_period_base")}
    assert ("cumulative_months", "lang-son-2026-02-report.txt") in flagged
    assert ("same_period_change", "lang-son-2026-01-report.txt") in flagged
    assert len(flagged) == len({(c["rule"], Path(c["source"]).name) for c in checks if c["status"] != "pass"})


def test_making_the_checks_again_keeps_the_decisions_taken_on_them(months: dict[str, Result], tmp_path: Path) -> None:
    db = tmp_path / "corpus.sqlite"
    add_results(db, list(months.values()), province="Lạng Sơn")
    store = ReviewStore(tmp_path / "review.sqlite3")
    flag_for_review(db, store)
    item = next(i for i in store.items("open") if i.rule == "cumulative_months")
    store.decide(item.id, "approved", who="lan", note="the signed copy says 190.000")
    flag_for_review(db, store)
    store.close()

    def decided() -> list[tuple]:
        with sqlite3.connect(db) as conn:
            return conn.execute("""SELECT c.key, c.review, rd.decision, rd.who, rd.note FROM checks c
                                   JOIN review_decisions rd ON rd.check_id = c.id""").fetchall()

    before = decided()
    assert [row[1:] for row in before] == [("approved", "approved", "lan", "the signed copy says 190.000")]
    check_all(db)  # as `corpus checks` does
    assert decided() == before
    assert [c["review"] for c in listed(db) if c["rule"] == "cumulative_months" and c["status"] == "fail"] == ["approved"]
