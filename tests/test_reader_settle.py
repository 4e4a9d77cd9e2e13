"""What lets the reader settle a piece alone: names printed as a label before their figure, figures
the reader reads as no quantity, a budget line's revenue / spending flow. On the sample reports'
own sentences (offsets found with `str.index` on the printed text, never taken from the reader),
paraphrases, and near misses that must stay the model's."""
from __future__ import annotations

from extractor.document.report import Document
from extractor.reading.reader import read_section

from .test_reader import at, passage, record_at, walk


def name_of(doc: Document, section_id: str, start: int) -> str | None:
    return record_at(doc, section_id, start).name


# --- Names printed as a label: "<tên>: <giá trị>", "<tên> (<giá trị>)" ----------------------------

def test_a_name_before_its_colon(report_2024: Document) -> None:
    assert name_of(report_2024, "II.1.4", at(report_2024, "47 nghìn tấn")) == "Than"
    assert name_of(report_2024, "II.1.4", at(report_2024, "87 nghìn tấn")) == "Xi măng"
    assert name_of(report_2024, "II.1.3", at(report_2024, "983,7 tỷ đồng")) == "Vốn ngân sách địa phương"
    assert name_of(report_2024, "II.1.3", at(report_2024, "1.929,7 tỷ đồng")) == "Vốn NSTW"


def test_a_name_before_a_bracket_holding_its_figure_alone(report_2026: Document) -> None:
    assert name_of(report_2026, "II.1.1", at(report_2026, "670 ha")) == "khoai tây"
    # "lá" of "thuốc lá" is no "là" ("is") whose diacritics were lost: the name keeps it
    assert name_of(report_2026, "II.1.1", at(report_2026, "390 ha")) == "thuốc lá"


def test_labelled_names_in_paraphrase() -> None:
    doc = passage("Sản xuất công nghiệp: điện thương phẩm: 69,96 triệu kWh, đạt 7,3% kế hoạch; "
                  "sản lượng xi măng (87 nghìn tấn) tăng so với cùng kỳ.")
    names = {r.figures["value"].text: r.name for r in walk(read_section(doc, "I")) if r.figures.get("value")}
    assert names["69,96 triệu kWh"] == "điện thương phẩm"
    assert names["87 nghìn tấn"] == "sản lượng xi măng"


def test_no_name_from_a_list_opener_or_a_bracket_with_more_in_it() -> None:
    doc = passage("Kết quả cụ thể: 47 nghìn tấn than. Sản lượng (ước 87 nghìn tấn, tăng 3%) ổn định.")
    names = {r.figures["value"].text: r.name for r in walk(read_section(doc, "I")) if r.figures.get("value")}
    assert names["47 nghìn tấn"] is None  # "cụ thể:" opens a list, it names nothing
    assert names.get("87 nghìn tấn") != "Sản lượng"  # the bracket holds more than the figure
