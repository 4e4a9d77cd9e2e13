"""The review server under hostile requests: DNS rebinding (a foreign Host), cross-site POSTs
(a foreign or missing Origin/Referer), oversized bodies, and item ids past SQLite's range."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from extractor.review.store import ReviewStore
from extractor.review.web import MAX_BODY, create_app

from .reviewdata import form_token

PORT = 8731
HOME = f"http://127.0.0.1:{PORT}"


@pytest.fixture
def client(store_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(store_path, reviewer="lan", host="127.0.0.1", port=PORT), base_url=HOME) as c:
        yield c


def _target(store_path: Path) -> int:
    [item] = [i for i in ReviewStore(store_path).items() if "402 vs 389" in i.expression]
    return item.id


def _untouched(store_path: Path, target: int) -> bool:
    store = ReviewStore(store_path)
    return store.get(target).status == "open" and store.audit() == []


def test_dns_rebinding_a_foreign_host_gets_no_page_and_noform_token(client: TestClient, store_path: Path) -> None:
    target = _target(store_path)
    for host in (f"evil.com:{PORT}", "evil.com", f"127.0.0.1:{PORT + 1}", "127.0.0.1", f"localhost.evil.com:{PORT}"):
        for path in ("/", f"/items/{target}"):
            page = client.get(path, headers={"Host": host})
            assert page.status_code in (400, 421), (host, path)
            assert 'name="token"' not in page.text
    # The rebinding attack itself: a POST whose Host and Origin agree with each other, both foreign.
    form = form_token(client.get(f"/items/{target}").text)
    attack = client.post(f"/items/{target}", data={"action": "correct", "token": form, "field": "value",
                                                    "value": "1", "note": "x"},
                         headers={"Host": f"evil.com:{PORT}", "Origin": f"http://evil.com:{PORT}"})
    assert attack.status_code in (400, 421) and _untouched(store_path, target)


def test_every_local_name_of_the_server_is_accepted(store_path: Path) -> None:
    app = create_app(store_path, reviewer="lan", host="192.0.2.7", port=PORT)
    for base in (HOME, f"http://localhost:{PORT}", f"http://[::1]:{PORT}", f"http://192.0.2.7:{PORT}",
                 f"http://LOCALHOST:{PORT}"):
        with TestClient(app, base_url=base) as c:
            assert c.get("/").status_code == 200, base


def test_a_post_needs_our_origin_or_referer(client: TestClient, store_path: Path) -> None:
    target = _target(store_path)
    form = form_token(client.get(f"/items/{target}").text)
    data = {"action": "approve", "token": form}
    refused = [
        {},  # neither Origin nor Referer
        {"Origin": "http://evil.example"},
        {"Origin": f"http://127.0.0.1:{PORT + 1}"},
        {"Origin": "null"},
        {"Referer": f"http://evil.example/items/{target}"},
        {"Origin": "http://evil.example", "Referer": f"{HOME}/items/{target}"},  # Origin, when present, decides
    ]
    for headers in refused:
        assert client.post(f"/items/{target}", data=data, headers=headers).status_code == 403, headers
    assert _untouched(store_path, target)
    by_referer = client.post(f"/items/{target}", data=data, headers={"Referer": f"{HOME}/items/{target}?status=open"},
                             follow_redirects=False)
    assert by_referer.status_code == 303 and ReviewStore(store_path).get(target).status == "approved"


def test_a_post_from_the_page_itself_is_taken(client: TestClient, store_path: Path) -> None:
    target = _target(store_path)
    form = form_token(client.get(f"/items/{target}").text)
    done = client.post(f"/items/{target}", data={"action": "approve", "token": form},
                       headers={"Origin": f"http://localhost:{PORT}"}, follow_redirects=False)
    assert done.status_code == 303 and ReviewStore(store_path).get(target).status == "approved"


def test_an_oversized_body_is_refused_before_it_is_read(client: TestClient, store_path: Path) -> None:
    target = _target(store_path)
    form = form_token(client.get(f"/items/{target}").text)
    big = {"action": "approve", "token": form, "note": "x" * (MAX_BODY + 1)}
    declared = client.post(f"/items/{target}", data=big, headers={"Origin": HOME})
    assert declared.status_code == 413

    def chunks() -> Iterator[bytes]:  # no Content-Length: the body streams until the cap stops it
        yield f"action=approve&token={form}&note=".encode()
        for _ in range(MAX_BODY // 1024 + 2):
            yield b"x" * 1024
    streamed = client.post(f"/items/{target}", content=chunks(), headers={
        "Origin": HOME, "Content-Type": "application/x-www-form-urlencoded"})
    assert streamed.status_code == 413
    lying = client.post(f"/items/{target}", content=b"a" * 10, headers={"Origin": HOME, "Content-Length": "99999999"})
    assert lying.status_code == 413
    assert _untouched(store_path, target)


def test_a_body_on_a_page_that_takes_none_is_refused_too(client: TestClient) -> None:
    assert client.request("GET", "/", content=b"x" * (MAX_BODY + 1)).status_code == 413


def test_an_item_id_past_sqlite_range_is_not_found(client: TestClient) -> None:
    for huge in ("99999999999999999999999", str(2**63)):
        page = client.get(f"/items/{huge}")
        assert page.status_code == 404 and f"phiếu số {huge}" in page.text  # "there is no item N"
        assert client.post(f"/items/{huge}", data={"action": "approve", "token": "x"},
                           headers={"Origin": HOME}).status_code == 403  # the token is checked first
