"""Relations the reader reaches with rules that hold for any provincial report (issue #13: the
gold relations not reached before): parts in a footnote that counts two things side by side,
totals printed as approximate, and the other shapes named in bench/README.md "Quality (eval)".
Expectations read off the sample text by hand; the paraphrases are constructed."""
from __future__ import annotations

from extractor.document.report import Document

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


def test_parts_within_an_approximate_total_pass(report_2026: Document) -> None:
    # "tổng diện tích gieo trồng đạt khoảng 3.987 ha, …¹"; footnote 1: "Chủ yếu là rau, đậu các loại
    # (2.310 ha), khoai tây (670 ha), thuốc lá (390 ha), ngô (130 ha) và ớt (350 ha)."
    doc = report_2026
    [check] = [c for c in checks_of(doc, "II.1.1", "parts_total") if c.figures[-1].start == at(doc, "khoảng 3.987 ha")]
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
