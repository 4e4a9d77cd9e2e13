"""Figures a later clause refers back to (extractor/reading/refs.py), a fraction's own ratio, and
numbers that only name something. Expectations read off the sample text by hand; the paraphrases
are constructed."""
from __future__ import annotations

from extractor.document.report import Document
from extractor.output.figures import all_figures
from extractor.reading.reader import read_section

from .test_reader import at, checks_of, passage, record_at, walk


def test_changes_listed_after_the_figures_they_change() -> None:
    # the 2026 report's sentence (in its II.6 the reader of incidents reads it: tests/test_reader_incidents.py),
    # in a section whose schema has no incidents
    doc = passage("Từ 15/12/2025 đến 14/01/2026, toàn tỉnh xảy ra 18 vụ tai nạn giao thông, làm chết 03 người, bị "
                  "thương 19 người; so với cùng kỳ giảm 40 vụ (-69%), giảm 09 người chết (-75%), giảm 27 người bị "
                  "thương (-57,7%).")
    sentence = "xảy ra 18 vụ tai nạn giao thông"
    crashes = record_at(doc, "I", at(doc, "18 vụ", sentence))
    dead = record_at(doc, "I", at(doc, "03 người", "làm chết 03 người, bị thương"))
    hurt = record_at(doc, "I", at(doc, "19 người"))
    assert (crashes.figures["change_amount"].start, crashes.figures["change_percent"].text) == (at(doc, "40 vụ"), "-69%")
    assert (dead.figures["change_amount"].start, dead.figures["change_percent"].text) == (at(doc, "09", "giảm 09 người chết"), "-75%")
    assert (hurt.figures["change_amount"].start, hurt.figures["change_percent"].text) == (at(doc, "27 người"), "-57,7%")
    assert {hurt.labels["change_basis"], hurt.labels["change_direction"]} == {"same_period", "decrease"}
    # the change amounts are no indicators of their own any more
    heads = [r.figures["value"].start for r in walk(read_section(doc, "I")) if r.figures.get("value")]
    assert at(doc, "40 vụ") not in heads and at(doc, "27 người") not in heads
    changes = {c.figures[0].start: (c.status, c.expression) for c in checks_of(doc, "I", "change")}
    # 40 / (18 + 40) = 68,97% ≈ 69%; 9 / 12 = 75%; 27 / (19 + 27) = 58,70%, not the printed 57,7%
    assert changes[at(doc, "18 vụ", sentence)][0] == "pass"
    assert changes[dead.figures["value"].start][0] == "pass"
    assert changes[at(doc, "19 người")] == ("fail", "19 giảm 27: base 46, -58,696%, printed -57,7% ✗")


def test_a_change_listed_later_attaches_only_where_one_figure_fits() -> None:
    doc = passage("Trong tháng xảy ra 12 vụ cháy, làm chết 02 người, 05 người bị thương; so với cùng kỳ tăng 04 vụ "
                  "(+50%), giảm 01 người (-33,3%).")
    fire = record_at(doc, "I", at(doc, "12 vụ"))
    assert (fire.figures["change_amount"].text, fire.figures["change_percent"].text) == ("04 vụ", "50%")  # "+" is printed before the number
    assert fire.labels["change_direction"] == "increase"
    # "giảm 01 người": the dead or the injured? Both count people: nothing is attached.
    for start in (at(doc, "02 người"), at(doc, "05 người")):
        assert "change_amount" not in record_at(doc, "I", start).figures
    [check] = checks_of(doc, "I", "change")
    assert check.status == "pass"  # 4 / (12 − 4) = 50%


def test_a_rate_of_what_was_done_among_what_occurred(report_2026: Document, report_2024: Document) -> None:
    # 2026: "xảy ra 84 vụ …; đã điều tra làm rõ 70 vụ 211 đối tượng, tỷ lệ phá án đạt 83,3%"
    [rate] = [c for c in checks_of(report_2026, "II.6", "share") if c.figures[-1].text == "83,3%"]
    assert (rate.status, rate.expression) == ("pass", "70 / 84 = 83,333% ≈ 83,3% ✓")
    assert [f.start for f in rate.figures] == [at(report_2026, "70", "làm rõ 70"), at(report_2026, "84 vụ"),
                                               at(report_2026, "83,3%")]
    # 2024: "xảy ra 22 vụ phạm pháp hình sự, …; đã điều tra, làm rõ 20 vụ, 51 đối tượng, tỷ lệ phá án đạt
    # 86,36%": 20 / 22 is 90,91%.
    [wrong] = [c for c in checks_of(report_2024, "II.6", "share") if c.figures[-1].text == "86,36%"]
    assert (wrong.status, wrong.expression) == ("fail", "20 / 22 = 90,9091% ≠ 86,36% ✗")


def test_a_rate_with_no_single_count_to_be_of_is_not_checked() -> None:
    doc = passage("Tiếp nhận 40 đơn, chuyển 10 đơn sang năm sau; đã giải quyết 30 đơn, tỷ lệ giải quyết đạt 75%. "
                  "Xảy ra 9 vụ; đã làm rõ 8 vụ, tỷ lệ điều tra đạt 88,9%. Kiểm tra 20 cơ sở, tỷ lệ đạt 50%.")
    assert [(c.status, c.expression) for c in checks_of(doc, "I", "share")] == [("pass", "8 / 9 = 88,889% ≈ 88,9% ✓")]


def test_a_fractions_percentage_is_its_ratio(report_2026: Document) -> None:
    doc = report_2026
    # "Số trẻ dưới 01 tuổi được tiêm đầy đủ các loại vắc xin 958/970 trẻ, đạt 98,8%"
    rec = record_at(doc, "II.2", at(doc, "958/970"))
    assert {k: f.text for k, f in rec.figures.items()} == {"value": "958/970 trẻ", "ratio_percent": "98,8%"}
    [check] = [c for c in checks_of(doc, "II.2", "fraction") if c.figures[0].start == at(doc, "958/970")]
    assert check.status == "pass"


def test_years_and_ages_that_name_something_are_no_indicators(report_2026: Document) -> None:
    doc = report_2026
    taken = {f.start for r in read_section(doc, "I") for f in all_figures(r)} | \
        {f.start for r in read_section(doc, "II.2") for f in all_figures(r)}
    # "Kế hoạch phát triển kinh tế - xã hội 5 năm 2026 - 2030"; "trẻ dưới 01 tuổi"; "… uốn ván sơ sinh theo
    # quy mô huyện ≤ 1 trường hợp/trẻ đẻ sống" (a threshold)
    assert {at(doc, "5 năm 2026"), at(doc, "dưới 01 tuổi"), at(doc, "≤ 1 trường hợp/trẻ")} & taken == set()


def test_an_x_over_y_that_counts_nothing_is_no_indicator(report_2024: Document) -> None:
    # "… mốc 1088/2-1089 thuộc cặp cửa khẩu quốc tế Hữu Nghị": a landmark's number, not a fraction of anything
    doc = report_2024
    taken = {f.start for r in read_section(doc, "II.1.2") for f in all_figures(r)}
    assert at(doc, "1088/2") not in taken and taken  # the section's indicators are read


def test_a_footnote_cited_later_in_the_sentence_lists_the_parts_of_each_unit(report_2026: Document) -> None:
    # "… cho 8.000 hộ với 26.755 nhân khẩu, với số lượng gạo cần hỗ trợ 534.030 kg⁷"; footnote 7: "Trong đó
    # hỗ trợ dịp Tết … là 191.760 kg (3.882 hộ, 12.784 nhân khẩu); hỗ trợ thời điểm giáp hạt … là 342.270 kg
    # (4.118 hộ, 13.971 nhân khẩu)."
    doc = report_2026
    households = record_at(doc, "II.2", at(doc, "8.000 hộ"))
    people = record_at(doc, "II.2", at(doc, "26.755"))
    rice = record_at(doc, "II.2", at(doc, "534.030"))
    assert [p.figures["value"].start for p in households.parts] == [at(doc, "3.882"), at(doc, "4.118")]
    assert [p.figures["value"].start for p in people.parts] == [at(doc, "12.784"), at(doc, "13.971")]
    assert [p.figures["value"].start for p in rice.parts] == [at(doc, "191.760"), at(doc, "342.270")]
    sums = {c.expression for c in checks_of(doc, "II.2", "parts_total")}
    assert {"3.882 + 4.118 = 8.000 ≤ 8.000 ✓", "12.784 + 13.971 = 26.755 ≤ 26.755 ✓"} <= sums


def test_a_count_of_items_that_grew_names_the_ones_that_fell(report_2026: Document) -> None:
    # "có 11/12 sản phẩm … có sự tăng trưởng …³"; footnote 3: all up but "Muối công nghiệp … giảm 55%"
    doc = report_2026
    [check] = checks_of(doc, "II.1.3", "item_count")
    assert [f.start for f in check.figures] == [at(doc, "11/12"), at(doc, "55%", "giảm 55%")]


def test_a_fraction_printed_as_two_counts(report_2024: Document) -> None:
    # "… là 37 đơn khiếu nại (trong đó 23 đơn kỳ trước chuyển sang); đã giải quyết 20 đơn/37 đơn, đạt tỷ lệ 54,1%"
    doc = report_2024
    [check] = [c for c in checks_of(doc, "II.5", "fraction") if c.figures[-1].text == "54,1%"]
    assert (check.status, check.expression) == ("pass", "20 / 37 = 54,054% ≈ 54,1% ✓")
    assert check.figures[1].start == at(doc, "37 đơn khiếu nại")
    # the same sentence with the whole miscounted: 20 / 36 = 55,6%
    wrong = passage("Tiếp nhận 36 đơn khiếu nại; đã giải quyết 20 đơn/36 đơn, đạt tỷ lệ 54,1%.")
    assert [c.status for c in checks_of(wrong, "I", "fraction")] == ["fail"]


def test_two_shares_of_one_unstated_whole(report_2026: Document) -> None:
    # "tổng số hộ nghèo toàn tỉnh là 4.643 hộ, chiếm tỷ lệ 2,32% (giảm 1,04% so với năm 2024), tổng số hộ
    # cận nghèo là 13.578 hộ, chiếm 6,8%": 4.643 / 2,32% ≈ 200.130 and 13.578 / 6,8% ≈ 199.687 households.
    [check] = checks_of(report_2026, "II.2", "implied_whole")
    assert check.status == "pass" and [f.start for f in check.figures] == [
        at(report_2026, "4.643 hộ"), at(report_2026, "2,32%"), at(report_2026, "13.578 hộ"), at(report_2026, "6,8%", "13.578 hộ, chiếm 6,8%")]
    doc = passage("Số hộ nghèo là 4.643 hộ, chiếm 2,32%, số hộ cận nghèo là 13.578 hộ, chiếm 5,8%.")
    assert [c.status for c in checks_of(doc, "I", "implied_whole")] == ["fail"]  # 200.130 vs 234.103


def test_totals_in_a_row_with_the_same_parts_share_their_base(report_2026: Document) -> None:
    # "đã khởi công 817 căn, đạt 60,97% tổng số …, trong đó: xây mới 451 căn, đạt 54,20%; sửa chữa 366 căn,
    # đạt 72,04%; … hoàn thành 223 nhà, đạt 16,64 %, trong đó: xây mới 54 nhà, đạt 6,49%; sửa chữa 169 nhà,
    # đạt 33,26%": 817 / 60,97% = 1.340 houses, of which 223 is 16,64%; 54 of 451 / 54,20% = 832,1; 169 of 508,1.
    doc = report_2026
    same = [c for c in checks_of(doc, "II.2", "share") if c.message.startswith("the same base")]
    assert [(c.status, c.figures[0].start) for c in same] == [
        ("pass", at(doc, "223 nhà")), ("pass", at(doc, "54 nhà")), ("pass", at(doc, "169 nhà"))]
    wrong = passage("Đã khởi công 817 căn, đạt 60,97% tổng số, trong đó: xây mới 451 căn, đạt 54,20%; sửa chữa 366 "
                    "căn, đạt 72,04%. Đã hoàn thành 223 nhà, đạt 18,64%, trong đó: xây mới 54 nhà, đạt 6,49%; sửa "
                    "chữa 169 nhà, đạt 33,26%. Trồng rừng 500 ha, đạt 10% kế hoạch, trong đó: rừng sản xuất 300 "
                    "ha, đạt 8%; rừng phòng hộ 200 ha, đạt 20%.")
    same = [c for c in checks_of(wrong, "I", "share") if c.message.startswith("the same base")]
    # 223 / 1.340 is 16,64%, not 18,64%; the forest's parts bear other names: no base shared with it
    assert [c.status for c in same] == ["fail", "pass", "pass"]
