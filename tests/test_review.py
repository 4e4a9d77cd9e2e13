"""The review store and workflow: flag, decide, re-attach, audit, crash and concurrency safety."""
from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from extractor.extraction.validate import validate_section
from extractor.output.result import Result
from extractor.review.flagging import flag_result, parse_correction
from extractor.review.store import ReviewError, ReviewStore

from .test_validator import BUDGET, TASKS, _budget, passage, tasks_record


def _result(text: str, *records) -> tuple[Result, object]:
    doc = passage(text)
    recs = [r(doc) for r in records]
    result = Result(source="report.txt", content_hash=doc.content_hash, metadata={}, model="m", records=recs,
                    checks=validate_section(doc, "I", recs))
    return result, doc


def _flagged(store: ReviewStore) -> tuple[Result, object]:
    """A perturbed task passage (355 + 25 ≠ 379) and a budget whose parts overrun their total."""
    text = TASKS.replace("354 nhiệm vụ", "355 nhiệm vụ") + " " + BUDGET.replace("783,85", "793,85")
    result, doc = _result(text, lambda d: tasks_record(d, t="355"), lambda d: _budget(d, "793,85"))
    flag_result(store, result, doc)
    return result, doc


def test_flagged_checks_become_items_and_decisions_reattach(tmp_path: Path) -> None:
    store = ReviewStore(tmp_path / "review.sqlite3")
    result, _ = _flagged(store)
    items = store.items("open")
    assert [(i.rule, i.expression) for i in items] == [
        ("identity", "355 + 25 = 380 ≠ 379 ✗"),
        ("parts_total", "793,85 tỷ + 2.043,61 tỷ + 1,0 tỷ = 2.838,46 tỷ > 2.828,46 tỷ ✗")]
    first = items[0]
    assert first.passage[first.check.figures[0].start - first.passage_start:][:12] == "355 nhiệm vụ"

    store.decide(first.id, "approved", who="lan", note="the report says so")
    store.decide(items[1].id, "corrected", who="minh", note="typo in the report",
                 correction=parse_correction(items[1].check, ["parts[0].value=783,85"]))
    again, _ = _flagged(store)  # the same report run again: no new items, decisions re-attached
    assert len(store.items()) == 2 and store.items("open") == []
    tasks, budget = again.records
    assert tasks.figures["completed_on_time"].review == "approved" and tasks.figures["completed"].review == "approved"
    assert tasks.figures["assigned"].review is None  # not in a flagged check
    assert budget.parts[0].figures["value"].corrected_value == "783850000000"
    assert again.checks[0].review["by"] == "lan" and again.checks[0].review["status"] == "approved"


def test_decisions_need_notes_and_are_never_silently_overwritten(tmp_path: Path) -> None:
    store = ReviewStore(tmp_path / "review.sqlite3")
    _flagged(store)
    item = store.items()[0]
    with pytest.raises(ReviewError, match="a note is required"):
        store.decide(item.id, "rejected", who="lan")
    store.decide(item.id, "rejected", who="lan", note="model mixed up the counts")
    assert store.sections_to_reextract(item.content_hash) == {"I"}
    with pytest.raises(ReviewError, match="already rejected by lan"):
        store.decide(item.id, "approved", who="minh")
    store.decide(item.id, "approved", who="minh", note="checked the paper copy", override=True)
    log = store.audit(item.id)
    assert [(e["who"], e["previous_status"], e["new_status"], e["action"]) for e in log] == [
        ("lan", "open", "rejected", "decide"), ("minh", "rejected", "approved", "override")]
    with pytest.raises(ReviewError, match="no review item 99"):
        store.decide(99, "approved", who="x")
    with pytest.raises(ReviewError, match="FIELD one of"):
        parse_correction(item.check, ["nonsense=1"])


WRITER = textwrap.dedent("""
    import sys
    from extractor.review.store import ReviewStore
    store = ReviewStore(__import__("pathlib").Path(sys.argv[1]))
    ids = [int(x) for x in sys.argv[2].split(",")]
    done = 0
    for i in ids:
        try:
            store.decide(i, "approved", who=sys.argv[3], note="bulk")
            done += 1
        except Exception as exc:
            print("refused", i, exc, file=sys.stderr)
    print(done)
""")


def _seed(path: Path, n: int) -> list[int]:
    from extractor.checks.records import make_check
    from extractor.output.result import FigureValue
    store = ReviewStore(path)
    ids = []
    for i in range(n):
        fig = FigureValue(text=f"{i} vụ", value=str(i), number=str(i), decimals=0, kind="count", start=i, end=i + 1)
        check = make_check("doc", "identity", "fail", f"{i} ≠ {i + 1}", [("cases", fig)], section_id="I")
        ids.append(store.flag(check, content_hash="doc", source=None, passage="x" * 10, passage_start=0).id)
    store.close()
    return ids


def test_two_reviewers_at_once_lose_no_decision(tmp_path: Path) -> None:
    path = tmp_path / "review.sqlite3"
    ids = _seed(path, 60)
    mine, theirs = ids[:40], ids[20:]  # 20 items both try to decide
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), ",".join(map(str, part)), who],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for part, who in ((mine, "lan"), (theirs, "minh"))]
    done = [int(p.communicate(timeout=120)[0]) for p in procs]
    store = ReviewStore(path)
    assert store.items("open") == []
    log = store.audit()
    assert len(log) == sum(done) == 60  # each item decided exactly once; the loser of a race was refused
    for item in store.items():
        [entry] = [e for e in log if e["item_id"] == item.id]
        assert entry["who"] == item.decided_by


def test_a_killed_writer_leaves_a_consistent_store(tmp_path: Path) -> None:
    path = tmp_path / "review.sqlite3"
    ids = _seed(path, 400)
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path), ",".join(map(str, ids)), "lan"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # kill it once it is part-way through
        with sqlite3.connect(path) as db:
            if db.execute("SELECT count(*) FROM audit").fetchone()[0] >= 20:
                break
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    store = ReviewStore(path)
    decided = [i for i in store.items() if i.status != "open"]
    log = store.audit()
    assert 20 <= len(decided) == len(log) < 400
    assert {e["item_id"] for e in log} == {i.id for i in decided}
    store.decide(store.items("open")[0].id, "approved", who="minh")  # still writable


def test_a_store_from_the_previous_version_is_migrated_in_place(tmp_path: Path) -> None:
    from extractor.review.store import MIGRATIONS

    path = tmp_path / "review.sqlite3"
    old = sqlite3.connect(path)
    old.executescript(MIGRATIONS[0] + "PRAGMA user_version=1;")
    old.execute("""INSERT INTO items (key, content_hash, rule, severity, expression, check_json, passage,
                   passage_start, first_seen, last_seen) VALUES ('k', 'h', 'identity', 'error', '1 + 1 ≠ 3 ✗',
                   '{"rule": "identity", "category": "source", "status": "fail", "severity": "error",
                     "expression": "1 + 1 ≠ 3 ✗", "key": "k"}', 'p', 0, 'then', 'then')""")
    old.commit()
    old.close()
    store = ReviewStore(path)
    assert store._db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert [i.expression for i in store.items()] == ["1 + 1 ≠ 3 ✗"] and store.result("h") is None


def test_a_run_of_some_sections_replaces_only_those_in_the_kept_result(tmp_path: Path) -> None:
    from extractor.output.result import SectionResult

    store = ReviewStore(tmp_path / "review.sqlite3")
    whole, _ = _result(TASKS, tasks_record)
    whole.sections = [SectionResult(id=s, title=s, kind="direction", status="extracted", chunks=1) for s in ("I", "II")]
    store.save_result(whole)
    again = whole.model_copy(deep=True)
    again.sections, again.records = [whole.sections[1].model_copy(update={"status": "cached"})], []
    again.checks = []
    store.save_result(again)
    kept = store.result(whole.content_hash)
    assert [(s.id, s.status) for s in kept.sections] == [("I", "extracted"), ("II", "cached")]
    assert kept.records == whole.records and kept.checks == [c for c in whole.checks if c.section_id != "II"]
    assert store.documents() == {whole.content_hash: "report.txt"}
