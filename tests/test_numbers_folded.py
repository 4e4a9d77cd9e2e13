"""Numbers in text typed or OCR'd without diacritics keep the scale and unit the accented text gives."""
from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from pathlib import Path

import pytest

from extractor.document.text import fold
from extractor.numbers.folding import marks_optional, writes_marks
from extractor.numbers.parse import NumberMention, find_numbers

FIXTURES = Path(__file__).parent / "fixtures"
MONTHLY = ["lang-son-2026-01-report.txt", "lang-son-2024-01-report.txt"]


def _key(m: NumberMention) -> tuple:
    return (m.start, m.end, m.value, m.unit, m.scale, m.kind, m.qualifier, m.range_to, m.denominator)


@pytest.mark.parametrize("name", MONTHLY)
def test_folding_a_report_keeps_every_mention_its_offsets_value_and_unit(name: str) -> None:
    text = unicodedata.normalize("NFC", (FIXTURES / name).read_text(encoding="utf-8"))
    accented = {_key(m): m for m in find_numbers(text)}
    folded = {_key(m): m for m in find_numbers(fold(text))}
    assert sum(m.scale is not None for m in accented.values()) >= 20  # the scale words are really compared
    lost = [accented[k] for k in accented.keys() - folded.keys()]
    assert lost == []
    # Folded text finds more: of the label words only the date words ("ngày", "tháng") are read
    # bare, so a number after another label word typed bare ("so 116/KH-UBND", "lan thu 15",
    # "cap 2.776 giay") is a figure there, as it was before units were read bare. Each one is a
    # number the accented text's last two words before it make a label.
    for m in folded.keys() - accented.keys():
        words = " ".join(re.findall(r"[^\W\d_]+", text[m[0] - 40:m[0]])[-2:])
        assert find_numbers(f"{words} 5") == [], (words, text[m[0] - 30:m[1]])


@pytest.mark.parametrize("text, value, unit, scale, kind", [
    ("Tong thu 809.338 trieu dong, dat 5,1%", Decimal(809338) * 10**6, "đồng", "triệu", "money"),
    ("Tổng thu 809.338 triệu đồng, đạt 5,1%", Decimal(809338) * 10**6, "đồng", "triệu", "money"),
    ("thu 2,5 ty dong", Decimal("2.5") * 10**9, "đồng", "tỷ", "money"),
    ("san luong 1.200 nghin tan", Decimal(1200) * 10**3, "tấn", "nghìn", "mass"),
    ("ho tro 120 ho gia dinh", Decimal(120), "hộ", None, "count"),
    ("tiep nhan 5 ho so", Decimal(5), "hồ sơ", None, "count"),
    ("thoi han 5 nam", Decimal(5), "năm", None, "duration"),
    ("dat muc 5,2%", Decimal("5.2"), "%", None, "percent"),  # "muc" is "mức" here, not the label "mục"
    ("Thu ngan sach dat 3.572,7 TY DONG", Decimal("3572.7") * 10**9, "đồng", "tỷ", "money"),
    ("co 5 ngan nguoi tham gia", Decimal(5000), "người", "nghìn", "count"),
    ("chi ngan sach dia phuong 613,2 ty dong9, dat 4,6%", Decimal("613.2") * 10**9, None, "tỷ", "number"),  # marker 9
    ("Tong thu 809.338 triéu dong", Decimal(809338) * 10**6, "đồng", "triệu", "money"),  # OCR: é for ệ
])
def test_a_number_typed_without_diacritics_has_the_scale_and_unit_of_the_accented_one(
        text: str, value: Decimal, unit: str, scale: str | None, kind: str) -> None:
    first = find_numbers(text)[0]
    assert (first.value, first.unit, first.scale, first.kind) == (value, unit, scale, kind)


@pytest.mark.parametrize("text, qualifier", [("hon 5 ty dong", "hơn"), ("uoc dat 380 ty dong", "ước đạt"),
                                             ("khoang 493 ha", "khoảng")])
def test_a_bare_qualifier_is_reported_accented(text: str, qualifier: str) -> None:
    [m] = find_numbers(text)
    assert m.qualifier == qualifier and m.start == 0


@pytest.mark.parametrize("text", [
    "5 đông",  # east: another mark than đồng's
    "xây 5 hồ chứa nước",  # lake, not hộ (household)
    "có 120 nam, 80 nữ tham gia lớp học",  # accented text: "nam" is men, not năm
    "đạt 5 tỷ lệ",  # "tỷ lệ" (rate) after a number is no scale
    "dat 5 ty le",
    "co 5 ngan hang thuong mai",  # ngân hàng (banks), not five thousand
    "có 5 triều đại",  # marked text: a mark other than triệu's is another word
])
def test_a_word_that_folds_into_a_unit_is_no_unit_where_the_accented_one_would_not_be(text: str) -> None:
    [m] = [m for m in find_numbers(text) if m.number == (120 if "120" in text else 5)]
    assert (m.unit, m.scale, m.value) == (None, None, m.number)


@pytest.mark.parametrize("text", ["ngay 27 thang 01 nam 2026", "Ngay 14 thang 01, UBND tinh"])
def test_a_date_typed_bare_is_no_duration(text: str) -> None:
    assert find_numbers(text) == []


def test_the_ocr_notice_dates_are_not_durations() -> None:
    text = (FIXTURES / "lang-son-2026-01-conclusion-notice-ocr.txt").read_text(encoding="utf-8")
    line = next(ln for ln in text.splitlines() if ln.startswith("Ngay 14 thang 01 nam 2026"))
    offset = text.index(line)
    assert find_numbers(text, offset, offset + len(line)) == []
    assert not any(m.unit in ("tháng", "năm") for m in find_numbers(text))


def test_marks_optional_accepts_the_bare_letter_and_nothing_else() -> None:
    pattern = re.compile(marks_optional("đồng"), re.I)
    assert [w for w in ("đồng", "dong", "Dong", "đông", "dông", "đóng") if pattern.fullmatch(w)] == ["đồng", "dong", "Dong"]


def test_writes_marks_tells_accented_from_bare_text() -> None:
    monthly = (FIXTURES / MONTHLY[0]).read_text(encoding="utf-8")
    ocr = (FIXTURES / "lang-son-2026-01-conclusion-notice-ocr.txt").read_text(encoding="utf-8")
    assert writes_marks(monthly[:2000]) and not writes_marks(ocr[:2000]) and not writes_marks(fold(monthly[:2000]))
