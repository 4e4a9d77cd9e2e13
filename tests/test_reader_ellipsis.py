"""Comparisons a list prints without their basis ("…, đạt 84,9%, bằng 103,7%" after "…, đạt 84%
kế hoạch, bằng 97,1% so với cùng kỳ"), read on the reports' own lists.

Expectations are read off the report text by hand; offsets come from `at` on the printed phrase.
"""
from __future__ import annotations

from extractor.document.report import Document, parse_text
from extractor.reading.reader import read_section

from .test_reader import at, comparisons, record_at, walk

_FOOTNOTE = "Trong đó: ngô 168 ha"  # 2024-01, footnote 1: the areas sown, crop by crop


def test_a_list_item_without_its_basis_takes_the_roles_of_the_item_before(report_2024: Document) -> None:
    doc = report_2024
    rau = record_at(doc, "II.1.1", at(doc, "2.207ha", _FOOTNOTE))
    assert comparisons(rau) == {"plan_percent": (at(doc, "84,9%", _FOOTNOTE), "84,9%"),
                                "same_period_percent": (at(doc, "103,7%", _FOOTNOTE), "103,7%")}
    assert rau.labels["change_basis"] == "same_period"  # as "bằng 97,1% so với cùng kỳ" before it
    # the next items of the list repeat it, each after the one before
    thach_den = record_at(doc, "II.1.1", at(doc, "67 ha", _FOOTNOTE))
    assert comparisons(thach_den) == {"plan_percent": (at(doc, "20,3%", _FOOTNOTE), "20,3%"),
                                      "same_period_percent": (at(doc, "50,1%", _FOOTNOTE), "50,1%")}
    khoai_tay = record_at(doc, "II.1.1", at(doc, "679 ha", _FOOTNOTE))
    assert comparisons(khoai_tay)["same_period_percent"] == (at(doc, "123,9%", _FOOTNOTE), "123,9%")


def test_an_item_whose_verbs_differ_from_the_item_before_is_left_open(report_2024: Document) -> None:
    """"thuốc lá 160 ha, bằng 64%, bằng 102,6%" after "…, đạt 113,2%, bằng 123,9%": the first
    "bằng" stands where the plan stood; nothing says which is which, so neither is read, nor the
    item after it, which follows an item with nothing read."""
    doc = report_2024
    assert comparisons(record_at(doc, "II.1.1", at(doc, "160 ha", _FOOTNOTE))) == {}
    assert comparisons(record_at(doc, "II.1.1", at(doc, "405 ha", _FOOTNOTE))) == {}
    held = {f.start for r in walk(read_section(doc, "II.1.1")) for f in r.figures.values() if f}
    assert not {at(doc, p, _FOOTNOTE) for p in ("64%", "102,6%", "90,0%", "103,9%")} & held


def test_a_change_without_its_basis_is_against_what_the_item_before_says(report_2026: Document) -> None:
    doc = report_2026
    within = "đàn trâu khoảng 48.000 con"
    buffalo = record_at(doc, "II.1.1", at(doc, "khoảng 48.000 con", within))
    assert buffalo.labels["change_basis"] == "same_period"  # "giảm 11,14% so với cùng kỳ"
    cattle = record_at(doc, "II.1.1", at(doc, "khoảng 27.380 con", within))
    assert comparisons(cattle) == {"change_percent": (at(doc, "0,25%", within), "0,25%")}
    assert cattle.labels["change_basis"] == "same_period"  # "giảm 0,25%": the list's basis


def test_a_new_sentence_or_another_unit_starts_afresh() -> None:
    """The report's list, cut by a full stop, or continued by an item of another unit: the second
    "bằng" has no basis and no item before it to take one from."""
    stop = parse_text("I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH\nNgô 168 ha, đạt 84% kế hoạch, bằng 97,1% so với cùng kỳ. "
                      "Rau các loại 2.207 ha, đạt 84,9%, bằng 103,7%.\n")
    other = parse_text("I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH\nNgô 168 ha, đạt 84% kế hoạch, bằng 97,1% so với cùng kỳ; "
                       "rau các loại 2.207 tấn, đạt 84,9%, bằng 103,7%.\n")
    for doc in (stop, other):
        rau = next(r for r in walk(read_section(doc, "I")) if r.figures["value"].text.startswith("2.207"))
        assert comparisons(rau) == {"plan_percent": (at(doc, "84,9%"), "84,9%")}
