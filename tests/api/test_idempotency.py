"""Idempotency-Key on POST (reliability target C3)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from app.db.models import Principal
from app.db.uow import UnitOfWork
from app.domain.enums import Role
from app.services import auth
from app.services import candidates as candidates_svc
from app.services import idempotency as idem_svc
from app.services.context import FixedClock
from app.settings import Settings
from tests.conftest import PEPPER, START, Principals
from tests.factories import candidate_body, position_body


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
    other, _ = tokens.make("second org department", [Role.ORG_DEPARTMENT])
    b = client.post("/api/v1/candidates", json=body, headers={**other, "Idempotency-Key": "shared"})
    assert a.status_code == 201
    assert b.status_code == 409  # a real second attempt: the external_id is taken


# --- at most one execution per (principal, key); replays only to a verified caller ------------

CANDIDATES = "/api/v1/candidates"
PROBLEM = "application/problem+json"


def _issue(
    factory: sessionmaker[Any],
    roles: list[Role],
    *,
    expires_at: datetime | None = None,
) -> tuple[dict[str, str], uuid.UUID, uuid.UUID]:
    """A new principal with one token: (headers, principal id, token id)."""
    with factory() as session:
        issued = auth.create_principal_with_token(
            session,
            name="idempotency test",
            org_unit="市委组织部",
            roles=roles,
            pepper=PEPPER,
            now=START - timedelta(days=1),
            expires_at=expires_at,
        )
        session.commit()
    return {"Authorization": f"Bearer {issued.token}"}, issued.principal_id, issued.token_id


def _problem(r: Any, status: int, slug: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = r.json()
    assert body["type"].endswith("/" + slug), body
    return body


def _count(client: TestClient, headers: dict[str, str], external_id: str) -> int:
    r = client.get(CANDIDATES, params={"external_id": external_id}, headers=headers)
    assert r.status_code == 200, r.text
    return len(r.json()["items"])


def test_replay_to_a_revoked_token_is_401(
    client: TestClient, session_factory: sessionmaker[Any], org: dict[str, str]
) -> None:
    headers, _, token_id = _issue(session_factory, [Role.ORG_DEPARTMENT])
    body = candidate_body()
    keyed = {**headers, "Idempotency-Key": "revoked-replay"}
    first = client.post(CANDIDATES, json=body, headers=keyed)
    assert first.status_code == 201, first.text
    with session_factory() as session:
        assert auth.revoke(session, token_id, START)
        session.commit()
    again = client.post(CANDIDATES, json=body, headers=keyed)
    problem = _problem(again, 401, "unauthenticated")
    assert "idempotent-replayed" not in again.headers
    assert again.headers["www-authenticate"].startswith("Bearer")
    assert body["name"] not in again.text
    assert first.json()["id"] not in again.text
    assert "revoked" in problem["detail"]
    assert _count(client, org, body["external_id"]) == 1


def test_replay_to_an_expired_token_is_401(
    client: TestClient, session_factory: sessionmaker[Any], clock: FixedClock
) -> None:
    headers, _, _ = _issue(
        session_factory, [Role.ORG_DEPARTMENT], expires_at=START + timedelta(minutes=5)
    )
    keyed = {**headers, "Idempotency-Key": "expired-replay"}
    body = candidate_body()
    assert client.post(CANDIDATES, json=body, headers=keyed).status_code == 201
    clock.set(START + timedelta(minutes=10))
    _problem(client.post(CANDIDATES, json=body, headers=keyed), 401, "unauthenticated")


def test_forged_token_with_a_key_is_401(client: TestClient) -> None:
    r = client.post(
        CANDIDATES,
        json=candidate_body(),
        headers={"Authorization": "Bearer cad_forged", "Idempotency-Key": "forged"},
    )
    _problem(r, 401, "unauthenticated")


def test_another_token_of_the_same_principal_gets_the_replay(
    client: TestClient, session_factory: sessionmaker[Any]
) -> None:
    headers, principal_id, _ = _issue(session_factory, [Role.ORG_DEPARTMENT])
    with session_factory() as session:
        second = auth.issue_token(session, principal_id, pepper=PEPPER, now=START)
        session.commit()
    body = candidate_body()
    first = client.post(CANDIDATES, json=body, headers={**headers, "Idempotency-Key": "rotated"})
    again = client.post(
        CANDIDATES,
        json=body,
        headers={"Authorization": f"Bearer {second.token}", "Idempotency-Key": "rotated"},
    )
    assert first.status_code == again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]


def test_replay_needs_the_roles_the_request_ran_with(
    client: TestClient, session_factory: sessionmaker[Any]
) -> None:
    headers, principal_id, _ = _issue(session_factory, [Role.ORG_DEPARTMENT])
    keyed = {**headers, "Idempotency-Key": "demoted"}
    body = candidate_body()
    assert client.post(CANDIDATES, json=body, headers=keyed).status_code == 201
    with session_factory() as session:
        principal = session.get(Principal, principal_id)
        assert principal is not None
        principal.roles = [Role.AUDITOR.value]
        session.commit()
    again = client.post(CANDIDATES, json=body, headers=keyed)
    _problem(again, 403, "forbidden")
    assert body["name"] not in again.text


def test_same_key_on_another_path_is_422(client: TestClient, org: dict[str, str]) -> None:
    h = {**org, "Idempotency-Key": "two-paths"}
    assert client.post(CANDIDATES, json=candidate_body(), headers=h).status_code == 201
    other = client.post("/api/v1/positions", json=position_body(), headers=h)
    _problem(other, 422, "idempotency-key")


@pytest.mark.parametrize("key", ["", "with space", "ключ", "x" * 201, "tab\tkey"])
def test_malformed_key_is_422_and_runs_nothing(
    client: TestClient, org: dict[str, str], key: str
) -> None:
    body = candidate_body()
    headers = [(k.encode(), v.encode()) for k, v in org.items()]
    headers += [(b"content-type", b"application/json"), (b"idempotency-key", key.encode())]
    r = client.post(CANDIDATES, content=json.dumps(body).encode(), headers=headers)
    _problem(r, 422, "idempotency-key")
    assert _count(client, org, body["external_id"]) == 0


def test_crash_before_commit_holds_the_key_then_frees_it(
    client: TestClient,
    org: dict[str, str],
    clock: FixedClock,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A crash while the request runs leaves a `pending` key: duplicates are told to wait; once
    the lease has run out a retry runs, and exactly one candidate exists (nothing had been
    committed by the crashed attempt)."""
    body = candidate_body()
    h = {**org, "Idempotency-Key": "crash-before-commit"}
    real_create = candidates_svc.create

    def crash(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the process dies here")

    monkeypatch.setattr(candidates_svc, "create", crash)
    monkeypatch.setattr(idem_svc, "abandon", lambda *a, **k: None)  # died: nothing cleans up
    assert client.post(CANDIDATES, json=body, headers=h).status_code == 500
    monkeypatch.setattr(candidates_svc, "create", real_create)

    waiting = client.post(CANDIDATES, json=body, headers=h)
    _problem(waiting, 409, "idempotency-in-progress")
    assert int(waiting.headers["retry-after"]) >= 1
    assert _count(client, org, body["external_id"]) == 0

    clock.set(START + timedelta(seconds=settings.idempotency_lease_seconds + 1))
    retried = client.post(CANDIDATES, json=body, headers=h)
    assert retried.status_code == 201, retried.text
    assert "idempotent-replayed" not in retried.headers
    replayed = client.post(CANDIDATES, json=body, headers=h)
    assert replayed.headers["idempotent-replayed"] == "true"
    assert replayed.json() == retried.json()
    assert _count(client, org, body["external_id"]) == 1


def test_crash_between_commit_and_storing_the_answer_never_runs_again(
    client: TestClient,
    org: dict[str, str],
    clock: FixedClock,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    body = candidate_body()
    h = {**org, "Idempotency-Key": "crash-after-commit"}

    def crash(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the process dies before the answer is stored")

    monkeypatch.setattr(idem_svc, "finish", crash)
    first = client.post(CANDIDATES, json=body, headers=h)
    assert first.status_code == 201, first.text
    monkeypatch.undo()

    soon = client.post(CANDIDATES, json=body, headers=h)
    _problem(soon, 409, "idempotency-in-progress")
    clock.set(START + timedelta(seconds=settings.idempotency_lease_seconds + 1))
    later = client.post(CANDIDATES, json=body, headers=h)
    problem = _problem(later, 409, "idempotency-outcome-unknown")
    assert "not run again" in problem["detail"]
    assert "retry-after" not in later.headers
    assert _count(client, org, body["external_id"]) == 1


def test_an_attempt_that_outlived_its_lease_cannot_commit(
    client: TestClient,
    org: dict[str, str],
    clock: FixedClock,
    settings: Settings,
    session_factory: sessionmaker[Any],
) -> None:
    """A slow first attempt whose reservation ran out and was taken over by a retry: the retry
    runs, and the slow attempt's commit fails, so the request ran once."""
    token = org["Authorization"].removeprefix("Bearer ")
    slow = idem_svc.begin(
        session_factory,
        token=token,
        pepper=PEPPER,
        key="slow",
        fingerprint="0" * 64,
        now=START,
        lease=timedelta(seconds=settings.idempotency_lease_seconds),
        request_id=None,
    )
    assert isinstance(slow, idem_svc.Reservation)
    clock.set(START + timedelta(seconds=settings.idempotency_lease_seconds + 1))
    body = candidate_body()
    retry = client.post(CANDIDATES, json=body, headers={**org, "Idempotency-Key": "slow"})
    assert retry.status_code == 201, retry.text

    uow = UnitOfWork(session_factory)
    idem_svc.bind(uow, slow)
    uow.session.add(
        Principal(name="written by the slow attempt", org_unit="", roles=[], created_at=START)
    )
    with pytest.raises(idem_svc.KeyTakenOver):
        uow.commit()
    uow.rollback()
    uow.close()
    with session_factory() as session:
        written = session.scalars(
            select(Principal).where(Principal.name == "written by the slow attempt")
        ).all()
    assert written == []
    assert _count(client, org, body["external_id"]) == 1


def test_a_refused_first_attempt_releases_the_key(client: TestClient, org: dict[str, str]) -> None:
    body = candidate_body()
    h = {**org, "Idempotency-Key": "refused-first"}
    assert (
        client.post(CANDIDATES, json={**body, "birth_date": "1899-12-31"}, headers=h).status_code
        == 422
    )
    created = client.post(CANDIDATES, json=body, headers=h)
    assert created.status_code == 201, created.text
    assert "idempotent-replayed" not in created.headers
