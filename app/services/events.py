"""Reading the change feed: every change in commit order, replayable from the start.

Confidentiality holds in the feed as everywhere: the events of a nomination the reader may not
see (NOM-SELF-CONFIDENTIAL) are left out exactly as the nomination is left out of lists, and
the events of a subject the reader may not read at all (a permission of the role) too.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass

from app.db import events_repo
from app.db import nominations_repo as nom_repo
from app.db.event_models import Event
from app.db.uow import UnitOfWork
from app.domain import nominations as nom_domain
from app.domain.errors import InvalidInput
from app.services import outbox, scope
from app.services.context import PERMISSIONS, Actor
from app.services.nominations.common import reader_of

# The permission that lets a reader see a subject's events (nominations: per row, below).
SUBJECT_PERMISSIONS = {
    "case": "cases.read",
    "candidate": "candidates.read",
    "position": "positions.read",
    "policy": "policies.read",
    "decision_body": "bodies.read",
    "calendar": "calendar.read",
}


@dataclass
class FeedPage:
    events: list[Event]
    next_cursor: str
    has_more: bool


def listing(
    uow: UnitOfWork,
    actor: Actor,
    *,
    after: str | None,
    limit: int,
    types: Collection[str] = (),
    case_id: uuid.UUID | None = None,
) -> FeedPage:
    """Events after the cursor `after` (from the start without one), oldest first.

    `next_cursor` is always set: at the end of the feed it is where to poll from next.
    """
    actor.role_for("events.read")
    unknown = sorted(t for t in types if t not in outbox.EVENT_TYPES)
    if unknown:
        raise InvalidInput(
            f"unknown event type(s): {', '.join(unknown)}; known: {', '.join(outbox.EVENT_TYPES)}"
        )
    position = outbox.decode_cursor(after) if after else 0
    subjects = {s for s, perm in SUBJECT_PERMISSIONS.items() if actor.has(*PERMISSIONS[perm])}
    subjects.add(nom_repo.SUBJECT)
    grants = nom_domain.grants(reader_of(actor))
    stmt = events_repo.feed_query(
        after=position,
        limit=limit,
        types=types,
        case_id=case_id,
        subject_types=None if subjects >= set(SUBJECT_PERMISSIONS) else subjects,
        nominations_visible=None if nom_domain.EVERYTHING in grants else nom_repo.visible(grants),
    )
    # Management authority: the events of rows outside the reader's scope are left out too.
    within = scope.subject_clause(actor, Event.subject_type, Event.subject_id)
    if within is not None:
        stmt = stmt.where(within)
    rows = list(uow.session.scalars(stmt))
    page = rows[:limit]
    last = page[-1].id if page else position
    return FeedPage(events=page, next_cursor=outbox.encode_cursor(last), has_more=len(rows) > limit)
