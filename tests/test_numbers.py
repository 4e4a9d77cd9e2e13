"""Vietnamese numbers: parser round trips (hypothesis) and mentions pinned on the real reports."""
from __future__ import annotations

import unicodedata
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from extractor.document.report import Document, parse_text
from extractor.numbers.parse import find_numbers, format_vn_number, parse_vn_number


@given(st.decimals(min_value=-10**12, max_value=10**12, places=2, allow_nan=False, allow_infinity=False),
       st.integers(min_value=0, max_value=2))
def test_format_then_parse_round_trips(value: Decimal, decimals: int) -> None:
    text = format_vn_number(value, decimals)
    assert parse_vn_number(text) == value.quantize(Decimal(1).scaleb(-decimals))
    whole = text.lstrip("-").split(",")[0]
    assert all(len(g) == 3 for g in whole.split(".")[1:]) and 1 <= len(whole.split(".")[0]) <= 3


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=99))
def test_a_formatted_number_in_a_sentence_is_found_with_its_value(whole: int, cents: int) -> None:
    printed = format_vn_number(Decimal(whole) + Decimal(cents) / 100, 2)
    text = f"Tổng thu đạt {printed} tỷ đồng, tăng so với cùng kỳ."
    [mention] = find_numbers(text)
    assert mention.text == f"{printed} tỷ đồng"
    assert text[mention.start:mention.end] == mention.text
    assert mention.value == (Decimal(whole) + Decimal(cents) / 100) * 10**9
    assert (mention.unit, mention.scale, mention.kind) == ("đồng", "tỷ", "money")


@pytest.mark.parametrize("printed, value", [("2.828,46", Decimal("2828.46")), ("809.338", Decimal(809338)),
                                            ("01", Decimal(1)), ("08", Decimal(8)), ("21,15", Decimal("21.15")),
                                            ("-69", Decimal(-69)), ("1.000.000", Decimal(10**6))])
def test_parse_vn_number(printed: str, value: Decimal) -> None:
    assert parse_vn_number(printed) == value


@pytest.mark.parametrize("bad", ["2,828.46", "1.23", "12.3456", "abc", "", "1..000"])
def test_parse_vn_number_rejects_foreign_formats(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_vn_number(bad)


def _mention(doc: Document, printed: str, nth: int = 0):
    hits = [f for f in doc.figures if f.mention.text.startswith(printed)]
    assert len(hits) > nth, f"{printed!r} not in the inventory"
    return hits[nth]


# (printed start, value, unit, scale, kind, qualifier, range_to, denominator, section, footnote)
PINNED_2026 = [
    ("809.338 triệu đồng", Decimal(809338) * 10**6, "đồng", "triệu", "money", None, None, None, "II.1.6", None),
    ("2.828,46 tỷ đồng", Decimal("2828.46") * 10**9, "đồng", "tỷ", "money", None, None, None, "II.1.6", None),
    ("1,0 tỷ đồng", Decimal(10**9), "đồng", "tỷ", "money", None, None, None, "II.1.6", None),
    ("21,15%", Decimal("21.15"), "%", None, "percent", None, None, None, "II.1.6", None),
    ("ước đạt \n\n233,4 triệu USD", Decimal("233.4") * 10**6, "USD", "triệu", "money", "ước đạt", None, None,
     "II.1.2", None),
    ("khoảng 1.400-\n\n1.800 xe/ngày", Decimal(1400), "xe/ngày", None, "rate", "khoảng", Decimal(1800), None,
     "II.1.2", None),
    ("hơn 2.530 \n\nvăn bản", Decimal(2530), "văn bản", None, "count", "hơn", None, None, "I", None),
    ("510 nhiệm vụ", Decimal(510), "nhiệm vụ", None, "count", None, None, None, "I", None),
    ("958/970 trẻ", Decimal(958), "trẻ", None, "fraction", None, None, Decimal(970), "II.2", 5),
    ("98,8%", Decimal("98.8"), "%", None, "percent", None, None, None, "II.2", 5),
]


@pytest.mark.parametrize("pin", PINNED_2026, ids=[p[0].split()[0] for p in PINNED_2026])
def test_pinned_mentions_2026(report_2026: Document, pin: tuple) -> None:
    printed, value, unit, scale, kind, qualifier, range_to, denominator, section, footnote = pin
    fig = _mention(report_2026, printed)
    m = fig.mention
    assert m.text == printed and report_2026.text[m.start:m.end] == printed
    assert (m.value, m.unit, m.scale, m.kind, m.qualifier) == (value, unit, scale, kind, qualifier)
    assert (m.range_to, m.denominator) == (range_to, denominator)
    assert (fig.section_id, fig.footnote) == (section, footnote)


def test_every_mention_slices_back_to_its_text(report_2026: Document, report_2024: Document,
                                               notice: Document) -> None:
    for doc in (report_2026, report_2024, notice):
        assert doc.figures
        for fig in doc.figures:
            m = fig.mention
            assert doc.text[m.start:m.end] == m.text
            if fig.footnote is not None:  # footnote figures lie in the footnote, which is attached to the section
                fn = next(f for f in doc.footnotes if f.number == fig.footnote)
                assert any(a <= m.start < m.end <= b for a, b in fn.spans) and fn.section_id == fig.section_id
            elif fig.section_id is not None:
                sec = doc.section(fig.section_id)
                assert sec.start <= m.start < m.end <= sec.end


@pytest.mark.parametrize("text", ["ngày 08/01/2026 UBND tỉnh", "Nghị quyết số 01/NQ-CP của Chính phủ",
                                  "Quyết định 79-NQ/TW", "trong năm 2025", "giai đoạn 2026 - 2030",
                                  "lúc 14h30 ngày 15", "Khóa XVII lần thứ 3", "Số: 26/TB-UBND"])
def test_dates_years_and_document_numbers_are_not_figures(text: str) -> None:
    assert find_numbers(text) == []


@pytest.mark.parametrize("text, printed, unit", [
    ("diện tích 534.260,62 ha rừng", "534.260,62 ha", "ha"),
    ("khai thác 12,5 m³ gỗ", "12,5 m³", "m3"),  # one canonical unit for m³ and m3
    ("khai thác 12,5 m3 gỗ", "12,5 m3", "m3"),
    ("tiêu thụ 3.410 kWh điện", "3.410 kWh", "kWh"),
    ("tiêm 1.250 con gia súc", "1.250 con", "con"),
    ("đón 95.000 lượt khách du lịch", "95.000 lượt khách", "lượt khách"),
    ("giải quyết 2.315 hồ sơ", "2.315 hồ sơ", "hồ sơ"),
    ("hỗ trợ 48 hộ nghèo", "48 hộ", "hộ"),
])
def test_units(text: str, printed: str, unit: str) -> None:
    [m] = find_numbers(text)
    assert (m.text, m.unit) == (printed, unit)


def test_nfd_input_gives_the_same_inventory(report_2026: Document) -> None:
    doc = parse_text(unicodedata.normalize("NFD", report_2026.text))
    assert [(f.mention.text, f.mention.start, f.mention.value) for f in doc.figures] == \
        [(f.mention.text, f.mention.start, f.mention.value) for f in report_2026.figures]


@pytest.mark.parametrize("text, counts", [
    # 2024-01 footnote 14: cases and the people in them, each count with its own noun
    ("Trong đó: 06 vụ/13 đối tượng vận chuyển, tàng trữ, buôn bán pháo nổ; 58 vụ/69 đối tượng vận chuyển",
     [("06 vụ", "vụ"), ("13 đối tượng", "đối tượng"), ("58 vụ", "vụ"), ("69 đối tượng", "đối tượng")]),
    ("bắt 12 vụ/ 25 người đánh bạc", [("12 vụ", "vụ"), ("25 người", "người")]),
])
def test_a_count_glued_after_a_slash_with_a_noun_of_its_own_is_a_second_count(text: str, counts: list) -> None:
    assert [(m.text, m.unit) for m in find_numbers(text)] == counts
    assert all(m.kind == "count" and m.denominator is None for m in find_numbers(text))


@pytest.mark.parametrize("text, printed", [
    ("đã giải quyết 20 đơn/37 đơn, đạt", ["20 đơn"]),  # one noun: a fraction, read as such by the reader
    ("xử lý 3 vụ/2025", ["3 vụ"]),  # a year after the slash counts nothing
    ("xử lý 06 vụ/13", ["06 vụ"]),  # no noun of its own
    ("đạt 44/65 xã", ["44/65 xã"]),
])
def test_a_slash_without_a_second_named_count_stays_as_it_was(text: str, printed: list) -> None:
    assert [m.text for m in find_numbers(text)] == printed
