"""Relations the reader reaches with rules that hold for any provincial report (issue #13: the
gold relations not reached before): parts in a footnote that counts two things side by side,
totals printed as approximate, and the other shapes named in bench/README.md "Quality (eval)".
Expectations read off the sample text by hand; the paraphrases are constructed."""
from __future__ import annotations

from extractor.document.report import Document

from .test_reader import at, checks_of, record_at


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
