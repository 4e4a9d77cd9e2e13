"""The review pages in a real browser: Debian's headless Chromium driven by Playwright.

Needs /usr/bin/chromium (`.ci/run` installs it and sets EXTRACTOR_REQUIRE_BROWSER=1, so in CI
a missing browser fails instead of skipping). One browser serves every test of the module;
screenshots are saved to test-artifacts/ (or EXTRACTOR_ARTIFACTS).
"""
from __future__ import annotations

import functools
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from extractor.corpus.pages import series_routes
from extractor.review.htmlexport import render_report
from extractor.review.store import ReviewStore
from extractor.review.web import create_app

from .reviewdata import build_queue, build_store

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("EXTRACTOR_ARTIFACTS", Path(__file__).parent.parent / "test-artifacts"))
# Without the background-networking flags Chromium keeps calling out, and this network refuses.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]

if not CHROMIUM.exists() and not os.environ.get("EXTRACTOR_REQUIRE_BROWSER"):
    pytest.skip("no /usr/bin/chromium (apt-get install chromium)", allow_module_level=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


@contextmanager
def serving(store_path: Path, corpus: Path | None = None) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(store_path, reviewer="lan", port=port,
                                                     more_pages=functools.partial(series_routes, corpus)), host="127.0.0.1",
                                           port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def in_viewport(locator: Any, page: Any) -> bool:
    box = locator.bounding_box()
    size = page.viewport_size
    return box is not None and 0 <= box["y"] and box["y"] + box["height"] <= size["height"] and box["width"] > 0


def shot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path))
    return path


def test_the_item_page_opens_on_its_figures_and_leads_on_after_each_decision(tmp_path: Path, page: Any) -> None:
    from playwright.sync_api import expect

    store_path = build_store(tmp_path)[0]
    items = ReviewStore(store_path).items()
    [real] = [i for i in items if "402 vs 389" in i.expression]
    [markup] = [i for i in items if "52 vs 50" in i.expression]
    [truncated] = [i for i in items if "44 / 65" in i.expression]  # the reader's: 67,69% printed 67,6%
    with serving(store_path) as base:
        page.goto(base + "/")
        expect(page.locator("#items tbody tr")).to_have_count(len(items))
        page.get_by_role("link", name=real.expression).click()

        # The three figures of the check sit in footnote 6, far below the top of section II.2:
        # the page opens scrolled to the first of them, focused, with the others highlighted.
        marks = page.locator("#source mark.fig-fail")
        expect(marks).to_have_count(len(real.check.figures))
        assert sorted(marks.all_inner_texts()) == sorted(f.text for f in real.check.figures)
        target = page.locator("#target")
        expect(target).to_be_focused()
        assert page.evaluate("window.scrollY") > 1000 and in_viewport(target, page)
        expect(page.locator("#context")).to_contain_text("402 người giảm 3,34% so với cùng kỳ (389 người)")
        assert in_viewport(page.locator("#approve"), page)  # the decision stays at hand beside the text
        assert shot(page, "review-item.png").stat().st_size > 10_000

        page.keyboard.press("j")  # next item, then back
        expect(page).to_have_url(f"{base}/items/{markup.id}?status=open")
        page.keyboard.press("k")
        expect(page).to_have_url(f"{base}/items/{real.id}?status=open")
        page.keyboard.press("a")  # approve: on to the next open item
        expect(page).to_have_url(f"{base}/items/{markup.id}?status=open")
        expect(page.locator("#source .passage").first).to_contain_text("<script>alert('x')</script>")  # as text
        page.keyboard.press("r")  # no note yet: the note field takes the focus, nothing is decided
        expect(page.locator("#note")).to_be_focused()
        page.keyboard.type("số liệu cùng kỳ lấy nhầm tháng")
        page.keyboard.press("Enter")  # rejects: on to the one open item left, from the top of the queue
        expect(page).to_have_url(f"{base}/items/{truncated.id}?status=open")
        page.keyboard.press("a")  # approves it: the queue is clear
        expect(page.locator("#queue-clear")).to_be_visible()
        shot(page, "review-queue-clear.png")

    store = ReviewStore(store_path)
    assert (store.get(real.id).status, store.get(real.id).decided_by) == ("approved", "lan")
    assert (store.get(markup.id).status, store.get(markup.id).note) == ("rejected", "số liệu cùng kỳ lấy nhầm tháng")
    assert [(e["item_id"], e["new_status"]) for e in store.audit()] == [
        (real.id, "approved"), (markup.id, "rejected"), (truncated.id, "approved")]


def test_a_reviewer_clears_ten_items_with_the_keyboard_alone(tmp_path: Path, page: Any) -> None:
    from playwright.sync_api import expect

    store_path = build_queue(tmp_path, count=10)
    ids = [i.id for i in ReviewStore(store_path).items()]
    with serving(store_path) as base:
        page.goto(f"{base}/")
        page.keyboard.press("j")  # the first item of the queue
        for n, item in enumerate(ids):
            expect(page).to_have_url(f"{base}/items/{item}?status=open")
            expect(page.locator("#target")).to_be_focused()
            if n == 3:  # reject: r, the note, Enter
                page.keyboard.press("r")
                page.keyboard.type("cùng kỳ in sai")
                page.keyboard.press("Enter")
            elif n == 6:  # correct: c, the value, Enter, the note, Enter
                page.keyboard.press("c")
                page.keyboard.type("4,5")
                page.keyboard.press("Enter")
                expect(page.locator("#note")).to_be_focused()
                page.keyboard.type("tỷ lệ đúng là 4,5%")
                page.keyboard.press("Enter")
            else:
                page.keyboard.press("a")
        expect(page.locator("#queue-clear")).to_be_visible()

    store = ReviewStore(store_path)
    decided = [store.get(i) for i in ids]
    assert [i.status for i in decided] == ["approved"] * 3 + ["rejected"] + ["approved"] * 2 + ["corrected"] + \
        ["approved"] * 3
    assert decided[6].correction and list(decided[6].correction.values()) == ["4.5"]
    assert len(store.audit()) == 10


def test_the_exported_report_opens_from_disk_with_the_network_off(tmp_path: Path, page: Any) -> None:
    from playwright.sync_api import expect

    store_path, report, _ = build_store(tmp_path)
    store = ReviewStore(store_path)
    result = store.result(report.content_hash)
    exported = tmp_path / "report.html"
    exported.write_text(render_report(result, report, store), encoding="utf-8")
    url = exported.as_uri()
    refused: list[str] = []

    def only_the_file(route: Any) -> None:
        if route.request.url == url:
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    page.context.route("**/*", only_the_file)
    page.context.set_offline(True)
    page.goto(url)
    figures = [f for f in report.figures if f.section_id in {s.id for s in result.sections}]
    expect(page.locator("#text mark[class^='fig-']")).to_have_count(len(figures))
    failed = page.locator("#text mark.fig-fail")
    expect(failed.first).to_be_visible()
    colour = failed.first.evaluate("m => getComputedStyle(m).backgroundColor")
    assert colour not in ("rgba(0, 0, 0, 0)", "transparent")  # the inline style sheet applies
    page.locator("#checks li.check-fail").first.click()  # a check outlines its figures in the text
    expect(page.locator("#text mark.chosen").first).to_be_visible()
    shot(page, "export.png")
    assert refused == []  # nothing was fetched: no style sheet, script, font or image from anywhere


def test_the_series_page_draws_its_chart_from_the_queue(tmp_path: Path, page: Any) -> None:
    from playwright.sync_api import expect

    from extractor.corpus.database import add_results

    from .conftest import REPORT_2026
    from .test_crosschecks import NEXT_MONTH, _read, _variant

    db = tmp_path / "corpus.sqlite"
    add_results(db, [_read(REPORT_2026), _read(_variant(tmp_path, "lang-son-2026-02-report.txt", NEXT_MONTH))],
                province="Lạng Sơn")
    with serving(build_store(tmp_path)[0], db) as base:
        page.goto(base + "/")
        page.locator("header.bar a[href='/series']").click()
        page.select_option("select[name=key]", "health.visits.public")
        page.get_by_role("button").click()
        expect(page.locator("#points tbody tr")).to_have_count(3)
        expect(page.locator("#points tr.untrusted")).to_have_count(3)  # 93.507 + 90.000 ≠ 190.000, no one decided
        chart = page.locator("#chart")
        expect(chart).to_be_visible()
        page.wait_for_function("document.getElementById('chart').complete")
        assert chart.evaluate("img => img.naturalWidth") == 800
        assert shot(page, "series.png").stat().st_size > 10_000
