"""Management authority (干部管理权限): every /api/v1 route × every role × inside/outside scope.

Two units under the root, A and B. Every role has a principal bound to A; the same kinds of rows
(candidate, position, case, nomination, misconduct, reserve-pool entry, training deadline) exist
in A ("in") and in B ("out"). The table below classifies each route of the app; a route that is
not classified fails `test_every_route_is_classified`, so a new endpoint cannot be forgotten.

Expected, for a scoped read: a role without the permission gets 403 inside and outside (which
discloses nothing); a role with it gets 200 inside and 404 outside, the answer for a missing id.
Scoped writes from outside are 404 (or 422 "does not exist" for a referenced id in a body) and
change nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy.orm import sessionmaker

from app.db.unit_models import ROOT_UNIT_ID
from app.db.uow import UnitOfWork
from app.domain.enums import Role
from app.services import training as training_svc
from app.services.context import PERMISSIONS, Actor
from tests.api.test_reserve_pool_misconduct import misconduct_body
from tests.case_driver import Driver, report
from tests.conftest import START, Principals
from tests.factories import candidate_body, position_body

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(256)) * 4


# --- the classification -------------------------------------------------------------------------


@dataclass(frozen=True)
class Read:
    """A GET of one scoped thing: `perm` decides 403; outside its scope a permitted role gets 404.
    `missing`: a path parameter filled with a random id (its own 404 inside; outside the 404 of
    the scoped parent, whose detail must name the parent)."""

    perm: str
    missing: str | None = None


@dataclass(frozen=True)
class Listing:
    """A GET list: inside rows are listed, outside rows never (`key`: which id to look for)."""

    perm: str
    key: str | None
    params: Callable[[World, str], dict[str, str]] | None = None


@dataclass(frozen=True)
class Write:
    """A scoped change: from a role that may make it, outside is 404 and changes nothing."""

    perm: str
    body: Callable[[World, str], dict[str, Any]] | None = None
    status: int = 404


@dataclass(frozen=True)
class Unscoped:
    """No personnel row of a unit behind it (or not scoped yet: said in `why`)."""

    why: str


Probe = Read | Listing | Write | Unscoped

# Nominations have no role check of their own: NOM-SELF-CONFIDENTIAL hides what a reader may not
# see (404); an organisational nomination is seen by case readers.
NOMINATION_READ = "nominations: case readers (NOM-SELF-CONFIDENTIAL)"


def granted(perm: str) -> frozenset[Role]:
    return PERMISSIONS["cases.read" if perm == NOMINATION_READ else perm]


def _if_match(w: World, side: str, url: str) -> dict[str, str]:
    return {"If-Match": w.client.get(url, headers=w.org[side]).headers["etag"]}


FORM = "/api/v1/cases/{case_id}/candidates/{candidate_id}/form"

TABLE: dict[tuple[str, str], Probe] = {
    ("POST", "/api/v1/candidates"): Write(
        "candidates.write",
        lambda w, side: candidate_body(unit_id=w.unit[side]),
    ),
    ("GET", "/api/v1/candidates"): Listing("candidates.read", "candidate"),
    ("GET", "/api/v1/candidates/{candidate_id}"): Read("candidates.read"),
    ("PATCH", "/api/v1/candidates/{candidate_id}"): Write(
        "candidates.write", lambda w, side: {"current_title": "副局长"}
    ),
    ("POST", "/api/v1/positions"): Write(
        "positions.write", lambda w, side: position_body(unit_id=w.unit[side])
    ),
    ("GET", "/api/v1/positions"): Listing("positions.read", "position"),
    ("GET", "/api/v1/positions/{position_id}"): Read("positions.read"),
    ("PATCH", "/api/v1/positions/{position_id}"): Write(
        "positions.write", lambda w, side: {"title": "主任"}
    ),
    ("POST", "/api/v1/cases"): Write(
        "cases.write",
        lambda w, side: {
            "title": "选拔副主任",
            "position_id": w.ids[side]["position"],
            "places": 1,
            "method": "organisational",
            "motion": {
                "proposer_kind": "org_department",
                "proposed_by": "市委组织部",
                "recommendation_scope": 30,
            },
        },
        status=422,  # a referenced position outside the scope "does not exist"
    ),
    ("GET", "/api/v1/cases"): Listing("cases.read", "case"),
    ("GET", "/api/v1/cases/{case_id}"): Read("cases.read"),
    ("PATCH", "/api/v1/cases/{case_id}"): Write("cases.write", lambda w, side: {"title": "新"}),
    ("POST", "/api/v1/cases/{case_id}/pool"): Write(
        "cases.write", lambda w, side: {"candidate_id": w.ids[side]["candidate"]}
    ),
    ("POST", "/api/v1/cases/{case_id}/objections/{objection_id}/finding"): Write(
        "cases.write",
        lambda w, side: {
            "finding": "appoint",
            "investigation": "经调查，反映问题不属实",
            "investigated_by": "市委组织部干部监督科",
            "concluded_on": "2026-03-02",
        },
    ),
    ("POST", "/api/v1/cases/{case_id}/transitions"): Write(
        "cases.write", lambda w, side: {"action": "start_recommendation"}
    ),
    ("GET", "/api/v1/cases/{case_id}/record"): Read("record.read"),
    ("GET", "/api/v1/cases/{case_id}/dossier"): Read("record.read"),
    ("POST", "/api/v1/nominations"): Write(
        "nominations.lodge_org",
        lambda w, side: {"kind": "organisational", "candidate_id": w.ids[side]["candidate"]},
        status=422,  # a nominee outside the scope "does not exist"
    ),
    ("GET", "/api/v1/nominations"): Listing(NOMINATION_READ, "nomination"),
    ("GET", "/api/v1/nominations/count"): Listing(
        NOMINATION_READ, None, lambda w, side: {"candidate_id": w.ids[side]["candidate"]}
    ),
    ("GET", "/api/v1/nominations/intercepted"): Listing("nominations.intercepted", None),
    ("GET", "/api/v1/nominations/{nomination_id}"): Read(NOMINATION_READ),
    ("POST", "/api/v1/nominations/{nomination_id}/forward"): Write("nominations.forward"),
    ("POST", "/api/v1/nominations/{nomination_id}/review"): Write("nominations.review"),
    ("POST", "/api/v1/nominations/{nomination_id}/admit"): Write(
        "nominations.review", lambda w, side: {"case_id": w.ids[side]["case"]}
    ),
    ("POST", "/api/v1/nominations/{nomination_id}/decline"): Write(
        "nominations.review", lambda w, side: {"reason": "不符合条件"}
    ),
    ("GET", "/api/v1/nominations/{nomination_id}/record"): Read(NOMINATION_READ),
    ("POST", "/api/v1/nominations/{nomination_id}/attachments"): Write("nominations.lodge_org"),
    ("GET", "/api/v1/nominations/{nomination_id}/attachments"): Read(NOMINATION_READ),
    ("GET", "/api/v1/nominations/{nomination_id}/attachments/{attachment_id}"): Read(
        NOMINATION_READ, missing="attachment_id"
    ),
    ("POST", "/api/v1/reserve-pool"): Write(
        "pool.write",
        lambda w, side: {"candidate_id": w.ids[side]["fresh"], "category": "综合管理类"},
        status=422,
    ),
    ("GET", "/api/v1/reserve-pool"): Listing("pool.read", "pool"),
    ("POST", "/api/v1/reserve-pool/{candidate_id}/remove"): Write(
        "pool.write", lambda w, side: {"reason": "调整"}
    ),
    ("POST", "/api/v1/candidates/{candidate_id}/misconduct"): Write(
        "misconduct.write", lambda w, side: misconduct_body()
    ),
    ("GET", "/api/v1/candidates/{candidate_id}/misconduct"): Read("misconduct.read"),
    ("GET", "/api/v1/training-deadlines"): Listing("training.read", "deadline"),
    ("GET", "/api/v1/training-deadlines/{deadline_id}"): Read("training.read"),
    ("POST", "/api/v1/training-deadlines/{deadline_id}/completion"): Write(
        "training.write",
        lambda w, side: {"completed_on": "2026-03-02", "hours": 60, "note": "市委党校培训班"},
    ),
    # Separation of duties (tests/api/test_duties.py): the tree itself, grants, the access log.
    ("GET", "/api/v1/units"): Unscoped("the unit tree; each caller sees its own subtree"),
    ("POST", "/api/v1/units"): Unscoped("the system administrator's tree (test_duties)"),
    ("GET", "/api/v1/units/{unit_id}"): Unscoped("tested below: outside the subtree is 404"),
    ("GET", "/api/v1/principals"): Unscoped("grants: security administrator, auditor"),
    ("GET", "/api/v1/principals/{principal_id}"): Unscoped("grants (test_duties)"),
    ("PUT", "/api/v1/principals/{principal_id}/grant"): Unscoped("grants (test_duties)"),
    ("GET", "/api/v1/access-log"): Unscoped("the auditor's log (test_duties)"),
    ("GET", "/api/v1/candidates/{candidate_id}/promotions"): Read("promotions.read"),
    ("GET", "/api/v1/events"): Unscoped("the change feed: test_the_change_feed_is_scoped"),
    ("GET", "/api/v1/cases/{case_id}/workflow.svg"): Read("cases.read"),
    ("GET", "/api/v1/cases/{case_id}/timeline.svg"): Read("cases.read"),
    ("PUT", "/api/v1/_test/clock"): Unscoped("the test clock (environment test only)"),
    # The cadre file (干部任免审批表 data) and a case candidate's form.
    ("GET", "/api/v1/candidates/{candidate_id}/file"): Read("candidates.read"),
    ("GET", "/api/v1/candidates/{candidate_id}/file.lrmx"): Read("candidates.read"),
    ("PUT", "/api/v1/candidates/{candidate_id}/file"): Write(
        "candidates.write", lambda w, side: {}
    ),
    ("GET", FORM): Read("cases.read"),
    ("GET", f"{FORM}.lrmx"): Read("cases.read"),
    ("GET", f"{FORM}.xlsx"): Read("cases.read"),
    ("PUT", FORM): Write("cases.write", lambda w, side: {}),
    ("POST", "/api/v1/imports/lrmx"): Unscoped("creates cadres in the caller's own unit"),
    # Owned by the oversight and record-trust work, which filter with app/services/scope.py
    # themselves; not probed by this table (their own tests cover them).
    ("GET", "/api/v1/statistics"): Unscoped("aggregates: scope.clause in statistics.py"),
    ("GET", "/api/v1/statistics.svg"): Unscoped("aggregates: scope.clause in statistics.py"),
    ("GET", "/api/v1/statistics.xlsx"): Unscoped("aggregates: scope.clause in statistics.py"),
    ("GET", "/api/v1/work-queue"): Unscoped("the queue: scope.clause in work_queue.py"),
    ("GET", "/api/v1/oversight/reviews"): Unscoped("aggregates of promotions (oversight)"),
    ("GET", "/api/v1/record/verification"): Unscoped("record verification (record-trust work)"),
}

# Webhook subscriptions are configuration; what a delivery carries follows the feed's filters.
UNSCOPED_WEBHOOKS = "/api/v1/webhooks"

# Case facts: one endpoint factory per verb serves every kind (app/api/routers/cases.py).
CASE_FACT = "/api/v1/cases/{case_id}/"

# Not about any unit's cadres: rule books, the workflow, the calendar, the public notices,
# decision bodies (the committees' rosters are kept by the organisation department that convenes
# them, not by the cadre's unit).
UNSCOPED_PREFIXES = {
    "/api/v1/policies": "selection policies are local rule sets, not personnel",
    "/api/v1/workflow": "the workflow's description",
    "/api/v1/rules": "the rule book",
    "/api/v1/calendar": "the official working-day calendar (system administrator)",
    "/api/v1/public": "public notices (公示) are public by law",
    "/api/v1/decision-bodies": "committee rosters, not cadres of a unit",
    UNSCOPED_WEBHOOKS: "webhook subscriptions (configuration, not personnel)",
}


def probe_of(method: str, path: str) -> Probe | None:
    found = TABLE.get((method, path))
    if found is not None:
        return found
    if path.startswith(CASE_FACT) and path.count("/") in (5, 6):
        if method == "GET":
            return Read("cases.read", missing="fact_id" if path.endswith("{fact_id}") else None)
        return Write("cases.write", lambda w, side: report(w.ids[side]["candidate"]))
    for prefix, why in UNSCOPED_PREFIXES.items():
        if path.startswith(prefix):
            return Unscoped(why)
    return None


def api_routes(client: TestClient) -> list[tuple[str, str, APIRoute]]:
    """Every /api/v1 route the app serves, walking included routers (the app includes its
    routers without a further prefix, so a route's own path is the served one)."""
    found: list[tuple[str, str, APIRoute]] = []

    def walk(routes: list[Any]) -> None:
        for route in routes:
            inner = getattr(route, "original_router", None)
            if inner is not None:
                walk(inner.routes)
            elif isinstance(route, APIRoute) and route.path.startswith("/api/v1"):
                found.extend((m, route.path, route) for m in sorted(route.methods or ()))

    walk(client.app.routes)  # type: ignore[attr-defined]
    assert len(found) > 100, "the route walk found too few routes"
    return found


def schema_routes(client: TestClient) -> list[tuple[str, str]]:
    paths = client.app.openapi()["paths"]  # type: ignore[attr-defined]
    return [
        (m.upper(), p)
        for p, ops in paths.items()
        if p.startswith("/api/v1")
        for m in ops
        if m in {"get", "post", "put", "patch", "delete"}
    ]


# --- the world ----------------------------------------------------------------------------------


@dataclass
class World:
    client: TestClient
    unit: dict[str, str]
    org: dict[str, dict[str, str]]  # the organisation department of A ("in") and B ("out")
    ids: dict[str, dict[str, str]] = field(default_factory=dict)
    role: dict[Role, dict[str, str]] = field(default_factory=dict)  # principals bound to A

    def url(self, path: str, side: str) -> str:
        ids = self.ids[side]
        values = {
            "candidate_id": ids["candidate"],
            "position_id": ids["position"],
            "case_id": ids["case"],
            "nomination_id": ids["nomination"],
            "deadline_id": ids["deadline"],
            "objection_id": str(uuid.uuid4()),
            "attachment_id": str(uuid.uuid4()),
            "fact_id": str(uuid.uuid4()),
        }
        out = path
        for name, value in values.items():
            out = out.replace("{" + name + "}", value)
        assert "{" not in out, f"no value for a parameter of {path}"
        return out


def _ok(r: Any, status: int = 200) -> Any:
    assert r.status_code == status, f"{r.status_code}: {r.text}"
    return r.json()


@pytest.fixture
def world(client: TestClient, tokens: Principals, session_factory: sessionmaker[Any]) -> World:
    admin = tokens["admin"]
    unit = {}
    for side, code in (("in", "unit-a"), ("out", "unit-b")):
        body = {"code": code, "name": f"单位{code}", "parent_id": str(ROOT_UNIT_ID)}
        unit[side] = _ok(client.post("/api/v1/units", json=body, headers=admin), 201)["id"]
    org = {
        side: tokens.make(f"组织部 {side}", [Role.ORG_DEPARTMENT], unit_id=uuid.UUID(unit[side]))[0]
        for side in unit
    }
    w = World(client=client, unit=unit, org=org)
    for side in ("in", "out"):
        d = Driver(client, org[side])
        cid = d.candidate()
        position = d.position()
        case = d.create(position["id"], [cid])
        nomination = _ok(
            client.post(
                "/api/v1/nominations",
                json={"kind": "organisational", "candidate_id": cid},
                headers=org[side],
            ),
            201,
        )
        pooled = d.candidate()
        _ok(
            client.post(
                "/api/v1/reserve-pool",
                json={"candidate_id": pooled, "category": "综合管理类"},
                headers=org[side],
            ),
            201,
        )
        with UnitOfWork(session_factory) as uow:
            deadline = training_svc.create_deadline(
                uow,
                Actor(principal_id=None, name="test", org_unit="", roles=frozenset(Role)),
                Role.ORG_DEPARTMENT,
                candidate_id=uuid.UUID(cid),
                case_id=uuid.UUID(case["id"]),
                position_id=uuid.UUID(position["id"]),
                appointed_on=date(2026, 3, 1),
                hours_required=110,
                hours_on_file=50,
                now=START,
            )
            uow.commit()
        w.ids[side] = {
            "candidate": cid,
            "position": position["id"],
            "case": case["id"],
            "nomination": nomination["id"],
            "pool": pooled,
            "deadline": str(deadline.id),
            "fresh": d.candidate(),
        }
    for role in Role:
        cadre = uuid.UUID(w.ids["in"]["candidate"]) if role is Role.CADRE else None
        w.role[role] = tokens.make(
            f"{role.value} A", [role], unit_id=uuid.UUID(unit["in"]), candidate_id=cadre
        )[0]
    return w


# --- the tests ----------------------------------------------------------------------------------


def test_every_route_is_classified(client: TestClient) -> None:
    """A new /api/v1 route fails here until it is given a probe (or a reason it needs none)."""
    routes = {(m, p) for m, p, _ in api_routes(client)} | set(schema_routes(client))
    missing = sorted(f"{m} {p}" for m, p in routes if probe_of(m, p) is None)
    assert not missing, f"classify these routes in tests/api/test_scope.py: {missing}"
    stale = sorted(f"{m} {p}" for (m, p) in TABLE if (m, p) not in routes)
    assert not stale, f"the table names routes that do not exist: {stale}"


def test_case_fact_routes_share_the_scoped_endpoints(client: TestClient) -> None:
    """Every case-fact route is one of the three endpoint factories, which load the case
    through the scoped loader: probing one kind per verb covers them all."""
    checked = 0
    for m, p, route in api_routes(client):
        if TABLE.get((m, p)) is None and p.startswith(CASE_FACT) and "{case_id}/" in p:
            checked += 1
            name = route.endpoint.__wrapped__.__qualname__  # type: ignore[attr-defined]
            assert name.split(".")[0] in {
                "_record_endpoint",
                "_list_endpoint",
                "_read_endpoint",
            }, f"{m} {p}: {name}"
    assert checked >= 17 * 3, checked


def _expected_read(role: Role, probe: Read | Listing, inside: bool) -> int:
    permitted = role in granted(probe.perm)
    if probe.perm == NOMINATION_READ and isinstance(probe, Read):
        # Not visible is not found (NOM-SELF-CONFIDENTIAL), whatever the reason.
        return 200 if permitted and inside else 404
    if not permitted:
        return 403
    return 200 if inside else 404


def _reads(client: TestClient) -> list[tuple[str, str]]:
    return [
        (m, p)
        for m, p in sorted(set(schema_routes(client)))
        if isinstance(probe_of(m, p), Read | Listing)
    ]


def test_scoped_reads_every_role_inside_and_outside(world: World) -> None:
    client = world.client
    failures: list[str] = []
    for method, path in _reads(client):
        probe = probe_of(method, path)
        assert isinstance(probe, Read | Listing)
        for role in Role:
            headers = world.role[role]
            for side in ("in", "out"):
                inside = side == "in"
                if isinstance(probe, Listing):
                    _check_listing(world, probe, path, role, side, failures)
                    continue
                r = client.get(world.url(path, side), headers=headers)
                want = _expected_read(role, probe, inside)
                if probe.missing is not None and want == 200:
                    want = 404  # the random child id: its own 404, checked below
                if r.status_code != want:
                    failures.append(f"{role} {side} GET {path}: {r.status_code}, want {want}")
                    continue
                if probe.missing is not None and r.status_code == 404:
                    parent = r.json()["detail"]
                    names_parent = any(
                        parent == f"{noun} {world.ids[side][key]} not found"
                        for noun, key in (("case", "case"), ("nomination", "nomination"))
                    )
                    # Inside, the child is what is missing; outside, already the parent.
                    if names_parent == inside and (role in granted(probe.perm) or not inside):
                        failures.append(f"{role} {side} GET {path}: 404 {parent!r}")
    assert not failures, "\n".join(failures)


def _check_listing(
    world: World, probe: Listing, path: str, role: Role, side: str, failures: list[str]
) -> None:
    permitted = role in granted(probe.perm)
    params = {"limit": "200", **(probe.params(world, side) if probe.params else {})}
    r = world.client.get(path, params=params, headers=world.role[role])
    want = 200 if permitted or probe.perm == NOMINATION_READ else 403
    if r.status_code != want:
        failures.append(f"{role} {side} GET {path}: {r.status_code}, want {want}")
        return
    if r.status_code != 200:
        return
    body = r.json()
    shown = permitted and side == "in"
    if path.endswith("/count"):
        if body["count"] != (1 if shown else 0):
            failures.append(f"{role} {side} count {body}")
        return
    if probe.key is None:
        return
    wanted = world.ids[side][probe.key]
    listed = {str(i.get("candidate_id") if probe.key == "pool" else i["id"]) for i in body["items"]}
    if (wanted in listed) != shown:
        failures.append(f"{role} {side} GET {path}: listed={wanted in listed}, want {shown}")


def _writers(probe: Write) -> list[Role]:
    return [r for r in Role if r in granted(probe.perm)]


@pytest.mark.parametrize(
    ("method", "path"),
    [(m, p) for (m, p), probe in TABLE.items() if isinstance(probe, Write)]
    + [("POST", "/api/v1/cases/{case_id}/inspection-reports")],
)
def test_scoped_writes_from_outside_are_not_found_and_change_nothing(
    world: World, method: str, path: str
) -> None:
    probe = probe_of(method, path)
    assert isinstance(probe, Write)
    client = world.client
    before = _snapshot(world)
    for role in _writers(probe):
        headers = dict(world.role[role])
        url = world.url(path, "out")
        if method == "PATCH":
            headers |= _if_match(world, "out", url)
        elif method == "PUT":
            headers["If-Match"] = '"v0"'  # a file or form never written yet
        if path.endswith("/attachments"):
            r = client.post(url, files={"file": ("a.png", PNG, "image/png")}, headers=headers)
        else:
            body = probe.body(world, "out") if probe.body else None
            r = client.request(method, url, json=body, headers=headers)
        assert r.status_code == probe.status, f"{role} {method} {path}: {r.status_code} {r.text}"
        if probe.status == 404:
            assert "not found" in r.json()["detail"], r.text
        else:
            assert "does not exist" in r.json()["detail"], r.text
    assert _snapshot(world) == before


def _snapshot(world: World) -> dict[str, Any]:
    """What the outside organisation department sees of its own rows."""
    org = world.org["out"]
    ids = world.ids["out"]
    c = world.client
    return {
        "candidate": c.get(f"/api/v1/candidates/{ids['candidate']}", headers=org).json(),
        "position": c.get(f"/api/v1/positions/{ids['position']}", headers=org).json(),
        "case": c.get(f"/api/v1/cases/{ids['case']}", headers=org).json(),
        "nomination": c.get(f"/api/v1/nominations/{ids['nomination']}", headers=org).json(),
        "pool": c.get("/api/v1/reserve-pool", headers=org).json(),
        "deadline": c.get(f"/api/v1/training-deadlines/{ids['deadline']}", headers=org).json(),
        "candidates": len(c.get("/api/v1/candidates?limit=200", headers=org).json()["items"]),
        "record": c.get(f"/api/v1/cases/{ids['case']}/record", headers=org).json()["entries"],
    }


def test_inside_writes_reach_the_service(world: World) -> None:
    """The same probes from inside get past the scope (not a 404 for the scoped id): the
    outside 404s above come from the scope, not from a broken probe."""
    client = world.client
    for (method, path), probe in TABLE.items():
        if not isinstance(probe, Write) or probe.status != 404:
            continue
        if path.endswith("/forward"):
            # Only the leader a self-nomination waits with forwards it; the world's nomination
            # is organisational, hidden from every unit party leader (NOM-SELF-CONFIDENTIAL).
            continue
        role = _writers(probe)[0]
        headers = dict(world.role[role])
        url = world.url(path, "in")
        if method == "PATCH":
            headers |= _if_match(world, "in", url)
        elif method == "PUT":
            headers["If-Match"] = '"v0"'
        if path.endswith("/attachments"):
            r = client.post(url, files={"file": ("a.png", PNG, "image/png")}, headers=headers)
        else:
            body = probe.body(world, "in") if probe.body else None
            r = client.request(method, url, json=body, headers=headers)
        detail = r.json().get("detail", "") if r.status_code >= 400 else ""
        ids = world.ids["in"]
        for key in ("candidate", "position", "case", "nomination", "deadline"):
            assert f"{ids[key]} not found" not in detail, f"{role} {method} {path}: {r.text}"


def test_creating_in_a_unit_outside_the_scope_is_404(world: World) -> None:
    org = world.org["in"]
    for url, body in (
        ("/api/v1/candidates", candidate_body(unit_id=world.unit["out"])),
        ("/api/v1/positions", position_body(unit_id=world.unit["out"])),
    ):
        r = world.client.post(url, json=body, headers=org)
        assert r.status_code == 404, r.text
        assert r.json()["detail"] == f"unit {world.unit['out']} not found"
    # Inside, and by default in the caller's own unit.
    made = _ok(world.client.post("/api/v1/candidates", json=candidate_body(), headers=org), 201)
    assert made["unit_id"] == world.unit["in"]
    # A row cannot be moved out of the caller's scope either (it would vanish from its view).
    url = f"/api/v1/candidates/{made['id']}"
    r = world.client.patch(
        url, json={"unit_id": world.unit["out"]}, headers={**org, "If-Match": made["etag"]}
    )
    assert r.status_code == 404, r.text
    assert _ok(world.client.get(url, headers=org))["unit_id"] == world.unit["in"]


def test_root_scope_sees_both_units_and_a_unit_sees_its_subtree(
    world: World, tokens: Principals
) -> None:
    root_org = tokens["org_department"]  # bound to the root unit (existing principals)
    listed = {
        c["id"]
        for c in _ok(world.client.get("/api/v1/candidates?limit=200", headers=root_org))["items"]
    }
    assert {world.ids["in"]["candidate"], world.ids["out"]["candidate"]} <= listed
    # A child of A is inside A's subtree.
    child = _ok(
        world.client.post(
            "/api/v1/units",
            json={"code": "unit-a-1", "name": "A 下属", "parent_id": world.unit["in"]},
            headers=tokens["admin"],
        ),
        201,
    )
    assert child["path"] == "/root/unit-a/unit-a-1/"
    made = _ok(
        world.client.post(
            "/api/v1/candidates",
            json=candidate_body(unit_id=child["id"]),
            headers=world.org["in"],
        ),
        201,
    )
    assert _ok(world.client.get(f"/api/v1/candidates/{made['id']}", headers=world.org["in"]))
    r = world.client.get(f"/api/v1/candidates/{made['id']}", headers=world.org["out"])
    assert r.status_code == 404
    # Units outside the caller's subtree do not exist for it.
    assert (
        world.client.get(f"/api/v1/units/{world.unit['out']}", headers=world.org["in"]).status_code
        == 404
    )
    codes = {u["code"] for u in _ok(world.client.get("/api/v1/units", headers=world.org["in"]))}
    assert codes == {"unit-a", "unit-a-1"}


def test_levels_narrow_the_scope(world: World, tokens: Principals) -> None:
    """An organisation department that manages county level only: a bureau-level cadre or post
    of its own unit is outside (404), a cadre without rank yet is inside."""
    county, _ = tokens.make(
        "县处级 组织部",
        [Role.ORG_DEPARTMENT],
        unit_id=uuid.UUID(world.unit["in"]),
        levels=["county_deputy", "county_principal"],
    )
    org = world.org["in"]
    bureau = _ok(
        world.client.post(
            "/api/v1/candidates",
            json=candidate_body(rank_level="bureau_deputy", rank_since="2020-01-01"),
            headers=org,
        ),
        201,
    )
    bureau_post = _ok(
        world.client.post(
            "/api/v1/positions", json=position_body(rank_level="bureau_deputy"), headers=org
        ),
        201,
    )
    assert world.client.get(f"/api/v1/candidates/{bureau['id']}", headers=county).status_code == 404
    assert (
        world.client.get(f"/api/v1/positions/{bureau_post['id']}", headers=county).status_code
        == 404
    )
    assert _ok(world.client.get(f"/api/v1/positions/{world.ids['in']['position']}", headers=county))
    # The world's cadre holds a township rank: outside too. A cadre without a rank is inside.
    township = world.ids["in"]["candidate"]
    assert world.client.get(f"/api/v1/candidates/{township}", headers=county).status_code == 404
    unranked = _ok(
        world.client.post(
            "/api/v1/candidates",
            json=candidate_body(rank_level=None, rank_since=None),
            headers=org,
        ),
        201,
    )
    assert _ok(world.client.get(f"/api/v1/candidates/{unranked['id']}", headers=county))
    # Nor may it register a cadre at a level it does not manage.
    r = world.client.post(
        "/api/v1/candidates",
        json=candidate_body(rank_level="bureau_deputy", rank_since="2020-01-01"),
        headers=county,
    )
    assert r.status_code == 403, r.text


def test_the_change_feed_is_scoped(world: World) -> None:
    """The feed of an organisation department of A names no row of B, and names A's rows."""
    for side, other in (("in", "out"), ("out", "in")):
        page = _ok(world.client.get("/api/v1/events?limit=200", headers=world.org[side]))
        subjects = {e["subject_id"] for e in page["items"]} | {
            e["case_id"] for e in page["items"] if e["case_id"]
        }
        assert world.ids[side]["case"] in subjects
        assert world.ids[side]["candidate"] in subjects
        foreign = {world.ids[other][k] for k in ("candidate", "position", "case", "nomination")}
        assert not subjects & foreign, subjects & foreign
