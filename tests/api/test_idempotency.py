"""Idempotency-Key on POST (reliability target C3)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import Principals
from tests.factories import candidate_body


def test_same_key_same_body_replays(client: TestClient, tokens: Principals) -> None:
    h = {**tokens["org_department"], "Idempotency-Key": "k-1"}
    body = candidate_body()
    first = client.post("/api/v1/candidates", json=body, headers=h)
    again = client.post("/api/v1/candidates", json=body, headers=h)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    listed = client.get(
        "/api/v1/candidates",
        params={"external_id": body["external_id"]},
        headers=tokens["org_department"],
    ).json()["items"]
    assert len(listed) == 1


def test_same_key_other_body_is_422(client: TestClient, tokens: Principals) -> None:
    h = {**tokens["org_department"], "Idempotency-Key": "k-2"}
    assert client.post("/api/v1/candidates", json=candidate_body(), headers=h).status_code == 201
    other = client.post("/api/v1/candidates", json=candidate_body(), headers=h)
    assert other.status_code == 422
    assert other.headers["content-type"].startswith("application/problem+json")


def test_failed_request_can_be_retried_with_the_key(client: TestClient, tokens: Principals) -> None:
    h = {**tokens["org_department"], "Idempotency-Key": "k-3"}
    bad = client.post("/api/v1/candidates", json=candidate_body(education="x"), headers=h)
    assert bad.status_code == 422
    good = client.post("/api/v1/candidates", json=candidate_body(), headers=h)
    assert good.status_code == 201


def test_keys_are_scoped_per_caller(client: TestClient, tokens: Principals) -> None:
    body = candidate_body()
    a = client.post(
        "/api/v1/candidates",
        json=body,
        headers={**tokens["org_department"], "Idempotency-Key": "shared"},
    )
    b = client.post(
        "/api/v1/candidates", json=body, headers={**tokens["admin"], "Idempotency-Key": "shared"}
    )
    assert a.status_code == 201
    assert b.status_code == 409  # a real second attempt: the external_id is taken
