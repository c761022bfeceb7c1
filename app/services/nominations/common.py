"""What the nomination use cases share: the view they answer with, the row a caller may see,
and the record (纪实) entry each step writes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from app.db import nominations_repo as repo
from app.db.nomination_models import Nomination, NominationAttachment
from app.db.uow import UnitOfWork
from app.domain import nominations as domain
from app.domain.errors import NotFound
from app.services import access_log, audit, scope
from app.services.context import PERMISSIONS, Actor


@dataclass
class NominationView:
    row: Nomination
    attachments: list[NominationAttachment] = field(default_factory=list)


def reader_of(actor: Actor) -> domain.Reader:
    return domain.Reader(
        principal_id=actor.principal_id,
        candidate_id=actor.candidate_id,
        reads_confidential=actor.has(*PERMISSIONS["nominations.read_confidential"]),
        reads_cases=actor.has(*PERMISSIONS["cases.read"]),
    )


def facts_of(row: Nomination) -> domain.NominationFacts:
    return domain.NominationFacts(
        kind=domain.NominationKind(row.kind),
        status=domain.NominationStatus(row.status),
        candidate_id=row.candidate_id,
        lodged_by=row.lodged_by,
        leader_id=row.leader_id,
    )


def visible_row(
    uow: UnitOfWork, actor: Actor, nomination_id: uuid.UUID, *, lock: bool = False
) -> Nomination:
    """The nomination if the actor may see it. Otherwise the same NotFound as for a missing id
    (NOM-SELF-CONFIDENTIAL: even the existence of a self-nomination is confidential)."""
    row = repo.get(uow.session, nomination_id, lock=lock)
    if row is None or not domain.may_see(reader_of(actor), facts_of(row)):
        raise NotFound(f"nomination {nomination_id} not found")
    # Management authority: the nominee's unit and level lie in the actor's scope.
    scope.require(uow.session, actor, Nomination, nomination_id)
    return row


def log_confidential(uow: UnitOfWork, actor: Actor, rows: list[Nomination]) -> None:
    """Every read of a self-nomination by someone other than its author is logged
    (NOM-SELF-CONFIDENTIAL; the auditor reads the log)."""
    access_log.log_reads(
        uow,
        actor,
        access_log.NOMINATION,
        (r.id for r in rows if r.kind == domain.NominationKind.SELF.value and not _own(actor, r)),
    )


def _own(actor: Actor, row: Nomination) -> bool:
    return actor.candidate_id is not None and actor.candidate_id == row.candidate_id


def views(uow: UnitOfWork, rows: list[Nomination]) -> list[NominationView]:
    """The rows with their evidence files' metadata."""
    files = repo.attachments_of(uow.session, [r.id for r in rows])
    return [NominationView(row=r, attachments=files[r.id]) for r in rows]


def record(
    uow: UnitOfWork,
    actor: Actor,
    role: str,
    row: Nomination,
    action: str,
    *,
    from_status: str | None,
    rules: tuple[str, ...] = (),
    payload: dict[str, Any] | None = None,
    case_id: uuid.UUID | None = None,
) -> None:
    """One entry of the nomination's own record: the step, its status change, the rules it was
    checked against."""
    audit.append(
        uow.session,
        subject_type=repo.SUBJECT,
        subject_id=row.id,
        nomination_id=row.id,
        case_id=case_id,
        action=action,
        actor=actor,
        role=role,
        at=row.updated_at,
        from_stage=from_status,
        to_stage=row.status,
        rules=rules,
        payload=payload,
    )
