"""The review pages over HTTP (Starlette's test client): what they show, and that every
decision goes through the store's own rules and lands in its audit log."""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from extractor.document.report import Document
from extractor.review.store import ReviewStore
from extractor.review.web import create_app

from .reviewdata import form_token


@pytest.fixture
def client(store_path: Path) -> TestClient:
    home = "http://127.0.0.1:8700"  # the server's own address and origin, as a browser on the page sends them
    return TestClient(create_app(store_path, reviewer="lan", port=8700), base_url=home, headers={"Origin": home})


def item_id(store_path: Path, expression_part: str) -> int:
    [item] = [i for i in ReviewStore(store_path).items() if expression_part in i.expression]
    return item.id


def test_the_queue_lists_open_items_with_filters_and_counts(client: TestClient, store_path: Path) -> None:
    items = ReviewStore(store_path).items()
    page = client.get("/").text
    assert re.search(r"<title>[^<]*</title>", page)  # the page title is text, nothing else
    assert f'data-status="open">chưa xử lý: {len(items)}<' in page and 'data-status="approved">đã duyệt: 0<' in page
    assert "402 vs 389: 3,3419%, printed giảm 3,34% ✗" in page and "52 vs 50" in page
    only_ii2 = client.get("/", params={"section": "II.2"}).text
    assert "402 vs 389" in only_ii2 and "52 vs 50" not in only_ii2
    assert "Không có phiếu nào với bộ lọc này" in client.get("/", params={"status": "approved"}).text


def test_an_item_shows_its_passage_with_the_figures_at_their_offsets(client: TestClient, store_path: Path,
                                                                    report_2026: Document) -> None:
    item = ReviewStore(store_path).get(item_id(store_path, "402 vs 389"))
    page = client.get(f"/items/{item.id}").text
    for fig in item.check.figures:  # each figure is highlighted exactly where the text has it
        assert re.search(rf'<mark class="fig-fail" [^>]*data-start="{fig.start}">{re.escape(fig.text)}</mark>', page)
        assert report_2026.text[fig.start:fig.end] == fig.text
    # The figures sit in footnote 6, which is shown beneath section II.2 that cites it.
    footnote = next(fn for fn in report_2026.footnotes if fn.number == 6)
    assert footnote.section_id == "II.2" and 'id="fn-6"' in page
    assert item.check.expression in page and 'id="approve"' in page and 'id="reject"' in page
    # The first figure in the text is the one the page scrolls to and focuses.
    first = min(item.check.figures, key=lambda f: f.start)
    assert len(re.findall(r'id="target"', page)) == 1
    assert re.search(rf'<mark class="fig-fail target" id="target" tabindex="-1" [^>]*data-start="{first.start}">', page)
    # Above the long passage, the sentence that holds the figures, cut at its own ends.
    [context] = re.findall(r'<div class="context" id="context"><p>(.*?)</p></div>', page)
    plain = re.sub(r"<[^>]+>", "", context)
    assert plain == "số người có quyết định hưởng TCTN là 402 người giảm 3,34% so với cùng kỳ (389 người);"
    assert all(f'data-start="{f.start}">{f.text}</mark>' in context for f in item.check.figures)


def test_a_decision_needs_the_page_token_and_lands_in_the_audit_log(client: TestClient, store_path: Path) -> None:
    target = item_id(store_path, "402 vs 389")
    form = form_token(client.get(f"/items/{target}").text)
    forged = client.post(f"/items/{target}", data={"action": "approve", "token": "guess"})
    foreign = client.post(f"/items/{target}", data={"action": "approve", "token": form},
                          headers={"Origin": "http://evil.example"})
    assert forged.status_code == foreign.status_code == 403
    assert ReviewStore(store_path).get(target).status == "open" and ReviewStore(store_path).audit(target) == []

    done = client.post(f"/items/{target}", data={"action": "approve", "token": form, "reviewer": "minh",
                                                  "note": "báo cáo in như vậy"}, follow_redirects=False)
    other = item_id(store_path, "52 vs 50")  # the decision leads on to the next open item
    assert done.status_code == 303 and done.headers["location"] == f"/items/{other}?status=open"
    item = ReviewStore(store_path).get(target)
    assert (item.status, item.decided_by, item.note) == ("approved", "minh", "báo cáo in như vậy")
    [entry] = ReviewStore(store_path).audit(target)
    assert (entry["who"], entry["previous_status"], entry["new_status"]) == ("minh", "open", "approved")
    assert "minh" in client.get("/").text  # newest decisions


def test_reject_needs_a_note_and_correct_takes_a_value_as_printed(client: TestClient, store_path: Path) -> None:
    target = item_id(store_path, "402 vs 389")
    form = form_token(client.get(f"/items/{target}").text)
    refused = client.post(f"/items/{target}", data={"action": "reject", "token": form})
    assert refused.status_code == 400 and "a note is required" in refused.text
    assert ReviewStore(store_path).get(target).status == "open"

    client.post(f"/items/{target}", data={"action": "correct", "token": form, "field": "previous_value",
                                          "value": "416", "note": "cùng kỳ là 416 người"})
    item = ReviewStore(store_path).get(target)
    assert item.status == "corrected" and item.correction == {"previous_value": "416"}
    again = client.post(f"/items/{target}", data={"action": "approve", "token": form, "note": "x"})
    assert again.status_code == 400 and "already corrected" in again.text  # no silent overwrite
    assert len(ReviewStore(store_path).audit(target)) == 1


def test_report_markup_is_shown_as_text(client: TestClient, store_path: Path) -> None:
    target = item_id(store_path, "52 vs 50")
    item = ReviewStore(store_path).get(target)
    for page in (client.get(f"/items/{target}").text, client.get(f"/documents/{item.content_hash}").text):
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
        assert "<script>alert" not in page


def test_the_document_page_marks_every_figure_of_the_extracted_sections(client: TestClient, store_path: Path,
                                                                        report_2026: Document) -> None:
    store = ReviewStore(store_path)
    page = client.get(f"/documents/{report_2026.content_hash}").text
    marked = {int(s) for s in re.findall(r'<mark class="fig-[a-z]+" [^>]*data-start="(\d+)"', page)}
    in_ii2 = {f.mention.start for f in report_2026.figures if f.section_id == "II.2"}
    assert marked == in_ii2  # every figure of II.2, and nothing outside the extracted section
    result = store.result(report_2026.content_hash)
    assert result.sections[0].status == "partial" and result.records  # six pieces got no valid reply
    used = {f.start for r in result.records for f in r.figures.values() if f}
    assert used and used <= marked and re.search(r'<mark class="fig-(read|pass)" ', page)
    missed = {int(s) for s in re.findall(r'<mark class="fig-missed" [^>]*data-start="(\d+)"', page)}
    assert missed and not missed & used
    flagged = item_id(store_path, "402 vs 389")
    assert f'href="/items/{flagged}"' in page and 'href="#sec-II.2"' in page
    # Hovering a figure tells what read it and every check it takes part in.
    [value] = [f for f in store.get(flagged).check.figures if f.role == "value"]
    [title] = re.findall(rf'<mark class="fig-fail" title="([^"]*)" data-start="{value.start}" [^>]*>402 người</mark>', page)
    assert "change: 402 vs 389: 3,3419%, printed giảm 3,34% ✗" in title


def test_serve_prints_its_address_and_warns_when_it_binds_beyond_this_machine(store_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "COLUMNS": "200"}
    proc = subprocess.Popen([sys.executable, "-m", "extractor", "review", "serve", "--port", str(port),
                             "--host", "0.0.0.0", "--store", str(store_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert f":{port}/" in proc.stdout.readline()  # type: ignore[union-attr]
        for _ in range(100):
            try:
                page = httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert page.status_code == 200 and "402 vs 389" in page.text
    finally:
        proc.terminate()
        _, stderr = proc.communicate(timeout=10)
    assert "warning: serving on 0.0.0.0" in stderr


def test_serve_refuses_a_bad_store_or_a_busy_port_in_one_line(tmp_path: Path, store_path: Path) -> None:
    bad = tmp_path / "bad.sqlite3"
    bad.write_text("not a database", encoding="utf-8")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = str(busy.getsockname()[1])
        for store, message in ((bad, "not a usable review store"), (store_path, f"cannot listen on 127.0.0.1:{port}")):
            done = subprocess.run([sys.executable, "-m", "extractor", "review", "serve", "--port", port,
                                   "--store", str(store)], capture_output=True, text=True, timeout=60)
            assert done.returncode == 2 and done.stdout == ""
            assert done.stderr.count("\n") == 1 and message in done.stderr and "Traceback" not in done.stderr


def test_an_item_whose_report_is_gone_shows_the_passage_kept_with_it(client: TestClient, store_path: Path) -> None:
    item = ReviewStore(store_path).get(item_id(store_path, "52 vs 50"))
    Path(item.source).unlink()  # type: ignore[arg-type]
    page = client.get(f"/items/{item.id}").text
    assert "Không đọc được báo cáo ở đây" in page and "so với cùng kỳ (" in page and "&lt;script&gt;" in page
    for fig in item.check.figures:  # still marked, and still the page's target
        assert re.search(rf'<mark class="fig-fail( target" id="target" tabindex="-1")?[^>]*data-start="{fig.start}">'
                         rf'{re.escape(fig.text)}</mark>', page)
    assert 'id="target"' in page
    assert client.get(f"/documents/{item.content_hash}").status_code == 404


def test_after_the_last_open_item_the_queue_says_it_is_clear(client: TestClient, store_path: Path) -> None:
    ids = [i.id for i in ReviewStore(store_path).items(section_id="II.2")]
    form = form_token(client.get(f"/items/{ids[0]}").text)
    for n, target in enumerate(ids):
        done = client.post(f"/items/{target}?section=II.2", data={"action": "approve", "token": form},
                           follow_redirects=False)
        following = f"/items/{ids[n + 1]}?section=II.2&status=open" if n + 1 < len(ids) else "/?section=II.2&status=open"
        assert done.headers["location"] == following
    queue = client.get(done.headers["location"]).text
    assert 'id="queue-clear"' in queue and "Không có phiếu nào" in queue
    assert 'id="queue-clear"' not in client.get("/").text  # the other report still has an open item


def test_the_pages_speak_vietnamese_by_default_and_english_when_asked(store_path: Path) -> None:
    from extractor.review.labels import LABELS

    assert LABELS["vi"].keys() == LABELS["en"].keys()  # no word missing in either language
    target = item_id(store_path, "402 vs 389")
    home = "http://127.0.0.1:8700"
    vi = TestClient(create_app(store_path), base_url=home).get(f"/items/{target}").text
    en = TestClient(create_app(store_path, lang="en"), base_url=home).get(f"/items/{target}").text
    assert '<html lang="vi">' in vi and ">Duyệt</button>" in vi and "Câu chứa số liệu" in vi and "Approve" not in vi
    assert '<html lang="en">' in en and ">Approve</button>" in en and "Duyệt" not in en


def test_error_pages_say_what_is_wrong_and_lead_back(client: TestClient) -> None:
    for path, message in (("/items/999", "Không có phiếu số 999."), ("/nowhere", "Không có trang này."),
                          ("/documents/abc", "Không đọc được báo cáo abc")):
        page = client.get(path)
        assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
        assert message in page.text and '<a id="back" href="/">' in page.text
    forged = client.post("/items/1", data={"action": "approve", "token": "guess"})
    assert forged.status_code == 403 and '<a id="back" href="/">' in forged.text


def test_source_text_reflows_into_the_reports_paragraphs(report_2026: Document) -> None:
    from extractor.review.reflow import Mark, section_block

    marks = [Mark(f.mention.start, f.mention.end, "fig-read") for f in report_2026.figures]
    block = section_block(report_2026, report_2026.section("I"), marks)
    texts = ["".join(p.text for p in par) for par in block.body]
    # Section I prints four paragraphs; each PDF line ends in a break (and a blank line) of its own.
    ends = ["an toàn, tiết kiệm.", "Quỹ nhà ở địa phương.", "Xuân Bính Ngọ năm 2026.", "hoàn thành còn thời hạn."]
    assert len(texts) == len(ends) and all(text.endswith(end) for text, end in zip(texts, ends))
    assert all("\n" not in p.text and "  " not in p.text for par in block.body for p in par)
    # A figure printed over a line break is one highlight, its words joined by one space.
    [figure] = [p for par in block.body for p in par if p.mark and p.mark.start == report_2026.text.index("hơn 2.530")]
    assert figure.text == "hơn 2.530 văn bản"


def test_the_document_page_opens_on_the_text_with_a_compact_outline(client: TestClient,
                                                                    report_2026: Document) -> None:
    page = client.get(f"/documents/{report_2026.content_hash}").text
    outline = page[page.index('id="outline"'):page.index('id="text"')]
    for sec in report_2026.sections:
        [shown] = re.findall(rf'<a href="#sec-{re.escape(sec.id)}">[^<]*</a> ([^<]*)', outline)
        title = " ".join(sec.title.split())
        assert shown == title or (shown.endswith(" …") and title.startswith(shown[:-2])
                                  and title[len(shown) - 2] == " ")  # cut between words, never inside one
    # II has no text of its own before 1.: its heading alone, no empty passage box.
    ii = page[page.index('<section id="sec-II"'):page.index('<section id="sec-II.1"')]
    assert 'class="heading-only"' in ii and 'class="passage"' not in ii
    assert page.index('id="text"') < page.index("Năm 2026 là năm đầu thực hiện")


def test_a_text_with_one_paragraph_per_line_keeps_every_line(tmp_path: Path) -> None:
    from extractor.document.report import load_document
    from extractor.review.reflow import section_block

    # The 2026 report's section I paragraphs, each written on one line as a hand-typed .txt has them.
    report = load_document(Path(__file__).parent / "fixtures" / "lang-son-2026-01-report.txt")
    sec = report.section("I")
    block = section_block(report, sec, [])
    typed = tmp_path / "typed.txt"
    lines = ["".join(p.text for p in par) for par in block.body]
    typed.write_text("I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH\n" + "\n".join(lines) + "\n", encoding="utf-8")
    again = load_document(typed)
    assert ["".join(p.text for p in par) for par in section_block(again, again.section("I"), []).body] == lines
