"""The change feed's outbox: every record (纪实) entry becomes an event in the same transaction.

Every change already appends to the record through `audit.append` (directly or through
`audit.case_entry`), so one hook there (`stage`) covers cases, facts, transitions, candidates,
positions, policies, nominations, decision bodies and calendar years. The events are inserted
in `before_commit`, at the very end of the unit of work, after everything else was flushed:

* PostgreSQL hands out sequence values in call order but transactions commit in any order, so
  a reader could pass id n+1 while n is still uncommitted and miss n for good. The insert is
  therefore serialized by a transaction-level advisory lock (`LOCK_KEY`), held from just
  before the insert until the commit: ids become visible strictly in increasing order. Only
  event and delivery rows are written under it (the rest is flushed before it is taken), so a
  holder never waits for a row lock of someone waiting for the advisory lock.
* SQLite has one writer at a time (BEGIN IMMEDIATE): ids are in commit order already.

The matching webhook deliveries are enqueued in the same transaction (app/db/events_repo.py).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from typing import Any

from sqlalchemy import event, inspect, text
from sqlalchemy.orm import Session, SessionTransaction

from app.db import events_repo
from app.db.base import new_id
from app.db.event_models import Event
from app.db.models import RecordEntry
from app.domain.errors import InvalidInput

_PENDING = "cadre_outbox_pending"
# pg_advisory_xact_lock key of the feed ("cadre_ev" in ASCII): one per database.
LOCK_KEY = 0x63616472655F6576

# Event types a subscription may name (`*`: all). Other subjects' actions map to
# "<subject>.updated" (see `event_type`), so a new kind of change still reaches the feed.
EVENT_TYPES: tuple[str, ...] = (
    "case.created",
    "case.updated",
    "case.transitioned",
    "case.candidate_changed",
    "fact.recorded",
    "fact.superseded",
    "candidate.created",
    "candidate.updated",
    "position.created",
    "position.updated",
    "policy.created",
    "nomination.lodged",
    "nomination.forwarded",
    "nomination.review_started",
    "nomination.admitted",
    "nomination.declined",
    "nomination.deadline_set",
    "nomination.attachment_added",
    "nomination.updated",
    "decision_body.created",
    "decision_body.member_joined",
    "decision_body.member_left",
    "calendar.year_loaded",
    "calendar.year_replaced",
)
_KNOWN = frozenset(EVENT_TYPES)

# Where a client reads the subject of an event (thin payloads: ids and links, no data).
SUBJECT_PATHS = {
    "case": "/api/v1/cases/{id}",
    "candidate": "/api/v1/candidates/{id}",
    "position": "/api/v1/positions/{id}",
    "policy": "/api/v1/policies/{id}",
    "nomination": "/api/v1/nominations/{id}",
    "decision_body": "/api/v1/decision-bodies/{id}",
}


def event_type(subject_type: str, action: str) -> str:
    """The feed's type of a record action (the record's actions are finer and may grow)."""
    if subject_type == "case":
        if action.startswith("transition."):
            return "case.transitioned"
        if action.startswith("fact."):
            return "fact.superseded" if action.endswith(".corrected") else "fact.recorded"
        if action == "case.created":
            return action
        if action == "pool.added" or action.startswith("candidate."):
            return "case.candidate_changed"
        return "case.updated"
    if action in _KNOWN:
        return action
    return f"{subject_type}.updated"


def stage(session: Session, entry: RecordEntry) -> None:
    """Queue `entry`'s event; it is written when (and only if) the session commits."""
    if entry.id is None:
        entry.id = new_id()  # the event names the entry before the entry is flushed
    session.info.setdefault(_PENDING, []).append(entry)


@event.listens_for(Session, "before_commit")
def _write_events(session: Session) -> None:
    pending: list[RecordEntry] = session.info.pop(_PENDING, [])
    if not pending:
        return
    session.flush()  # every other change first: under the lock only events are inserted
    # An entry undone by a rolled-back savepoint is no longer persistent: no event for it.
    entries = [e for e in pending if inspect(e).persistent]
    if not entries:
        return
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
    rows = [
        {
            "type": event_type(e.subject_type, e.action),
            "action": e.action,
            "subject_type": e.subject_type,
            "subject_id": e.subject_id,
            "case_id": e.case_id,
            "nomination_id": e.nomination_id,
            "record_entry_id": e.id,
            "occurred_at": e.at,
        }
        for e in entries
    ]
    events_repo.insert_events(session, rows)


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, previous: SessionTransaction) -> None:
    if not previous.nested:
        session.info.pop(_PENDING, None)


# --- cursors ------------------------------------------------------------------------------------

_CHECK_KEY = b"cadre-selection/events-cursor/v1"
MAX_POSITION = 2**63 - 1  # a BIGINT: a larger number is not a position (never a 500)
INVALID_CURSOR = "cursor is not valid; pass the cursor of an event or page unchanged"


def _check(payload: str) -> str:
    return hmac.new(_CHECK_KEY, payload.encode(), hashlib.sha256).hexdigest()[:16]


def encode_cursor(event_id: int) -> str:
    """Opaque and stable across restarts: the event's position and a keyed check."""
    payload = f"ev1|{event_id}"
    return base64.urlsafe_b64encode(f"{payload}|{_check(payload)}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The position after which to read; InvalidInput (422) for anything not made here."""
    try:
        padded = cursor.strip() + "=" * (-len(cursor.strip()) % 4)
        raw = base64.b64decode(padded.encode("ascii"), altchars=b"-_", validate=True)
        version, number, check = raw.decode("utf-8").split("|")
        if version != "ev1" or not hmac.compare_digest(check, _check(f"{version}|{number}")):
            raise ValueError("check does not match")
        if not number.isdigit() or int(number) > MAX_POSITION:
            raise ValueError("not a position")
        position = int(number)
        return position
    except (ValueError, UnicodeError, binascii.Error) as exc:
        raise InvalidInput(INVALID_CURSOR) from exc


def thin(e: Event) -> dict[str, Any]:
    """The event as the feed and the webhooks show it: type, ids and links, never the data."""
    path = SUBJECT_PATHS.get(e.subject_type)
    return {
        "id": f"evt_{e.id}",
        "type": e.type,
        "action": e.action,
        "occurred_at": e.occurred_at,
        "subject_type": e.subject_type,
        "subject_id": e.subject_id,
        "subject_href": path.format(id=e.subject_id) if path else None,
        "case_id": e.case_id,
        "case_href": SUBJECT_PATHS["case"].format(id=e.case_id) if e.case_id else None,
        "nomination_id": e.nomination_id,
        "cursor": encode_cursor(e.id),
    }
