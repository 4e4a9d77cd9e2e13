"""Relations the reader reaches with rules that hold for any provincial report (issue #13: the
gold relations not reached before): parts in a footnote that counts two things side by side,
totals printed as approximate, and the other shapes named in bench/README.md "Quality (eval)".
Expectations read off the sample text by hand; the paraphrases are constructed."""
from __future__ import annotations

from extractor.document.report import Document
from extractor.output.result import Check

from .test_reader import at, checks_of, passage, record_at


def test_a_footnote_of_cases_and_people_lists_the_people_under_a_count_of_people(report_2024: Document) -> None:
    # "Đã khởi tố 64 vụ, tăng 1,59% so với cùng kỳ; 82 đối tượng, tăng 6,49%¹⁴"; footnote 14: "Trong đó:
    # 06 vụ/13 đối tượng … pháo nổ; 58 vụ/69 đối tượng … ma túy."
    doc = report_2024
    people = record_at(doc, "II.5", at(doc, "82 đối tượng"))
    assert [p.figures["value"].start for p in people.parts] == [at(doc, "13 đối tượng"), at(doc, "69 đối tượng")]
    # and the cases, cited later in the sentence, are the parts of the cases
    cases = record_at(doc, "II.5", at(doc, "64 vụ"))
    assert [p.figures["value"].start for p in cases.parts] == [at(doc, "06 vụ", "06 vụ/13"), at(doc, "58 vụ", "58 vụ/69")]
    sums = {c.expression for c in checks_of(doc, "II.5", "parts_total")}
    assert {"13 + 69 = 82 ≤ 82 ✓", "6 + 58 = 64 ≤ 64 ✓"} <= sums


def test_a_footnote_naming_its_nouns_only_now_and_then_keeps_every_part(report_2024: Document) -> None:
    # "theo dõi thực hiện 53¹² đề tài, dự án"; footnote 12: "03 dự án …, 01 đề tài …; Lĩnh vực nông nghiệp
    # … 25; … 16; … 04; … 03; dự án SHTT: 01": most parts name no noun, so all of them are parts
    doc = report_2024
    topics = record_at(doc, "II.4", at(doc, "53", "thực hiện 5312 đề tài"))
    assert len(topics.parts) == 7


def total_check(doc: Document, section_id: str, total: str) -> Check:
    """The one parts_total check of the section whose total is the figure printed as `total`."""
    [check] = [c for c in checks_of(doc, section_id, "parts_total") if c.figures[-1].start == at(doc, total)]
    return check


def test_parts_within_an_approximate_total_pass(report_2026: Document) -> None:
    # "tổng diện tích gieo trồng đạt khoảng 3.987 ha, …¹"; footnote 1: "Chủ yếu là rau, đậu các loại
    # (2.310 ha), khoai tây (670 ha), thuốc lá (390 ha), ngô (130 ha) và ớt (350 ha)."
    doc = report_2026
    check = total_check(doc, "II.1.1", "khoảng 3.987 ha")
    assert (check.status, check.expression) == ("pass", "2.310 + 670 + 390 + 130 + 350 = 3.850 ≤ khoảng 3.987 ✓")


def test_parts_beyond_an_approximate_total_are_undecidable_never_flagged() -> None:
    over = passage("Diện tích gieo trồng ước khoảng 3.800 ha, trong đó: lúa 2.310 ha, ngô 1.670 ha.")
    [check] = checks_of(over, "I", "parts_total")
    assert (check.status, check.expression) == ("skip", "2.310 + 1.670 = 3.980 vs khoảng 3.800 ? (undecidable)")
    # "gồm": a complete list must meet the face value to pass
    off = passage("Tổng đàn gia súc xấp xỉ 5.000 con, gồm: trâu 2.000 con, bò 2.900 con.")
    assert [c.status for c in checks_of(off, "I", "parts_total")] == ["skip"]
    even = passage("Tổng đàn gia súc khoảng 5.000 con, gồm: trâu 2.000 con, bò 3.000 con.")
    assert [c.status for c in checks_of(even, "I", "parts_total")] == ["pass"]
    # an exact total over the same parts is still flagged
    exact = passage("Diện tích gieo trồng đạt 3.800 ha, trong đó: lúa 2.310 ha, ngô 1.670 ha.")
    assert [c.status for c in checks_of(exact, "I", "parts_total")] == ["fail"]


def test_what_was_done_and_what_was_not_yet_make_the_whole(report_2026: Document) -> None:
    # "toàn tỉnh có 43.947 người được nhận quà tặng theo quy định, đã có 42.279 người được nhận quà⁸";
    # footnote 8: "Số người chưa được nhận quà tặng là 1.668 người …"
    doc = report_2026
    check = total_check(doc, "II.2", "43.947 người")
    assert (check.status, check.expression) == ("pass", "42.279 + 1.668 = 43.947 = 43.947 ✓")
    assert [f.start for f in check.figures] == [at(doc, "42.279 người"), at(doc, "1.668 người"), at(doc, "43.947 người")]


def test_done_and_not_yet_in_one_sentence_other_numbers_and_no_diacritics() -> None:
    miscounted = passage("Toàn tỉnh có 1.250 hộ thuộc diện hỗ trợ nhà ở, đã hỗ trợ 1.100 hộ; chưa hỗ trợ 140 hộ.")
    [check] = checks_of(miscounted, "I", "parts_total")
    assert (check.status, check.expression) == ("fail", "1.100 + 140 = 1.240 ≠ 1.250 ✗")
    plain = passage("Toan tinh co 1.250 ha dat lua, da gieo cay 1.100 ha; chua gieo cay 150 ha.")
    assert [c.status for c in checks_of(plain, "I", "parts_total")] == ["pass"]


def test_not_yet_of_another_verb_is_no_part() -> None:
    # what was not yet paid is not the rest of what was received
    doc = passage("Tiếp nhận 500 hồ sơ, đã giải quyết 450 hồ sơ; chưa thanh toán 60 hồ sơ.")
    assert checks_of(doc, "I", "parts_total") == []


def test_a_list_closed_by_its_rest_is_complete(report_2024: Document) -> None:
    # "phát hiện sai phạm về kinh tế với số tiền 731,32 triệu đồng, kiến nghị thu hồi 358,56 triệu đồng;
    # giảm trừ thanh toán, quyết toán và xử lý khác 372,76 triệu đồng"
    doc = report_2024
    check = total_check(doc, "II.5", "731,32")
    assert (check.status, check.expression) == ("pass", "358,56 triệu + 372,76 triệu = 731,32 triệu = 731,32 triệu ✓")


def test_a_list_closed_by_its_rest_only_confirms() -> None:
    # siblings, not parts: the first figure is no total; never a flag
    siblings = passage("Chi đầu tư phát triển 100 tỷ đồng, chi thường xuyên 200 tỷ đồng, chi khác 50 tỷ đồng.")
    assert [c.status for c in checks_of(siblings, "I", "parts_total")] == ["skip"]
    parts = passage("Phát hiện sai phạm 90 triệu đồng, kiến nghị thu hồi 60 triệu đồng, xử lý khác 30 triệu đồng.")
    assert [c.status for c in checks_of(parts, "I", "parts_total")] == ["pass"]
    # no "khác": nothing says the list is whole
    open_list = passage("Phát hiện sai phạm 90 triệu đồng, kiến nghị thu hồi 60 triệu đồng, giảm trừ 30 triệu đồng.")
    assert checks_of(open_list, "I", "parts_total") == []


def weighted(doc: Document, section_id: str = "I") -> list[Check]:
    return [c for c in checks_of(doc, section_id, "growth_consistency") if "weighted index" in c.message]


_IIP = ("chỉ số sản xuất công nghiệp tăng {total} so với cùng kỳ, trong đó: khai khoáng tăng 21,74%, công nghiệp "
        "chế biến, chế tạo tăng 23,56%, sản xuất và phân phối điện, khí đốt, nước nóng, hơi nước và điều hòa không "
        "khí {third}, cung cấp nước, hoạt động quản lý và xử lý rác thải, nước thải tăng 3,5%.")


def test_an_index_grows_between_the_growths_of_all_its_components(report_2024: Document) -> None:
    doc = report_2024
    [check] = weighted(doc, "II.1.4")
    assert (check.status, check.expression) == ("pass", "14,77% within the components' 1,03% … 23,56% ✓")
    assert [f.start for f in check.figures][:2] == [at(doc, "14,77%"), at(doc, "21,74%")]
    # other numbers: above every component, and a fall among them
    above = passage("Trong tháng, " + _IIP.format(total="25,1%", third="giảm 1,03%"))
    [check] = weighted(above)
    assert (check.status, check.expression) == ("fail", "25,1% outside the components' -1,03% … 23,56% ✗")
    below = passage("Trong tháng, " + _IIP.format(total="giảm 2%", third="giảm 1,03%"))
    assert [c.status for c in weighted(below)] == ["fail"]
    plain = passage("chi so san xuat cong nghiep tang 30% so voi cung ky, trong do: khai khoang tang 21,74%, che bien, "
                    "che tao tang 23,56%, san xuat va phan phoi dien tang 1,03%, cung cap nuoc tang 3,5%.")
    assert [c.status for c in weighted(plain)] == ["fail"]
    # any index whose components are listed with "gồm"
    opened = passage("Chỉ số giá tiêu dùng tăng 3,1% so với cùng kỳ, gồm: hàng ăn tăng 4,2%, nhà ở tăng 2,0%.")
    assert [c.status for c in weighted(opened)] == ["pass"]


def test_a_partial_list_of_components_proves_nothing() -> None:
    # three of the four industry sections: the fourth may pull the index anywhere
    partial = passage("chỉ số sản xuất công nghiệp tăng 25,1% so với cùng kỳ, trong đó: khai khoáng tăng 21,74%, "
                      "công nghiệp chế biến, chế tạo tăng 23,56%, cung cấp nước tăng 3,5%.")
    assert weighted(partial) == []
    # "trong đó" of another index: no definition says the list is whole
    other = passage("Chỉ số giá tiêu dùng tăng 9,1% so với cùng kỳ, trong đó: hàng ăn tăng 4,2%, nhà ở tăng 2,0%.")
    assert weighted(other) == []
