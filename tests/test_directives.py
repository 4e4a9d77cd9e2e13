"""The reader of directives (extractor/reading/directives.py) on the sample reports' own sentences
and on paraphrases a next province's report may print (word order, no diacritics, other bodies),
and the pieces it settles (extractor/extraction/settling.py).

Every expectation was read off the text by hand: the bodies a sentence tells to act and its
deadline, as printed.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from extractor.cli.commands import app
from extractor.document.report import Document, parse_text
from extractor.extraction.engine import Extractor
from extractor.reading.directives import read_directive
from extractor.reading.reader import read_section


def told(text: str) -> tuple[list[str], list[str], bool]:
    """(bodies told to act, deadline phrases, sure) of one piece, as printed."""
    found = read_directive(text)
    return ([text[b.start:b.end] for b in found.responsible], [text[s:e] for s, e in found.deadlines], found.sure)


def piece(doc: Document, section_id: str) -> str:
    return doc.section_view(doc.section(section_id)).text


def test_notice_directive_8_tells_heads_chairs_and_the_office(notice: Document) -> None:
    """OCR text, diacritics lost: four owners told to act; "Lanh dao UBND tinh" (whose schedule the
    office proposes) and "cac co quan, dia phuong" (visited) are only named."""
    bodies, deadlines, sure = told(piece(notice, "8"))
    assert bodies == ["Thu truong cac so, ban, nganh", "Chu tich UBND cac xa, phuong",
                      "Chu tich va cac Pho Chu tich UBND tinh", "Van phong UBND tinh"]
    assert deadlines == [] and sure


def test_notice_directive_10_deadline_and_owners(notice: Document) -> None:
    """"Yêu cầu các sở, ban, ngành liên quan … chậm nhất ngày 30/01/2026": the owners after
    "Yéu cau", the deadline with its lead; "UBND tỉnh yêu cầu Thủ trưởng …, Chủ tịch UBND các xã,
    phường nghiêm túc …": the issuer left out, its two owners told. The OCR printed "Thủ trưởng"
    as "Thu trudng" (a "d" inside a word is no Vietnamese spelling: "ươ" misread); "UBND cép x4"
    (whose requests were answered) and "UBND tinh" (to whom one reports) are only named."""
    bodies, deadlines, sure = told(piece(notice, "10"))
    assert bodies == ["cac so, ban, nganh lién quan", "Thu trudng cac so, ban, nganh", "Chu tich UBND cac xa, phuong"]
    assert deadlines == ["cham nhat ngay 30/01/2026"]
    assert sure


def test_notice_directive_9_owner_with_ocr_digit(notice: Document) -> None:
    """"Yéu cau cic sé, nganh, UBND cac x4, phuong khan truong …": "x4" is "xã" with a digit for
    a letter, so "UBND các xã, phường" ends its name and is told to act (after a comma, a verb
    follows). "cic sé" ("các sở", two letters misread, "sé" folding to "sẽ") is not read as a body:
    a miss, not a wrong owner."""
    bodies, deadlines, sure = told(piece(notice, "9"))
    assert bodies == ["UBND cac x4, phuong"] and deadlines == [] and sure


def test_notice_directives_without_an_owner_name_none(notice: Document) -> None:
    """Directive 1 ("Tập trung tháo gỡ các điểm nghẽn …") tells no body by name."""
    assert told(piece(notice, "1")) == ([], [], True)


def test_monthly_report_sentences(report_2026: Document, report_2024: Document) -> None:
    bodies, _, _ = told(piece(report_2026, "III.1"))
    assert "Các cơ quan, đơn vị" in bodies  # "Các cơ quan, đơn vị tổ chức triển khai …"
    assert "Chính phủ" not in bodies and "Tỉnh uỷ" not in bodies  # "các chỉ thị, nghị quyết của Chính phủ, Tỉnh uỷ"
    # "Ngay sau kỳ nghỉ Tết, các cơ quan, đơn vị khẩn trương tập trung giải quyết …"
    assert told(piece(report_2024, "III.2"))[0] == ["các cơ quan, đơn vị"]
    # "Triển khai Kế hoạch thực hiện Nghị quyết số 02/NQ-CP ngày 08/01/2026 của Chính phủ …": a cited
    # document's date is no deadline, the bodies are only named
    assert told(piece(report_2026, "III.6")) == ([], [], True)


def test_monthly_report_owner_after_a_phrase_with_no_comma(report_2026: Document) -> None:
    """2026-01 III.1: "Trên cơ sở mục tiêu, nhiệm vụ năm 2026 các cấp, các ngành chủ động xây dựng
    …": the sentence opens with a phrase of grounds, no comma before its subject; the bodies of
    "của Chính phủ, Tỉnh uỷ", "của UBND tỉnh" are only named."""
    assert told(piece(report_2026, "III.1")) == (["Các cơ quan, đơn vị", "các cấp, các ngành"], [], True)


def test_monthly_report_bodies_in_a_list_of_people_greeted(report_2026: Document, report_2024: Document) -> None:
    """"Tổ chức thăm hỏi, chúc Tết người có công …, chức sắc tôn giáo tiêu biểu, các đơn vị lực lượng
    vũ trang, lực lượng thường trực …": an item of the object of the sentence's opening verb, only
    named ("tôn giáo" folds to "giao", which tells no one here)."""
    assert told(piece(report_2026, "III.8")) == (["các cơ sở y tế"], [], True)  # "Chỉ đạo các cơ sở y tế tổ chức …"
    assert told(piece(report_2024, "III.2")) == (["các cơ quan, đơn vị"], [], True)


@pytest.mark.parametrize("text, bodies, deadline", [
    ("Giao Sở Nông nghiệp và Môi trường tỉnh Cao Bằng chủ trì, phối hợp với các sở, ngành liên quan "
     "xây dựng kế hoạch, hoàn thành trước ngày 15/02/2026.",
     ["Sở Nông nghiệp và Môi trường tỉnh Cao Bằng"], "hoàn thành trước ngày 15/02/2026"),
    ("Bộ Chỉ huy Bộ đội Biên phòng tỉnh chủ trì tuần tra khu vực biên giới, xong trong quý I năm 2026.",
     ["Bộ Chỉ huy Bộ đội Biên phòng tỉnh"], "xong trong quý I năm 2026"),
    ("Giao So Tai chinh chu tri, phoi hop voi Kho bac Nha nuoc tinh tham muu UBND tinh truoc ngay 20-3-2026.",
     ["So Tai chinh"], "truoc ngay 20-3-2026"),
    ("Các sở, ban, ngành, UBND các huyện, thành phố khẩn trương triển khai trong tháng 3.",
     ["Các sở, ban, ngành", "UBND các huyện, thành phố"], "trong tháng 3"),
    ("UBND tỉnh yêu cầu Công an tỉnh, Sở Văn hóa, Thể thao và Du lịch bảo đảm an toàn lễ hội.",
     ["Công an tỉnh", "Sở Văn hóa, Thể thao và Du lịch"], None),
    ("Đề nghị Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh phối hợp tuyên truyền, chậm nhất ngày 5 tháng 3 năm 2026.",
     ["Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh"], "chậm nhất ngày 5 tháng 3 năm 2026"),
    # an owner after a phrase of time or grounds with no comma, other bodies, no diacritics
    ("Trong quy I nam 2026 cac so, ban, nganh, UBND cac huyen, thanh pho khan truong ra soat danh muc du an.",
     ["cac so, ban, nganh", "UBND cac huyen, thanh pho"], "Trong quy I nam 2026"),
    ("Căn cứ kế hoạch năm 2026 các cơ quan, đơn vị liên quan chủ động bố trí nguồn lực, hoàn thành trước "
     "ngày 31/3/2026.", ["các cơ quan, đơn vị liên quan"], "hoàn thành trước ngày 31/3/2026"),
    # OCR: a digit or a "d" for a letter inside a word ("x4" xã, "Giam ddc" Giám đốc, "sd" sở)
    ("Giam ddc Cong an tinh, Chu tich UBND cac x4, phuong to chuc tuan tra dip Tet.",
     ["Giam ddc Cong an tinh", "Chu tich UBND cac x4, phuong"], None),
    ("UBND tinh yeu cau Thu trudng cac sd, nganh chu dong trien khai.", ["Thu trudng cac sd, nganh"], None),
    # after a comma in a sentence that opens with a verb, a body followed by a verb is told
    ("Tổ chức tốt Lễ hội Hoa Đào, Công an tỉnh bảo đảm an ninh trật tự.", ["Công an tỉnh"], None),
    ("Chuẩn bị tốt các điều kiện đón Tết, các đơn vị y tế bảo đảm trực cấp cứu.", ["các đơn vị y tế"], None),
])
def test_paraphrases(text: str, bodies: list[str], deadline: str | None) -> None:
    assert told(text) == (bodies, [deadline] if deadline else [], True)


@pytest.mark.parametrize("text", [
    "Tập trung chỉ đạo thực hiện các chỉ thị, nghị quyết của Chính phủ, Tỉnh ủy về phát triển kinh tế - xã hội.",
    "Ban hành Kế hoạch phát triển nông, lâm nghiệp chủ lực giai đoạn 2026 - 2030.",
    "Báo cáo kết quả thực hiện Chỉ thị số 02/CT-UBND ngày 08/01/2026 của UBND tỉnh.",
    "Tổ chức Hội nghị gặp mặt doanh nghiệp, hợp tác xã Xuân Giáp Thìn năm 2024.",
    # bodies listed as the object of the opening verb, no diacritics
    "To chuc tham hoi, tang qua cac gia dinh chinh sach, cac don vi bo doi bien phong dip Tet.",
])
def test_sentences_that_tell_no_body(text: str) -> None:
    bodies, deadlines, sure = told(text)
    assert bodies == [] and deadlines == [] and sure


def test_bodies_urged_or_helped_are_not_told(report_2024: Document) -> None:
    """2024-01 III.5: "Tăng cường đôn đốc các chủ đầu tư, nhà thầu triển khai thi công …" tells the
    province to urge them; "Các chủ đầu tư, nhà đầu tư khẩn trương xây dựng kế hoạch …" tells them."""
    assert told(piece(report_2024, "III.5")) == (["Các chủ đầu tư, nhà đầu tư"], [], True)
    assert told("Giao Sở Tư pháp hướng dẫn các địa phương rà soát văn bản, hỗ trợ các xã, phường thực hiện.") == \
        (["Sở Tư pháp"], [], True)
    # a field after a collective owner ("các cơ sở y tế"), told after "Chỉ đạo"
    assert told("Chỉ đạo các cơ sở giáo dục tổ chức dạy học an toàn.")[0] == ["các cơ sở giáo dục"]


@pytest.mark.parametrize("text", [
    # two deadlines: which one is the directive's?
    "Giao Sở Xây dựng hoàn thành hồ sơ trước ngày 15/3/2026 và trình phê duyệt trước ngày 30/4/2026.",
    # a name that does not end (a title in capitals runs on past any body's name)
    "Giao Ban Tổ Chức Lễ Hội Hoa Đào Xứ Lạng Năm Hai Nghìn Không Trăm Hai Mươi Sáu Toàn Tỉnh Lạng Sơn thực hiện.",
    # near misses of the rules above: a list after "Giao …" (told or greeted?); a phrase of
    # circumstance with a verb in it (who does the helping?); a sentence opening with no verb
    "Giao cho các huyện tổ chức thăm hỏi gia đình chính sách, các đơn vị bộ đội biên phòng.",
    "Sau khi hỗ trợ các địa phương các sở, ngành thực hiện kiểm tra.",
    "Kết quả kiểm tra, các đơn vị liên quan.",
    # the subject after a phrase of time runs on past the owner the grammar knows
    "Sau Tết các sở, ngành và địa phương tập trung giải quyết công việc.",
    # an opening verb the grammar does not list: the list's role stays open
    "Tham hoi, tang qua cac gia dinh chinh sach, cac don vi bo doi bien phong dip Tet.",
])
def test_unsure_pieces(text: str) -> None:
    assert not read_directive(text).sure


PLAN = ("III. NHIỆM VỤ TRỌNG TÂM THÁNG TỚI\n\n"
        "1. Nông nghiệp\n\nGiao Sở Nông nghiệp và Môi trường chủ trì triển khai kế hoạch, hoàn thành trước ngày "
        "15/02/2026.\n\n"
        "2. Đầu tư\n\nGiao Sở Xây dựng hoàn thành hồ sơ trước ngày 15/3/2026 và trình phê duyệt trước ngày "
        "30/4/2026.\n")


def test_a_settled_directive_is_not_asked_and_an_unsure_one_is(tmp_path: Path) -> None:
    doc = parse_text(PLAN)
    jobs = {j.section.id: j for j in Extractor(None, model="m", mode="json").plan(doc)}
    assert jobs["III.1"].kind == "directives" and jobs["III.2"].kind == "directives"
    assert [c.id for c in jobs["III.1"].settled] == ["III.1#1"] and jobs["III.1"].chunks == []
    assert jobs["III.2"].settled == [] and [c.id for c in jobs["III.2"].chunks] == ["III.2#1"]
    [rec] = [r for r in read_section(doc, "III.1") if r.type == "directive"]
    assert rec.labels["responsible"] == ["Sở Nông nghiệp và Môi trường"]
    assert rec.labels["deadline"] == "hoàn thành trước ngày 15/02/2026"
    start, end = rec.labels["deadline_span"]
    assert doc.text[start:end] == "hoàn thành trước ngày 15/02/2026"
    [(start, end)] = rec.labels["responsible_spans"]
    assert doc.text[start:end] == "Sở Nông nghiệp và Môi trường"
    every = {j.section.id: j for j in Extractor(None, model="m", mode="json", ask_all=True).plan(doc)}
    assert [c.id for c in every["III.1"].chunks] == ["III.1#1"]  # --ask-all still asks it
    report = tmp_path / "plan.txt"
    report.write_text(PLAN, encoding="utf-8")
    run = CliRunner().invoke(app, ["plan", str(report), "--json"])
    rows = {r["section"]: r for r in json.loads(run.output)["sections"]}
    assert [p["why"] for p in rows["III.2"]["asked"]] == [["directives: the reader is not sure who it tells to act or by "
                                                          "when"]]
