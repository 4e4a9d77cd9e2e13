"""The corpus database, canonical indicator keys and series, on results the engine makes from
the sample reports (read by a scripted model, see fakemodel.py) and a copy edited into the
next month."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from extractor.cli.writers import to_jsonl
from extractor.corpus.database import add_results, load_results, rekey, unmatched
from extractor.corpus.indicators import folded, load_table
from extractor.corpus.series import series
from extractor.document.report import load_document, parse_text
from extractor.errors import ExtractorError
from extractor.output.atomic import to_json
from extractor.output.dicts import document_fields, metadata_dict
from extractor.output.result import Result
from extractor.review.flagging import flag_result, parse_correction
from extractor.review.store import ReviewStore

from .conftest import REPORT_2024, REPORT_2026
from .fakemodel import Passage, extract, february_2026, month_2024_01, month_2026_01
from .test_faults import CASSETTE, MODEL

STONE = Passage("Bột đá mài đạt", {"indicators": [{"name": "Bột đá mài", "value": "584,0 tấn", "plan_percent": "8,1%"}]})


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Result]:
    folder = tmp_path_factory.mktemp("months")
    february = folder / "lang-son-2026-02-report.txt"
    replies = february_2026(REPORT_2026, february)
    return {"2026-01": extract(REPORT_2026, month_2026_01() + [STONE]), "2024-01": extract(REPORT_2024, month_2024_01()),
            "2026-02": extract(february, replies)}


def _rows(db: Path, sql: str, *args: object) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, args).fetchall()


def _counts(db: Path) -> dict[str, int]:
    return {t: _rows(db, f"SELECT count(*) FROM {t}")[0][0] for t in ("documents", "sections", "records", "figures", "checks")}


def test_results_go_into_tables_with_foreign_keys_and_re_adding_replaces(corpus: dict[str, Result], tmp_path: Path) -> None:
    db = tmp_path / "corpus.sqlite"
    add_results(db, list(corpus.values()), province="Lạng Sơn")
    first = _counts(db)
    assert first["documents"] == 3 and first["checks"] == sum(len(r.checks) for r in corpus.values())
    # The January 2026 tasks, as the report prints them, with the offsets of "510 nhiệm vụ".
    text = REPORT_2026.read_text(encoding="utf-8")
    (value, start, end, period, indicator), = _rows(db, """
        SELECT f.value, f.start, f.end, f.period, r.indicator FROM figures f JOIN records r ON r.id = f.record_id
        JOIN documents d ON d.id = f.document_id WHERE d.period = '2026-01' AND f.field = 'assigned'
        AND r.record_id NOT LIKE '%#reader%'""")  # the model's tasks (the reader reads them too)
    assert (value, period, indicator) == ("510", "2026-01", "direction.tasks")
    tasks = next(r for r in corpus["2026-01"].records if r.type == "tasks" and "#reader" not in r.id)
    assert tasks.figures["assigned"].start == start and "510" in text[start - 30:end + 30]
    # A part points at its total.
    # A part points at its total (the reader's records have parts of their own: the model's are checked here).
    parts = _rows(db, """SELECT p.indicator, r.indicator FROM records r JOIN records p ON p.id = r.parent_id
                         JOIN documents d ON d.id = r.document_id WHERE d.period = '2024-01'
                         AND p.record_id NOT LIKE '%#reader%'""")
    assert sorted(parts) == [("budget.revenue.total", "budget.revenue.domestic"),
                             ("budget.revenue.total", "budget.revenue.trade")]
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        conn.execute("PRAGMA foreign_keys=ON")
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute("INSERT INTO figures (document_id, record_id, field) VALUES (999, 999, 'x')")
    # The header of the 2024 report names the province; the others took --province.
    assert _rows(db, "SELECT province, issuer FROM documents WHERE period = '2024-01'") == \
        [("Lạng Sơn", "ỦY BAN NHÂN DÂN TỈNH LẠNG SƠN")]

    add_results(db, [corpus["2026-01"]], province="Lạng Sơn")  # the same content hash: replaced, not doubled
    assert _counts(db) == first
    assert len(_rows(db, "SELECT id FROM documents WHERE content_hash = ?", corpus["2026-01"].content_hash)) == 1


def test_a_failed_add_leaves_the_database_as_it_was(corpus: dict[str, Result], tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "corpus.sqlite"
    add_results(db, [corpus["2026-01"]])
    before = _counts(db)
    table = load_table()

    def broken(*args: object, **kwargs: object) -> str:
        raise RuntimeError("disk gone")

    monkeypatch.setattr(type(table), "key_of", broken)
    with pytest.raises(RuntimeError):
        add_results(db, [corpus["2026-01"]])  # the old rows were deleted inside the transaction
    assert _counts(db) == before


def test_results_load_from_json_and_json_lines_and_bad_files_are_one_line(corpus: dict[str, Result],
                                                                          tmp_path: Path) -> None:
    (tmp_path / "one.json").write_text(to_json(corpus["2024-01"]), encoding="utf-8")
    (tmp_path / "all.jsonl").write_text(to_jsonl(list(corpus.values())), encoding="utf-8")
    loaded = load_results([tmp_path / "one.json", tmp_path / "all.jsonl"])
    assert [r.content_hash for r in loaded] == [corpus["2024-01"].content_hash] + [r.content_hash for r in corpus.values()]
    (tmp_path / "bad.json").write_text('{"records": []}', encoding="utf-8")
    with pytest.raises(ExtractorError, match="not an extractor result"):
        load_results([tmp_path / "bad.json"])
    (tmp_path / "notes.sqlite").write_bytes(b"\x00\xff" * 10)
    with pytest.raises(ExtractorError, match="not a usable corpus database"):
        add_results(tmp_path / "notes.sqlite", loaded[:1])


def test_indicator_keys_are_matched_on_folded_names_and_the_unmatched_are_listed(
        corpus: dict[str, Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    table = load_table()
    assert folded("Thu  nội địa;") == "thu noi dia"
    assert table.key_of("part", "THU NỘI ĐỊA", "Quản lý, điều hành ngân sách", "budget.revenue.total") \
        == "budget.revenue.domestic"
    assert table.key_of("part", "Thu nội địa", "", None) is None  # alone, "thu nội địa" is not the budget's part
    # ... but it is in a budget section, where a model may state it without nesting it.
    assert table.key_of("indicator", "Thu nội địa", "Thu, chi ngân sách") == "budget.revenue.domestic"
    assert table.key_of("part", "mật", "", "direction.documents.total") == "direction.documents.confidential"
    # the words about an estimate and a period are not part of the name: "tháng 01/2026", "tháng 01 năm 2026"
    for name in ("Dự ước tổng lượng khách du lịch tháng 01/2026", "tổng lượng khách du lịch tháng 01 năm 2026"):
        assert table.key_of("indicator", name, "Du lịch") == "tourism.visitors.total", name
    db = tmp_path / "corpus.sqlite"
    add_results(db, list(corpus.values()))
    keys = {k for (k,) in _rows(db, "SELECT DISTINCT indicator FROM records WHERE indicator IS NOT NULL")}
    assert {"direction.tasks", "budget.revenue.total", "tourism.visitors.total"} <= keys
    missing = unmatched(db)  # the scripted model's "Bột đá mài", and names the reader took from the prose
    assert "Bột đá mài" in [m["name"] for m in missing]

    grown = tmp_path / "indicators.toml"
    grown.write_text((Path(__file__).parent.parent / "extractor" / "data" / "indicators.toml").read_text(encoding="utf-8")
                     + '\n[[indicator]]\nkey = "industry.abrasive_stone"\nlabel = "Bột đá mài"\nnames = ["bot da mai"]\n',
                     encoding="utf-8")
    monkeypatch.setenv("EXTRACTOR_INDICATORS", str(grown))
    named = _rows(db, "SELECT count(*) FROM records WHERE name = 'Bột đá mài'")[0][0]
    assert rekey(db) == named  # the scripted record and the reader's of the same name
    assert "Bột đá mài" not in [m["name"] for m in unmatched(db)] and len(unmatched(db)) == len(missing) - 1


def test_the_seed_table_is_well_formed() -> None:
    table = load_table()
    assert len(table.entries) >= 30
    seen: dict[tuple[str, str | None, tuple[str, ...]], str] = {}
    for entry in table.entries:
        assert entry.names or entry.types, entry.key
        for name in entry.names:  # one name in one place names one indicator
            assert seen.setdefault((name, entry.parent, entry.titles), entry.key) == entry.key, name


def test_series_over_months_marks_open_reviews_and_uses_corrections(corpus: dict[str, Result], tmp_path: Path) -> None:
    db = tmp_path / "corpus.sqlite"
    add_results(db, list(corpus.values()), province="Lạng Sơn")
    points = series(db, "direction.tasks", province="lang son")
    assert [(p.period, p.value, p.untrusted) for p in points] == [("2026-01", "510", False), ("2026-02", "560", False)]
    assert points[0].source.endswith(REPORT_2026.name)
    assert load_document(REPORT_2026).text[points[0].start:points[0].end] == "510 nhiệm vụ"  # where it stands
    assert [p.value for p in series(db, "direction.tasks", field="completed")] == ["379", "429"]
    revenue = series(db, "budget.revenue.total")
    assert [(p.period, p.value, p.plan_percent, p.change_percent) for p in revenue] == [
        ("2024-01", "702100000000", "9.4", "69.6"), ("2026-01", "2828460000000", "21.15", "190.37"),
        ("2026-02", "3101200000000", "21.15", "190.37")]
    with pytest.raises(ExtractorError, match="no figure of budget.revenue.total in Hà Giang"):
        series(db, "budget.revenue.total", province="Hà Giang")


def test_a_flagged_month_is_marked_until_a_reviewer_corrects_it(corpus: dict[str, Result], tmp_path: Path) -> None:
    """February printed with 401 tasks on time: 401 + 29 ≠ 429, flagged for review as extract does."""
    february = tmp_path / "lang-son-2026-02-report.txt"
    result = extract(february, february_2026(REPORT_2026, february, on_time="401"))
    store = ReviewStore(tmp_path / "review.sqlite3")
    # the edited sum, and the two plan inconsistencies the January text itself carries (kept in the copy)
    assert flag_result(store, result, load_document(february)) == 3
    assert [i.check.rule for i in store.items("open")] == ["identity", "plan_consistency", "plan_consistency"]
    db = tmp_path / "corpus.sqlite"
    add_results(db, [corpus["2026-01"], result], province="Lạng Sơn")
    on_time = series(db, "direction.tasks", field="completed_on_time")
    assert [(p.value, p.review, p.untrusted) for p in on_time] == [("354", None, False), ("401", "open", True)]
    assert series(db, "direction.tasks")[1].untrusted is False  # "assigned" is in no failed check

    item = store.items("open")[0]
    assert item.check.expression == "401 + 29 = 430 ≠ 429 ✗"
    store.decide(item.id, "corrected", who="lan", note="400 in the signed copy",
                 correction=parse_correction(item.check, ["completed_on_time=400"]))
    store.close()
    saved = tmp_path / "february.json"
    saved.write_text(to_json(result), encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "extractor", "corpus", "add", str(saved), "--db", str(db),
                          "--store", str(tmp_path / "review.sqlite3")], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    on_time = series(db, "direction.tasks", field="completed_on_time")
    assert [(p.value, p.review, p.corrected, p.untrusted) for p in on_time] == [
        ("354", None, False, False), ("400", "corrected", True, False)]
    assert on_time[1].printed == "401 nhiệm vụ"
    # The decision is a row of its own, pointing at the check and at the figure it corrected.
    decided = _rows(db, """SELECT c.rule, c.expression, rd.decision, rd.who, rd.note, rd.field, rd.corrected_value,
                                  f.text, f.field, d.period, rd.decided_at IS NOT NULL
                           FROM review_decisions rd JOIN checks c ON c.id = rd.check_id
                           JOIN figures f ON f.id = rd.figure_id JOIN documents d ON d.id = f.document_id""")
    assert decided == [("identity", "401 + 29 = 430 ≠ 429 ✗", "corrected", "lan", "400 in the signed copy",
                        "completed_on_time", "400", "401 nhiệm vụ", "completed_on_time", "2026-02", 1)]
    assert _rows(db, "SELECT count(*) FROM check_figures cf JOIN checks c ON c.id = cf.check_id "
                     "WHERE c.expression = '401 + 29 = 430 ≠ 429 ✗'") == [(3,)]


def test_series_command_prints_the_points_and_draws_a_chart(corpus: dict[str, Result], tmp_path: Path) -> None:
    db = tmp_path / "corpus.sqlite"
    files = []
    for period, result in corpus.items():
        files.append(tmp_path / f"{period}.json")
        files[-1].write_text(to_json(result), encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "extractor", "corpus", "add", *map(str, files), "--db", str(db),
                          "--province", "Lạng Sơn"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and "3 reports" in run.stdout, run.stderr
    run = subprocess.run([sys.executable, "-m", "extractor", "series", "tourism.visitors.total", "--db", str(db),
                          "-o", str(tmp_path / "chart.png")], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "COLUMNS": "200"})
    assert run.returncode == 0, run.stderr
    lines = [line for line in run.stdout.splitlines() if "20" in line and "│" in line]
    assert [line.split("│")[1].strip() for line in lines] == ["2024-01", "2026-01", "2026-02"]
    assert "311" in lines[0] and "397" in lines[1] and "8,4%" in lines[1] and "13,4%" in lines[1]
    png = (tmp_path / "chart.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 10_000
    run = subprocess.run([sys.executable, "-m", "extractor", "corpus", "unmatched", "--db", str(tmp_path / "none.db")],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and run.stderr.count("\n") == 1 and "no such corpus database" in run.stderr


def test_extract_adds_each_report_to_the_corpus_as_it_goes(tmp_path: Path) -> None:
    from bench.replayserver import ReplayServer

    db = tmp_path / "corpus.sqlite"
    with ReplayServer([CASSETTE], fallback=True) as server:
        run = subprocess.run([sys.executable, "-m", "extractor", "extract", str(REPORT_2026), "--sections", "I",
                              "--base-url", server.base_url, "--model", MODEL, "--store", str(tmp_path / "r.db"),
                              "--cache-dir", str(tmp_path / "cache"), "--db", str(db), "-o", str(tmp_path / "r.json")],
                             capture_output=True, text=True, timeout=300)
    assert run.returncode in (0, 1), run.stderr[-2000:]
    assert _rows(db, "SELECT period FROM documents") == [("2026-01",)]
    assert ("510",) in _rows(db, "SELECT f.value FROM figures f JOIN records r ON r.id = f.record_id "
                                 "WHERE r.indicator = 'direction.tasks' AND f.field = 'assigned'")


def test_runs_adding_at_once_queue_and_leave_one_copy_of_each_report(corpus: dict[str, Result], tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    alone = tmp_path / "alone.sqlite"
    add_results(alone, [corpus["2026-01"], corpus["2024-01"]])
    db = tmp_path / "corpus.sqlite"
    add_results(db, [])  # created first, so the writers below race only on the rows
    jobs = [[corpus["2026-01"]], [corpus["2024-01"]]] * 4
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda results: add_results(db, results), jobs))
    assert _counts(db) == _counts(alone)


def test_a_report_of_six_months_is_not_taken_for_a_month_and_its_province_is_read() -> None:
    header = "ỦY BAN NHÂN DÂN TỈNH HÀ GIANG\nSố: 12/BC-UBND\nBÁO CÁO\nTình hình kinh tế - xã hội {}\n" \
             "I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH\nUBND tỉnh giao 20 nhiệm vụ.\n"
    fields = [document_fields(Result(content_hash="0", model="m", metadata=metadata_dict(parse_text(header.format(t)))))
              for t in ("6 tháng đầu năm 2026", "tháng 8 và 8 tháng năm 2025")]
    assert [f["period"] for f in fields] == ["2026-01..06", "2025-08"]
    assert fields[0]["province"] == "Hà Giang" and fields[0]["number"] == "12/BC-UBND"
