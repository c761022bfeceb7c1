"""Idempotency-Key: at most one execution per (principal, key), whatever the timing.

1. `begin`, in one short transaction of its own before the request runs: authenticate the
   bearer token (a revoked or expired token is refused here, before anything is replayed), then
   reserve the key by inserting a `pending` row, unique on (principal, key). A concurrent
   duplicate finds that row and is told the first is in progress; a later one finds the stored
   answer and gets it replayed, if the principal still holds the roles it ran with.
2. `bind` ties the reservation to the request's unit of work: when the request commits, the
   same transaction turns `pending` into `executed`, on the condition that the reservation
   still holds the key. The side effect and the mark are one commit: either both or neither.
3. `finish` stores the answer (`completed`) after the request; a request that failed before
   committing anything (4xx, 5xx) releases the key, so a corrected retry runs.

A crash leaves either a `pending` row whose transaction never committed (once its lease has
run out another attempt takes the key over and runs: nothing ran before) or an `executed` row
without an answer (never run again: the retry is told the outcome is unknown). An attempt that
outlives its lease cannot commit once another took the key over: its conditional mark fails
and its transaction rolls back.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, event, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import IdempotencyKey
from app.db.uow import UnitOfWork
from app.domain.errors import Conflict
from app.services import auth

TTL = timedelta(hours=24)
PENDING, EXECUTED, COMPLETED = "pending", "executed", "completed"


@dataclass(frozen=True, slots=True)
class Reservation:
    """This request holds the key: run it, bind it to the unit of work, then finish it."""

    row_id: uuid.UUID
    attempt: uuid.UUID


@dataclass(frozen=True, slots=True)
class Replay:
    """The first request's answer, to send again."""

    status_code: int
    body: bytes
    headers: dict[str, str]


@dataclass(frozen=True, slots=True)
class Refusal:
    """Another answer instead of running the request: what the API sends."""

    status_code: int
    slug: str
    title: str
    detail: str
    retry_after: int | None = None


Begun = Reservation | Replay | Refusal


class KeyTakenOver(Conflict):
    """The reservation ran out and another attempt took the key over: this one must not commit."""


def begin(
    factory: sessionmaker[Session],
    *,
    token: str,
    pepper: str,
    key: str,
    fingerprint: str,
    now: datetime,
    lease: timedelta,
    request_id: str | None,
) -> Begun:
    """Authenticate (Unauthenticated for a bad, revoked or expired token), then reserve the key
    or say what to answer instead. Commits its own short transaction."""
    with UnitOfWork(factory) as uow:
        actor = auth.authenticate(uow.session, token, pepper=pepper, now=now, request_id=request_id)
        scope = str(actor.principal_id)
        roles = sorted(role.value for role in actor.roles)
        session = uow.session
        session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at <= now - TTL))
        for _ in range(5):
            row = session.scalars(
                select(IdempotencyKey).where(
                    IdempotencyKey.scope == scope, IdempotencyKey.key == key
                )
            ).first()
            if row is None:
                reserved = _insert(session, scope, key, fingerprint, roles, now, lease)
                if reserved is None:
                    continue  # a concurrent duplicate reserved it first: look again
                uow.commit()
                return reserved
            expired = row.created_at <= now - TTL
            if expired or (row.state == PENDING and row.lease_until <= now):
                # Nothing of the earlier attempt committed (its mark would have made the row
                # `executed`), or its answer is past keeping: take the key over.
                taken = _take_over(session, row, fingerprint, roles, now, lease)
                if taken is None:
                    continue
                uow.commit()
                return taken
            uow.commit()  # the purge above
            return _answer_for(row, fingerprint, set(roles), now)
        return Refusal(  # pragma: no cover (five lost races in a row)
            409, "idempotency-in-progress", "Request in progress", _BUSY, retry_after=1
        )


_BUSY = "a request with this Idempotency-Key is in progress; retry after the delay given"


def _insert(
    session: Session,
    scope: str,
    key: str,
    fingerprint: str,
    roles: list[str],
    now: datetime,
    lease: timedelta,
) -> Reservation | None:
    attempt = uuid.uuid4()
    row = IdempotencyKey(
        scope=scope,
        key=key,
        fingerprint=fingerprint,
        state=PENDING,
        attempt=attempt,
        roles=list(roles),
        lease_until=now + lease,
        response_headers={},
        created_at=now,
    )
    try:
        with session.begin_nested():  # a savepoint: losing the race keeps the transaction
            session.add(row)
    except IntegrityError:
        session.expunge_all()
        return None
    return Reservation(row_id=row.id, attempt=attempt)


def _take_over(
    session: Session,
    row: IdempotencyKey,
    fingerprint: str,
    roles: list[str],
    now: datetime,
    lease: timedelta,
) -> Reservation | None:
    attempt = uuid.uuid4()
    result = session.execute(
        update(IdempotencyKey)
        .where(
            IdempotencyKey.id == row.id,
            IdempotencyKey.attempt == row.attempt,
            IdempotencyKey.state == row.state,
        )
        .values(
            fingerprint=fingerprint,
            state=PENDING,
            attempt=attempt,
            roles=list(roles),
            lease_until=now + lease,
            status_code=None,
            response_body=None,
            response_headers={},
            created_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    session.expunge_all()
    return Reservation(row_id=row.id, attempt=attempt) if _count(result) == 1 else None


def _answer_for(row: IdempotencyKey, fingerprint: str, roles: set[str], now: datetime) -> Begun:
    if row.fingerprint != fingerprint:
        return Refusal(
            422,
            "idempotency-key",
            "Idempotency-Key conflict",
            "this Idempotency-Key was used with another request (method, path or body)",
        )
    if row.state == PENDING or (row.state == EXECUTED and row.lease_until > now):
        return Refusal(409, "idempotency-in-progress", "Request in progress", _BUSY, retry_after=1)
    if row.state == EXECUTED:
        return Refusal(
            409,
            "idempotency-outcome-unknown",
            "Request carried out, answer not kept",
            "the request with this Idempotency-Key was carried out but its answer was lost; "
            "it is not run again: read the resource to see the outcome",
        )
    if not {str(r) for r in row.roles} <= roles:
        return Refusal(
            403,
            "forbidden",
            "Your role does not grant this",
            "your roles have changed since this request ran; its answer is not replayed",
        )
    headers = {k: str(v) for k, v in row.response_headers.items()}
    return Replay(
        status_code=row.status_code or 500, body=row.response_body or b"", headers=headers
    )


def bind(uow: UnitOfWork, reservation: Reservation) -> None:
    """Make the request's commit mark the key `executed` in the same transaction, or fail
    (KeyTakenOver, nothing committed) when the reservation no longer holds the key."""
    marked = False

    def before_commit(session: Session) -> None:
        if marked:
            return
        result = session.execute(
            update(IdempotencyKey)
            .where(
                IdempotencyKey.id == reservation.row_id,
                IdempotencyKey.attempt == reservation.attempt,
                IdempotencyKey.state == PENDING,
            )
            .values(state=EXECUTED)
            .execution_options(synchronize_session=False)
        )
        if _count(result) != 1:
            raise KeyTakenOver(
                "this request outlived its Idempotency-Key reservation and another attempt "
                "took the key over; nothing of this one was kept"
            )

    def after_commit(session: Session) -> None:
        nonlocal marked
        marked = True

    event.listen(uow.session, "before_commit", before_commit)
    event.listen(uow.session, "after_commit", after_commit)


def finish(
    factory: sessionmaker[Session],
    reservation: Reservation,
    *,
    status_code: int,
    body: bytes,
    headers: dict[str, str],
) -> None:
    """Keep the answer of a request that committed (whatever its status) or that succeeded
    without writing (2xx); release the key of one that failed before committing anything."""
    ok = 200 <= status_code < 300
    mine = (IdempotencyKey.id == reservation.row_id) & (
        IdempotencyKey.attempt == reservation.attempt
    )
    kept_states = [EXECUTED, PENDING] if ok else [EXECUTED]
    with UnitOfWork(factory) as uow:
        result = uow.session.execute(
            update(IdempotencyKey)
            .where(mine, IdempotencyKey.state.in_(kept_states))
            .values(
                state=COMPLETED,
                status_code=status_code,
                response_body=body,
                response_headers=dict(headers),
            )
            .execution_options(synchronize_session=False)
        )
        if _count(result) == 0 and not ok:
            uow.session.execute(delete(IdempotencyKey).where(mine, IdempotencyKey.state == PENDING))
        uow.commit()


def abandon(factory: sessionmaker[Session], reservation: Reservation) -> None:
    """The request raised: release the key unless its transaction committed (then `executed`
    stays, and a retry is told the outcome is unknown instead of running it again)."""
    with UnitOfWork(factory) as uow:
        uow.session.execute(
            delete(IdempotencyKey).where(
                IdempotencyKey.id == reservation.row_id,
                IdempotencyKey.attempt == reservation.attempt,
                IdempotencyKey.state == PENDING,
            )
        )
        uow.commit()


def _count(result: Any) -> int:
    return result.rowcount if isinstance(result, CursorResult) else 0
