"""What lets the reader settle a piece alone: names printed as a label before their figure, figures
the reader reads as no quantity, a budget line's revenue / spending flow. On the sample reports'
own sentences (offsets found with `str.index` on the printed text, never taken from the reader),
paraphrases, and near misses that must stay the model's."""
from __future__ import annotations

import json
from pathlib import Path

from extractor.document.report import Document
from extractor.reading.reader import read_section

from .conftest import REPORT_2026
from .test_reader import at, passage, record_at, walk


def name_of(doc: Document, section_id: str, start: int) -> str | None:
    return record_at(doc, section_id, start).name


# --- Names printed as a label: "<tên>: <giá trị>", "<tên> (<giá trị>)" ----------------------------

def test_a_name_before_its_colon(report_2024: Document) -> None:
    assert name_of(report_2024, "II.1.4", at(report_2024, "47 nghìn tấn")) == "Than"
    assert name_of(report_2024, "II.1.4", at(report_2024, "87 nghìn tấn")) == "Xi măng"
    assert name_of(report_2024, "II.1.3", at(report_2024, "983,7 tỷ đồng")) == "Vốn ngân sách địa phương"
    assert name_of(report_2024, "II.1.3", at(report_2024, "1.929,7 tỷ đồng")) == "Vốn NSTW"


def value_names(doc: Document) -> dict[str, str | None]:
    """Each value the reader reads in section I of `doc`, by its printed text, with its name."""
    return {r.figures["value"].text: r.name for r in walk(read_section(doc, "I")) if r.figures.get("value")}


def test_a_name_before_a_bracket_holding_its_figure_alone(report_2026: Document) -> None:
    assert name_of(report_2026, "II.1.1", at(report_2026, "670 ha")) == "khoai tây"
    # "lá" of "thuốc lá" is no "là" ("is") whose diacritics were lost: the name keeps it
    assert name_of(report_2026, "II.1.1", at(report_2026, "390 ha")) == "thuốc lá"


def test_labelled_names_in_paraphrase() -> None:
    doc = passage("Sản xuất công nghiệp: điện thương phẩm: 69,96 triệu kWh, đạt 7,3% kế hoạch; "
                  "sản lượng xi măng (87 nghìn tấn) tăng so với cùng kỳ.")
    names = value_names(doc)
    assert names["69,96 triệu kWh"] == "điện thương phẩm"
    assert names["87 nghìn tấn"] == "sản lượng xi măng"


def test_no_name_from_a_list_opener_or_a_bracket_with_more_in_it() -> None:
    doc = passage("Kết quả cụ thể: 47 nghìn tấn than. Sản lượng (ước 87 nghìn tấn, tăng 3%) ổn định.")
    names = value_names(doc)
    assert names.get("47 nghìn tấn") is None  # "cụ thể:" opens a list, it names nothing (no record)
    assert names.get("87 nghìn tấn") != "Sản lượng"  # the bracket holds more than the figure


# --- A count named by the words after its noun ---------------------------------------------------

def test_a_count_named_by_the_words_after_it(report_2024: Document) -> None:
    start = at(report_2024, "48 doanh nghiệp")
    assert name_of(report_2024, "II.1.5", start) == "doanh nghiệp hoạt động trở lại"
    assert name_of(report_2024, "II.1.5", at(report_2024, "183 doanh nghiệp")) == "doanh nghiệp tạm ngừng hoạt động"


def test_counts_named_after_in_paraphrase_and_near_misses() -> None:
    doc = passage("Toàn tỉnh có 35 hợp tác xã thành lập mới, tăng 5% so với cùng kỳ; 12 hợp tác xã giải thể và "
                  "20 hợp tác xã hoạt động trở lại. Đã hỗ trợ 40 hộ với 160 nhân khẩu; 7 đối tượng, tăng 2%.")
    names = value_names(doc)
    assert names["35 hợp tác xã"] == "hợp tác xã thành lập mới"
    assert names["12 hợp tác xã"] == "hợp tác xã giải thể"  # the "và" joins the next count
    assert not (names["40 hộ"] or "").startswith("hộ")  # "với" ties another count: the noun alone names nothing
    assert names["7 đối tượng"] is None


def test_words_before_that_name_who_give_way_to_what_is_counted(report_2026: Document) -> None:
    # "Trong tháng đã xảy ra 84 vụ phạm tội về trật tự xã hội" (the 2026 report's II.6, where the reader of
    # incidents reads it; here in a section with no incidents): "xảy ra" says what happened, not what
    doc = passage("Trong tháng đã xảy ra 84 vụ phạm tội về trật tự xã hội, làm 03 người chết.")
    assert name_of(doc, "I", at(doc, "84 vụ")) == "vụ phạm tội về trật tự xã hội"
    # "Tổng số … 35 hợp tác xã": words before that name the noun keep the name
    doc = passage("Số hợp tác xã thành lập mới 35 hợp tác xã giải thể trong tháng.")
    [rec] = [r for r in read_section(doc, "I") if r.figures.get("value")]
    assert rec.name == "Số hợp tác xã thành lập mới"


# --- Figures that state no quantity --------------------------------------------------------------

def test_list_numbers_and_years_need_no_record(report_2024: Document) -> None:
    from extractor.extraction.chunking import chunk_section
    from extractor.extraction.settling import reader_settles
    from extractor.reading.stream import is_numbering

    numbered = [f for f in report_2024.figures if is_numbering(report_2024, f)]
    assert [f.mention.start for f in numbered][:3] == [at(report_2024, "1) Điện sản xuất"),
                                                      at(report_2024, "2) Điện"), at(report_2024, "3) Than")]
    sec = report_2024.section("II.1.4")
    [piece] = [c for c in chunk_section(report_2024, sec) if any(f in numbered for f in c.figures)]
    assert reader_settles(report_2024, "economy", piece.figures, read_section(report_2024, "II.1.4"))
    # the same piece with a number the reader does not hold stays the model's
    assert not reader_settles(report_2024, "economy", piece.figures, [])


def test_numbers_in_brackets_that_count_are_no_list_numbers() -> None:
    from extractor.reading.stream import is_numbering

    doc = passage("Cụ thể: (1) Than: 47 nghìn tấn; (2) Xi măng: 87 nghìn tấn. Số nhiệm vụ (12) chưa hoàn thành; "
                  "Hồ Sơn 1, 2 đang thi công.")
    numbered = [doc.text[f.mention.start:f.mention.end] for f in doc.figures if is_numbering(doc, f)]
    assert numbered == ["1", "2"]


# --- A budget line's flow, read from its name ----------------------------------------------------

BUDGET = ("II. TÌNH HÌNH KINH TẾ - XÃ HỘI\n\n1. Thu, chi ngân sách\n\n{line} đạt 120 tỷ đồng, tăng 5% so với "
          "cùng kỳ.\n\nIII. NHIỆM VỤ TRỌNG TÂM THÁNG TỚI\n\nTiếp tục.\n")


def test_a_budget_lines_flow_is_read_from_its_name(report_2026: Document, report_2024: Document) -> None:
    for doc in (report_2026, report_2024):
        read = read_section(doc, "II.1.6")
        assert [r.labels.get("flow") for r in read] == ["revenue", "expenditure"]
        assert all("flow" not in p.labels for r in read for p in walk(r.parts))  # a part has no flow field


def test_flow_in_paraphrase_and_near_misses() -> None:
    from extractor.reading.flows import flow_of

    assert [flow_of(n) for n in ("Thu ngân sách nhà nước", "Ước thu nội địa", "TỔNG CHI ngân sách địa phương",
                                 "chi thường xuyên")] == ["revenue", "revenue", "expenditure", "expenditure"]
    # a target, a tax, a contribution, policy: no flow stated by the first word
    assert [flow_of(n) for n in ("Chỉ tiêu thu ngân sách", "Thuế thu nhập cá nhân", "các khoản huy động, đóng góp",
                                 "chính sách", "", None)] == [None] * 6


def test_a_budget_line_whose_flow_is_not_read_is_still_asked() -> None:
    from extractor.document.report import parse_text
    from extractor.extraction.engine import Extractor

    asked = {}
    for line in ("Tổng thu ngân sách nhà nước trên địa bàn", "Nguồn ngân sách địa phương"):
        [job] = Extractor(None, model="m", mode="json").plan(parse_text(BUDGET.format(line=line)), ["II.1"])
        assert job.kind == "budget"
        asked[line] = len(job.chunks)
    assert asked == {"Tổng thu ngân sách nhà nước trên địa bàn": 0, "Nguồn ngân sách địa phương": 1}


def test_a_model_flow_the_reader_reads_otherwise_is_dropped(report_2026: Document) -> None:
    from .fakemodel import budget_2026
    from .test_reader_first import run_ii16

    wrong = budget_2026()
    wrong.reply["indicators"][0]["flow"] = "expenditure"  # "Tổng thu …" called spending
    result, [total] = run_ii16(report_2026, [wrong])
    assert "flow" not in total.labels and [i.field for i in total.issues] == ["flow"]
    assert any("flow 'expenditure' dropped: the reader reads 'revenue'" in w for w in result.sections[0].warnings)
    result, [total] = run_ii16(report_2026, [budget_2026()])
    assert total.labels["flow"] == "revenue" and not total.issues


# --- `extractor plan`: what is asked, and why ----------------------------------------------------

def test_plan_lists_the_pieces_asked_and_why(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from extractor.cli.commands import app

    run = CliRunner().invoke(app, ["plan", str(REPORT_2026), "--json"])
    assert run.exit_code == 0, run.output
    plan = json.loads(run.output)
    rows = {r["section"]: r for r in plan["sections"]}
    assert rows["II.1.6"]["asked"] == [] and len(rows["II.1.6"]["settled"]) == 4  # the budget: reader alone
    # "có 859 chi nhánh": a count whose noun the number parser does not know, held by no record
    [piece] = [p for p in rows["II.1.5"]["asked"] if any("'859'" in w for w in p["why"])]
    assert piece["why"] == ["'859': no reader record holds it"]
    directives = [r for r in plan["sections"] if r["kind"] == "directives"]
    # the reader of directives is sure of every item of §III (tests/test_directives.py: one it is not sure of)
    assert len(directives) == 13 and all(r["settled"] and not r["asked"] for r in directives)
    assert plan["asked"] == sum(len(r["asked"]) for r in plan["sections"]) and plan["settled"] > plan["asked"]
    text = CliRunner().invoke(app, ["plan", str(REPORT_2026), "--sections", "II.1.5"])
    assert "II.1.5#2: '859': no reader record holds it" in text.output
    bad = CliRunner().invoke(app, ["plan", str(REPORT_2026), "--sections", "II.9"])
    assert bad.exit_code != 0 and "no section 'II.9'" in str(bad.exception)


# --- A change printed without its value ----------------------------------------------------------

def changes_of(doc: Document, section_id: str) -> dict[str, tuple[str | None, str, str]]:
    return {r.figures["change_percent"].text: (r.name, r.type, r.labels["change_direction"])
            for r in walk(read_section(doc, section_id)) if r.figures.get("change_percent") and "value" not in r.figures}


def test_an_index_given_by_its_change_with_its_parts(report_2024: Document) -> None:
    [iip] = [r for r in read_section(report_2024, "II.1.4") if r.figures.get("change_percent")
             and r.figures["change_percent"].start == at(report_2024, "14,77%")]
    assert iip.name == "chỉ số sản xuất công nghiệp" and "value" not in iip.figures
    assert iip.labels["change_basis"] == "same_period" and iip.parts_complete is False  # "trong đó": a partial list
    assert [(p.name, p.figures["change_percent"].text) for p in iip.parts] == [
        ("khai khoáng", "21,74%"), ("công nghiệp chế biến, chế tạo", "23,56%"),
        ("sản xuất và phân phối điện, khí đốt, nước nóng, hơi nước và điều hòa không khí", "1,03%"),
        ("cung cấp nước, hoạt động quản lý và xử lý rác thải, nước thải", "3,5%")]


def test_changes_without_a_value_in_paraphrase_and_near_misses() -> None:
    doc = passage("Chỉ số giá tiêu dùng giảm 0,5% so với tháng trước. Doanh thu đạt 100 tỷ đồng, tăng 5% so với "
                  "cùng kỳ. Doanh nghiệp tạm ngừng hoạt động, tăng 18,6% so với cùng kỳ.")
    assert changes_of(doc, "I") == {"0,5%": ("Chỉ số giá tiêu dùng", "indicator", "decrease")}
    [revenue] = [r for r in read_section(doc, "I") if r.figures.get("value")]
    assert revenue.figures["change_percent"].text == "5%"  # a comparison of the figure before it
    # "…, tăng 18,6%": the clause before the verb is empty, so nothing names the change
    assert "18,6%" not in {f.text for r in walk(read_section(doc, "I")) for f in r.figures.values() if f}


def test_why_a_piece_is_asked_names_the_figure_and_the_cause() -> None:
    from extractor.document.report import parse_text
    from extractor.extraction.engine import Extractor
    from extractor.extraction.settling import why_asked

    def why(text: str) -> list[str]:
        doc = parse_text(text)
        [job] = Extractor(None, model="m", mode="json").plan(doc, ["II.1"])
        return [w for c in job.chunks for w in why_asked(doc, job.kind, c.figures, read_section(doc, "II.1"))]

    assert why(BUDGET.format(line="Nguồn ngân sách địa phương")) == ["'120 tỷ đồng': flow of its indicator not read",
                                                                     "'5%': flow of its indicator not read"]
    security = BUDGET.replace("Thu, chi ngân sách", "Quốc phòng, an ninh").replace("120 tỷ đồng", "12 vụ")
    assert why(security.format(line="Tai nạn giao thông xảy ra")) == []  # an incident (reading/incidents.py)
    assert why(security.format(line="Lực lượng chức năng làm rõ")) == [
        "'12 vụ': counts vụ, what another record type of security is for"]
