"""Admission control: bounded work in the service at once, the rest shed quickly.

Two bounds:

* `Gate` bounds the requests that run their use case (a worker thread holding a database
  connection) at once: `CADRE_MAX_INFLIGHT`, by default sized for the database (one for SQLite,
  whose single connection serialises them anyway; see Settings.inflight_limit). The route class
  (app/api/routing.py) passes through it just before its one threadpool hop, after the body
  has been read and validated, so that a slow client never holds a database slot.
* `Admission`, an ASGI middleware, bounds the requests in the process at all (reading bodies,
  validating, serialising), so that a flood costs memory and event-loop time only up to a limit.

Why: when more requests wait for the connection than there are threads, the one holding it
cannot get a thread to finish and everybody waits for the pool timeout (a stall, then 5xx).
A request that cannot pass within `wait_seconds`, or that finds `queue` requests already
waiting, is answered at once with 503 and Retry-After, never left to time out.

Health probes are never queued: an orchestrator must see a live process even under load.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from app.api.problems import MEDIA_TYPE, PROBLEM_BASE, problem_response

_EXEMPT = ("/healthz", "/readyz", "/metrics")


class Overloaded(Exception):
    """No capacity within the deadline: a 503 problem with Retry-After (app/api/problems.py)."""

    def __init__(self, why: str, retry_after: int) -> None:
        super().__init__(why)
        self.why = why
        self.retry_after = retry_after


class Gate:
    """At most `limit` use cases at once; the others wait up to `wait_seconds`, `queue` deep."""

    def __init__(self, *, limit: int, queue: int, wait_seconds: float) -> None:
        self.limit = limit
        self.queue = queue
        self.wait_seconds = wait_seconds
        self.retry_after = max(1, math.ceil(wait_seconds))
        self._slots = asyncio.Semaphore(limit)
        self._waiting = 0

    @asynccontextmanager
    async def slot(self, deadline: float | None = None) -> AsyncIterator[None]:
        """`deadline` (event-loop time): when the request must have started, so that the
        time it already waited to be admitted counts; by default `wait_seconds` from now."""
        if self._waiting >= self.queue and self._slots.locked():
            raise Overloaded("too many requests are waiting", self.retry_after)
        loop = asyncio.get_running_loop()
        timeout = self.wait_seconds if deadline is None else deadline - loop.time()
        self._waiting += 1
        try:
            if self._slots.locked():
                await asyncio.wait_for(self._slots.acquire(), timeout=max(timeout, 0.01))
            else:
                await self._slots.acquire()  # free: never refused for lateness alone
        except TimeoutError:
            why = f"no capacity within {self.wait_seconds:g} s"
            raise Overloaded(why, self.retry_after) from None
        finally:
            self._waiting -= 1
        try:
            yield
        finally:
            self._slots.release()


# The gate of the app serving the current request and the request's deadline to start (set by
# Admission on arrival, read by the route class): one deadline for both waits.
CURRENT_GATE: ContextVar[tuple[Gate, float] | None] = ContextVar("cadre_gate", default=None)


class Admission:
    def __init__(
        self, app: ASGIApp, *, limit: int, queue: int, wait_seconds: float, gate: Gate
    ) -> None:
        self.app = app
        self.gate = gate
        self.limit = limit
        self.queue = queue
        self.wait_seconds = wait_seconds
        self._slots = asyncio.Semaphore(limit)
        self._waiting = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path", "").startswith(_EXEMPT):
            await self.app(scope, receive, send)
            return
        CURRENT_GATE.set((self.gate, asyncio.get_running_loop().time() + self.wait_seconds))
        if self._waiting >= self.queue and self._slots.locked():
            await self._shed(scope, send, "too many requests are waiting")
            return
        self._waiting += 1
        try:
            await asyncio.wait_for(self._slots.acquire(), timeout=self.wait_seconds)
        except TimeoutError:
            await self._shed(scope, send, f"no capacity within {self.wait_seconds:g} s")
            return
        finally:
            self._waiting -= 1
        try:
            await self.app(scope, receive, send)
        finally:
            self._slots.release()

    async def _shed(self, scope: Scope, send: Send, why: str) -> None:
        body = json.dumps(
            {
                "type": PROBLEM_BASE + "overloaded",
                "title": "Try again",
                "status": 503,
                "detail": f"the service is at capacity ({why}); retry after the delay given",
                "instance": scope.get("path", ""),
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 503,
                "headers": [
                    (b"content-type", MEDIA_TYPE.encode()),
                    (b"retry-after", str(max(1, math.ceil(self.wait_seconds))).encode()),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


async def overloaded_problem(request: Request, exc: Exception) -> Response:
    """The gate's 503: the same problem the middleware sheds with, with Retry-After."""
    assert isinstance(exc, Overloaded)
    return problem_response(
        503,
        "overloaded",
        "Try again",
        f"the service is at capacity ({exc.why}); retry after the delay given",
        request,
        headers={"Retry-After": str(exc.retry_after)},
    )
