"""Security targets through the HTTP API (A2, A3b, A4, A8, D4), on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import sessionmaker

from app.domain.enums import Role
from app.services import auth
from tests.conftest import PEPPER, START, Principals
from tests.factories import candidate_body
from tests.test_openapi import DOCUMENT, PROBLEM

CANDIDATES = "/api/v1/candidates"
LIMITED = sorted(
    path
    for path, item in DOCUMENT["paths"].items()
    if any(p["name"] == "limit" for p in item.get("get", {}).get("parameters", []))
)


def _url(path: str) -> str:
    """A concrete URL for a templated path (ids that exist nowhere)."""
    out = path
    while "{" in out:
        start, end = out.index("{"), out.index("}")
        out = out[:start] + str(uuid.uuid4()) + out[end + 1 :]
    return out


def _is_problem(r: Any, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM), r.headers["content-type"]
    body: dict[str, Any] = r.json()
    assert body["status"] == status
    assert {"type", "title", "status"} <= set(body)
    return body


def _candidate(client: TestClient, org: dict[str, str]) -> dict[str, Any]:
    r = client.post(CANDIDATES, json=candidate_body(), headers=org)
    assert r.status_code == 201, r.text
    created: dict[str, Any] = r.json()
    return created


# --- A8 security misconfiguration -----------------------------------------------------------


def test_unhandled_exception_is_a_generic_problem_without_traceback(client: TestClient) -> None:
    secret = "password=hunter2 at /srv/cadre/app/services/secret.py"

    def failing_handler_xyz() -> None:
        raise RuntimeError(secret)

    client.app.add_api_route("/__test/boom", failing_handler_xyz, methods=["GET"])  # type: ignore[attr-defined]
    r = client.get("/__test/boom")
    problem = _is_problem(r, 500)
    assert problem["type"].endswith("/internal")
    assert problem["detail"] == "an unexpected error occurred"
    for leak in (secret, "hunter2", "RuntimeError", "Traceback", 'File "', "failing_handler_xyz"):
        assert leak not in r.text, f"{leak!r} leaked into the 500 body: {r.text}"


@pytest.mark.parametrize(
    ("method", "path"),
    [("TRACE", CANDIDATES), ("DELETE", CANDIDATES), ("PUT", f"{CANDIDATES}/{{id}}")],
)
def test_unsupported_method_is_405_problem_with_allow(
    client: TestClient, tokens: Principals, method: str, path: str
) -> None:
    url = _url(path)
    r = client.request(method, url, headers=tokens["admin"])
    _is_problem(r, 405)
    allowed = {m.strip() for m in r.headers["allow"].split(",") if m.strip()}
    documented = {m.upper() for m in DOCUMENT["paths"][path.replace("{id}", "{candidate_id}")]}
    assert allowed, "405 without methods in Allow"
    assert method not in allowed
    assert allowed <= documented | {"HEAD"}, f"Allow names undocumented methods: {allowed}"


def test_405_allow_lists_every_method_of_the_path(client: TestClient, tokens: Principals) -> None:
    r = client.request("TRACE", CANDIDATES, headers=tokens["admin"])
    assert r.status_code == 405
    assert {m.strip() for m in r.headers["allow"].split(",")} >= {"GET", "POST"}


def test_candidate_responses_are_not_cacheable(client: TestClient, org: dict[str, str]) -> None:
    created = client.post(CANDIDATES, json=candidate_body(), headers=org)
    url = f"{CANDIDATES}/{created.json()['id']}"
    responses = {
        "POST": created,
        "GET one": client.get(url, headers=org),
        "GET list": client.get(CANDIDATES, headers=org),
        "PATCH": client.patch(
            url,
            json={"current_title": "副局长"},
            headers={**org, "If-Match": created.headers["etag"]},
        ),
    }
    for what, r in responses.items():
        assert r.status_code in (200, 201), f"{what}: {r.text}"
        assert r.headers.get("cache-control") == "no-store", f"{what}: {r.headers}"


# --- A4 unrestricted resource consumption, D4 huge integers -----------------------------------


@pytest.mark.parametrize("path", LIMITED)
@pytest.mark.parametrize("limit", [100_000, -1, 0, 2**63, -(2**63) - 1])
def test_limit_out_of_range_is_422(
    client: TestClient, tokens: Principals, path: str, limit: int
) -> None:
    r = client.get(_url(path), params={"limit": limit}, headers=tokens["admin"])
    problem = _is_problem(r, 422)
    assert any(e["loc"][-1] == "limit" for e in problem["errors"]), problem


def test_every_list_has_a_limit() -> None:
    assert {CANDIDATES, "/api/v1/positions"} <= set(LIMITED)


def test_huge_integer_in_a_body_is_422(client: TestClient, org: dict[str, str]) -> None:
    for value in (2**63, -(2**63) - 1, 10**100):
        r = client.post(CANDIDATES, json=candidate_body(training_hours_5y=value), headers=org)
        _is_problem(r, 422)


def test_oversized_json_body_is_413(client: TestClient, org: dict[str, str]) -> None:
    limit: int = client.app.state.settings.max_body_bytes  # type: ignore[attr-defined]
    r = client.post(CANDIDATES, json=candidate_body(current_title="x" * (limit + 1)), headers=org)
    problem = _is_problem(r, 413)
    assert problem["type"].endswith("/too-large")


# --- A3b mass assignment ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "extra",
    [{"state": "appointed"}, {"version": 99}, {"id": str(uuid.UUID(int=1))}, {"etag": '"v9"'}],
    ids=["state", "version", "id", "etag"],
)
def test_patch_with_read_only_field_is_422_and_changes_nothing(
    client: TestClient, org: dict[str, str], extra: dict[str, Any]
) -> None:
    candidate = _candidate(client, org)
    url = f"{CANDIDATES}/{candidate['id']}"
    r = client.patch(
        url,
        json={"current_title": "副局长", **extra},
        headers={**org, "If-Match": candidate["etag"]},
    )
    problem = _is_problem(r, 422)
    assert [e["type"] for e in problem["errors"]] == ["extra_forbidden"], problem
    assert problem["errors"][0]["loc"][-1] == next(iter(extra))
    after = client.get(url, headers=org).json()
    assert after == candidate


def test_nested_unknown_field_is_422(client: TestClient, org: dict[str, str]) -> None:
    body = candidate_body()
    body["appraisals"][0]["approved_by"] = "someone"
    problem = _is_problem(client.post(CANDIDATES, json=body, headers=org), 422)
    assert problem["errors"][0]["type"] == "extra_forbidden"


# --- A2 broken authentication -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["access_token", "token", "api_key", "authorization"])
def test_token_in_the_query_string_is_not_accepted(
    client: TestClient, tokens: Principals, name: str
) -> None:
    token = tokens["admin"]["Authorization"].removeprefix("Bearer ")
    r = client.get(CANDIDATES, params={name: token})
    _is_problem(r, 401)
    assert r.headers["www-authenticate"].startswith("Bearer")


def test_token_in_a_cookie_is_not_accepted(client: TestClient, tokens: Principals) -> None:
    token = tokens["admin"]["Authorization"].removeprefix("Bearer ")
    client.cookies.set("Authorization", f"Bearer {token}")
    client.cookies.set("token", token)
    try:
        _is_problem(client.get(CANDIDATES), 401)
    finally:
        client.cookies.clear()


def _issue(
    factory: sessionmaker[Any], *, expires_in: timedelta | None = None
) -> tuple[dict[str, str], uuid.UUID]:
    with factory() as session:
        issued = auth.create_principal_with_token(
            session,
            name="security test",
            org_unit="市委组织部",
            roles=[Role.ORG_DEPARTMENT],
            pepper=PEPPER,
            now=START - timedelta(days=1),
            expires_at=START + expires_in if expires_in is not None else None,
        )
        session.commit()
    return {"Authorization": f"Bearer {issued.token}"}, issued.token_id


def test_revoked_token_is_401(client: TestClient, session_factory: sessionmaker[Any]) -> None:
    headers, token_id = _issue(session_factory)
    assert client.get(CANDIDATES, headers=headers).status_code == 200
    with session_factory() as session:
        assert auth.revoke(session, token_id, START)
        session.commit()
    _is_problem(client.get(CANDIDATES, headers=headers), 401)


def test_expired_token_is_401(client: TestClient, session_factory: sessionmaker[Any]) -> None:
    expired, _ = _issue(session_factory, expires_in=timedelta(seconds=0))
    valid, _ = _issue(session_factory, expires_in=timedelta(minutes=1))
    _is_problem(client.get(CANDIDATES, headers=expired), 401)
    assert client.get(CANDIDATES, headers=valid).status_code == 200


@pytest.mark.parametrize(
    "authorization",
    ["Basic YWRtaW46YWRtaW4=", "Bearer", "Bearer ", "bearer cad_", "Token cad_x", "cad_x"],
)
def test_malformed_authorization_is_401(client: TestClient, authorization: str) -> None:
    _is_problem(client.get(CANDIDATES, headers={"Authorization": authorization}), 401)
