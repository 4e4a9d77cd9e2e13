"""The review page against forms and queries its own origin could send but no page of ours does
(a script on a page served from the same address, a hand-made request): generated field values,
raw url-encoded bytes that are not UTF-8, any query string. Every answer is a page or a refusal
(303, 200, 400, 403, 404), never a 500; a refused request changes nothing in the store."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote_from_bytes

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from extractor.review.store import ReviewStore
from extractor.review.web import FILTERS, create_app

from .conftest import FUZZ_CASES
from .reviewdata import form_token

PORT = 8732
HOME = f"http://127.0.0.1:{PORT}"
FUZZ = settings(deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
field = st.one_of(st.none(), st.text(max_size=40),
                  st.sampled_from(["", "value", "value=1", "=", "approve", "1e999999", "NaN", "2.828,46", "-0", "\x00",
                                   "é", "\ufffd"]))


@pytest.fixture
def client(store_path: Path) -> Iterator[TestClient]:
    app = create_app(store_path, reviewer="lan", port=PORT)
    with TestClient(app, base_url=HOME, headers={"Origin": HOME}, follow_redirects=False,
                    raise_server_exceptions=False) as c:
        yield c


def token(client: TestClient, item: int) -> str:
    return form_token(client.get(f"/items/{item}").text)


def an_item(store_path: Path) -> int:
    return ReviewStore(store_path).items()[0].id


def test_a_token_that_is_not_ascii_is_refused_not_a_500(client: TestClient, store_path: Path) -> None:
    item = an_item(store_path)
    for body in (b"token=%ff%fe&action=approve", "token=tôi&action=approve".encode()):
        page = client.post(f"/items/{item}", content=body,
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert page.status_code == 403
    assert ReviewStore(store_path).audit() == []


@settings(FUZZ, max_examples=60)
@given(action=field, name=field, value=field, reviewer=field, note=field, override=field, real_token=st.booleans())
def test_generated_forms_get_a_page_or_a_refusal(client: TestClient, store_path: Path, action: str | None,
                                                  name: str | None, value: str | None, reviewer: str | None,
                                                  note: str | None, override: str | None, real_token: bool) -> None:
    FUZZ_CASES["review forms"] += 1
    item = an_item(store_path)
    form = {"token": token(client, item) if real_token else (value or ""), "action": action, "field": name,
            "value": value, "reviewer": reviewer, "note": note, "override": override}
    before = len(ReviewStore(store_path).audit())
    page = client.post(f"/items/{item}", data={k: v for k, v in form.items() if v is not None})
    assert page.status_code in (303, 400, 403), page.text[:300]
    assert len(ReviewStore(store_path).audit()) == before + (page.status_code == 303)


@settings(FUZZ, max_examples=40)
@given(raw=st.binary(max_size=80), real_token=st.booleans())
def test_raw_form_bytes_get_a_page_or_a_refusal(client: TestClient, store_path: Path, raw: bytes,
                                                 real_token: bool) -> None:
    FUZZ_CASES["review forms"] += 1
    item = an_item(store_path)
    prefix = f"token={token(client, item)}&".encode() if real_token else b""
    before = len(ReviewStore(store_path).audit())
    page = client.post(f"/items/{item}", content=prefix + b"action=" + raw,
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert page.status_code in (303, 400, 403), page.text[:300]
    assert len(ReviewStore(store_path).audit()) == before + (page.status_code == 303)


@settings(FUZZ, max_examples=40)
@given(values=st.lists(st.binary(max_size=30), min_size=len(FILTERS), max_size=len(FILTERS)))
def test_any_query_string_gets_a_page(client: TestClient, store_path: Path, values: list[bytes]) -> None:
    FUZZ_CASES["review queries"] += 1
    query = "&".join(f"{name}={quote_from_bytes(v)}" for name, v in zip(FILTERS, values, strict=True))
    item = an_item(store_path)
    for url in (f"/?{query}", f"/items/{item}?{query}"):
        page = client.get(url)
        assert page.status_code == 200, (url, page.text[:300])


def test_a_reviewer_name_with_line_breaks_is_one_line_in_the_log_and_the_cookie(client: TestClient,
                                                                                 store_path: Path) -> None:
    item = an_item(store_path)
    page = client.post(f"/items/{item}", data={"token": token(client, item), "action": "approve",
                                               "reviewer": "lan\r\nSet-Cookie: admin=1"})
    assert page.status_code == 303
    assert page.headers.get_list("set-cookie") == [
        'reviewer="lan Set-Cookie: admin=1"; HttpOnly; Path=/; SameSite=strict']
    assert [e["who"] for e in ReviewStore(store_path).audit(item)] == ["lan Set-Cookie: admin=1"]
