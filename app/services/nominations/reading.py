"""Reading nominations: one, a page, a count, the record (纪实), and which ids a reader may know.

Confidentiality (NOM-SELF-CONFIDENTIAL): a self-nomination the caller may not see does not exist
for them: the same 404 as a missing id, absent from lists and counts, its record included.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from app.db import nominations_repo as repo
from app.db.models import RecordEntry
from app.db.nomination_models import Nomination
from app.db.uow import UnitOfWork
from app.domain import nominations as domain
from app.services import audit, scope
from app.services.context import Actor
from app.services.nominations.common import (
    NominationView,
    log_confidential,
    reader_of,
    views,
    visible_row,
)
from app.services.pagination import ListOrders

ORDERS = ListOrders(
    "nominations",
    Nomination.id,
    {"created_at": (Nomination.created_at,), "updated_at": (Nomination.updated_at,)},
)


def read(uow: UnitOfWork, actor: Actor, nomination_id: uuid.UUID) -> NominationView:
    view = views(uow, [visible_row(uow, actor, nomination_id)])[0]
    log_confidential(uow, actor, [view.row])
    return view


def listing(
    uow: UnitOfWork,
    actor: Actor,
    *,
    cursor: str | None,
    limit: int,
    sort: str | None = None,
    kind: str | None = None,
    status: str | None = None,
    candidate_id: uuid.UUID | None = None,
    case_id: uuid.UUID | None = None,
    updated_after: datetime | None = None,
) -> tuple[list[NominationView], str | None]:
    """The nominations the actor may see, oldest first unless `sort` says otherwise."""
    stmt = repo.list_stmt(
        domain.grants(reader_of(actor)),
        kind=kind,
        status=status,
        candidate_id=candidate_id,
        case_id=case_id,
        updated_after=updated_after,
    )
    stmt = scope.restrict(stmt, actor, Nomination)
    rows = list(uow.session.scalars(ORDERS.page(stmt, sort, cursor, limit)))
    found = views(uow, rows[:limit])
    log_confidential(uow, actor, [v.row for v in found])
    return found, ORDERS.next_cursor(rows, sort, limit)


def count(
    uow: UnitOfWork,
    actor: Actor,
    *,
    kind: str | None = None,
    status: str | None = None,
    candidate_id: uuid.UUID | None = None,
    case_id: uuid.UUID | None = None,
) -> int:
    """How many nominations the actor may see (the same filters as `listing`)."""
    return repo.count(
        uow.session,
        domain.grants(reader_of(actor)),
        kind=kind,
        status=status,
        candidate_id=candidate_id,
        case_id=case_id,
        within=scope.clause(actor, Nomination),
    )


def record_entries(
    uow: UnitOfWork, actor: Actor, nomination_id: uuid.UUID
) -> tuple[list[RecordEntry], bool]:
    """The nomination's own record (纪实) and whether its hash chain verifies."""
    row = visible_row(uow, actor, nomination_id)
    entries = repo.record_of(uow.session, nomination_id)
    log_confidential(uow, actor, [row])
    return entries, audit.verify(entries) is None


def visible_nomination_ids(
    uow: UnitOfWork, actor: Actor, ids: Iterable[uuid.UUID]
) -> set[uuid.UUID]:
    """The ids among `ids` the actor may know about. Case views and dossiers must drop the
    others (a self-nomination's id tells who self-nominated, NOM-SELF-CONFIDENTIAL)."""
    wanted = {i for i in ids if i is not None}
    return repo.visible_ids(uow.session, domain.grants(reader_of(actor)), wanted)
