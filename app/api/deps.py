"""Request-scoped dependencies: the unit of work, the authenticated actor, the clock."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

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


def get_uow(request: Request) -> Iterator[UnitOfWork]:
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
        uow.rollback()
        uow.close()


# scope="function": the session closes before the response is sent, never after.
UowDep = Annotated[UnitOfWork, Depends(get_uow, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings)]
ClockDep = Annotated[Clock, Depends(get_clock)]


def get_actor(
    request: Request,
    uow: UowDep,
    settings: SettingsDep,
    clock: ClockDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Actor:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthenticated("send Authorization: Bearer <token>")
    request_id = request.headers.get("x-request-id") or str(uuid.uuid4())
    actor = auth.authenticate(
        uow.session,
        credentials.credentials,
        pepper=settings.token_pepper,
        now=clock.now(),
        request_id=request_id[:64],
    )
    # The token lookup and the use case share one transaction (one BEGIN per request).
    return actor


ActorDep = Annotated[Actor, Depends(get_actor)]
