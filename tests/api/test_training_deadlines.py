"""Training deferred at appointment becomes a tracked deadline (QUAL-TRAINING, QUAL-TRAINING-DUE).

The case workflow that creates and cancels deadlines is being rebuilt, so deadlines are created
here through the service (`create_deadline`, `cancel_for_case`) in a committed unit of work, on
real candidate, position and case rows made through the API.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from app.db.models import RecordEntry
from app.db.training_models import TrainingDeadline
from app.db.uow import UnitOfWork
from app.domain.calendar import CHINA_TZ
from app.domain.enums import Role
from app.domain.errors import Conflict, InvalidInput
from app.domain.training import TrainingDeadlineStatus, deadline_for, status_on
from app.services import candidates as candidates_svc
from app.services import training as svc
from app.services.context import Actor, FixedClock
from tests.case_driver import Driver
from tests.conftest import START, Principals

PROBLEM = "application/problem+json"
URL = "/api/v1/training-deadlines"
REQUIRED = 550
ON_FILE = 100


def ok(r: Any, status: int = 200) -> dict[str, Any]:
    assert r.status_code == status, f"{r.status_code}: {r.text}"
    body: dict[str, Any] = r.json()
    return body


def refused(r: Any, status: int, rule: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, f"{r.status_code}: {r.text}"
    assert r.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = r.json()
    if rule is not None:
        assert body["rule"] == rule, body
    return body


def china(d: date, hour: int = 9) -> datetime:
    """`hour` o'clock on day `d` in China, as UTC."""
    return datetime(d.year, d.month, d.day, hour, tzinfo=UTC) - timedelta(hours=8)


TODAY = START.astimezone(CHINA_TZ).date()  # 2026-03-02; START is 09:00 in China


@dataclass
class Appointment:
    candidate_id: str
    case_id: str
    position_id: str


@dataclass
class Workflow:
    """Stands in for the case workflow: creates and cancels deadlines in its own transaction."""

    factory: sessionmaker[Any]
    actor: Actor

    def create(
        self,
        a: Appointment,
        appointed_on: date,
        *,
        hours_required: int = REQUIRED,
        hours_on_file: int = ON_FILE,
        now: datetime = START,
    ) -> uuid.UUID:
        uow = UnitOfWork(self.factory)
        try:
            row = svc.create_deadline(
                uow,
                self.actor,
                Role.ORG_DEPARTMENT,
                candidate_id=uuid.UUID(a.candidate_id),
                case_id=uuid.UUID(a.case_id),
                position_id=uuid.UUID(a.position_id),
                appointed_on=appointed_on,
                hours_required=hours_required,
                hours_on_file=hours_on_file,
                now=now,
            )
            uow.commit()
            return row.id
        finally:
            uow.rollback()
            uow.close()

    def cancel(self, a: Appointment, reason: str, now: datetime = START) -> uuid.UUID | None:
        uow = UnitOfWork(self.factory)
        try:
            row = svc.cancel_for_case(
                uow,
                self.actor,
                Role.ORG_DEPARTMENT,
                candidate_id=uuid.UUID(a.candidate_id),
                case_id=uuid.UUID(a.case_id),
                reason=reason,
                now=now,
            )
            uow.commit()
            return row.id if row is not None else None
        finally:
            uow.rollback()
            uow.close()


@pytest.fixture
def workflow(tokens: Principals, session_factory: sessionmaker[Any]) -> Workflow:
    actor = Actor(
        principal_id=tokens.ids["org_department"],
        name="org_department user",
        org_unit="市委组织部",
        roles=frozenset({Role.ORG_DEPARTMENT}),
    )
    return Workflow(factory=session_factory, actor=actor)


def appointment(client: TestClient, org: dict[str, str], **candidate: Any) -> Appointment:
    d = Driver(client, org)
    cid = d.candidate(training_hours_5y=ON_FILE, **candidate)
    position = d.position()
    case = d.create(position["id"], [cid])
    return Appointment(candidate_id=cid, case_id=str(case["id"]), position_id=position["id"])


def listed(client: TestClient, headers: dict[str, str], **params: Any) -> list[str]:
    page = ok(client.get(URL, params={"limit": 200, **params}, headers=headers))
    return [d["id"] for d in page["items"]]


def complete(
    client: TestClient, org: dict[str, str], deadline_id: uuid.UUID | str, **over: Any
) -> Any:
    body: dict[str, Any] = {
        "completed_on": TODAY.isoformat(),
        "hours": REQUIRED - ON_FILE,
        "note": "市委党校2026年春季中青年干部培训班，结业证书第2026-017号",
    }
    body.update(over)
    return client.post(f"{URL}/{deadline_id}/completion", json=body, headers=org)


def candidate_actions(session_factory: sessionmaker[Any], cid: str) -> list[RecordEntry]:
    with session_factory() as s:
        return list(
            s.scalars(
                select(RecordEntry)
                .where(
                    RecordEntry.subject_type == "candidate",
                    RecordEntry.subject_id == uuid.UUID(cid),
                )
                .order_by(RecordEntry.seq)
            )
        )


# --- the domain ----------------------------------------------------------------------------


def test_deadline_is_twelve_months_after_appointment() -> None:
    assert deadline_for(date(2026, 3, 2)) == date(2027, 3, 2)
    assert deadline_for(date(2024, 2, 29)) == date(2025, 2, 28)
    assert deadline_for(date(2026, 1, 31)) == date(2027, 1, 31)


def test_status_on_a_day() -> None:
    today = date(2026, 3, 2)
    assert status_on(today, today) == TrainingDeadlineStatus.DUE_SOON
    assert status_on(today - timedelta(days=1), today) == TrainingDeadlineStatus.OVERDUE
    assert status_on(today + timedelta(days=30), today) == TrainingDeadlineStatus.DUE_SOON
    assert status_on(today + timedelta(days=31), today) == TrainingDeadlineStatus.OPEN
    past = today - timedelta(days=100)
    assert status_on(past, today, completed_on=today) == TrainingDeadlineStatus.COMPLETED
    assert status_on(past, today, cancelled=True) == TrainingDeadlineStatus.CANCELLED
    assert TrainingDeadlineStatus.OVERDUE.outstanding
    assert not TrainingDeadlineStatus.COMPLETED.outstanding


# --- creation by the workflow ----------------------------------------------------------------


def test_created_deadline_is_recorded_and_readable(
    client: TestClient, org: dict[str, str], workflow: Workflow, session_factory: sessionmaker[Any]
) -> None:
    a = appointment(client, org, name="李培训")
    did = workflow.create(a, date(2026, 3, 1))
    d = ok(client.get(f"{URL}/{did}", headers=org))
    assert d["candidate_id"] == a.candidate_id
    assert d["candidate_name"] == "李培训"
    assert d["case_id"] == a.case_id
    assert d["position_id"] == a.position_id
    assert d["position_title"] == "副主任"
    assert d["due_on"] == "2027-03-01"
    assert (d["hours_required"], d["hours_on_file"], d["hours_missing"]) == (550, 100, 450)
    assert d["status"] == "open"
    assert d["completed_on"] is None
    assert d["cancelled_at"] is None
    entry = candidate_actions(session_factory, a.candidate_id)[-1]
    assert entry.action == "training.deadline_created"
    assert entry.rules == ["QUAL-TRAINING", "QUAL-TRAINING-DUE"]
    assert str(entry.case_id) == a.case_id
    assert entry.payload["due_on"] == "2027-03-01"
    assert entry.payload["appointed_on"] == "2026-03-01"


def test_create_refusals(client: TestClient, org: dict[str, str], workflow: Workflow) -> None:
    a = appointment(client, org)
    with pytest.raises(InvalidInput) as met:
        workflow.create(a, date(2026, 3, 1), hours_required=100, hours_on_file=100)
    assert met.value.rule == "QUAL-TRAINING-DUE"
    other = appointment(client, org)
    with pytest.raises(InvalidInput, match="is not for position"):
        workflow.create(Appointment(a.candidate_id, a.case_id, other.position_id), date(2026, 3, 1))
    workflow.create(a, date(2026, 3, 1))
    with pytest.raises(Conflict):
        workflow.create(a, date(2026, 3, 1))


# --- status and listing ------------------------------------------------------------------------


def test_status_boundaries_in_china_time(
    client: TestClient, org: dict[str, str], workflow: Workflow, clock: FixedClock
) -> None:
    a = appointment(client, org)
    # Appointed a year ago today: due today.
    did = str(workflow.create(a, date(2025, 3, 2), now=china(date(2025, 3, 3))))
    assert ok(client.get(f"{URL}/{did}", headers=org))["status"] == "due_soon"
    assert did in listed(client, org, status="open")
    assert did not in listed(client, org, status="overdue")

    clock.set(china(TODAY, hour=23) + timedelta(minutes=59))  # 23:59 in China: still today
    assert ok(client.get(f"{URL}/{did}", headers=org))["status"] == "due_soon"
    clock.set(china(TODAY + timedelta(days=1), hour=0))  # midnight in China: the day after
    assert ok(client.get(f"{URL}/{did}", headers=org))["status"] == "overdue"
    assert did in listed(client, org, status="overdue")
    assert did not in listed(client, org, status="open")


def test_due_soon_window(
    client: TestClient, org: dict[str, str], workflow: Workflow, session_factory: sessionmaker[Any]
) -> None:
    a, b = appointment(client, org), appointment(client, org)
    in_30 = str(workflow.create(a, date(2025, 4, 1)))  # due 2026-04-01: 30 days from 2026-03-02
    in_31 = str(workflow.create(b, date(2025, 4, 2)))
    assert ok(client.get(f"{URL}/{in_30}", headers=org))["status"] == "due_soon"
    assert ok(client.get(f"{URL}/{in_31}", headers=org))["status"] == "open"
    assert {in_30, in_31} <= set(listed(client, org, status="open"))


def test_listing_filters_and_pagination(
    client: TestClient, org: dict[str, str], workflow: Workflow
) -> None:
    a, b, c, e = (appointment(client, org) for _ in range(4))
    overdue = str(workflow.create(a, date(2025, 1, 10)))  # due 2026-01-10
    soon = str(workflow.create(b, date(2025, 3, 20)))  # due 2026-03-20
    later = str(workflow.create(c, date(2025, 12, 1)))  # due 2026-12-01
    cancelled = str(workflow.create(e, date(2025, 6, 1)))  # due 2026-06-01
    assert workflow.cancel(e, "试用期不称职，免去试用职务") == uuid.UUID(cancelled)
    done = str(workflow.create(e, date(2025, 2, 1)))  # a second deadline on the same case
    ok(complete(client, org, done))
    mine = {overdue, soon, later, cancelled, done}

    everything = [i for i in listed(client, org) if i in mine]
    assert everything == [overdue, done, soon, cancelled, later]  # by due_on
    assert [i for i in listed(client, org, status="overdue") if i in mine] == [overdue]
    assert [i for i in listed(client, org, status="open") if i in mine] == [soon, later]
    assert [i for i in listed(client, org, status="completed") if i in mine] == [done]
    assert [i for i in listed(client, org, status="cancelled") if i in mine] == [cancelled]
    assert listed(client, org, candidate_id=b.candidate_id) == [soon]
    assert listed(client, org, case_id=e.case_id) == [done, cancelled]
    due = [i for i in listed(client, org, due_before="2026-03-20") if i in mine]
    assert due == [overdue, done]  # strictly before
    assert listed(client, org, due_before="2026-06-02", status="open", case_id=b.case_id) == [soon]

    seen: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = ok(client.get(URL, params=params, headers=org))
        assert len(page["items"]) <= 2
        seen += [d["id"] for d in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [i for i in seen if i in mine] == everything
    assert len(seen) == len(set(seen))

    refused(client.get(URL, params={"status": "due_soon"}, headers=org), 422)
    refused(client.get(URL, params={"cursor": "not-a-cursor"}, headers=org), 422)


# --- completion ----------------------------------------------------------------------------


def test_completion_hours_at_the_exact_limit(
    client: TestClient, org: dict[str, str], workflow: Workflow, session_factory: sessionmaker[Any]
) -> None:
    a = appointment(client, org)
    did = workflow.create(a, date(2026, 3, 1))
    short = refused(
        complete(client, org, did, hours=REQUIRED - ON_FILE - 1), 422, "QUAL-TRAINING-DUE"
    )
    assert short["violations"][0]["rule"] == "QUAL-TRAINING-DUE"
    assert "1 more needed" in short["detail"]
    assert ok(client.get(f"{URL}/{did}", headers=org))["status"] == "open"

    done = ok(complete(client, org, did, hours=REQUIRED - ON_FILE))
    assert done["status"] == "completed"
    assert done["completed_on"] == TODAY.isoformat()
    assert done["completed_hours"] == REQUIRED - ON_FILE
    assert done["completion_note"].startswith("市委党校")
    assert done["completed_by"] is not None
    assert ok(client.get(f"{URL}/{did}", headers=org))["status"] == "completed"

    entry = candidate_actions(session_factory, a.candidate_id)[-1]
    assert entry.action == "training.deadline_completed"
    assert entry.rules == ["QUAL-TRAINING", "QUAL-TRAINING-DUE"]
    assert entry.payload["completed_hours"] == REQUIRED - ON_FILE
    assert entry.payload["late"] is False

    refused(complete(client, org, did), 409)


def test_completion_date_refusals(
    client: TestClient, org: dict[str, str], workflow: Workflow, clock: FixedClock
) -> None:
    a = appointment(client, org)
    created = date(2026, 2, 10)
    did = workflow.create(a, date(2026, 2, 9), now=china(created, hour=0))
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    assert (
        "in the future" in refused(complete(client, org, did, completed_on=tomorrow), 422)["detail"]
    )
    day_before = (created - timedelta(days=1)).isoformat()
    assert (
        "before the deadline was created"
        in refused(complete(client, org, did, completed_on=day_before), 422)["detail"]
    )
    # Late in the evening in China the China date is already tomorrow (UTC is still today).
    clock.set(china(TODAY + timedelta(days=1), hour=0) + timedelta(minutes=5))
    assert ok(complete(client, org, did, completed_on=tomorrow))["completed_on"] == tomorrow


def test_completion_on_the_creation_day_and_late(
    client: TestClient, org: dict[str, str], workflow: Workflow, session_factory: sessionmaker[Any]
) -> None:
    a = appointment(client, org)
    did = workflow.create(a, date(2025, 2, 1), now=china(date(2025, 2, 3)))  # due 2026-02-01
    assert ok(client.get(f"{URL}/{did}", headers=org))["status"] == "overdue"
    ok(complete(client, org, did, completed_on="2025-02-03"))
    assert candidate_actions(session_factory, a.candidate_id)[-1].payload["late"] is False

    b = appointment(client, org)
    late = workflow.create(b, date(2025, 2, 1), now=china(date(2025, 2, 3)))
    assert ok(complete(client, org, late))["status"] == "completed"
    assert candidate_actions(session_factory, b.candidate_id)[-1].payload["late"] is True


def test_completion_body_is_validated(
    client: TestClient, org: dict[str, str], workflow: Workflow
) -> None:
    did = workflow.create(appointment(client, org), date(2026, 3, 1))
    refused(complete(client, org, did, hours=-1), 422)
    refused(complete(client, org, did, note=""), 422)
    refused(complete(client, org, did, extra=1), 422)
    refused(complete(client, org, did, completed_on="yesterday"), 422)


# --- cancellation ----------------------------------------------------------------------------


def test_cancelled_deadline_is_not_open_nor_completable(
    client: TestClient, org: dict[str, str], workflow: Workflow, session_factory: sessionmaker[Any]
) -> None:
    a = appointment(client, org)
    did = workflow.create(a, date(2026, 3, 1))
    assert workflow.cancel(a, "决定无效，撤销任职") == did
    assert workflow.cancel(a, "again") is None  # nothing outstanding any more

    d = ok(client.get(f"{URL}/{did}", headers=org))
    assert d["status"] == "cancelled"
    assert d["cancelled_reason"] == "决定无效，撤销任职"
    assert d["cancelled_at"] is not None
    assert str(did) not in listed(client, org, status="open")
    assert str(did) in listed(client, org, status="cancelled")
    cand = ok(client.get(f"/api/v1/candidates/{a.candidate_id}", headers=org))
    assert cand["training_deadlines"] == []
    refused(complete(client, org, did), 409)

    entry = candidate_actions(session_factory, a.candidate_id)[-1]
    assert entry.action == "training.deadline_cancelled"
    assert entry.payload["reason"] == "决定无效，撤销任职"


def test_completed_deadline_is_not_cancelled(
    client: TestClient, org: dict[str, str], workflow: Workflow
) -> None:
    a = appointment(client, org)
    did = workflow.create(a, date(2026, 3, 1))
    ok(complete(client, org, did))
    assert workflow.cancel(a, "试用期不称职") is None
    assert ok(client.get(f"{URL}/{did}", headers=org))["status"] == "completed"


# --- shown on the cadre ----------------------------------------------------------------------


def test_outstanding_deadlines_are_shown_on_the_candidate(
    client: TestClient,
    org: dict[str, str],
    workflow: Workflow,
    clock: FixedClock,
    session_factory: sessionmaker[Any],
) -> None:
    a = appointment(client, org)
    d = Driver(client, org)
    p2, p3 = d.position(title="主任", rank_level="county_principal"), d.position(title="副局长")
    b = Appointment(a.candidate_id, str(d.create(p2["id"], [a.candidate_id])["id"]), p2["id"])
    c = Appointment(a.candidate_id, str(d.create(p3["id"], [a.candidate_id])["id"]), p3["id"])
    overdue = workflow.create(a, date(2025, 1, 10))  # due 2026-01-10
    open_ = workflow.create(b, date(2026, 3, 1))  # due 2027-03-01
    done = workflow.create(c, date(2025, 6, 1))
    ok(complete(client, org, done))

    cand = ok(client.get(f"/api/v1/candidates/{a.candidate_id}", headers=org))
    shown = cand["training_deadlines"]
    assert [x["id"] for x in shown] == [str(overdue), str(open_)]  # soonest first; not `done`
    assert shown[0]["status"] == "overdue"
    assert shown[0]["case_id"] == a.case_id
    assert shown[0]["due_on"] == "2026-01-10"
    assert shown[0]["hours_missing"] == REQUIRED - ON_FILE
    assert shown[1]["due_on"] == "2027-03-01"
    listed_cand = ok(
        client.get("/api/v1/candidates", params={"external_id": cand["external_id"]}, headers=org)
    )["items"]
    assert [x["id"] for x in listed_cand[0]["training_deadlines"]] == [str(overdue), str(open_)]

    # The service dates the status with the clock it is given.
    uow = UnitOfWork(session_factory)
    try:
        view = candidates_svc.read(uow, workflow.actor, uuid.UUID(a.candidate_id), clock)
        assert [t.status for t in view.training_deadlines] == [
            TrainingDeadlineStatus.OVERDUE,
            TrainingDeadlineStatus.OPEN,
        ]
        clock.set(china(date(2027, 2, 1)))
        view = candidates_svc.read(uow, workflow.actor, uuid.UUID(a.candidate_id), clock)
        assert view.training_deadlines[1].status == TrainingDeadlineStatus.DUE_SOON
    finally:
        uow.close()


# --- errors and permissions --------------------------------------------------------------------


def test_unknown_deadline_is_404(client: TestClient, org: dict[str, str]) -> None:
    missing = uuid.uuid4()
    refused(client.get(f"{URL}/{missing}", headers=org), 404)
    refused(complete(client, org, missing), 404)
    refused(client.get(f"{URL}/not-a-uuid", headers=org), 422)


def test_permissions(
    client: TestClient, tokens: Principals, workflow: Workflow, session_factory: sessionmaker[Any]
) -> None:
    org = tokens["org_department"]
    did = workflow.create(appointment(client, org), date(2026, 3, 1))
    for role in ("auditor", "discipline_inspection", "committee_secretary"):
        ok(client.get(f"{URL}/{did}", headers=tokens[role]))
        assert str(did) in listed(client, tokens[role])
        refused(complete(client, tokens[role], did), 403)
    for role in ("cadre", "unit_party_leader"):
        refused(client.get(URL, headers=tokens[role]), 403)
        refused(client.get(f"{URL}/{did}", headers=tokens[role]), 403)
        refused(complete(client, tokens[role], did), 403)
    refused(client.get(URL), 401)
    # 三员分立: the system administrator reads and changes no personnel data.
    refused(client.get(f"{URL}/{did}", headers=tokens["admin"]), 403)
    refused(complete(client, tokens["admin"], did), 403)
    ok(complete(client, org, did))
    with session_factory() as s:
        row = s.get(TrainingDeadline, did)
        assert row is not None
        assert row.completed_by == tokens.ids["org_department"]
