"""The public side of publicity, and case lists (filters, due windows)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from app.services.context import FixedClock
from tests.case_driver import Driver, ok
from tests.conftest import Principals


@pytest.fixture
def published(client: TestClient, tokens: Principals) -> tuple[Driver, str]:
    d = Driver(client, tokens["org_department"])
    pos = d.position()
    a, b = d.candidate(), d.candidate()
    d.create(pos["id"], [a, b])
    d.to_decision([a, b])
    d.decide([a])
    d.act("approve")
    d.publicise("2026-03-02")
    return d, a


PUBLIC_FIELDS = {
    "candidate_id",
    "name",
    "gender",
    "birth_year_month",
    "education",
    "current_post",
    "proposed_post",
    "exceptional_promotion_reason",
}


def test_public_notice_shows_only_what_a_notice_may(
    client: TestClient, published: tuple[Driver, str]
) -> None:
    _, a = published
    notices = client.get("/api/v1/public/notices").json()
    assert len(notices) == 1
    person = notices[0]["candidates"][0]
    assert set(person) == PUBLIC_FIELDS
    assert person["candidate_id"] == a
    assert person["birth_year_month"] == "1980-05"
    text = str(notices)
    assert "votes" not in text
    assert "nomination" not in text


def test_public_objection_enters_the_case_and_contact_stays_confidential(
    client: TestClient, published: tuple[Driver, str], tokens: Principals
) -> None:
    d, a = published
    notice = client.get("/api/v1/public/notices").json()[0]
    r = client.post(
        f"/api/v1/public/notices/{notice['notice_id']}/objections",
        json={"candidate_id": a, "content": "反映其作风问题", "contact": "13900000000"},
    )
    assert r.status_code == 202, r.text
    as_org = d.refresh()
    objection = as_org["facts"]["objection"][0]
    assert objection["status"] == "open"
    assert objection["data"]["contact"] == "13900000000"
    as_auditor = ok(client.get(d.url, headers=tokens["auditor"]))
    assert as_auditor["facts"]["objection"][0]["data"]["contact"] is None
    record = ok(client.get(f"{d.url}/record", headers=tokens["auditor"]))
    assert "13900000000" not in str(record)
    assert any(e["actor_role"] == "public" for e in record["entries"])


def test_public_objections_are_limited(client: TestClient, published: tuple[Driver, str]) -> None:
    notice = client.get("/api/v1/public/notices").json()[0]
    url = f"/api/v1/public/notices/{notice['notice_id']}/objections"
    codes = [client.post(url, json={"content": f"第{i}条"}).status_code for i in range(6)]
    assert codes == [202] * 5 + [429]
    too_long = client.post(url, json={"content": "x" * 5001})
    assert too_long.status_code in {422, 429}


def test_closed_notice_takes_no_objection(
    client: TestClient, published: tuple[Driver, str], clock: FixedClock
) -> None:
    notice = client.get("/api/v1/public/notices").json()[0]
    clock.set(datetime(2026, 3, 9, 1, 0, tzinfo=UTC))
    assert client.get("/api/v1/public/notices").json() == []
    r = client.post(
        f"/api/v1/public/notices/{notice['notice_id']}/objections", json={"content": "迟到的反映"}
    )
    assert r.status_code == 409


def test_case_lists_filter_and_show_due_windows(
    client: TestClient, published: tuple[Driver, str], clock: FixedClock, tokens: Principals
) -> None:
    d, a = published
    org = d.headers
    other = Driver(client, org)
    other.create(other.position()["id"], [other.candidate()])

    def ids(**params: str | bool) -> set[str]:
        page = ok(client.get("/api/v1/cases", params=params, headers=org))
        return {c["id"] for c in page["items"]}

    assert d.case["id"] in ids(stage="publicity")
    assert d.case["id"] not in ids(stage="motion")
    assert ids(candidate_id=a) == {d.case["id"]}
    assert ids(position_id=d.case["position_id"]) == {d.case["id"]}
    assert d.case["id"] in ids(method="organisational")
    assert ids(due=True) == set()
    clock.set(datetime(2026, 3, 6, 16, 0, tzinfo=UTC))  # the window closed at 00:00 on 7 March
    assert ids(due=True) == {d.case["id"]}
    assert ids(updated_after="2030-01-01T00:00:00Z") == set()
    assert client.get("/api/v1/cases", headers=tokens["cadre"]).status_code == 403
