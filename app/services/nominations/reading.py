"""Reading nominations: one, a page, a count, the record (纪实), and which ids a reader may know.

Confidentiality (NOM-SELF-CONFIDENTIAL): a self-nomination the caller may not see does not exist
for them: the same 404 as a missing id, absent from lists and counts, its record included.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from app.db import nominations_repo as repo
from app.db.models import RecordEntry
from app.db.uow import UnitOfWork
from app.domain import nominations as domain
from app.services import audit
from app.services.context import Actor
from app.services.nominations.common import NominationView, reader_of, views, visible_row
from app.services.pagination import decode_cursor, encode_cursor


def read(uow: UnitOfWork, actor: Actor, nomination_id: uuid.UUID) -> NominationView:
    return views(uow, [visible_row(uow, actor, nomination_id)])[0]


def listing(
    uow: UnitOfWork,
    actor: Actor,
    *,
    cursor: str | None,
    limit: int,
    kind: str | None = None,
    status: str | None = None,
    candidate_id: uuid.UUID | None = None,
    case_id: uuid.UUID | None = None,
) -> tuple[list[NominationView], str | None]:
    """The nominations the actor may see, oldest first."""
    rows = repo.page(
        uow.session,
        domain.grants(reader_of(actor)),
        after=decode_cursor(cursor) if cursor else None,
        limit=limit,
        kind=kind,
        status=status,
        candidate_id=candidate_id,
        case_id=case_id,
    )
    nxt = (
        encode_cursor(rows[limit - 1].created_at, rows[limit - 1].id) if len(rows) > limit else None
    )
    return views(uow, rows[:limit]), nxt


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
    )


def record_entries(
    uow: UnitOfWork, actor: Actor, nomination_id: uuid.UUID
) -> tuple[list[RecordEntry], bool]:
    """The nomination's own record (纪实) and whether its hash chain verifies."""
    visible_row(uow, actor, nomination_id)
    entries = repo.record_of(uow.session, nomination_id)
    return entries, audit.verify(entries) is None


def visible_nomination_ids(
    uow: UnitOfWork, actor: Actor, ids: Iterable[uuid.UUID]
) -> set[uuid.UUID]:
    """The ids among `ids` the actor may know about. Case views and dossiers must drop the
    others (a self-nomination's id tells who self-nominated, NOM-SELF-CONFIDENTIAL)."""
    wanted = {i for i in ids if i is not None}
    return repo.visible_ids(uow.session, domain.grants(reader_of(actor)), wanted)
