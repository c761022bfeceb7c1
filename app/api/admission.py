"""Admission control: a bounded number of requests in the service at once, the rest shed.

Why: each request needs a worker thread and a database connection. When more requests wait
for the connection than there are threads, the one that holds the connection cannot get a
thread to finish, and everybody waits for the pool timeout (a stall, then 5xx). Admitting at
most `limit` requests (fewer than the threads) makes that impossible; a request that cannot be
admitted within `wait_seconds`, or that finds `queue` requests already waiting, is answered at
once with 503 and Retry-After, never left to time out.

Health probes are never queued: an orchestrator must see a live process even under load.
"""

from __future__ import annotations

import asyncio
import json
import math

from starlette.types import ASGIApp, Receive, Scope, Send

from app.api.problems import MEDIA_TYPE, PROBLEM_BASE

_EXEMPT = ("/healthz", "/readyz", "/metrics")


class Admission:
    def __init__(self, app: ASGIApp, *, limit: int, queue: int, wait_seconds: float) -> None:
        self.app = app
        self.limit = limit
        self.queue = queue
        self.wait_seconds = wait_seconds
        self._slots = asyncio.Semaphore(limit)
        self._waiting = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path", "").startswith(_EXEMPT):
            await self.app(scope, receive, send)
            return
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
