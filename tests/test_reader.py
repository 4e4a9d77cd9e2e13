"""The deterministic reader on the sample reports' own sentences, and the checks it feeds.

Every expectation below was read off the report text by hand: the offsets are where the
printed figure stands (found with `str.index` on a phrase that occurs once), never what the
reader returned.
"""
from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

from typer.testing import CliRunner

from extractor.cli.commands import app
from extractor.document.report import Document, parse_text
from extractor.extraction.engine import Extractor
from extractor.extraction.validate import validate_section
from extractor.output.result import Check, Record
from extractor.reading.checks import check_reader_records
from extractor.reading.reader import is_reader_record, read_section

from .conftest import REPORT_2026


def at(doc: Document, phrase: str, within: str = "") -> int:
    """Offset of `phrase` in the report (inside the passage `within`, if given), whitespace runs
    and line breaks matching a space; the passage must occur once."""
    def pattern(text: str) -> str:
        return r"\s+".join(map(re.escape, text.split()))

    anchors = list(re.finditer(pattern(within or phrase), doc.text))
    assert len(anchors) == 1, within or phrase
    return re.compile(pattern(phrase)).search(doc.text, anchors[0].start()).start()


def walk(records: list[Record]) -> list[Record]:
    return [x for r in records for x in [r, *walk(r.parts)]]


def record_at(doc: Document, section_id: str, start: int) -> Record:
    [rec] = [r for r in walk(read_section(doc, section_id)) if r.figures.get("value") and r.figures["value"].start == start]
    return rec


def comparisons(rec: Record) -> dict[str, tuple[int, str]]:
    return {role: (f.start, f.text) for role, f in rec.figures.items() if role != "value"}


def checks_of(doc: Document, section_id: str, rule: str) -> list[Check]:
    return [c for c in validate_section(doc, section_id, []) if c.rule == rule]


def passage(text: str) -> Document:
    return parse_text("I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH\n" + text + "\n")


# --- What the reader finds in the January 2026 report -------------------------------------------

def test_tourism_total_with_plan_same_period_and_two_parts(report_2026: Document) -> None:
    doc = report_2026
    sentence = "khách du lịch đạt 397.000 lượt khách, đạt 8,4% kế hoạch"
    rec = record_at(doc, "II.1.3", at(doc, "397.000", sentence))
    assert rec.labels["source"] == "reader" and rec.type == "indicator"
    assert "tổng lượng khách du lịch" in rec.name
    assert comparisons(rec) == {"plan_percent": (at(doc, "8,4%", sentence), "8,4%"),
                                "change_percent": (at(doc, "13,4%", "tăng 13,4% so với cùng kỳ"), "13,4%")}
    assert rec.labels["change_basis"] == "same_period" and rec.labels["change_direction"] == "increase"
    assert rec.parts_complete is False  # "trong đó:"
    intl, home = rec.parts
    assert (intl.name, intl.figures["value"].start) == ("Khách quốc tế", at(doc, "19.000 lượt"))
    assert comparisons(intl) == {"plan_percent": (at(doc, "3,5%", "19.000 lượt, đạt 3,5%"), "3,5%"),
                                 "change_percent": (at(doc, "35,7%"), "35,7%")}
    assert home.name == "khách trong nước" and home.figures["value"].start == at(doc, "378.000")
    assert Decimal(home.figures["value"].value) == 378000 and home.figures["value"].qualifier is None  # "nước" ≠ "ước"


def test_budget_revenue_with_central_and_provincial_plan(report_2026: Document) -> None:
    doc = report_2026
    rec = record_at(doc, "II.1.6", at(doc, "2.828,46"))
    assert comparisons(rec) == {
        "plan_percent_central": (at(doc, "21,15%"), "21,15%"),
        "plan_percent_provincial": (at(doc, "20,99%"), "20,99%"),
        "change_percent": (at(doc, "190,37%"), "190,37%")}
    assert rec.labels["period"] == "month" and rec.parts_complete is False
    assert [p.figures["value"].start for p in rec.parts] == [at(doc, "783,85"), at(doc, "2.043,61"), at(doc, "1,0 tỷ")]
    assert comparisons(rec.parts[1]) == {"plan_percent": (at(doc, "21,29%"), "21,29%"),  # "dự toán", basis unnamed
                                         "change_percent": (at(doc, "230,86%"), "230,86%")}
    assert rec.parts[1].name == "thu từ hoạt động xuất nhập khẩu"


def test_parts_in_a_footnote_cited_at_the_total(report_2026: Document) -> None:
    doc = report_2026
    rec = record_at(doc, "II.1.1", at(doc, "khoảng 3.987 ha"))
    assert comparisons(rec) == {"plan_percent": (at(doc, "8,6%", "3.987 ha, đạt 8,6%"), "8,6%"),
                                "same_period_percent": (at(doc, "105,2%"), "105,2%")}
    # Footnote 1: "Chủ yếu là rau, đậu các loại (2.310 ha), khoai tây (670 ha), …": a partial list.
    assert rec.labels["parts_footnote"] == "1" and rec.parts_complete is False
    assert [p.figures["value"].text for p in rec.parts] == ["2.310 ha", "670 ha", "390 ha", "130 ha", "350 ha"]
    assert rec.parts[0].figures["value"].start == at(doc, "2.310 ha")
    # Footnote 10 opens with "Gồm": the list is complete.
    channels = record_at(doc, "II.3", at(doc, "102 kênh"))
    assert channels.parts_complete is True and [p.figures["value"].text for p in channels.parts] == [
        "46 kênh", "5 kênh", "37 kênh", "14 kênh"]


def test_a_unit_past_a_page_break_and_a_list_ended_by_a_new_clause(report_2026: Document) -> None:
    doc = report_2026
    # "758,8 tỷ" ends a page; "đồng" starts the next one, after the footnote zone.
    rec = record_at(doc, "II.1.4", at(doc, "7.554,6"))
    assert comparisons(rec) == {"plan_percent_central": (at(doc, "119,6%"), "119,6%")}
    assert [(p.figures["value"].start, p.figures["value"].unit) for p in rec.parts] == [
        (at(doc, "758,8"), "đồng"), (at(doc, "6.795,8"), "đồng")]
    # "3,63 tỷ đồng, trong đó: Tiền phạt … 2,98 tỷ đồng, … 645,50 triệu đồng; trị giá tang vật tịch
    # thu 6,04 tỷ đồng": parts separated by commas end at the semicolon.
    fines = record_at(doc, "II.5", at(doc, "3,63 tỷ"))
    assert [p.figures["value"].start for p in fines.parts] == [at(doc, "2,98 tỷ"), at(doc, "645,50")]


def test_change_against_a_base_printed_in_brackets(report_2026: Document) -> None:
    doc = report_2026
    rec = record_at(doc, "II.1.5", at(doc, "83,38 điểm"))
    assert comparisons(rec) == {"change_amount": (at(doc, "gần 12 điểm"), "gần 12 điểm"),
                                "previous_value": (at(doc, "71,41 điểm"), "71,41 điểm")}
    [check] = checks_of(doc, "II.1.5", "change_amount")
    assert check.status == "pass" and check.expression == "83,38 vs 71,41: 11,97, printed tăng 12 ✓"


# --- ... and in the January 2024 report ----------------------------------------------------------

def test_shares_that_make_the_whole_close_the_list() -> None:
    # Parts listed with their shares and no opening words: the first two make 100%, so the third
    # share is of the whole, not a third part.
    doc = passage("Tiếp nhận và xử lý 1.000 vụ việc, hòa giải thành 600 vụ (chiếm 60%), chuyển cơ quan "
                  "khác 400 vụ (chiếm 40%), có yếu tố nước ngoài 30 vụ (chiếm 3%).")
    rec = record_at(doc, "I", at(doc, "1.000 vụ"))
    assert rec.parts_complete is True
    assert [p.figures["value"].start for p in rec.parts] == [at(doc, "600 vụ"), at(doc, "400 vụ")]
    assert [p.figures["share_percent"].text for p in rec.parts] == ["60%", "40%"]


def test_export_total_with_its_plan_change_and_parts(report_2024: Document) -> None:
    doc = report_2024
    rec = record_at(doc, "II.1.2", at(doc, "ước đạt 480 triệu USD"))
    assert comparisons(rec) == {"plan_percent": (at(doc, "9,4%", "480 triệu USD, đạt 9,4%"), "9,4%"),
                                "change_percent": (at(doc, "74,5%"), "74,5%")}
    assert [p.name for p in rec.parts] == ["xuất khẩu", "nhập khẩu"]


# --- Source errors of the samples are flagged; correct sentences are not --------------------------

def test_real_source_errors_of_the_2026_report_are_flagged(report_2026: Document) -> None:
    doc = report_2026
    [disbursed, disbursed_2026] = checks_of(doc, "II.1.4", "plan_consistency")
    # 758,8 / 137,2% + 6.795,8 / 107% = 6.904,4 tỷ of plan: 7.554,6 is 109,4%, not the printed 119,6%.
    assert disbursed.status == "fail" and "printed 119,6%" in disbursed.expression
    assert {f.start for f in disbursed.figures} == {at(doc, "7.554,6"), at(doc, "119,6%"), at(doc, "758,8"),
                                                    at(doc, "137,2%"), at(doc, "6.795,8"), at(doc, "107%")}
    # 80 / 4,4% + 70 / 13,2% = 2.348,8 tỷ of plan: 150 tỷ is 6,4% of it, not 7,9%.
    assert disbursed_2026.status == "fail" and "printed 7,9%" in disbursed_2026.expression
    # Revenue "tăng 190,37%" while its parts grew 117,78% and 230,86%: at most +189,3% together.
    growth = [c for c in checks_of(doc, "II.1.6", "growth_consistency") if c.status == "fail"]
    assert [c.figures[1].start for c in growth] == [at(doc, "190,37%")]
    # "đã có 44/65 xã, phường hoàn thành …, đạt 67,6%": 44/65 is 67,69%, cut instead of rounded.
    [sports] = [c for c in checks_of(doc, "II.2", "fraction") if c.figures[0].start == at(doc, "44/65")]
    assert sports.status == "warn" and sports.figures[1].start == at(doc, "67,6%")


def test_consistent_totals_of_the_samples_pass(report_2026: Document, report_2024: Document) -> None:
    revenue = checks_of(report_2026, "II.1.6", "plan_consistency")
    assert [c.status for c in revenue] == ["pass", "pass", "pass"]  # revenue: central, provincial; spending
    tourism = checks_of(report_2026, "II.1.3", "growth_consistency")
    assert [c.status for c in tourism] == ["pass"]
    assert all(c.status == "pass" for c in checks_of(report_2024, "II.1.6", "plan_consistency")
               + checks_of(report_2024, "II.1.6", "growth_consistency"))


def test_small_counts_whose_change_no_whole_number_gives(report_2024: Document) -> None:
    doc = report_2024
    flagged = {c.figures[0].start: c for c in checks_of(doc, "II.1.5", "whole_base")}
    # "74 doanh nghiệp, …, tăng 2,1%": 72 gives 2,78%, 73 gives 1,37%: no count of last year gives 2,1%.
    first = flagged[at(doc, "74 doanh nghiệp")]
    assert first.status == "fail" and "72 → 2,778%, 73 → 1,370%" in first.expression
    # "Đã khởi tố 64 vụ, tăng 1,59%": 63 cases last year give it.
    [cases] = [c for c in checks_of(doc, "II.5", "whole_base") if c.figures[0].start == at(doc, "64 vụ")]
    assert cases.status == "pass" and "63 gives it" in cases.expression


def test_a_plan_exceeded_is_not_a_part_above_its_whole() -> None:
    doc = passage("Trong tháng, đón 84.934/68.228 lượt khách theo kế hoạch, đạt 124,5%.")
    [check] = validate_section(doc, "I", [])
    assert (check.rule, check.status) == ("fraction", "pass")  # 124,49%: no "more than the whole"
    checks = validate_section(passage("Trong tháng, tiêm đủ 84.934/68.228 trẻ, đạt 24,5%."), "I", [])
    assert [(c.rule, c.status) for c in checks] == [("percent_range", "fail"), ("fraction", "fail")]


# --- One test per rule, on constructed sentences --------------------------------------------------

def rules(doc: Document) -> list[tuple[str, str]]:
    return [(c.rule, c.status) for c in check_reader_records(read_section(doc, "I"), doc.content_hash)]


def test_plan_consistency_complete_list_is_exact_partial_list_is_a_bound() -> None:
    text = ("Tổng vốn giải ngân đạt 300 tỷ đồng, đạt {t}% kế hoạch, gồm: vốn trong nước 100 tỷ đồng, đạt 10% "
            "kế hoạch; vốn nước ngoài 200 tỷ đồng, đạt 20% kế hoạch.")
    # Plans 1.000 + 1.000 = 2.000 tỷ: the total is 15% of it.
    assert rules(passage(text.format(t="15"))) == [("parts_total", "pass"), ("plan_consistency", "pass")]
    assert rules(passage(text.format(t="12"))) == [("parts_total", "pass"), ("plan_consistency", "fail")]
    partial = passage(text.format(t="12").replace("gồm", "trong đó"))
    assert rules(partial) == [("parts_total", "pass"), ("plan_consistency", "pass")]  # 12% ≤ 15%
    # Printed whole, 10% may be 9,5%: the parts' plans are at least 1.921 tỷ, the total at most 15,6% of it.
    above = passage(text.format(t="17").replace("gồm", "trong đó"))
    assert rules(above) == [("parts_total", "pass"), ("plan_consistency", "fail")]  # the rest cannot raise it


def test_growth_consistency_uses_the_implied_same_period_values() -> None:
    text = ("Doanh thu đạt 330 tỷ đồng, tăng {t}% so với cùng kỳ, gồm: doanh thu A 110 tỷ đồng, tăng 10%; "
            "doanh thu B 220 tỷ đồng, tăng 10%.")
    assert rules(passage(text.format(t="10"))) == [("parts_total", "pass"), ("growth_consistency", "pass")]
    assert rules(passage(text.format(t="12"))) == [("parts_total", "pass"), ("growth_consistency", "fail")]


def test_share_of_a_listed_part_and_a_list_past_its_total() -> None:
    doc = passage("Tiếp nhận 1.000 hồ sơ, trong đó trực tuyến 700 hồ sơ (chiếm 70%), trực tiếp 300 hồ sơ (chiếm 35%).")
    assert rules(doc) == [("parts_total", "pass"), ("share", "pass"), ("share", "fail")]
    doc = passage("Tiếp nhận 1.000 hồ sơ, trong đó: trực tuyến 700 hồ sơ, trực tiếp 400 hồ sơ.")
    assert rules(doc) == [("parts_total", "fail")]


def test_change_from_a_printed_amount_and_percentage() -> None:
    assert rules(passage("Xảy ra 30 vụ (tăng 10 vụ, tăng 50%).")) == [("change", "pass")]
    assert rules(passage("Xảy ra 30 vụ (giảm 10 vụ, giảm 20%).")) == [("change", "fail")]  # 10 / 40 = 25%


def test_a_model_record_of_a_figure_the_reader_settled_is_not_checked_twice() -> None:
    doc = passage("Tiếp nhận 1.000 hồ sơ, trong đó: trực tuyến 700 hồ sơ, trực tiếp 400 hồ sơ.")
    [reader] = read_section(doc, "I")
    model = reader.model_copy(update={"id": "I#1/indicators[0]", "labels": {}})
    checks = validate_section(doc, "I", [model])
    assert [(c.rule, c.status, c.record_id) for c in checks] == [("parts_total", "fail", reader.id)]


def test_extract_without_a_model(tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    run = CliRunner().invoke(app, ["extract", "--no-model", str(REPORT_2026), "-o", str(out),
                                   "--store", str(tmp_path / "review.sqlite3"), "--sections", "II.1.6"])
    assert run.exit_code == 0, run.output
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["usage"]["requests"] == 0 and result["sections"][0]["status"] == "extracted"
    assert {r["labels"]["source"] for r in result["records"]} == {"reader"}
    failed = [c["expression"] for c in result["checks"] if c["status"] == "fail"]
    assert len(failed) == 1 and "printed 190,37%" in failed[0]
    again = CliRunner().invoke(app, ["validate", str(out), "--json", "--store", str(tmp_path / "none.sqlite3")])
    assert [c["key"] for c in json.loads(again.stdout)] == [c["key"] for c in result["checks"]]
    assert all(is_reader_record(Record.model_validate(r)) for r in result["records"])


def test_parts_in_brackets_and_parts_counting_a_shorter_noun(report_2026: Document) -> None:
    doc = report_2026
    # "đã có 42.279 người được nhận quà (qua tài khoản … là 1.684 người; chi trả bằng tiền mặt là 40.595 người)"
    rec = record_at(doc, "II.2", at(doc, "42.279 người", "đã có 42.279 người"))
    assert [p.figures["value"].start for p in rec.parts] == [at(doc, "1.684"), at(doc, "40.595")]
    [check] = [c for c in checks_of(doc, "II.2", "parts_total") if c.record_id == rec.id]
    assert check.status == "pass" and check.expression == "1.684 + 40.595 = 42.279 ≤ 42.279 ✓"
    # "397.000 lượt khách, …, trong đó: Khách quốc tế 19.000 lượt, …": "lượt" adds into "lượt khách".
    [tourists] = [c for c in checks_of(doc, "II.1.3", "parts_total")]
    assert tourists.expression == "19.000 + 378.000 = 397.000 ≤ 397.000 ✓"


def test_a_count_against_the_items_its_footnote_lists(report_2026: Document) -> None:
    doc = report_2026
    # "có 11/12 sản phẩm công nghiệp chủ yếu có sự tăng trưởng …³"; footnote 3 gives 12 products,
    # all up but "Muối công nghiệp … giảm 55%".
    [check] = checks_of(doc, "II.1.3", "item_count")
    assert check.status == "pass" and check.figures[0].start == at(doc, "11/12")
    assert check.expression == "footnote 3 lists 12 items, 11 of them up: 11/12 = printed 11/12 ✓"
    # A page of a report: the body breaks over a footnote zone (a rule line of spaces, then the note).
    page = ("I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH \n\nCông nhận {n} xã đạt chuẩn nông thôn mới1 trong tháng. Các nội "
            "dung khác \n\n" + " " * 43 + "\n1 Gồm: xã Tân Hương, Chiêu Vũ huyện Bắc Sơn; xã Thanh Long, huyện "
            "Văn Lãng; xã Lâm Ca.\n tiếp tục các nội dung khác. \n\nII. TÌNH HÌNH KHÁC \n\nNội dung.\n")
    for n, status in (("04", "pass"), ("05", "fail")):  # Tân Hương, Chiêu Vũ, Thanh Long, Lâm Ca
        doc = parse_text(page.format(n=n))
        assert [c.status for c in checks_of(doc, "I", "item_count")] == [status]


def test_reader_first_sends_no_piece_the_reader_settles(report_2026: Document) -> None:
    """Section II.1.2 (border trade, plain indicators): every figure of its three pieces is a
    named total, a named part or a comparison tied to one, so none goes to the model; nor does
    the budget, whose lines say revenue or spending by their names' first word ("Tổng thu …")."""
    every = Extractor(None, model="m", mode="json", ask_all=True).plan(report_2026, ["II.1.2", "II.1.6"])
    first = Extractor(None, model="m", mode="json").plan(report_2026, ["II.1.2", "II.1.6"])
    assert [len(j.chunks) for j in every] == [3, 4] and [len(j.chunks) for j in first] == [0, 0]
    result = Extractor(None, model="m", mode="json").run(report_2026, first[:1])
    assert result.sections[0].status == "extracted" and result.usage.requests == 0
    assert [r.figures["value"].text for r in result.records] == [
        "khoảng 1.400-\n\n1.800 xe/ngày", "3,8 tỷ USD", "ước đạt \n\n233,4 triệu USD", "13 triệu \n\nUSD"]
