"""Foundation: auth, problems, candidates, positions, policies through the HTTP API."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import Principals
from tests.factories import candidate_body, position_body

PROBLEM = "application/problem+json"


def test_health_is_open(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").status_code == 200


def test_unauthenticated_is_401_with_www_authenticate(client: TestClient) -> None:
    r = client.get("/api/v1/candidates")
    assert r.status_code == 401
    assert r.headers["content-type"].startswith(PROBLEM)
    assert r.headers["www-authenticate"].startswith("Bearer")
    r = client.get("/api/v1/candidates", headers={"Authorization": "Bearer cad_nope"})
    assert r.status_code == 401


def test_role_without_right_is_403(client: TestClient, tokens: Principals) -> None:
    r = client.post("/api/v1/candidates", json=candidate_body(), headers=tokens["auditor"])
    assert r.status_code == 403
    assert r.json()["type"].endswith("/forbidden")
    assert client.get("/api/v1/candidates", headers=tokens["auditor"]).status_code == 200
    assert client.get("/api/v1/candidates", headers=tokens["cadre"]).status_code == 403


def test_candidate_create_read_patch_with_etag(client: TestClient, org: dict[str, str]) -> None:
    r = client.post("/api/v1/candidates", json=candidate_body(), headers=org)
    assert r.status_code == 201, r.text
    c = r.json()
    assert c["is_principal"] is True
    assert r.headers["etag"] == c["etag"]
    assert r.headers["cache-control"] == "no-store"
    url = f"/api/v1/candidates/{c['id']}"
    assert client.get(url, headers=org).json()["name"] == c["name"]
    # If-Match missing -> 428, stale -> 412, right -> 200 with a new ETag
    assert client.patch(url, json={"current_title": "副局长"}, headers=org).status_code == 428
    stale = {**org, "If-Match": '"v999"'}
    assert client.patch(url, json={"current_title": "x"}, headers=stale).status_code == 412
    ok = client.patch(url, json={"current_title": "副局长"}, headers={**org, "If-Match": c["etag"]})
    assert ok.status_code == 200, ok.text
    assert ok.json()["current_title"] == "副局长"
    assert ok.json()["etag"] != c["etag"]


def test_candidate_validation_is_strict(client: TestClient, org: dict[str, str]) -> None:
    r = client.post("/api/v1/candidates", json=candidate_body(state="x"), headers=org)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith(PROBLEM)
    assert r.json()["errors"][0]["type"] == "extra_forbidden"
    assert (
        client.post(
            "/api/v1/candidates", json=candidate_body(education="phd"), headers=org
        ).status_code
        == 422
    )
    future = client.post(
        "/api/v1/candidates", json=candidate_body(birth_date="2030-01-01"), headers=org
    )
    assert future.status_code == 422
    bad_post = candidate_body(
        posts=[{"unit": "u", "title": "t", "start": "2010-01-01", "end": "2009-01-01"}]
    )
    assert client.post("/api/v1/candidates", json=bad_post, headers=org).status_code == 422
    nul = client.post("/api/v1/candidates", json=candidate_body(name="a\u0000b"), headers=org)
    assert nul.status_code == 422


def test_candidate_external_id_unique(client: TestClient, org: dict[str, str]) -> None:
    body = candidate_body()
    assert client.post("/api/v1/candidates", json=body, headers=org).status_code == 201
    again = client.post("/api/v1/candidates", json={**body, "name": "李四"}, headers=org)
    assert again.status_code == 409


def test_candidate_list_paginates_and_filters(client: TestClient, org: dict[str, str]) -> None:
    for _ in range(5):
        client.post("/api/v1/candidates", json=candidate_body(org_unit="分页单位"), headers=org)
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"limit": 2, "org_unit": "分页单位"}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/api/v1/candidates", params=params, headers=org).json()
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == 5 == len(set(seen))
    assert client.get("/api/v1/candidates", params={"limit": 201}, headers=org).status_code == 422
    assert client.get("/api/v1/candidates", params={"cursor": "zz"}, headers=org).status_code == 422


def test_position_free_places_and_headcount(client: TestClient, org: dict[str, str]) -> None:
    ids = [
        client.post("/api/v1/candidates", json=candidate_body(), headers=org).json()["id"]
        for _ in range(3)
    ]
    r = client.post(
        "/api/v1/positions", json=position_body(headcount=2, occupant_ids=ids[:1]), headers=org
    )
    assert r.status_code == 201, r.text
    p = r.json()
    assert p["free_places"] == 1
    assert p["probation_applies"] is True
    over = client.post(
        "/api/v1/positions", json=position_body(headcount=2, occupant_ids=ids), headers=org
    )
    assert over.status_code == 422
    assert over.json()["rule"] == "HEADCOUNT"
    exactly = client.patch(
        f"/api/v1/positions/{p['id']}",
        json={"occupant_ids": ids[:2]},
        headers={**org, "If-Match": p["etag"]},
    )
    assert exactly.status_code == 200
    assert exactly.json()["free_places"] == 0
    elected = client.post(
        "/api/v1/positions", json=position_body(fill_method="elected"), headers=org
    ).json()
    assert elected["probation_applies"] is False


def test_policies_presets_and_floors(client: TestClient, org: dict[str, str]) -> None:
    presets = client.get("/api/v1/policies", params={"preset": True}, headers=org).json()["items"]
    names = {p["name"] for p in presets}
    assert {"central", "city-7-day-publicity", "district-competitive-334"} <= names
    loose = client.post(
        "/api/v1/policies",
        json={"name": "too-short", "params": {"publicity_working_days": 4}},
        headers=org,
    )
    assert loose.status_code == 422
    assert loose.json()["rule"] == "PUB-DURATION"
    at_floor = client.post(
        "/api/v1/policies",
        json={"name": "five-days", "params": {"publicity_working_days": 5}},
        headers=org,
    )
    assert at_floor.status_code == 201, at_floor.text
    both = client.post(
        "/api/v1/policies",
        json={"name": "two-bad", "params": {"publicity_working_days": 4, "probation_months": 11}},
        headers=org,
    )
    # Each loosened parameter names its own rule and POL-FLOORS.
    assert [v["rule"] for v in both.json()["violations"]] == [
        "PUB-DURATION",
        "POL-FLOORS",
        "PROB-TERM",
        "POL-FLOORS",
    ]
    v2 = client.post(
        "/api/v1/policies",
        json={"name": "five-days", "params": {"publicity_working_days": 7}},
        headers=org,
    ).json()
    assert v2["version"] == 2


def test_is_principal_must_agree_with_rank(client: TestClient, org: dict[str, str]) -> None:
    good = candidate_body(rank_level="county_deputy", is_principal=False)
    assert client.post("/api/v1/candidates", json=good, headers=org).status_code == 201
    bad = candidate_body(rank_level="county_deputy", is_principal=True)
    assert client.post("/api/v1/candidates", json=bad, headers=org).status_code == 422


def test_party_join_date_rules(client: TestClient, org: dict[str, str]) -> None:
    unknown = candidate_body(party_join_date=None)
    assert client.post("/api/v1/candidates", json=unknown, headers=org).status_code == 201
    non_party = candidate_body(party_membership="non_party")  # keeps a join date: inconsistent
    assert client.post("/api/v1/candidates", json=non_party, headers=org).status_code == 422
    before_birth = candidate_body(party_join_date="1970-01-01")
    assert client.post("/api/v1/candidates", json=before_birth, headers=org).status_code == 422
