"""Request-scoped dependencies: the unit of work, the authenticated actor, the clock."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session, sessionmaker

from app.api.idempotency import SCOPE_KEY as IDEMPOTENCY_SCOPE_KEY
from app.db.uow import UnitOfWork
from app.services import auth, idempotency
from app.services.context import Actor, Clock
from app.services.errors import Unauthenticated
from app.settings import Settings

bearer = HTTPBearer(
    auto_error=False,
    description="API token from `cadre token create`, sent as `Authorization: Bearer cad_...`",
)


# Trivial dependencies are `async def`: a sync one costs a threadpool hop per request.
async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


async def get_uow(request: Request) -> AsyncIterator[UnitOfWork]:
    """The request's unit of work. No I/O here: the session connects on its first statement,
    inside the endpoint's worker thread, which also closes it (app/api/routing.py)."""
    # Safe methods only read: they never take SQLite's write lock.
    read_only = request.method in {"GET", "HEAD"}
    uow = UnitOfWork(request.app.state.session_factory, read_only=read_only)
    reservation = request.scope.get(IDEMPOTENCY_SCOPE_KEY)
    if isinstance(reservation, idempotency.Reservation):
        # The commit of this request also marks its Idempotency-Key executed (or fails).
        idempotency.bind(uow, reservation)
    try:
        yield uow
    finally:
        # Normally closed already by the endpoint's thread; closing again does no I/O.
        uow.close()


UowDep = Annotated[UnitOfWork, Depends(get_uow, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings)]
ClockDep = Annotated[Clock, Depends(get_clock)]


@dataclass(frozen=True)
class PendingActor:
    """A bearer token not yet checked: `resolve_actor` checks it in the endpoint's thread."""

    token: str
    request_id: str
    pepper: str
    now: datetime
    session_factory: sessionmaker[Session]


async def get_actor(
    request: Request,
    settings: SettingsDep,
    clock: ClockDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Actor:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthenticated("send Authorization: Bearer <token>")
    # The id the observability middleware validated (and echoes), else the client's, else new.
    request_id = (
        getattr(request.state, "request_id", None)
        or request.headers.get("x-request-id")
        or str(uuid.uuid4())
    )
    pending = PendingActor(
        token=credentials.credentials,
        request_id=request_id[:64],
        pepper=settings.token_pepper,
        now=clock.now(),
        session_factory=request.app.state.session_factory,
    )
    # Typed as Actor for the endpoints: the route class (app/api/routing.py) swaps in the
    # authenticated Actor before the endpoint runs.
    return pending  # type: ignore[return-value]


def resolve_actor(pending: PendingActor, uow: UnitOfWork | None) -> Actor:
    """Check the token, in the request's own transaction when it has one (one BEGIN)."""
    if uow is not None:
        return _authenticate(uow, pending)
    with UnitOfWork(pending.session_factory, read_only=True) as own:
        return _authenticate(own, pending)


def _authenticate(uow: UnitOfWork, pending: PendingActor) -> Actor:
    return auth.authenticate(
        uow.session,
        pending.token,
        pepper=pending.pepper,
        now=pending.now,
        request_id=pending.request_id,
    )


ActorDep = Annotated[Actor, Depends(get_actor)]
