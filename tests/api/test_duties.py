"""Separation of duties (三员分立) and the log of confidential reads.

The system administrator keeps tokens, units, the calendar and settings and reads no personnel
data; the security administrator grants roles and scopes; the auditor reads the record and the
access log and changes nothing. Every read of a self-nomination, its evidence files or an
objector's contact details by anyone but the nominee is logged with who, what, when and the
request id. A cadre lodges a self-nomination only with their own unit's party leader.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from app.cli import cli
from app.db.engine import make_engine
from app.db.models import Principal
from app.db.unit_models import ROOT_UNIT_ID
from app.domain.enums import Role
from app.services.context import PERMISSIONS
from tests.api.test_nominations import PNG, new_cadre, new_leader, self_body, upload
from tests.api.test_reserve_pool_misconduct import misconduct_body
from tests.case_driver import Driver
from tests.conftest import Principals, alembic_upgrade
from tests.factories import candidate_body

NOMINATIONS = "/api/v1/nominations"
LOG = "/api/v1/access-log"


def ok(r: Any, status: int = 200) -> Any:
    assert r.status_code == status, f"{r.status_code}: {r.text}"
    return r.json()


def refused(r: Any, status: int, rule: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, f"{r.status_code}: {r.text}"
    body: dict[str, Any] = r.json()
    if rule is not None:
        assert body["rule"] == rule, body
    return body


def log_items(client: TestClient, tokens: Principals, **params: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = ok(
        client.get(LOG, params={"limit": "200", **params}, headers=tokens["auditor"])
    )["items"]
    return items


def unit(client: TestClient, tokens: Principals, code: str) -> str:
    body = {"code": code, "name": f"单位 {code}", "parent_id": str(ROOT_UNIT_ID)}
    return str(ok(client.post("/api/v1/units", json=body, headers=tokens["admin"]), 201)["id"])


# --- the system administrator -------------------------------------------------------------------


def test_the_system_administrator_keeps_units_and_reads_no_personnel_data(
    client: TestClient, tokens: Principals, org: dict[str, str]
) -> None:
    admin = tokens["admin"]
    cid = ok(client.post("/api/v1/candidates", json=candidate_body(), headers=org), 201)["id"]
    made = ok(
        client.post(
            "/api/v1/units",
            json={"code": "city-drc", "name": "市发展和改革委员会", "parent_id": str(ROOT_UNIT_ID)},
            headers=admin,
        ),
        201,
    )
    assert made["path"] == "/root/city-drc/"
    assert ok(client.get("/api/v1/calendar/years", headers=admin)) is not None
    for url in (
        "/api/v1/candidates",
        f"/api/v1/candidates/{cid}",
        "/api/v1/positions",
        "/api/v1/cases",
        "/api/v1/reserve-pool",
        f"/api/v1/candidates/{cid}/misconduct",
        "/api/v1/training-deadlines",
        "/api/v1/decision-bodies",
    ):
        refused(client.get(url, headers=admin), 403)
    refused(client.post("/api/v1/candidates", json=candidate_body(), headers=admin), 403)
    # Nor may it grant roles (the security administrator does) or read the access log.
    _, pid = tokens.make("someone", [Role.CADRE])
    grant = {"roles": ["org_department"], "unit_id": str(ROOT_UNIT_ID)}
    refused(client.put(f"/api/v1/principals/{pid}/grant", json=grant, headers=admin), 403)
    refused(client.get(LOG, headers=admin), 403)
    # Units: only the system administrator adds them; a duplicate code is a 409.
    for role in Role:
        if role is not Role.ADMIN:
            code = "x-" + role.value.replace("_", "-")
            body = {"code": code, "name": "x", "parent_id": str(ROOT_UNIT_ID)}
            refused(client.post("/api/v1/units", json=body, headers=tokens[role.value]), 403)
    again = {"code": "city-drc", "name": "重复", "parent_id": str(ROOT_UNIT_ID)}
    refused(client.post("/api/v1/units", json=again, headers=admin), 409)
    bad = {"code": "City DRC", "name": "x", "parent_id": str(ROOT_UNIT_ID)}
    refused(client.post("/api/v1/units", json=bad, headers=admin), 422)
    missing = {"code": "orphan", "name": "x", "parent_id": str(uuid.uuid4())}
    refused(client.post("/api/v1/units", json=missing, headers=admin), 404)
    assert {u["code"] for u in ok(client.get("/api/v1/units", headers=admin))} == {
        "root",
        "city-drc",
    }


def test_no_personnel_permission_names_the_administrators() -> None:
    """三员分立 in the permission table itself: the system and security administrators hold
    nothing but their own duties; the auditor holds nothing that writes."""
    admin_only = {
        "tokens.admin",
        "units.read",
        "units.write",
        "calendar.read",
        "calendar.write",
        "policies.read",
    }
    security_only = {"units.read", "grants.read", "grants.write", "calendar.read", "policies.read"}
    held_by = {role: {p for p, roles in PERMISSIONS.items() if role in roles} for role in Role}
    assert held_by[Role.ADMIN] - {"webhooks.admin"} <= admin_only, held_by[Role.ADMIN]
    assert held_by[Role.SECURITY_ADMIN] <= security_only, held_by[Role.SECURITY_ADMIN]
    # Verifying the record's chain reads it.
    writes = {p for p in held_by[Role.AUDITOR] if not p.endswith((".read", ".verify"))}
    assert writes == set(), writes
    assert "access_log.read" in held_by[Role.AUDITOR]
    assert PERMISSIONS["nominations.read_confidential"] == {Role.ORG_DEPARTMENT}


# --- the security administrator -----------------------------------------------------------------


def test_the_security_administrator_grants_roles_and_scopes(
    client: TestClient, tokens: Principals, org: dict[str, str]
) -> None:
    security = tokens["security_admin"]
    unit_a, unit_b = unit(client, tokens, "unit-a"), unit(client, tokens, "unit-b")
    in_a = ok(
        client.post("/api/v1/candidates", json=candidate_body(unit_id=unit_a), headers=org), 201
    )["id"]
    in_b = ok(
        client.post("/api/v1/candidates", json=candidate_body(unit_id=unit_b), headers=org), 201
    )["id"]
    headers, pid = tokens.make("新任干部科长", [Role.CADRE])
    refused(client.get(f"/api/v1/candidates/{in_a}", headers=headers), 403)
    grant = {"roles": ["org_department"], "unit_id": unit_a, "levels": ["township_principal"]}
    # Nobody else grants: not the system administrator, not the organisation department.
    for role in Role:
        if role is not Role.SECURITY_ADMIN:
            refused(
                client.put(
                    f"/api/v1/principals/{pid}/grant", json=grant, headers=tokens[role.value]
                ),
                403,
            )
    granted = ok(client.put(f"/api/v1/principals/{pid}/grant", json=grant, headers=security))
    assert granted["roles"] == ["org_department"]
    assert granted["unit_code"] == "unit-a"
    assert granted["levels"] == ["township_principal"]
    # The next request runs under the new grant: A's cadre inside, B's not found.
    ok(client.get(f"/api/v1/candidates/{in_a}", headers=headers))
    refused(client.get(f"/api/v1/candidates/{in_b}", headers=headers), 404)
    listed = {c["id"] for c in ok(client.get("/api/v1/candidates", headers=headers))["items"]}
    assert in_a in listed
    assert in_b not in listed
    # The auditor sees the grant; the security administrator cannot change its own.
    shown = ok(client.get(f"/api/v1/principals/{pid}", headers=tokens["auditor"]))
    assert shown["unit_id"] == unit_a
    own = tokens.ids["security_admin"]
    before = ok(client.get(f"/api/v1/principals/{own}", headers=security))
    widened = {"roles": ["security_admin", "org_department"], "unit_id": str(ROOT_UNIT_ID)}
    refused(client.put(f"/api/v1/principals/{own}/grant", json=widened, headers=security), 403)
    assert ok(client.get(f"/api/v1/principals/{own}", headers=security)) == before
    # Bad grants change nothing.
    for bad in (
        {"roles": [], "unit_id": unit_a},
        {"roles": ["root"], "unit_id": unit_a},
        {"roles": ["cadre"], "unit_id": str(uuid.uuid4())},
        {"roles": ["cadre"], "unit_id": unit_a, "levels": ["general"]},
    ):
        r = client.put(f"/api/v1/principals/{pid}/grant", json=bad, headers=security)
        assert r.status_code in (404, 422), r.text
    assert ok(client.get(f"/api/v1/principals/{pid}", headers=security)) == granted
    refused(
        client.put(f"/api/v1/principals/{uuid.uuid4()}/grant", json=grant, headers=security), 404
    )
    # The security administrator reads no personnel data either.
    refused(client.get(f"/api/v1/candidates/{in_a}", headers=security), 403)


# --- the auditor and the access log -------------------------------------------------------------


def test_confidential_reads_are_logged_for_the_auditor(
    client: TestClient, tokens: Principals, org: dict[str, str]
) -> None:
    cadre, _ = new_cadre(client, tokens)
    nid = ok(client.post(NOMINATIONS, json=self_body("org_department"), headers=cadre), 201)["id"]
    att = ok(upload(client, cadre, nid, PNG), 201)
    url = f"{NOMINATIONS}/{nid}"
    # The nominee's own reads are not logged.
    ok(client.get(url, headers=cadre))
    assert log_items(client, tokens, subject_id=nid) == []
    # The organisation department's are, each with its request id.
    ok(client.get(url, headers={**org, "X-Request-Id": "req-read-1"}))
    ok(client.get(NOMINATIONS, headers={**org, "X-Request-Id": "req-list-1"}))
    r = client.get(f"{url}/attachments/{att['id']}", headers={**org, "X-Request-Id": "req-file-1"})
    assert r.content == PNG
    entries = log_items(client, tokens, subject_id=nid)
    assert [(e["what"], e["request_id"]) for e in entries] == [
        ("nomination", "req-read-1"),
        ("nomination", "req-list-1"),
    ]
    assert {e["principal_id"] for e in entries} == {str(tokens.ids["org_department"])}
    assert all(e["roles"] == ["org_department"] for e in entries)
    files = log_items(client, tokens, what="nomination_attachment")
    assert [(f["subject_id"], f["request_id"]) for f in files] == [(att["id"], "req-file-1")]
    # The system administrator cannot read it (NOM-SELF-CONFIDENTIAL): 404, and no entry.
    refused(client.get(url, headers=tokens["admin"]), 404)
    refused(client.get(f"{url}/attachments/{att['id']}", headers=tokens["admin"]), 404)
    assert len(log_items(client, tokens, subject_id=nid)) == 2
    assert log_items(client, tokens, principal_id=str(tokens.ids["admin"])) == []
    # Only the auditor reads the log.
    for role in Role:
        if role is not Role.AUDITOR:
            refused(client.get(LOG, headers=tokens[role.value]), 403)
    refused(client.get(LOG, params={"what": "everything"}, headers=tokens["auditor"]), 422)


def test_reading_an_objectors_contact_is_logged(client: TestClient, tokens: Principals) -> None:
    d = Driver(client, tokens["org_department"])
    pos = d.position()
    a, b = d.candidate(), d.candidate()
    d.create(pos["id"], [a, b])
    d.to_decision([a, b])
    d.decide([a])
    d.act("approve")
    d.publicise("2026-03-30")
    made = d.fact("objections", {"candidate_id": a, "content": "反映", "contact": "13800000000"})
    url = f"{d.url}/objections/{made['id']}"
    before = len(log_items(client, tokens, what="objection_contact"))
    seen = ok(client.get(url, headers={**d.headers, "X-Request-Id": "req-contact"}))
    assert seen["data"]["contact"] == "13800000000"
    after = log_items(client, tokens, what="objection_contact")
    assert len(after) == before + 1
    assert (after[-1]["subject_id"], after[-1]["request_id"]) == (made["id"], "req-contact")
    # Readers who are not shown the contact leave no entry.
    hidden = ok(client.get(url, headers=tokens["auditor"]))
    assert hidden["data"]["contact"] is None
    ok(client.get(f"{d.url}/dossier", headers=tokens["auditor"]))
    assert len(log_items(client, tokens, what="objection_contact")) == before + 1
    # The dossier shows the contact to the organisation department: logged too.
    ok(client.get(f"{d.url}/dossier", headers={**d.headers, "X-Request-Id": "req-dossier"}))
    last = log_items(client, tokens, what="objection_contact")[-1]
    assert (last["subject_id"], last["request_id"]) == (made["id"], "req-dossier")


def test_the_auditor_reads_the_record_and_changes_nothing(
    client: TestClient, tokens: Principals
) -> None:
    d = Driver(client, tokens["org_department"])
    pos = d.position()
    a = d.candidate()
    d.create(pos["id"], [a])
    auditor = tokens["auditor"]
    assert ok(client.get(f"{d.url}/record", headers=auditor))["entries"]
    before = ok(client.get(d.url, headers=auditor))
    for method, url, body in (
        ("PATCH", d.url, {"title": "改"}),
        ("POST", f"{d.url}/transitions", {"action": "start_recommendation"}),
        ("POST", f"/api/v1/candidates/{a}/misconduct", misconduct_body()),
        ("POST", "/api/v1/candidates", candidate_body()),
        ("POST", "/api/v1/units", {"code": "x", "name": "x", "parent_id": str(ROOT_UNIT_ID)}),
    ):
        headers = {**auditor, "If-Match": before["etag"]} if method == "PATCH" else auditor
        r = client.request(method, url, json=body, headers=headers)
        assert r.status_code == 403, f"{method} {url}: {r.status_code} {r.text}"
    assert ok(client.get(d.url, headers=auditor)) == before


# --- NOM-SELF-CHANNEL: one's own unit's party leader --------------------------------------------


def test_self_nomination_goes_to_the_own_units_party_leader_only(
    client: TestClient, tokens: Principals, org: dict[str, str]
) -> None:
    unit_a, unit_b = unit(client, tokens, "unit-a"), unit(client, tokens, "unit-b")
    cid = ok(
        client.post("/api/v1/candidates", json=candidate_body(unit_id=unit_a), headers=org), 201
    )["id"]
    cadre, _ = tokens.make(
        "自荐干部", [Role.CADRE], candidate_id=uuid.UUID(cid), unit_id=uuid.UUID(unit_a)
    )
    own_leader, own_id = tokens.make(
        "本单位书记", [Role.UNIT_PARTY_LEADER], unit_id=uuid.UUID(unit_a)
    )
    _, other_id = tokens.make("外单位书记", [Role.UNIT_PARTY_LEADER], unit_id=uuid.UUID(unit_b))
    before = ok(client.get(f"{NOMINATIONS}/count", headers=org))["count"]
    body = refused(
        client.post(NOMINATIONS, json=self_body("unit_party_leader", str(other_id)), headers=cadre),
        422,
        "NOM-SELF-CHANNEL",
    )
    assert "another unit" in body["detail"] or "another unit" in str(body)
    assert ok(client.get(f"{NOMINATIONS}/count", headers=org))["count"] == before
    made = ok(
        client.post(NOMINATIONS, json=self_body("unit_party_leader", str(own_id)), headers=cadre),
        201,
    )
    # It waits with that leader, who sees it; the organisation department of the unit too.
    ok(client.get(f"{NOMINATIONS}/{made['id']}", headers=own_leader))
    ok(client.get(f"{NOMINATIONS}/{made['id']}", headers=org))
    # The other two channels name nobody and are open to every cadre.
    ok(client.post(NOMINATIONS, json=self_body("org_department"), headers=cadre), 201)
    ok(client.post(NOMINATIONS, json=self_body("main_city_leader"), headers=cadre), 201)
    # An organisation department of another unit does not see them.
    org_b, _ = tokens.make("B 组织部", [Role.ORG_DEPARTMENT], unit_id=uuid.UUID(unit_b))
    refused(client.get(f"{NOMINATIONS}/{made['id']}", headers=org_b), 404)
    assert ok(client.get(f"{NOMINATIONS}/count", headers=org_b))["count"] == 0


def test_new_leader_helper_still_works(client: TestClient, tokens: Principals) -> None:
    """Principals made without a unit land in the root unit, like every existing one."""
    _, pid = new_leader(tokens)
    shown = ok(client.get(f"/api/v1/principals/{pid}", headers=tokens["security_admin"]))
    assert shown["unit_id"] == str(ROOT_UNIT_ID)
    assert shown["unit_code"] == "root"
    assert shown["levels"] is None


# --- the command line ---------------------------------------------------------------------------


def test_token_create_binds_a_unit_and_levels(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`cadre token create --unit CODE --level L`: the principal's scope; an unknown unit fails
    and creates nothing. Without options the principal lands in the root unit, every level."""
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    alembic_upgrade(url)
    monkeypatch.setenv("CADRE_DATABASE_URL", url)
    runner = CliRunner()
    base = ["token", "create", "--name", "县处级组织部", "--role", "org_department"]
    refused_cli = runner.invoke(cli, [*base, "--unit", "nowhere"])
    assert refused_cli.exit_code == 1
    assert "no such unit" in refused_cli.output
    made = runner.invoke(cli, [*base, "--level", "county_deputy", "--level", "county_principal"])
    assert made.exit_code == 0, made.output
    plain = runner.invoke(cli, ["token", "create", "--name", "审计", "--role", "auditor"])
    assert plain.exit_code == 0, plain.output
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(Principal.name, Principal.unit_id, Principal.scope_levels).order_by(
                    Principal.created_at
                )
            ).all()
    finally:
        engine.dispose()
    assert [(n, u, lv) for n, u, lv in rows] == [
        ("县处级组织部", ROOT_UNIT_ID, ["county_deputy", "county_principal"]),
        ("审计", ROOT_UNIT_ID, None),
    ]
