"""Calendar years as data (PUB-DURATION, NOM-SELF-FORWARD): /api/v1/calendar/years, the
readiness warning, a publicity notice across New Year 2027 and a self-nomination lodged on
25 December 2026.

The 2027 schedule loaded here is FICTITIOUS_2027 (tests/calendar_fixtures.py), a test fixture
with invented dates; it is not the official 2027 schedule.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import chinese_calendar
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from app.db.calendar_models import CalendarYear
from app.db.models import RecordEntry
from app.domain import calendar
from app.domain.enums import Role
from app.services.calendar import subject_id
from app.services.context import FixedClock
from tests.calendar_fixtures import doc_2026, fixture_2027
from tests.case_driver import Driver
from tests.conftest import Principals
from tests.factories import candidate_body

YEARS = "/api/v1/calendar/years"
NOMINATIONS = "/api/v1/nominations"
PROBLEM = "application/problem+json"


@pytest.fixture(autouse=True)
def registry() -> Iterator[None]:
    """The registry of loaded years is process-wide: leave it as found."""
    before = calendar.loaded_years()
    yield
    calendar.install_all(before.values())


def ok(r: Any, status: int = 200) -> dict[str, Any]:
    assert r.status_code == status, f"{r.status_code}: {r.text}"
    body: dict[str, Any] = r.json()
    return body


def refused(r: Any, status: int) -> dict[str, Any]:
    assert r.status_code == status, f"{r.status_code}: {r.text}"
    assert r.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = r.json()
    return body


def put_year(
    client: TestClient,
    headers: dict[str, str],
    body: dict[str, Any],
    *,
    year: int | None = None,
    **params: Any,
) -> Any:
    return client.put(f"{YEARS}/{year or body['year']}", json=body, headers=headers, params=params)


def china(day: str, hour: int = 9) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00+08:00").astimezone(UTC)


def calendar_record(factory: sessionmaker[Any], year: int) -> list[RecordEntry]:
    with factory() as session:
        return list(
            session.scalars(
                select(RecordEntry)
                .where(RecordEntry.subject_type == "calendar")
                .where(RecordEntry.subject_id == subject_id(year))
                .order_by(RecordEntry.seq)
            )
        )


# --- reading -------------------------------------------------------------------------------------


def test_every_role_reads_the_covered_years(client: TestClient, tokens: Principals) -> None:
    for role in Role:
        listed = ok(client.get(YEARS, headers=tokens[role.value]))
        assert listed["warnings"] == []  # 2 March 2026: 2026 is known, November is far
    years = {i["year"]: i for i in listed["items"]}
    assert sorted(years) == list(range(2004, 2027))
    assert listed["package"] == {
        "name": "chinesecalendar",
        "version": calendar.PACKAGE_VERSION,
        "first_year": 2004,
        "last_year": 2026,
    }
    assert years[2026] == {
        "year": 2026,
        "origin": "package",
        "source": f"chinesecalendar {calendar.PACKAGE_VERSION}",
        "holiday_count": 7,
        "days_off_count": 33,
        "workday_count": 6,
        "overrides_package": False,
        "loaded_at": None,
        "loaded_by": None,
        "version": None,
        "etag": None,
    }
    refused(client.get(YEARS), 401)


def test_read_a_package_year_and_an_unknown_one(client: TestClient, tokens: Principals) -> None:
    r = client.get(f"{YEARS}/2026", headers=tokens["cadre"])
    year = ok(r)
    assert "ETag" not in r.headers
    assert year["holidays"][0] == {
        "name": "元旦",
        "dates": ["2026-01-01", "2026-01-02", "2026-01-03"],
    }
    assert year["workdays"] == doc_2026()["workdays"]
    missing = refused(client.get(f"{YEARS}/2027", headers=tokens["cadre"]), 404)
    assert "cadre calendar load" in missing["detail"]
    assert "PUT /api/v1/calendar/years/2027" in missing["detail"]
    refused(client.get(f"{YEARS}/99999", headers=tokens["cadre"]), 422)


# --- loading -------------------------------------------------------------------------------------


def test_an_administrator_loads_a_year(
    client: TestClient, tokens: Principals, session_factory: sessionmaker[Any]
) -> None:
    admin = tokens["admin"]
    r = put_year(client, admin, fixture_2027())
    loaded = ok(r, 201)
    assert r.headers["ETag"] == '"v1"'
    assert r.headers["Location"] == f"{YEARS}/2027"
    assert loaded["origin"] == "loaded"
    assert loaded["source"] == fixture_2027()["source"]
    assert (loaded["holiday_count"], loaded["days_off_count"], loaded["workday_count"]) == (
        2,
        10,
        1,
    )
    assert loaded["version"] == 1
    assert loaded["etag"] == '"v1"'
    assert loaded["loaded_by"] == "admin user"
    assert loaded["deadlines_filled"] == 0
    assert calendar.is_covered(2027)

    read = client.get(f"{YEARS}/2027", headers=tokens["auditor"])
    assert ok(read)["holidays"] == fixture_2027()["holidays"]
    assert read.headers["ETag"] == '"v1"'
    items = ok(client.get(YEARS, headers=admin))["items"]
    assert items[-1]["year"] == 2027
    assert items[-1]["origin"] == "loaded"

    (entry,) = calendar_record(session_factory, 2027)
    assert entry.action == "calendar.year_loaded"
    assert entry.actor_role == "admin"
    assert entry.rules == ["PUB-DURATION", "NOM-SELF-FORWARD"]
    assert entry.payload["workdays"] == ["2027-02-13"]
    assert entry.payload["version"] == 1


@pytest.mark.parametrize("role", [r.value for r in Role if r is not Role.ADMIN])
def test_only_an_administrator_loads(client: TestClient, tokens: Principals, role: str) -> None:
    refused(put_year(client, tokens[role], fixture_2027()), 403)
    assert not calendar.is_covered(2027)


def _errors(r: Any) -> set[tuple[str, str]]:
    body = refused(r, 422)
    assert body["type"].endswith("/invalid-calendar")
    return {(".".join(str(p) for p in e["loc"]), e["type"]) for e in body["errors"]}


def test_invalid_files_are_refused_with_every_problem(
    client: TestClient, tokens: Principals
) -> None:
    admin = tokens["admin"]
    outside = fixture_2027()
    outside["holidays"][0]["dates"].append("2026-12-31")
    assert _errors(put_year(client, admin, outside)) == {("holidays.0.dates.3", "outside_year")}
    overlap = fixture_2027(workdays=["2027-01-02"])
    assert _errors(put_year(client, admin, overlap)) == {("workdays.0", "overlap")}
    weekday = fixture_2027(workdays=["2027-02-15"])  # a Monday
    body = refused(put_year(client, admin, weekday), 422)
    assert "Saturday or Sunday" in body["detail"]
    all_at_once = fixture_2027(workdays=["2027-02-15", "2027-01-02", "2028-01-08"])
    assert _errors(put_year(client, admin, all_at_once)) == {
        ("workdays.0", "weekday"),
        ("workdays.1", "overlap"),
        ("workdays.2", "outside_year"),
    }
    # A year after next cannot have been published (the clock is in March 2026).
    later = fixture_2027(year=2028, holidays=[{"name": "元旦", "dates": ["2028-01-01"]}])
    later["workdays"] = []
    assert _errors(put_year(client, admin, later)) == {("year", "year")}
    # The path names the year.
    assert (
        "not of 2028" in refused(put_year(client, admin, fixture_2027(), year=2028), 422)["detail"]
    )
    # The shape is the API's: unknown fields, bad dates.
    refused(put_year(client, admin, fixture_2027(note="x")), 422)
    refused(put_year(client, admin, fixture_2027(workdays=["13 February"])), 422)
    assert not calendar.is_covered(2027)
    assert ok(client.get(YEARS, headers=admin))["items"][-1]["year"] == 2026


def test_a_loaded_year_is_replaced_with_if_match_and_a_reason(
    client: TestClient, tokens: Principals, session_factory: sessionmaker[Any]
) -> None:
    admin = tokens["admin"]
    ok(put_year(client, admin, fixture_2027()), 201)
    corrected = fixture_2027(workdays=["2027-02-13", "2027-02-14"])
    refused(put_year(client, admin, corrected), 428)
    refused(client.put(f"{YEARS}/2027", json=corrected, headers={**admin, "If-Match": '"v9"'}), 412)
    no_reason = refused(
        client.put(f"{YEARS}/2027", json=corrected, headers={**admin, "If-Match": '"v1"'}), 422
    )
    assert "reason" in no_reason["detail"]
    r = client.put(
        f"{YEARS}/2027",
        json={**corrected, "reason": "更正：2月14日（周日）上班"},
        headers={**admin, "If-Match": '"v1"'},
    )
    replaced = ok(r)
    assert r.headers["ETag"] == '"v2"'
    assert replaced["version"] == 2
    assert replaced["workday_count"] == 2
    assert calendar.is_working_day(date(2027, 2, 14))
    # The old ETag is stale now.
    refused(client.put(f"{YEARS}/2027", json=corrected, headers={**admin, "If-Match": '"v1"'}), 412)

    first, second = calendar_record(session_factory, 2027)
    assert second.action == "calendar.year_replaced"
    assert second.payload["reason"] == "更正：2月14日（周日）上班"
    assert second.payload["previous_version"] == 1
    assert second.payload["changes"] == {
        "days_off_added": [],
        "days_off_removed": [],
        "workdays_added": ["2027-02-14"],
        "workdays_removed": [],
    }
    assert second.prev_hash == first.hash


def test_a_package_year_is_loaded_only_on_purpose_and_then_answers(
    client: TestClient, tokens: Principals
) -> None:
    admin = tokens["admin"]
    conflict = refused(put_year(client, admin, doc_2026()), 409)
    assert "override" in conflict["detail"]
    loaded = ok(put_year(client, admin, doc_2026(), override_package="true"), 201)
    assert loaded["origin"] == "loaded"
    assert loaded["overrides_package"] is True
    assert loaded["source"] == doc_2026()["source"]
    assert calendar.loaded(2026) is not None
    day = date(2026, 1, 1)
    while day.year == 2026:
        assert calendar.is_working_day(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


# --- readiness -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "warned"),
    [
        (datetime(2026, 10, 31, 15, 59, tzinfo=UTC), False),  # 23:59 on 31 October in China
        (datetime(2026, 10, 31, 16, 0, tzinfo=UTC), True),  # 00:00 on 1 November in China
        (datetime(2026, 12, 31, 12, 0, tzinfo=UTC), True),
    ],
)
def test_readiness_warns_from_1_november_when_next_year_is_missing(
    client: TestClient, clock: FixedClock, now: datetime, warned: bool
) -> None:
    clock.set(now)
    body = ok(client.get("/readyz"))
    assert body["status"] == "ok"
    if warned:
        (warning,) = body["warnings"]
        assert "2027" in warning
        assert "cadre calendar load" in warning
    else:
        assert body["warnings"] == []


def test_readiness_stops_warning_once_the_year_is_loaded(
    client: TestClient, tokens: Principals, clock: FixedClock
) -> None:
    ok(put_year(client, tokens["admin"], fixture_2027()), 201)
    clock.set(datetime(2026, 11, 2, tzinfo=UTC))
    assert ok(client.get("/readyz")) == {"status": "ok", "warnings": []}
    assert ok(client.get(YEARS, headers=tokens["auditor"]))["warnings"] == []


def test_readiness_sees_a_year_loaded_by_another_process(
    client: TestClient, clock: FixedClock, session_factory: sessionmaker[Any]
) -> None:
    _insert_2027_as_another_process(session_factory)
    clock.set(datetime(2026, 11, 2, tzinfo=UTC))
    assert ok(client.get("/readyz"))["warnings"] == []
    assert calendar.is_covered(2027)


def _insert_2027_as_another_process(factory: sessionmaker[Any]) -> None:
    """A row written by another worker (or `cadre calendar load`): this process's registry does
    not know it."""
    raw = fixture_2027()
    with factory() as session:
        session.add(
            CalendarYear(
                year=2027,
                source=raw["source"],
                holidays=raw["holidays"],
                workdays=raw["workdays"],
                overrides_package=False,
                loaded_at=datetime(2026, 3, 2, tzinfo=UTC),
                loaded_by="another worker",
                version=1,
            )
        )
        session.commit()
    assert not calendar.is_covered(2027)


# --- PUB-DURATION: a publicity notice across New Year 2027 ---------------------------------------


def _in_publicity(d: Driver) -> None:
    pos = d.position(headcount=2)
    a, b = d.candidate(), d.candidate()
    d.create(pos["id"], [a, b])
    d.to_decision([a, b])
    d.decide([a])
    d.act("approve")


NOTICE = {"start_date": "2026-12-28", "how_to_object": "来信来电", "contact": "12380"}


def test_a_notice_reaching_an_unknown_year_says_how_to_load_it(
    client: TestClient, tokens: Principals
) -> None:
    d = Driver(client, tokens["org_department"])
    _in_publicity(d)
    r = d.fact("publicity-notice", NOTICE, status=422)
    assert r["rule"] == "PUB-DURATION"
    assert "2027" in r["detail"]
    assert "cadre calendar load FILE" in r["detail"]
    assert "PUT /api/v1/calendar/years/2027" in r["detail"]


def test_a_loaded_year_enables_a_notice_across_new_year(
    client: TestClient, tokens: Principals
) -> None:
    d = Driver(client, tokens["org_department"])
    _in_publicity(d)
    d.fact("publicity-notice", NOTICE, status=422)
    ok(put_year(client, tokens["admin"], fixture_2027()), 201)
    d.fact("publicity-notice", NOTICE)
    window = d.case["publicity"]
    # Mon 28 – Thu 31 December, then (fixture) 1–3 January off: Monday 4 January is the fifth.
    assert (window["end_date"], window["working_days"]) == ("2027-01-04", 5)
    assert datetime.fromisoformat(window["closes_at"]) == datetime.fromisoformat(
        "2027-01-05T00:00:00+08:00"
    )


def test_a_year_loaded_by_another_process_is_found_on_the_miss(
    client: TestClient, tokens: Principals, session_factory: sessionmaker[Any]
) -> None:
    d = Driver(client, tokens["org_department"])
    _in_publicity(d)
    _insert_2027_as_another_process(session_factory)
    d.fact("publicity-notice", NOTICE)
    assert d.case["publicity"]["end_date"] == "2027-01-04"
    assert calendar.is_covered(2027)


# --- NOM-SELF-FORWARD: a self-nomination lodged on 25 December 2026 ------------------------------


def _cadre_and_leader(
    client: TestClient, tokens: Principals
) -> tuple[dict[str, str], dict[str, str], str]:
    """A cadre linked to their record, and the unit party leader they lodge with (its id)."""
    r = client.post("/api/v1/candidates", json=candidate_body(), headers=tokens["org_department"])
    cadre, _ = tokens.make("自荐干部", [Role.CADRE], candidate_id=uuid.UUID(ok(r, 201)["id"]))
    leader, leader_id = tokens.make("单位党组书记", [Role.UNIT_PARTY_LEADER])
    return cadre, leader, str(leader_id)


def _lodge(client: TestClient, cadre: dict[str, str], leader_id: str) -> dict[str, Any]:
    body = {
        "kind": "self",
        "channel": "unit_party_leader",
        "leader_id": leader_id,
        "post_aimed_at": "市发展和改革委员会副主任",
        "statement": "熟悉经济运行",
    }
    return ok(client.post(NOMINATIONS, json=body, headers=cadre), 201)


def _intercepted(client: TestClient, tokens: Principals) -> list[str]:
    page = ok(client.get(f"{NOMINATIONS}/intercepted", headers=tokens["org_department"]))
    return [i["id"] for i in page["items"]]


def test_a_nomination_on_25_december_is_lodged_with_its_deadline_pending(
    client: TestClient, tokens: Principals, clock: FixedClock
) -> None:
    cadre, leader, leader_id = _cadre_and_leader(client, tokens)
    clock.set(china("2026-12-25"))
    lodged = _lodge(client, cadre, leader_id)
    assert lodged["status"] == "lodged"
    assert (lodged["forward_deadline"], lodged["deadline_pending"]) == (None, True)
    url = f"{NOMINATIONS}/{lodged['id']}"
    record = ok(client.get(f"{url}/record", headers=cadre))["entries"]
    assert record[0]["payload"]["deadline_pending"] is True

    # Not late while pending, however long the year stays unknown.
    clock.set(china("2027-01-20"))
    assert lodged["id"] not in _intercepted(client, tokens)

    clock.set(china("2026-12-30"))  # the administrator loads the year in time (clock reset)
    r = put_year(client, tokens["admin"], fixture_2027())
    assert ok(r, 201)["deadlines_filled"] == 1
    filled = ok(client.get(url, headers=cadre))
    assert (filled["forward_deadline"], filled["deadline_pending"]) == ("2027-01-04", False)
    entries = ok(client.get(f"{url}/record", headers=tokens["org_department"]))
    assert [e["action"] for e in entries["entries"]] == [
        "nomination.lodged",
        "nomination.deadline_set",
    ]
    assert entries["entries"][1]["rules"] == ["NOM-SELF-FORWARD"]
    assert entries["entries"][1]["payload"] == {"forward_deadline": "2027-01-04"}
    assert entries["verified"] is True

    # From the day after the deadline it is intercepted, as any other.
    clock.set(china("2027-01-04", 20))
    assert lodged["id"] not in _intercepted(client, tokens)
    clock.set(china("2027-01-05"))
    assert lodged["id"] in _intercepted(client, tokens)
    forwarded = ok(client.post(f"{url}/forward", headers=leader))
    assert forwarded["forwarded_late"] is True


def test_forwarded_while_pending_is_judged_when_the_year_is_loaded(
    client: TestClient, tokens: Principals, clock: FixedClock
) -> None:
    cadre, leader, leader_id = _cadre_and_leader(client, tokens)
    clock.set(china("2026-12-25"))
    on_time = _lodge(client, cadre, leader_id)
    late = _lodge(client, cadre, leader_id)
    clock.set(china("2027-01-04"))
    first = ok(client.post(f"{NOMINATIONS}/{on_time['id']}/forward", headers=leader))
    assert first["forwarded_late"] is False  # pending: not late
    clock.set(china("2027-01-06"))
    second = ok(client.post(f"{NOMINATIONS}/{late['id']}/forward", headers=leader))
    assert second["forwarded_late"] is False
    assert ok(put_year(client, tokens["admin"], fixture_2027()), 201)["deadlines_filled"] == 2
    org = tokens["org_department"]
    judged = [ok(client.get(f"{NOMINATIONS}/{n['id']}", headers=org)) for n in (on_time, late)]
    assert [(n["forward_deadline"], n["forwarded_late"]) for n in judged] == [
        ("2027-01-04", False),
        ("2027-01-04", True),
    ]
    entries = ok(client.get(f"{NOMINATIONS}/{late['id']}/record", headers=org))["entries"]
    assert entries[-1]["payload"] == {"forward_deadline": "2027-01-04", "late": True}


def test_lodging_finds_a_year_loaded_by_another_process(
    client: TestClient,
    tokens: Principals,
    clock: FixedClock,
    session_factory: sessionmaker[Any],
) -> None:
    cadre, _, leader_id = _cadre_and_leader(client, tokens)
    _insert_2027_as_another_process(session_factory)
    clock.set(china("2026-12-25"))
    lodged = _lodge(client, cadre, leader_id)
    assert (lodged["forward_deadline"], lodged["deadline_pending"]) == ("2027-01-04", False)
