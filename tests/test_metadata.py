"""Document metadata: header, reporting period, recipients and signature kept out of the body."""
from __future__ import annotations

from extractor.document.report import Document, parse_text


def test_report_2024_header(report_2024: Document) -> None:
    m = report_2024.metadata
    assert m.issuer == "ỦY BAN NHÂN DÂN TỈNH LẠNG SƠN"
    assert m.number == "/BC-UBND"  # the number is left blank in the file
    assert (m.place, m.date, m.doc_type) == ("Lạng Sơn", None, "báo cáo")
    assert m.title == "Tình hình kinh tế - xã hội tháng 01, nhiệm vụ trọng tâm tháng 02 năm 2024"
    assert (m.period.month, m.period.year, m.period.next_month, m.period.cumulative_months) == (1, 2024, 2, None)
    assert m.recipients[0] == "Thường trực Tỉnh ủy;" and m.recipients[-1] == "Lưu: VT, TH (VMĐ)."
    assert m.signature == ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Dương Xuân Huyên"]
    body = report_2024.text[slice(*report_2024.body)]
    assert body.lstrip().startswith("I. CÔNG TÁC CHỈ ĐẠO") and "Nơi nhận" not in body and "Dương Xuân Huyên" not in body


def test_ocr_notice_header(notice: Document) -> None:
    m = notice.metadata
    assert (m.number, m.place, m.date, m.doc_type) == ("26/TB-UBND", "Lang Son", "2026-01-27", "thông báo kết luận")
    assert m.title.startswith("Két luén cia Chi tich UBND tinh tai Hdi nghi")
    assert len(m.recipients) == 11 and m.signature == ["TL CHU TICH"]


def test_headerless_report_period_comes_from_section_titles(report_2026: Document) -> None:
    m = report_2026.metadata
    assert (m.issuer, m.number, m.title) == (None, None, None)
    assert (m.period.month, m.period.year) == (1, 2026)
    assert m.signature[:2] == ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH"]


HEADER_8_MONTHS = """ỦY BAN NHÂN DÂN
TỈNH ĐỒNG NAI

CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc

Số: 312/BC-UBND Đồng Nai, ngày 05 tháng 9 năm 2025

BÁO CÁO
Tình hình kinh tế - xã hội tháng 8 và 8 tháng năm 2025,
nhiệm vụ trọng tâm tháng 9 năm 2025

I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH
Trong tháng, UBND tỉnh ban hành 120 văn bản.

Nơi nhận:
- Văn phòng Chính phủ;
- Lưu: VT.
TM. ỦY BAN NHÂN DÂN
CHỦ TỊCH
Nguyễn Văn A
"""


def test_month_plus_cumulative_months() -> None:
    doc = parse_text(HEADER_8_MONTHS)
    m = doc.metadata
    assert (m.number, m.date, m.place) == ("312/BC-UBND", "2025-09-05", "Đồng Nai")
    assert (m.period.month, m.period.cumulative_months, m.period.year, m.period.next_month) == (8, 8, 2025, 9)
    assert m.recipients == ["Văn phòng Chính phủ;", "Lưu: VT."]
    assert [s.id for s in doc.sections] == ["I"]
    assert [f.mention.text for f in doc.figures] == ["120 văn bản"]
