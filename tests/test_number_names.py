"""Numbers that are part of a proper name are no figures (extractor/numbers/names.py): on the
sample reports' real sentences, and on the way other provinces write names and counts."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from extractor.cli.commands import app
from extractor.document.report import Document
from extractor.numbers.parse import find_numbers

from .conftest import REPORT_2024, REPORT_2026
from .test_reader import at


def printed(text: str) -> list[str]:
    return [m.text for m in find_numbers(text)]


def figures_between(doc: Document, first: str, last: str) -> list[str]:
    """The figures printed from phrase `first` to the end of phrase `last` (each occurring once)."""
    start, end = at(doc, first), at(doc, last) + len(last)
    return [f.mention.text for f in doc.figures if start <= f.mention.start < end]


def test_cluster_names_in_the_2026_report_are_no_figures(report_2026: Document) -> None:
    clusters = figures_between(report_2026, "khởi công (Hồ Sơn 1", "CCN Tân Văn);")
    assert clusters == []
    # the section's other figures, read by hand from its text, are all still there
    own = [f.mention.text for f in report_2026.figures if f.section_id == "II.1.3" and f.footnote is None]
    assert own == ["11/12 sản phẩm", "3.519,4 tỷ đồng", "8,01%", "383,78 tỷ đồng", "13,04% %", "58.150 tỷ đồng",
                   "18,8%", "53.400 tỷ đồng", "20,9%", "397.000 lượt khách", "8,4%", "13,4%", "19.000 lượt", "3,5%",
                   "35,7%", "378.000 lượt", "9,1%", "12,5%", "ước đạt 380 tỷ đồng", "7,8%", "31,5%"]


def test_cluster_names_in_the_2024_report_are_no_figures(report_2024: Document) -> None:
    # a name wrapped over a line break ("Hợp / Thành 1, 2") and one opening a line ("CCN Na Dương 3.")
    assert figures_between(report_2024, "cụm công nghiệp Na Dương 1, huyện Lộc Bình", "Bắc Sơn 2.") == []
    assert figures_between(report_2024, "CCN Na Dương 3.", "CCN Na Dương 3.") == []


@pytest.mark.parametrize("report, section", [(REPORT_2026, "II.1.3"), (REPORT_2024, "II.1.4")])
def test_plan_asks_the_model_about_no_cluster_name(report: Path, section: str) -> None:
    result = CliRunner().invoke(app, ["plan", str(report)])
    assert result.exit_code == 0, result.output
    reasons = [line for line in result.output.splitlines() if line.strip().startswith(section + "#")]
    assert reasons  # the section still has pieces the model is asked about, for their own figures
    assert not [line for line in reasons if re.search(r"'\d+': no reader record holds it", line)]


@pytest.mark.parametrize("text", [
    "Khu công nghiệp Đồng Đăng 2 đang hoàn thiện hạ tầng",
    "Thủy điện Bản Chát 1 phát điện ổn định",
    "tổ chức lễ khai giảng tại Trường THCS số 1",
    "nâng cấp Quốc lộ 1A đoạn qua tỉnh",
    "các CCN Na Dương 1, 2, 3 và CCN Minh Sơn",
    "triển khai Đề án 06 của Chính phủ",
    "thực hiện Chương trình 135 tại các xã",
    "các dự án KCN 2 và KCN 3 đã được giao đất",
    "các cụm công nghiệp Hợp\n\nThành 1, 2 đã khởi công",
    "tiếp tục thi công (Hồ Sơn 1, Bắc Sơn 2, Đình Lập)",
    "- Hồ Sơn 1 đang thi công",
])
def test_a_number_that_is_part_of_a_name_is_no_figure(text: str) -> None:
    assert printed(text) == []


@pytest.mark.parametrize("text, counts", [
    ("Lạng Sơn có 15 xã đạt chuẩn nông thôn mới", ["15 xã"]),
    ("Khu công nghiệp Đồng Đăng 2 có 120 hộ dân phải di dời", ["120 hộ"]),
    ("Năm 2025 có 15 doanh nghiệp thành lập mới", ["15 doanh nghiệp"]),
    ("Hà Nội, 15 doanh nghiệp đăng ký tham gia", ["15 doanh nghiệp"]),
    # a sentence's first word is capitalised by the sentence
    ("Có 15 dự án chậm tiến độ. Trong 3 ngày, đã xử lý xong.", ["15 dự án", "3 ngày"]),
    ("Đến nay 12 xã đã hoàn thành", ["12 xã"]),
    # a count, a value, a share after a name: a unit, a scale, a %, a fraction, a range, a qualifier
    ("CCN Hồ Sơn 1 thu hút 3 dự án, vốn 1.250 tỷ đồng", ["3 dự án", "1.250 tỷ đồng"]),
    ("Đồng Đăng 12,5%", ["12,5%"]),
    ("Cao Lộc 12/15 xã", ["12/15 xã"]),
    ("Lộc Bình hơn 40 ha", ["hơn 40 ha"]),
    ("Văn Lãng 1.200 trẻ", ["1.200 trẻ"]),
    # Roman numerals and lines written in capitals name nothing by capitals
    ("Quý IV 15 doanh nghiệp", ["15 doanh nghiệp"]),
    ("KẾT QUẢ 3 THÁNG ĐẦU NĂM\nthu 15 tỷ đồng", ["15 tỷ đồng"]),
    # a breakdown: counts printed with a leading zero, or the first with its unit
    ("(Cao Lộc 05, Lộc Bình 03, Văn Lãng 01)", ["05", "03", "01"]),
    ("gồm: Cao Lộc 5 xã, Lộc Bình 3 và Đình Lập 2", ["5 xã", "3", "2"]),
    # a table row: the first cell is a figure, not the name's number
    ("Cao Lộc 12 15 20", ["12", "15", "20"]),
])
def test_counts_near_a_name_stay_figures(text: str, counts: list[str]) -> None:
    assert printed(text) == counts


def test_a_list_of_names_ends_where_a_count_begins() -> None:
    # "Na Dương 1, 2": both name; the count after "và" has its noun and stays a figure
    assert printed("các CCN Na Dương 1, 2 và 05 dự án khác") == ["05 dự án"]
    assert printed("CCN Na Dương 1, 2; toàn tỉnh 4") == ["4"]
