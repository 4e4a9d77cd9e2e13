"""The review pages in a real browser: Debian's headless Chromium driven by Playwright.

Needs /usr/bin/chromium (`.ci/run` installs it and sets EXTRACTOR_REQUIRE_BROWSER=1, so in CI
a missing browser fails instead of skipping). The item page's screenshot is saved to
test-artifacts/ (or EXTRACTOR_ARTIFACTS).
"""
from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from extractor.review import ReviewStore
from extractor.web import create_app

from .reviewdata import build_store

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("EXTRACTOR_ARTIFACTS", Path(__file__).parent.parent / "test-artifacts"))
# Without the background-networking flags Chromium keeps calling out, and this network refuses.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]

if not CHROMIUM.exists() and not os.environ.get("EXTRACTOR_REQUIRE_BROWSER"):
    pytest.skip("no /usr/bin/chromium (apt-get install chromium)", allow_module_level=True)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    store_path = build_store(tmp_path)[0]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(store_path, reviewer="lan", port=port), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", store_path
    server.should_exit = True
    thread.join(10)


def test_a_reviewer_clears_the_queue_in_the_browser(served: tuple[str, Path]) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, store_path = served
    items = ReviewStore(store_path).items()
    [real] = [i for i in items if "402 vs 389" in i.expression]
    [markup] = [i for i in items if "52 vs 50" in i.expression]
    after_real = items[[i.id for i in items].index(real.id) + 1].id
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(base + "/")
        expect(page.locator("#items tbody tr")).to_have_count(len(items))
        page.get_by_role("link", name=real.expression).click()

        # The passage shows the three figures of the check, highlighted where the text has them.
        marks = page.locator(".passage mark.fig-fail")
        expect(marks).to_have_count(len(real.check.figures))
        assert sorted(marks.all_inner_texts()) == sorted(f.text for f in real.check.figures)
        assert all(box and box["width"] > 0 for box in (m.bounding_box() for m in marks.all()))
        expect(page.locator("#fn-6")).to_contain_text("402 người")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "review-item.png"), full_page=True)

        page.keyboard.press("j")  # next item, then back
        expect(page).to_have_url(f"{base}/items/{after_real}?status=open")
        page.keyboard.press("k")
        expect(page).to_have_url(f"{base}/items/{real.id}?status=open")
        page.keyboard.press("a")  # approve
        expect(page.locator("#status")).to_have_text("approved")
        page.keyboard.press("j")  # no longer open, but "next" still leads on through the queue
        expect(page).to_have_url(f"{base}/items/{after_real}?status=open")

        page.goto(f"{base}/items/{markup.id}")
        expect(page.locator(".passage").first).to_contain_text("<script>alert('x')</script>")  # shown as text
        page.keyboard.press("r")  # no note yet: the note field takes the focus, nothing is decided
        expect(page.locator("#note")).to_be_focused()
        page.locator("#note").fill("số liệu cùng kỳ lấy nhầm tháng")
        page.locator("#reject").click()
        expect(page.locator("#status")).to_have_text("rejected")
        expect(page.locator("#audit")).to_contain_text("lan open → rejected")
        browser.close()

    store = ReviewStore(store_path)
    assert (store.get(real.id).status, store.get(real.id).decided_by) == ("approved", "lan")
    assert (store.get(markup.id).status, store.get(markup.id).note) == ("rejected", "số liệu cùng kỳ lấy nhầm tháng")
    assert [(e["item_id"], e["new_status"]) for e in store.audit()] == [(real.id, "approved"), (markup.id, "rejected")]
    assert (ARTIFACTS / "review-item.png").stat().st_size > 10_000
