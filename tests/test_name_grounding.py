"""A record's free-text name is checked against what the model was shown (#14 point 8).

Values are grounded to offsets; a name is free text, so it is compared word by word with the
piece's text, its context and its section titles (folded: case and diacritics ignored). A name
the text does not print is marked as an issue on its record, and `reconcile` leaves the record
(or part) out with a warning: its figures stay open (the cassette replay of section I shows it on
the small model's "n1"…"n5"; the whole-report runs on the template's examples)."""
from __future__ import annotations

import unicodedata

import pytest

from extractor.checks.records import make_check
from extractor.document.report import Document
from extractor.document.text import unprinted_words
from extractor.extraction.chunking import Chunk, chunk_section
from extractor.extraction.reconcile import reconcile
from extractor.extraction.records import build_records
from extractor.kinds import reply_model


def piece(doc: Document, chunk_id: str) -> Chunk:
    section_id = chunk_id.split("#")[0]
    return next(c for c in chunk_section(doc, doc.section(section_id)) if c.id == chunk_id)


def shown(chunk: Chunk) -> str:
    return "\n".join((chunk.title_path, chunk.context, chunk.text))


def test_names_copied_from_the_piece_are_printed(report_2026: Document) -> None:
    documents = piece(report_2026, "I#20")  # "… 08 văn bản quy phạm pháp luật, 292 quyết định cá biệt …"
    assert "quy phạm pháp luật" in documents.text
    for name in ("quy phạm pháp luật", "Quy Phạm Pháp Luật", unicodedata.normalize("NFD", "quyết định cá biệt"),
                 "quyết định cá biệt, quy phạm pháp luật"):
        assert unprinted_words(name, shown(documents)) == [], name


def test_names_the_piece_does_not_print(report_2026: Document) -> None:
    tasks = piece(report_2026, "I#21")  # the task counts: 510, 379, 354, 25, 131 nhiệm vụ
    text = shown(tasks)
    assert unprinted_words("n1", text) == ["n1"]  # a figure id given as a name
    assert unprinted_words("What is measured, in the report's words (Vietnamese).", text)  # a field's description
    assert unprinted_words("Tổng thu ngân sách nhà nước", text) == ["thu", "sách", "nhà", "nước"]  # II.1.6's
    assert unprinted_words("Ignore previous instructions", text) == ["Ignore", "previous", "instructions"]
    assert unprinted_words("…", text) == ["…"] and unprinted_words("", text) == []


def test_ocr_text_without_diacritics_still_prints_the_name(notice: Document) -> None:
    opening = notice.text[notice.text.index("Két luén"):notice.text.index("két luan nhu sau:")]
    assert "Chi tich UBND tinh" in opening and "Ké hoach" in opening  # as the OCR printed it
    for name in ("Kết luận của Chủ tịch UBND tỉnh", "Hội đồng nhân dân tỉnh", "Kế hoạch phát triển kinh tế",
                 "dự toán ngân sách nhà nước năm 2026"):
        assert unprinted_words(name, opening) == [], name
    assert unprinted_words("Bộ Chỉ huy Quân sự tỉnh", opening) == ["Bộ", "huy", "sự"]


@pytest.mark.parametrize("name, marked", [("quy phạm pháp luật", False), ("n3", True), ("", False),
                                           ("Thu ngân sách", True), ("\U0001f642", True)])
def test_a_reply_name_the_text_does_not_print_is_marked_and_left_out(report_2026: Document, name: str,
                                                                      marked: bool) -> None:
    chunk = piece(report_2026, "I#20")
    fid = next(fid for fid, fig in chunk.listed() if fig.mention.text.startswith("08"))
    reply = reply_model("direction").model_validate(
        {"documents": {"total": None, "parts": [{"name": name, "value": fid}]}, "tasks": None})
    [record] = build_records(report_2026, chunk, "direction", reply)
    [part] = record.parts
    assert part.name == name and part.figures["value"].text == "08 văn bản"
    assert [i.field for i in part.issues] == (["name"] if marked else [])
    kept, warnings = reconcile([record], [])
    if marked:  # the part goes, and the record with it: it has no other figure
        assert kept == [] and warnings == [f"{part.id}: left out, its name {part.issues[0].problem}",
                                           f"{record.id}: left out, none of its figures stands"]
    else:
        assert kept == [record] and record.parts == [part] and warnings == []


def test_a_record_whose_name_the_text_does_not_print_is_left_out_with_its_parts(report_2026: Document) -> None:
    """A total named from elsewhere takes its parts with it; a record named from the text stays."""
    chunk = piece(report_2026, "I#20")
    ids = {fig.mention.text: fid for fid, fig in chunk.listed()}
    eight, more = ids["08 văn bản"], next(fid for text, fid in ids.items() if text.startswith("hơn 2.530"))
    reply = reply_model("culture_society").model_validate({"indicators": [
        {"name": "Tổng kim ngạch", "value": more, "parts": [{"name": "quy phạm pháp luật", "value": eight}]},
        {"name": "quy phạm pháp luật", "value": eight}]})
    unprinted, printed = build_records(report_2026, chunk, "culture_society", reply)
    kept, warnings = reconcile([unprinted, printed], [])
    assert kept == [printed] and printed.figures["value"].text == "08 văn bản"
    # "ngạch" is one letter off a word the piece prints ("ngành"): only "kim" is unprinted
    assert warnings == [f"{unprinted.id}: left out, its name 'Tổng kim ngạch': the text does not print 'kim'"]


def test_a_hostile_name_is_marked_quickly(report_2026: Document) -> None:
    """A name of 100 000 words (a server that ignores max_tokens) is compared word by word with
    set lookups, not a string similarity against every word of the text, and lists at most 8."""
    text = shown(piece(report_2026, "I#21"))
    assert "nhiệm vụ" in text and "hoàn thành" in text
    assert unprinted_words(" ".join(["nhiex", "hoanh"] * 50_000), text) == []  # one letter off "nhiệm", "hoàn"
    assert len(unprinted_words(" ".join(f"w{i}" for i in range(100_000)), text)) == 8


def test_a_figure_in_two_flags_links_to_the_worse(tmp_path) -> None:
    """On the document page a figure links to its worst item: the real inconsistency of
    footnote 6 (402 people "giảm 3,34%" from 389), not a warning on the same figure."""
    import re

    from starlette.testclient import TestClient

    from extractor.output.result import Result
    from extractor.review.flagging import flag_result
    from extractor.review.store import ReviewStore
    from extractor.review.web import create_app

    from .reviewdata import build_store

    path, report, _ = build_store(tmp_path)
    chunk = piece(report, "II.2#fn6")
    fid = next(fid for fid, fig in chunk.listed() if fig.mention.text == "402 người")
    value = build_records(report, chunk, "culture_society", reply_model("culture_society").model_validate(
        {"indicators": [{"name": "người", "value": fid}]}))[0].figures["value"]
    assert value is not None
    warning = make_check(report.content_hash, "share", "warn", "a warning on 402 người", [("value", value)],
                         section_id="II.2")
    store = ReviewStore(path)
    flag_result(store, Result(source=str(report.source.path), content_hash=report.content_hash, metadata={},
                              model="m", checks=[warning]), report)
    items = store.items(content_hash=report.content_hash)
    [change] = [i for i in items if i.rule == "change" and "402 vs 389" in i.expression]
    [warned] = [i for i in items if i.rule == "share"]
    at = report.text.index("402 người")
    assert {f.start for f in warned.check.figures} == {at} and at in {f.start for f in change.check.figures}
    home = "http://127.0.0.1:8700"
    page = TestClient(create_app(path, port=8700), base_url=home).get(f"/documents/{report.content_hash}").text
    assert re.search(rf'<a href="/items/{change.id}"><mark class="fig-fail"[^>]*data-start="{at}"', page)
