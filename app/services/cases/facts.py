"""Recording, correcting and reading the typed facts of a case."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm.attributes import flag_modified

from app.db import bodies_repo
from app.db import cases_repo as repo
from app.db.models import CaseFact
from app.db.uow import UnitOfWork
from app.domain.bodies import Roster
from app.domain.calendar import CHINA_TZ
from app.domain.errors import Conflict, InvalidInput, NotFound, raise_if
from app.domain.facts import SCHEMA_VERSION, DecisionMeeting, Fact, FactValue, Reconsideration
from app.domain.workflow.effects import for_fact
from app.domain.workflow.fact_kinds import FACT_KINDS, FactKind, Lookups, check
from app.services import audit
from app.services.cases import codec
from app.services.cases.apply import apply
from app.services.cases.loading import Loaded, get, load
from app.services.context import Actor, Clock
from app.services.retry import retry_transaction


def _roster(uow: UnitOfWork, body_id: uuid.UUID, day: date) -> Roster:
    roster = bodies_repo.roster_on(uow.session, body_id, day)
    if roster is None:
        raise InvalidInput(f"decision body {body_id} does not exist")
    return roster


def _lookups(uow: UnitOfWork, ld: Loaded, value: FactValue) -> Lookups:
    """The organisation's own facts a check needs: never numbers from the request."""
    if isinstance(value, DecisionMeeting):
        day = value.held_at.astimezone(CHINA_TZ).date()
        fc_kind = None
        if value.full_committee_opinions is not None:
            fc = _roster(uow, value.full_committee_opinions.full_committee_id, day)
            fc_kind = fc.kind
        return Lookups(roster=_roster(uow, value.body_id, day), full_committee_kind=fc_kind)
    if isinstance(value, Reconsideration):
        meeting = ld.snap.latest(DecisionMeeting)
        if meeting is None:
            raise Conflict("there is no decision to reconsider", rule="DEC-RECONSIDER")
        return Lookups(roster=_roster(uow, meeting.body_id, value.held_on))
    return Lookups()


def _superseding(
    ld: Loaded, kind: FactKind, supersedes: uuid.UUID | None, reason: str | None
) -> Fact | None:
    if supersedes is None:
        return None
    old = next((x for x in ld.facts if x.id == supersedes), None)
    if old is None or old.kind != kind.name:
        raise InvalidInput(f"supersedes: no {kind.name} {supersedes} in this case")
    if not old.current:
        raise Conflict(f"{kind.name} {supersedes} is already superseded by {old.superseded_by}")
    if not (reason or "").strip():
        raise InvalidInput("a correction states its reason (correction_reason)", rule="REC-RECORD")
    return old


def _unique(ld: Loaded, kind: FactKind, value: FactValue) -> None:
    """A second fact where one is allowed must supersede the first."""
    current = [x for x in ld.facts if x.kind == kind.name and ld.snap.in_pass(x)]
    if kind.single and current:
        raise Conflict(
            f"a {kind.name} is already recorded; correct it with `supersedes`",
            rule=kind.rules[0],
        )
    if kind.unique_by:
        key = getattr(value, kind.unique_by)
        if any(getattr(x.value, kind.unique_by) == key for x in current):
            raise Conflict(
                f"a {kind.name} for {key} is already recorded; correct it with `supersedes`",
                rule=kind.rules[0],
            )


def record(
    uow: UnitOfWork,
    actor: Actor,
    clock: Clock,
    case_id: uuid.UUID,
    kind_name: str,
    data: dict[str, Any],
    *,
    supersedes: uuid.UUID | None = None,
    correction_reason: str | None = None,
) -> tuple[Loaded, Fact]:
    kind = FACT_KINDS[kind_name]
    role = actor.role_for(kind.permission)
    case = get(uow, case_id, actor=actor, lock=True)
    if case.stage not in kind.stages:
        raise Conflict(
            f"{kind.name} is recorded in stage {' or '.join(sorted(kind.stages))}; "
            f"the case is in {case.stage}"
        )
    ld = load(uow, case, clock)
    old = _superseding(ld, kind, supersedes, correction_reason)
    if old is not None:
        # Judge the correction as if the old fact were not there.
        ld.facts = [
            replace(x, superseded_by=uuid.UUID(int=0)) if x.id == old.id else x for x in ld.facts
        ]
        ld.refresh()
    value = codec.from_input(kind.name, data)
    _unique(ld, kind, value)
    stored, violations = check(kind, ld.snap, value, _lookups(uow, ld, value))
    raise_if(violations)
    now = clock.now()
    row = _row(uow, ld, kind, stored, now, actor, old, correction_reason)
    fact = codec.decode(row, {})
    ld.facts = [replace(x, superseded_by=row.id) if old and x.id == old.id else x for x in ld.facts]
    ld.facts.append(fact)
    effects = apply(uow, actor, role, ld, for_fact(kind.name, ld.refresh()), now)
    if kind.name == "scope_amendment":
        case.motion = {**case.motion, "recommendation_scope": data["recommendation_scope"]}
    case.updated_at = now
    flag_modified(case, "updated_at")  # a new fact is a new version (ETag), same clock or not
    audit.case_entry(
        uow.session,
        case,
        action=f"fact.{kind.name}" + (".corrected" if old else ""),
        actor=actor,
        role=role,
        at=now,
        rules=list(kind.rules),
        payload={
            "fact_id": str(row.id),
            **({"supersedes": str(old.id), "correction_reason": correction_reason} if old else {}),
            **_redacted(kind.name, row.data),
            **effects,
        },
        locked=True,
    )
    uow.session.flush()
    ld.refresh()
    uow.commit()
    return ld, fact


def _row(
    uow: UnitOfWork,
    ld: Loaded,
    kind: FactKind,
    value: FactValue,
    now: datetime,
    actor: Actor,
    old: Fact | None,
    reason: str | None,
) -> CaseFact:
    cid = getattr(value, "candidate_id", None)
    row = CaseFact(
        case_id=ld.case.id,
        seq=repo.next_fact_seq(uow.session, ld.case.id),
        kind=kind.name,
        stage=ld.case.stage,
        candidate_id=cid if isinstance(cid, uuid.UUID) else None,
        data=codec.to_json(kind.name, value),
        schema_version=SCHEMA_VERSION,
        supersedes_id=old.id if old else None,
        correction_reason=reason if old else None,
        created_by=actor.principal_id,
        created_at=now,
    )
    uow.session.add(row)
    uow.session.flush()
    return row


def _redacted(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """What the record keeps of a fact: objection contact details stay out of the 纪实."""
    if kind == "objection":
        return {k: v for k, v in data.items() if k != "contact"}
    return dict(data)


record_fact = retry_transaction(record)


def listing(
    uow: UnitOfWork, actor: Actor, clock: Clock, case_id: uuid.UUID, kind_name: str
) -> tuple[Loaded, list[Fact]]:
    actor.role_for("cases.read")
    ld = load(uow, get(uow, case_id, actor=actor, lock=False), clock)
    return ld, [x for x in ld.facts if x.kind == kind_name]


def read(
    uow: UnitOfWork,
    actor: Actor,
    clock: Clock,
    case_id: uuid.UUID,
    kind_name: str,
    fact_id: uuid.UUID,
) -> tuple[Loaded, Fact]:
    ld, found = listing(uow, actor, clock, case_id, kind_name)
    fact = next((x for x in found if x.id == fact_id), None)
    if fact is None:
        raise NotFound(f"{kind_name} {fact_id} not found in case {case_id}")
    return ld, fact
