"""Incremental sync on every list: zoned instants only, sort with a keyset cursor that follows
the sort, repeated filters, conditional GET (If-None-Match), cases by external id."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.services.context import FixedClock
from tests.case_driver import Driver, ok
from tests.conftest import Principals
from tests.factories import candidate_body, position_body

LISTS = [
    "/api/v1/cases",
    "/api/v1/candidates",
    "/api/v1/positions",
    "/api/v1/policies",
    "/api/v1/nominations",
    "/api/v1/decision-bodies",
]
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def problem(r: Any, status: int = 422) -> dict[str, Any]:
    assert r.status_code == status, f"{r.status_code}: {r.text}"
    assert r.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = r.json()
    return body


def walk(client: TestClient, url: str, headers: dict[str, str], **params: Any) -> list[Any]:
    """Every item of a list, page after page."""
    items: list[Any] = []
    cursor = None
    for _ in range(50):
        page = ok(
            client.get(
                url, params={**params, "cursor": cursor} if cursor else params, headers=headers
            )
        )
        items.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("the cursor never ended")


@pytest.fixture
def five(client: TestClient, org: dict[str, str], clock: FixedClock) -> list[dict[str, Any]]:
    """Five cadres created a minute apart, names in reverse alphabetical order; then the second and
    the fourth changed, in that order, an hour later."""
    made = []
    for i, name in enumerate(["Wang Eve", "Wang Dan", "Wang Cai", "Wang Bo", "Wang Al"]):
        clock.set(T0 + timedelta(minutes=i))
        made.append(
            ok(client.post("/api/v1/candidates", json=candidate_body(name=name), headers=org), 201)
        )
    for n, i in enumerate((1, 3)):
        clock.set(T0 + timedelta(hours=1, minutes=n))
        url = f"/api/v1/candidates/{made[i]['id']}"
        made[i] = ok(
            client.patch(
                url, json={"current_title": "处长"}, headers={**org, "If-Match": made[i]["etag"]}
            )
        )
    return made


# --- instants ----------------------------------------------------------------------------------


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize("value", ["2026-11-22", "2026-11-22T10:00:00", "1700000000"])
def test_updated_after_without_a_zone_is_a_422_that_says_so(
    client: TestClient, org: dict[str, str], url: str, value: str
) -> None:
    body = problem(client.get(url, params={"updated_after": value}, headers=org))
    assert body["errors"][0]["loc"] == ["query", "updated_after"], body
    if "T" in value:
        assert "time zone" in body["detail"], body
    ok(client.get(url, params={"updated_after": "2026-11-22T10:00:00+08:00"}, headers=org))
    ok(client.get(url, params={"updated_after": "2026-11-22T02:00:00Z"}, headers=org))


def test_updated_after_keeps_exactly_the_later_changes(
    client: TestClient, org: dict[str, str], five: list[dict[str, Any]]
) -> None:
    # Strictly after: the instant of the first change itself is excluded (boundary).
    first_change = (T0 + timedelta(hours=1)).isoformat()
    got = walk(client, "/api/v1/candidates", org, updated_after=first_change, sort="updated_at")
    assert [c["id"] for c in got] == [five[3]["id"]]
    just_before = (T0 + timedelta(hours=1) - timedelta(microseconds=1)).isoformat()
    got = walk(client, "/api/v1/candidates", org, updated_after=just_before, sort="updated_at")
    assert [c["id"] for c in got] == [five[1]["id"], five[3]["id"]]


# --- sort and cursor ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("created_at", [0, 1, 2, 3, 4]),
        ("-created_at", [4, 3, 2, 1, 0]),
        ("updated_at", [0, 2, 4, 1, 3]),
        ("-updated_at", [3, 1, 4, 2, 0]),
        ("name", [4, 3, 2, 1, 0]),  # ASCII names: the same order under every collation
        ("-name", [0, 1, 2, 3, 4]),
    ],
)
@pytest.mark.parametrize("limit", [1, 2, 5])
def test_every_page_follows_the_sort(
    client: TestClient,
    org: dict[str, str],
    five: list[dict[str, Any]],
    sort: str,
    order: list[int],
    limit: int,
) -> None:
    got = walk(client, "/api/v1/candidates", org, sort=sort, limit=limit)
    assert [c["id"] for c in got] == [five[i]["id"] for i in order]


def test_a_row_changed_while_paging_by_updated_at_comes_again_at_the_end(
    client: TestClient, org: dict[str, str], clock: FixedClock, five: list[dict[str, Any]]
) -> None:
    first = ok(
        client.get("/api/v1/candidates", params={"sort": "updated_at", "limit": 2}, headers=org)
    )
    assert [c["id"] for c in first["items"]] == [five[0]["id"], five[2]["id"]]
    clock.set(T0 + timedelta(hours=2))
    ok(
        client.patch(
            f"/api/v1/candidates/{five[0]['id']}",
            json={"current_title": "主任"},
            headers={**org, "If-Match": five[0]["etag"]},
        )
    )
    rest = walk(
        client, "/api/v1/candidates", org, sort="updated_at", limit=2, cursor=first["next_cursor"]
    )
    assert [c["id"] for c in rest] == [five[i]["id"] for i in (4, 1, 3, 0)]


def test_a_cursor_is_refused_under_another_sort_or_edited_or_on_another_list(
    client: TestClient, org: dict[str, str], five: list[dict[str, Any]]
) -> None:
    page = ok(
        client.get("/api/v1/candidates", params={"sort": "-updated_at", "limit": 2}, headers=org)
    )
    cursor = page["next_cursor"]
    for other in ("updated_at", "name", None):
        params = {"cursor": cursor, **({"sort": other} if other else {})}
        body = problem(client.get("/api/v1/candidates", params=params, headers=org))
        assert "sort=-updated_at" in body["detail"], body
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    forged = raw.replace(b"-updated_at", b"-created_at")
    for bad in (
        base64.urlsafe_b64encode(forged).decode().rstrip("="),
        cursor[:-3],
        cursor + "A",
        "bm90IGEgY3Vyc29y",
    ):
        body = problem(
            client.get(
                "/api/v1/candidates", params={"cursor": bad, "sort": "-updated_at"}, headers=org
            )
        )
        assert body["type"].endswith("/invalid-input"), body
    # Another list with the same sort: not its cursor.
    problem(
        client.get(
            "/api/v1/positions", params={"cursor": cursor, "sort": "-updated_at"}, headers=org
        )
    )
    # The cursor itself still works, unchanged, under its own sort.
    ok(
        client.get(
            "/api/v1/candidates", params={"cursor": cursor, "sort": "-updated_at"}, headers=org
        )
    )


@pytest.mark.parametrize("url", LISTS)
def test_every_list_sorts_by_updated_at_both_ways_and_refuses_unknown_sorts(
    client: TestClient, org: dict[str, str], url: str
) -> None:
    for sort in ("updated_at", "-updated_at", "created_at", "-created_at"):
        ok(client.get(url, params={"sort": sort}, headers=org))
    for bad in ("updatedAt", "--updated_at", "+updated_at", "password", ""):
        body = problem(client.get(url, params={"sort": bad}, headers=org))
        assert body["errors"][0]["loc"] == ["query", "sort"], body


def test_positions_and_policies_sort_by_their_natural_fields(
    client: TestClient, org: dict[str, str], clock: FixedClock
) -> None:
    for i, title in enumerate(["副主任", "主任", "处长"]):
        clock.set(T0 + timedelta(minutes=i))
        ok(client.post("/api/v1/positions", json=position_body(title=title), headers=org), 201)
    titles = [p["title"] for p in walk(client, "/api/v1/positions", org, sort="title", limit=1)]
    assert titles == sorted(titles)
    assert len(titles) == 3
    policies = walk(client, "/api/v1/policies", org, limit=1)  # default: name, then version
    keys = [(p["name"], p["version"]) for p in policies]
    assert keys == sorted(keys)
    assert len(keys) >= 2
    backwards = walk(client, "/api/v1/policies", org, limit=2, sort="-name")
    assert [(p["name"], p["version"]) for p in backwards] == keys[::-1]


# --- repeated filters ---------------------------------------------------------------------------


def test_a_repeated_single_valued_filter_is_refused_and_changes_nothing(
    client: TestClient, org: dict[str, str], five: list[dict[str, Any]]
) -> None:
    r = client.get(
        "/api/v1/candidates?rank_level=township_principal&rank_level=county_deputy", headers=org
    )
    assert "rank_level" in problem(r)["detail"]
    assert (
        "limit" in problem(client.get("/api/v1/positions?limit=1&limit=2", headers=org))["detail"]
    )
    # One value still works.
    assert len(walk(client, "/api/v1/candidates", org, rank_level="township_principal")) == 5


def test_stage_filter_of_cases_is_any_of(client: TestClient, tokens: Principals) -> None:
    d = Driver(client, tokens["org_department"])
    pos = d.position()
    case = d.create(pos["id"], [d.candidate()])

    def ids(query: str) -> list[str]:
        page = ok(client.get(f"/api/v1/cases?{query}", headers=d.headers))
        return [c["id"] for c in page["items"]]

    assert ids("stage=motion") == [case["id"]]
    assert ids("stage=publicity") == []
    assert ids("stage=publicity&stage=motion") == [case["id"]]
    assert problem(client.get("/api/v1/cases?stage=nonsense", headers=d.headers))


# --- cases by external id -----------------------------------------------------------------------


def test_cases_are_found_by_their_external_id(client: TestClient, tokens: Principals) -> None:
    d = Driver(client, tokens["org_department"])
    pos = d.position()

    def create(external_id: str) -> dict[str, Any]:
        body = {
            "title": "选拔副主任",
            "position_id": pos["id"],
            "places": 1,
            "method": "organisational",
            "motion": {
                "proposer_kind": "org_department",
                "proposed_by": "市委组织部",
                "recommendation_scope": 30,
            },
            "candidate_ids": [d.candidate()],
            "external_id": external_id,
        }
        return ok(client.post("/api/v1/cases", json=body, headers=d.headers), 201)

    ours = create("HR-CASE-0001")
    create("HR-CASE-0002")
    found = ok(
        client.get("/api/v1/cases", params={"external_id": "HR-CASE-0001"}, headers=d.headers)
    )["items"]
    assert [(c["id"], c["external_id"]) for c in found] == [(ours["id"], "HR-CASE-0001")]
    assert (
        ok(client.get("/api/v1/cases", params={"external_id": "HR-CASE-000"}, headers=d.headers))[
            "items"
        ]
        == []
    )
    problem(client.get("/api/v1/cases", params={"external_id": "HR\u200bCASE"}, headers=d.headers))


# --- conditional GET ----------------------------------------------------------------------------


def test_if_none_match_answers_304_until_the_resource_changes(
    client: TestClient, org: dict[str, str], five: list[dict[str, Any]]
) -> None:
    url = f"/api/v1/candidates/{five[0]['id']}"
    first = client.get(url, headers=org)
    tag = first.headers["etag"]
    # The version, extended by a hash of the answer ("v1.h…"): If-Match takes either form.
    assert tag.startswith(five[0]["etag"][:-1] + ".h")
    for held in (tag, f"W/{tag}", f'"v999", {tag}', "*"):
        r = client.get(url, headers={**org, "If-None-Match": held})
        assert r.status_code == 304, held
        assert r.content == b""
        assert r.headers["etag"] == tag
        assert r.headers["cache-control"] == "no-store"
    # The same tag with its last hex digit changed (never to itself: 1 in 16 tags end in 0).
    altered = tag[:-2] + ("1" if tag[-2] == "0" else "0") + '"'
    for other in ('"v999"', five[0]["etag"], altered):
        assert client.get(url, headers={**org, "If-None-Match": other}).status_code == 200
    ok(client.patch(url, json={"current_title": "主任"}, headers={**org, "If-Match": tag}))
    again = client.get(url, headers={**org, "If-None-Match": tag})
    assert again.status_code == 200
    assert again.headers["etag"] != tag


def test_no_304_when_the_answer_changed_but_the_version_did_not(
    client: TestClient, org: dict[str, str], five: list[dict[str, Any]]
) -> None:
    """Misconduct goes on the cadre's file without a new version of the cadre: the version
    alone would wrongly answer 304."""
    url = f"/api/v1/candidates/{five[0]['id']}"
    before = client.get(url, headers=org)
    body = {
        "kind": "canvassing",
        "occurred_on": "2026-02-20",
        "description": "拉票",
        "source": "市纪委监委转来的问题线索",
    }
    ok(client.post(f"{url}/misconduct", json=body, headers=org), 201)
    after = client.get(url, headers={**org, "If-None-Match": before.headers["etag"]})
    assert after.status_code == 200
    assert after.json()["etag"] == before.json()["etag"]  # same version
    assert after.json()["misconduct"] != before.json()["misconduct"]
    assert after.headers["etag"] != before.headers["etag"]


def test_list_pages_carry_an_etag_and_answer_304_until_a_row_changes(
    client: TestClient, org: dict[str, str], clock: FixedClock, five: list[dict[str, Any]]
) -> None:
    params: dict[str, str | int] = {"sort": "-updated_at", "limit": 2}
    page = client.get("/api/v1/candidates", params=params, headers=org)
    tag = page.headers["etag"]
    r = client.get("/api/v1/candidates", params=params, headers={**org, "If-None-Match": tag})
    assert (r.status_code, r.content) == (304, b"")
    # Another page of the same list has another ETag.
    other = client.get("/api/v1/candidates", params={"limit": 2}, headers=org)
    assert other.headers["etag"] != tag
    clock.set(T0 + timedelta(hours=3))
    ok(
        client.patch(
            f"/api/v1/candidates/{five[2]['id']}",
            json={"current_title": "主任"},
            headers={**org, "If-Match": five[2]["etag"]},
        )
    )
    changed = client.get("/api/v1/candidates", params=params, headers={**org, "If-None-Match": tag})
    assert changed.status_code == 200
    assert changed.json()["items"][0]["id"] == five[2]["id"]


def test_no_304_for_problems_or_without_a_token(client: TestClient, org: dict[str, str]) -> None:
    missing = "/api/v1/candidates/00000000-0000-0000-0000-000000000000"
    assert client.get(missing, headers={**org, "If-None-Match": "*"}).status_code == 404
    assert client.get("/api/v1/candidates", headers={"If-None-Match": "*"}).status_code == 401
