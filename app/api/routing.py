"""One threadpool hop per request: the route class every router uses.

Why (measured, see README "Performance"): FastAPI runs each sync dependency, the sync endpoint
and the validation of its answer in separate threadpool hops. With the unit of work and the
authentication as sync dependencies a request took five hops; between two hops a request holds
the only SQLite connection while it waits for a thread, and under load the event loop competes
with it for the GIL. Here the dependencies are `async` and do no I/O (the session connects on
its first statement), and the endpoint runs in **one** hop that authenticates, runs the use
case and closes the session before the answer is serialised (in the event loop, from the model
the endpoint returned, without revalidating it). Just before the hop the request passes the
database gate (app/api/admission.py), so that only requests ready to run hold a slot.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, get_type_hints

from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from app.api.admission import CURRENT_GATE
from app.api.deps import PendingActor, resolve_actor
from app.db.uow import UnitOfWork
from app.services.context import Actor


def _params_of(endpoint: Callable[..., Any], kind: type) -> list[str]:
    hints = get_type_hints(endpoint, include_extras=True)
    found = []
    for name, hint in hints.items():
        if name == "return":
            continue
        base = getattr(hint, "__origin__", hint)
        if base is kind:
            found.append(name)
    return found


def one_hop(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a sync endpoint: authenticate, run and close the session in one worker thread."""
    actors = _params_of(endpoint, Actor)
    uows = _params_of(endpoint, UnitOfWork)

    def in_thread(values: dict[str, Any]) -> Any:
        uow: UnitOfWork | None = values[uows[0]] if uows else None
        try:
            for name in actors:
                pending = values[name]
                if isinstance(pending, PendingActor):
                    values[name] = resolve_actor(pending, uow)
            return endpoint(**values)
        finally:
            for name in uows:
                values[name].close()

    @functools.wraps(endpoint)
    async def wrapper(**values: Any) -> Any:
        current = CURRENT_GATE.get()
        if current is None:  # an app without admission control (none is built so today)
            return await run_in_threadpool(in_thread, values)
        gate, deadline = current
        async with gate.slot(deadline):
            return await run_in_threadpool(in_thread, values)

    # FastAPI reads the parameters from the signature (functools.wraps keeps __wrapped__).
    wrapper.__signature__ = inspect.signature(endpoint, eval_str=True)  # type: ignore[attr-defined]
    return wrapper


class OneHopRoute(APIRoute):
    """An APIRoute whose sync endpoint runs in one threadpool hop (see the module docstring)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if not inspect.iscoroutinefunction(endpoint):
            endpoint = one_hop(endpoint)
        super().__init__(path, endpoint, **kwargs)
