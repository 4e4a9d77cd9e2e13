"""Section trees, footnotes and their markers, pinned on the real sample reports."""
from __future__ import annotations

import re

import pytest

from extractor.document.report import Document, parse_text
from extractor.document.text import collapse_ws

II_2026 = ["II.1", "II.1.1", "II.1.2", "II.1.3", "II.1.4", "II.1.5", "II.1.6",
           "II.2", "II.3", "II.4", "II.5", "II.6", "II.7", "II.danh-gia-chung"]
IDS_2026 = ["I", "II", *II_2026, "III", *[f"III.{i}" for i in range(1, 14)]]
IDS_2024 = ["I", "II", *II_2026, "III", *[f"III.{i}" for i in range(1, 16)]]
IDS_NOTICE = ["preamble", *[str(i) for i in range(1, 11)]]


def ids(doc: Document) -> list[str]:
    return [s.id for s in doc.sections]


def test_section_ids_2026(report_2026: Document) -> None:
    assert ids(report_2026) == IDS_2026


def test_section_ids_2024(report_2024: Document) -> None:
    assert ids(report_2024) == IDS_2024


def test_notice_ocr_yields_its_ten_directives(notice: Document) -> None:
    assert ids(notice) == IDS_NOTICE
    directive = notice.section("10")
    assert notice.text[directive.start:].startswith("Pbi v6i mét sb kién nghi")
    assert "30/01/2026" in notice.section_view(directive).text
    # The closing paragraph after directive 10 ends the body; recipients are not body text.
    assert "Thuong truc Tinh uy" not in notice.text[directive.start:directive.end]


def test_titles_levels_and_parents(report_2026: Document) -> None:
    s = report_2026.section("II.1.3")
    assert (s.title, s.level, s.parent) == ("Sản xuất công nghiệp; thương mại, dịch vụ và du lịch", 3, "II.1")
    wrapped = report_2026.section("II.5")  # a title wrapped over two lines
    assert wrapped.title.startswith("Công tác thanh tra, kiểm tra; giải quyết khiếu nại, tố cáo; phòng chống")
    assert report_2026.section("II").title == "TÌNH HÌNH KINH TẾ - XÃ HỘI THÁNG 01 NĂM 2026"
    assert report_2026.section("II").children[:2] == ["II.1", "II.2"]
    # A directive's whole paragraph is its body; its title is the opening clause.
    d = report_2026.section("III.1")
    assert report_2026.text[d.start:].startswith("Tiếp tục chỉ đạo thực hiện tốt các chỉ thị")
    assert d.level == 2 and d.parent == "III"


def test_unnumbered_heading_is_its_own_node(report_2024: Document) -> None:
    s = report_2024.section("II.danh-gia-chung")
    assert s.title == "Đánh giá chung"
    assert report_2024.text[s.start:].startswith("Trong tháng 01/2024, với tinh thần")
    assert report_2024.section("II.7").end <= s.heading_start


@pytest.mark.parametrize("line_start", ["2025. Ngay từ rất sớm", "2030.  \n", "534.260,62 ha, chăm sóc",
                                        "5G tại 65/65 xã", "2030. Duy trì hoạt động"])
def test_wrapped_lines_starting_with_numbers_are_not_headings(report_2026: Document, report_2024: Document,
                                                            line_start: str) -> None:
    for doc in (report_2026, report_2024):
        m = re.search("^" + re.escape(line_start), doc.text, re.M)
        if m is None:
            continue
        assert all(s.heading_start != m.start() for s in doc.sections)
        holder = doc.section_at(m.start())
        assert holder is not None and holder.start < m.start() < holder.end
        return
    pytest.fail(f"{line_start!r} not found in the samples")


FOOTNOTES_2026 = {1: ("II.1.1", "cùng kỳ1;"), 2: ("II.1.1", "ổn định2;"), 3: ("II.1.3", "khá3."),
                  4: ("II.1.6", "đồng4,"), 5: ("II.2", "rộng5;"), 6: ("II.2", "nghiệp6."),
                  7: ("II.2", "kg7."), 8: ("II.2", "quà8 "), 9: ("II.3", "339 "), 10: ("II.3", "kênh10 ")}
FOOTNOTES_2024 = {1: "II.1.1", 2: "II.1.1", 3: "II.1.1", 4: "II.1.1", 5: "II.1.3", 6: "II.1.4",
                  7: "II.1.4", 8: "II.1.4", 9: "II.1.6", 10: "II.2", 11: "II.3", 12: "II.4",
                  13: "II.5", 14: "II.5", 15: "II.6", 16: "II.7"}


def test_every_footnote_has_its_marker_and_section_2026(report_2026: Document) -> None:
    got = {fn.number: fn for fn in report_2026.footnotes}
    assert sorted(got) == list(range(1, 11))
    for number, (section_id, context) in FOOTNOTES_2026.items():
        fn = got[number]
        assert fn.section_id == section_id, number
        s, e = fn.marker
        assert report_2026.text[s:e] == str(number)
        at = e - (context.index(str(number)) + len(str(number)))
        assert report_2026.text[at:at + len(context)] == context, number


def test_every_footnote_has_its_marker_and_section_2024(report_2024: Document) -> None:
    got = {fn.number: (fn.section_id, report_2024.text[fn.marker[0]:fn.marker[1]]) for fn in report_2024.footnotes}
    assert got == {n: (sid, str(n)) for n, sid in FOOTNOTES_2024.items()}


def test_footnote_text_and_offsets(report_2026: Document) -> None:
    for fn in report_2026.footnotes:
        pieces = [collapse_ws(report_2026.text[s:e]) for s, e in fn.spans]
        assert " ".join(pieces) == fn.text
    fn3 = report_2026.footnotes[2]
    assert fn3.text.startswith("Trong đó: Than đạt 39,4 nghìn tấn")
    # Footnote 3 runs over a page break: its second part sits in the next footnote zone.
    assert len(fn3.spans) == 2 and fn3.text.endswith("Muối công nghiệp 45 tấn, đạt 5,6% kế hoạch, giảm 55%.")
    # A wrapped footnote line that starts with a number continues the footnote.
    assert "Gạch các loại 20 triệu viên" in fn3.text
    assert report_2026.footnotes[8].text.startswith("Trong đó có 16 nhiệm vụ")  # "9Trong đó", no space


def test_footnotes_leave_the_body_and_the_paragraph_is_joined(report_2026: Document) -> None:
    view = report_2026.section_view(report_2026.section("II.1.3")).text
    assert "đều có mức tăng trưởng khá. Các ngành tiếp tục đôn đốc, theo dõi" in view
    assert "Than đạt 39,4 nghìn tấn" not in view
    budget = report_2026.section_view(report_2026.section("II.1.6")).text
    assert "809.338 triệu đồng, đạt 5,6% dự toán, giảm 7,5% so với cùng kỳ năm trước." in budget
    assert "105.000" not in budget
    # Marker glued to a number: "339 đề tài" reads as 33 (footnote 9 lists 16 + 08 + 02 + 07).
    assert "thực hiện 33 đề tài" in report_2026.section_view(report_2026.section("II.3")).text


def test_page_number_lines_are_not_body(notice: Document) -> None:
    view = notice.section_view(notice.section("3")).text
    assert "nong thon tinh Lang Son giai doan 2026 - 2030" in view


def test_section_offsets_are_exact(report_2026: Document, report_2024: Document, notice: Document) -> None:
    for doc in (report_2026, report_2024, notice):
        for s in doc.sections:
            assert 0 <= s.heading_start <= s.start <= s.own_end <= s.end <= len(doc.text)
            assert doc.text[s.start] .strip() and doc.text[s.end - 1].strip()
            if s.numbering != "preamble":
                label = doc.text[s.heading_start:s.title_start].strip()
                assert label.rstrip(".)").split(".")[-1] == s.id.split(".")[-1] or s.numbering == "unnumbered"


def test_decomposed_input_gives_the_same_tree(report_2026: Document) -> None:
    import unicodedata
    doc = parse_text(unicodedata.normalize("NFD", report_2026.text))
    assert ids(doc) == IDS_2026
    assert [fn.section_id for fn in doc.footnotes] == [fn.section_id for fn in report_2026.footnotes]


def test_repeated_unnumbered_heading_gets_a_distinct_stable_id(report_2024: Document) -> None:
    from extractor.extraction.chunking import chunk_section
    at = report_2024.text.index("III. NHIỆM VỤ TRỌNG TÂM")
    second = ("Đánh giá chung: Bên cạnh những kết quả đạt được, một số chỉ tiêu còn thấp, "
              "giải ngân vốn đầu tư công đạt 4,1% kế hoạch.\n\n")
    doc = parse_text(report_2024.text[:at] + second + report_2024.text[at:])
    got = ids(doc)
    assert got[got.index("II.7") + 1:got.index("III")] == ["II.danh-gia-chung", "II.danh-gia-chung-2"]
    assert len(set(got)) == len(got)
    assert doc.section("II.danh-gia-chung-2").title == "Đánh giá chung"
    assert "4,1% kế hoạch" in doc.section_view(doc.section("II.danh-gia-chung-2")).text
    chunk_ids = [c.id for s in doc.sections for c in chunk_section(doc, s)]
    assert len(set(chunk_ids)) == len(chunk_ids)


HEADING_1_4 = "1.4. Hoạt động đầu tư xây dựng kết cấu hạ tầng và công tác quy hoạch"


def test_a_missing_heading_is_reported_and_the_next_ones_kept(report_2026: Document) -> None:
    text = report_2026.text.replace(HEADING_1_4, "", 1)
    doc = parse_text(text)
    assert ids(doc) == [i for i in IDS_2026 if i != "II.1.4"]
    assert doc.metadata.warnings == ["heading 1.4 not found: the numbering goes from II.1.3 to II.1.5; "
                                     "II.1.5 is kept as its own section"]
    # The budget stays in its own section, not merged into 1.3.
    assert "809.338 triệu đồng" not in doc.section_view(doc.section("II.1.3"), own=False).text
    assert "809.338 triệu đồng" in doc.section_view(doc.section("II.1.6")).text
    assert [fn.section_id for fn in doc.footnotes] == [fn.section_id for fn in report_2026.footnotes]


def test_a_heading_run_onto_the_previous_line_is_found(report_2026: Document) -> None:
    at = report_2026.text.index(HEADING_1_4)
    before = report_2026.text[:at].rstrip()
    assert before.endswith("tăng 31,5%.")
    doc = parse_text(before + " " + report_2026.text[at:])
    assert ids(doc) == IDS_2026 and doc.metadata.warnings == []
    assert doc.section("II.1.4").title == HEADING_1_4[5:]


def test_sections_command_shows_the_warnings(report_2026: Document, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json
    import subprocess
    import sys
    path = tmp_path / "report.txt"
    path.write_text(report_2026.text.replace(HEADING_1_4, "", 1), encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "extractor", "sections", "--json", str(path)],
                         capture_output=True, text=True, timeout=60)
    data = json.loads(run.stdout)
    assert run.returncode == 0 and data["warnings"][0].startswith("heading 1.4 not found")
    assert "II.1.5" in [s["id"] for s in data["sections"]]
    run = subprocess.run([sys.executable, "-m", "extractor", "sections", str(path)],
                         capture_output=True, text=True, timeout=60, env={"COLUMNS": "200", "PATH": ""})
    assert "warning: heading 1.4 not found" in run.stdout
    run = subprocess.run([sys.executable, "-m", "extractor", "info", "--json", str(path)],
                         capture_output=True, text=True, timeout=60)
    assert json.loads(run.stdout)["warnings"][0].startswith("heading 1.4 not found")


# The first words of the notice's ten directives, as the OCR printed them (diacritics lost).
NOTICE_DIRECTIVES = ["Tép trung thao g& cac diém nghén", "Tlep tuc bam sat chi dao ctia Chinh pha",
                     "Tang cudng quan ly chat ché tai chinh", "Thuc hién dong bo, quyet liét cac nhiém vu",
                     "Tap trung hoan thanh cong tac diéu chinh Quy hoach", "Chu trong phat trién toan dién linh vuc",
                     "Tap trung nhiém vu bao dam qudc phong", "Thu truong cac so, ban, nganh, Chu tich UBND",
                     "Yéu cau cic sé, nganh, UBND cac x4", "Pbi v6i mét sb kién nghi cia UBND cép x4"]


def test_notice_keeps_its_ten_directives_apart_from_preamble_and_signature(notice: Document) -> None:
    directives = [s for s in notice.sections if s.numbering == "arabic"]
    assert [s.id for s in directives] == [str(i) for i in range(1, 11)]
    for sec, words in zip(directives, NOTICE_DIRECTIVES):
        assert notice.text[sec.start:].startswith(words), sec.id
        assert sec.parent is None and sec.level == 1
    preamble = notice.section("preamble")
    assert notice.text[preamble.start:].startswith("Ngay 14 thang 01 nam 2026, UBND tinh da t6 chire Hoi nghi")
    assert preamble.end <= directives[0].heading_start
    header_and_tail = ["THONG BAO", "S6:26 /TB-UBND", "Noi nhdn", "TL CHU TICH", "Luu: VT", "2026-01-27T13:34"]
    for sec in notice.sections:
        body = notice.text[sec.start:sec.end]
        assert not any(words in body for words in header_and_tail), sec.id
    assert notice.metadata.warnings == []


def test_a_heading_swallowed_by_a_footnote_zone_is_recovered(report_2026: Document) -> None:
    """A heading run into its first body line is as wide as a footnote line: after footnote 4
    the layout pass takes it for the footnote's tail, the numbering (II.1 → II.3) says it is
    not, and the zone is cut before it."""
    heading = " 2. Lĩnh vực văn hóa - xã hội \n\nTích cực"
    assert report_2026.text.count(heading) == 1
    doc = parse_text(report_2026.text.replace(heading, "2. Lĩnh vực văn hóa - xã hội Tích cực"))
    assert ids(doc) == IDS_2026 and doc.metadata.warnings == []
    assert doc.section("II.2").title.startswith("Lĩnh vực văn hóa - xã hội")
    assert [fn.section_id for fn in doc.footnotes] == [fn.section_id for fn in report_2026.footnotes]
    assert doc.footnotes[3].text == report_2026.footnotes[3].text


def test_a_skipped_footnote_number_is_reported(report_2026: Document) -> None:
    start = report_2026.text.index("7 Trong đó hỗ trợ dịp Tết")
    doc = parse_text(report_2026.text[:start] + report_2026.text[start + 2:])  # its number lost
    assert [fn.number for fn in doc.footnotes] == [1, 2, 3, 4, 5, 6, 8, 9, 10]
    assert doc.metadata.warnings == ["footnote 7 not found: the footnotes go from 6 to 8"]
    assert [fn.section_id for fn in doc.footnotes] == [fn.section_id for fn in report_2026.footnotes if fn.number != 7]


def test_extraction_output_carries_the_warnings(report_2026: Document, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json
    import subprocess
    import sys

    from bench.replayserver import ReplayServer

    from .test_faults import CASSETTE, MODEL
    path = tmp_path / "report.txt"
    path.write_text(report_2026.text.replace(HEADING_1_4, "", 1), encoding="utf-8")
    with ReplayServer([CASSETTE], fallback=True) as server:
        run = subprocess.run([sys.executable, "-m", "extractor", "extract", str(path), "--sections", "II.1.5",
                              "--base-url", server.base_url, "--model", MODEL, "--store", str(tmp_path / "r.db"),
                              "--cache-dir", str(tmp_path / "cache"), "-o", str(tmp_path / "out.json")],
                             capture_output=True, text=True, timeout=120)
    assert run.returncode in (0, 1), run.stderr[-2000:]
    result = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert result["metadata"]["warnings"] == [
        "heading 1.4 not found: the numbering goes from II.1.3 to II.1.5; II.1.5 is kept as its own section"]
    assert [s["id"] for s in result["sections"]] == ["II.1.5"]


def test_a_marker_is_not_taken_out_of_a_number_its_footnote_does_not_add_up_to(report_2024: Document) -> None:
    """"đạt chuẩn NTM 3 và 03 xã" (2024 report): footnote 3 lists communes by name, no numbers,
    so its marker is the "3" after "NTM", and "03 xã" stays three communes (it was read as 0)."""
    text = report_2024.text
    at = text.index("NTM 3 và 03 xã")
    [fn] = [f for f in report_2024.footnotes if f.number == 3]
    assert fn.marker == (at + 4, at + 5)
    [communes] = [f.mention for f in report_2024.figures if f.mention.start == at + 9]
    assert (communes.text, communes.value) == ("03 xã", 3)
