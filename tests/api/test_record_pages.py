"""The record (纪实, REC-RECORD) one page at a time, each page verified at a cost that does not
grow with the record (issue 8): paging, its bounds, tampered cursors, and tampering found on
the page that shows it and by `verify=chain`."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import RecordEntry
from tests.case_driver import Driver, ok
from tests.conftest import Principals
from tests.test_record_integrity import _tamper, driven

__all__ = ["driven"]


def _page(client: TestClient, tokens: Principals, d: Driver, query: str) -> Any:
    return client.get(f"{d.url}/record?{query}", headers=tokens["auditor"])


def _all(client: TestClient, tokens: Principals, d: Driver, limit: int) -> list[dict[str, Any]]:
    pages, cursor = [], None
    while True:
        q = f"limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        body = ok(_page(client, tokens, d, q))
        assert body["verified"] is True, body["problems"]
        assert body["verification"] == "page"
        assert len(body["entries"]) <= limit
        pages.append(body)
        cursor = body["next_cursor"]
        if cursor is None:
            return [e for p in pages for e in p["entries"]]


def test_pages_cover_the_whole_record_in_order(
    client: TestClient, tokens: Principals, driven: Driver
) -> None:
    whole = ok(_page(client, tokens, driven, "limit=200"))
    assert whole["next_cursor"] is None
    n = len(whole["entries"])
    assert n > 6
    for limit in (1, 3, n - 1, n):
        seqs = [e["seq"] for e in _all(client, tokens, driven, limit)]
        assert seqs == list(range(1, n + 1)), limit
    # Exactly n entries in pages of n: one page, no cursor to an empty page.
    assert ok(_page(client, tokens, driven, f"limit={n}"))["next_cursor"] is None
    assert ok(_page(client, tokens, driven, f"limit={n - 1}"))["next_cursor"] is not None


@pytest.mark.parametrize("limit", ["0", "201", "-1", "x", "true"])
def test_limit_out_of_bounds_is_a_422(
    client: TestClient, tokens: Principals, driven: Driver, limit: str
) -> None:
    r = _page(client, tokens, driven, f"limit={limit}")
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("limit", ["1", "200"])
def test_limit_at_the_bounds_is_served(
    client: TestClient, tokens: Principals, driven: Driver, limit: str
) -> None:
    assert ok(_page(client, tokens, driven, f"limit={limit}"))["verified"] is True


@pytest.mark.parametrize("cursor", ["abc", "MXwwMDAwMDAwMDAwMDAwMDAw", "", "Mnx4"])
def test_a_cursor_we_did_not_make_is_a_422(
    client: TestClient, tokens: Principals, driven: Driver, cursor: str
) -> None:
    first = ok(_page(client, tokens, driven, "limit=2"))
    assert first["next_cursor"]
    r = _page(client, tokens, driven, f"limit=2&cursor={cursor or first['next_cursor'][:-2]}")
    assert r.status_code == 422
    assert "cursor" in r.json()["detail"]


def test_unknown_verify_mode_is_a_422(
    client: TestClient, tokens: Principals, driven: Driver
) -> None:
    assert _page(client, tokens, driven, "verify=none").status_code == 422


def test_whole_chain_verification_on_request(
    client: TestClient, tokens: Principals, driven: Driver
) -> None:
    body = ok(_page(client, tokens, driven, "limit=2&verify=chain"))
    assert body["verified"] is True
    assert body["verification"] == "chain"


def test_an_edited_entry_is_reported_on_every_page_once_found(
    client: TestClient, tokens: Principals, session_factory: sessionmaker[Any], driven: Driver
) -> None:
    def change(session: Session, case_id: uuid.UUID) -> None:
        session.execute(
            update(RecordEntry)
            .where(RecordEntry.subject_id == case_id, RecordEntry.seq == 4)
            .values(actor_name="someone else")
        )

    _tamper(session_factory, driven, change)
    # The page that shows entry 4 does not verify and names it.
    page = ok(_page(client, tokens, driven, "limit=5"))
    assert page["verified"] is False
    assert page["first_bad_seq"] == 4
    # A page after it, asked for the whole chain, finds it too.
    cursor = page["next_cursor"]
    later = ok(_page(client, tokens, driven, f"limit=5&cursor={cursor}&verify=chain"))
    assert later["verified"] is False
    assert later["first_bad_seq"] == 4


def test_a_cut_tail_is_reported_on_the_first_page(
    client: TestClient, tokens: Principals, session_factory: sessionmaker[Any], driven: Driver
) -> None:
    def change(session: Session, case_id: uuid.UUID) -> None:
        last = session.query(RecordEntry).filter(RecordEntry.subject_id == case_id)
        top = max(e.seq for e in last)
        session.query(RecordEntry).filter(
            RecordEntry.subject_id == case_id, RecordEntry.seq == top
        ).delete()

    _tamper(session_factory, driven, change)
    page = ok(_page(client, tokens, driven, "limit=1"))
    assert page["verified"] is False
    assert page["problems"]
