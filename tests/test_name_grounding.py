"""A record's free-text name is checked against what the model was shown (#14 point 8).

Values are grounded to offsets; a name is free text, so it is compared word by word with the
piece's text, its context and its section titles (folded: case and diacritics ignored). A name
the text does not print is kept, marked as an issue on its record and flagged for a reviewer at
low severity (the cassette replay of section I shows it on the small model's "n1"…"n5")."""
from __future__ import annotations

import unicodedata

import pytest

from extractor.checks.text import check_names
from extractor.document.report import Document
from extractor.document.text import unprinted_words
from extractor.extraction.chunking import Chunk, chunk_section
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
def test_a_reply_name_is_kept_and_marked_never_dropped(report_2026: Document, name: str, marked: bool) -> None:
    chunk = piece(report_2026, "I#20")
    fid = next(fid for fid, fig in chunk.listed() if fig.mention.text.startswith("08"))
    reply = reply_model("direction").model_validate(
        {"documents": {"total": None, "parts": [{"name": name, "value": fid}]}, "tasks": None})
    [record] = build_records(report_2026, chunk, "direction", reply)
    [part] = record.parts
    assert part.name == name and part.figures["value"].text == "08 văn bản"
    assert [i.field for i in part.issues] == (["name"] if marked else [])
    checks = check_names([record], report_2026.content_hash)
    assert [(c.rule, c.status, c.severity, c.record_id, [f.text for f in c.figures]) for c in checks] == \
        ([("name", "warn", "info", part.id, ["08 văn bản"])] if marked else [])


def test_a_flagged_name_is_reviewable_on_the_page(report_2026: Document, tmp_path) -> None:
    """The low-severity item has its own label and page; approving it is an ordinary decision."""
    from starlette.testclient import TestClient

    from extractor.output.result import Result
    from extractor.review.flagging import flag_result
    from extractor.review.store import ReviewStore
    from extractor.review.web import create_app

    chunk = piece(report_2026, "I#20")
    fid = next(fid for fid, fig in chunk.listed() if fig.mention.text.startswith("08"))
    reply = reply_model("direction").model_validate(
        {"documents": {"total": None, "parts": [{"name": "n2", "value": fid}]}, "tasks": None})
    records = build_records(report_2026, chunk, "direction", reply)
    result = Result(source=str(report_2026.source.path), content_hash=report_2026.content_hash, metadata={},
                    model="m", records=records, checks=check_names(records, report_2026.content_hash))
    path = tmp_path / "review.sqlite3"
    store = ReviewStore(path)
    assert flag_result(store, result, report_2026) == 1
    store.save_result(result)
    [item] = store.items()
    assert (item.rule, item.severity, item.section_id) == ("name", "info", "I")
    home = "http://127.0.0.1:8700"
    client = TestClient(create_app(path, reviewer="lan", lang="en", port=8700), base_url=home,
                        headers={"Origin": home})
    queue = client.get("/?severity=info")
    assert queue.status_code == 200 and "name not in the text" in queue.text
    page = client.get(f"/items/{item.id}")
    assert page.status_code == 200 and "the text does not print" in page.text and "08 văn bản" in page.text


def test_a_hostile_name_is_marked_quickly(report_2026: Document) -> None:
    """A name of 100 000 words (a server that ignores max_tokens) is compared word by word with
    set lookups, not a string similarity against every word of the text, and lists at most 8."""
    text = shown(piece(report_2026, "I#21"))
    assert "nhiệm vụ" in text and "hoàn thành" in text
    assert unprinted_words(" ".join(["nhiex", "hoanh"] * 50_000), text) == []  # one letter off "nhiệm", "hoàn"
    assert len(unprinted_words(" ".join(f"w{i}" for i in range(100_000)), text)) == 8


def test_a_figure_with_a_source_error_and_a_marked_name_links_to_the_error(tmp_path) -> None:
    """On the document page a figure links to its worst item: the real inconsistency of
    footnote 6 (402 people "giảm 3,34%" from 389), not a name marked on the same figure."""
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
    reply = reply_model("culture_society").model_validate({"indicators": [{"name": "n9", "value": fid}]})
    records = build_records(report, chunk, "culture_society", reply)
    store = ReviewStore(path)
    flag_result(store, Result(source=str(report.source.path), content_hash=report.content_hash, metadata={},
                              model="m", records=records, checks=check_names(records, report.content_hash)), report)
    items = store.items(content_hash=report.content_hash)
    [change] = [i for i in items if i.rule == "change" and "402 vs 389" in i.expression]
    [name] = [i for i in items if i.rule == "name"]
    at = report.text.index("402 người")
    assert {f.start for f in name.check.figures} == {at} and at in {f.start for f in change.check.figures}
    home = "http://127.0.0.1:8700"
    page = TestClient(create_app(path, port=8700), base_url=home).get(f"/documents/{report.content_hash}").text
    assert re.search(rf'<a href="/items/{change.id}"><mark class="fig-fail"[^>]*data-start="{at}"', page)
