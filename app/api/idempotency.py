"""Idempotency-Key on POST: at most one execution per (principal, key); see
app/services/idempotency.py for the reservation protocol.

For a POST to the authenticated API carrying `Idempotency-Key`:

* the bearer token is verified against the database first: a bad, revoked or expired token is a
  401, and nothing is replayed to it;
* the same key with the same request (method, path, query and body) replays the first answer
  with `Idempotent-Replayed: true`; with another request it is a 422;
* while the first request runs, a duplicate is a 409 `idempotency-in-progress` with
  Retry-After;
* a first request that fails before committing anything (4xx, 5xx) releases the key;
* keys are kept 24 hours per principal (whichever of its tokens is used).

The answer is stored before it is sent, so a client that has seen it always gets it replayed.
The public endpoints (no principal) do not take keys: the header is ignored there.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from datetime import timedelta
from typing import Any

import anyio
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.auth_first import OPEN_PREFIXES
from app.api.problems import MEDIA_TYPE, PROBLEM_BASE
from app.services import idempotency as svc
from app.services.errors import Unauthenticated
from app.settings import Settings

# The reservation of this request, for the unit of work (app/api/deps.py) to bind.
SCOPE_KEY = "cadre.idempotency"
_REPLAYED_HEADERS = ("content-type", "location", "etag", "cache-control")
log = logging.getLogger("app.idempotency")


class Idempotency:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or not path.startswith("/api/v1/")
            or path.startswith(OPEN_PREFIXES)
        ):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        raw_key = headers.get(b"idempotency-key")
        if raw_key is None:
            await self.app(scope, receive, send)
            return
        key = raw_key.decode("latin-1").strip()
        if not 1 <= len(key) <= 200 or not all("!" <= ch <= "~" for ch in key):
            await _problem(
                send,
                422,
                "idempotency-key",
                "Idempotency-Key conflict",
                "Idempotency-Key must be 1 to 200 visible ASCII characters",
            )
            return
        parts: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            parts.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(parts)
        authorization = headers.get(b"authorization", b"").decode("latin-1")
        scheme, _, token = authorization.partition(" ")
        fingerprint = hashlib.sha256(
            b"POST " + path.encode() + b"?" + scope.get("query_string", b"") + b"\0" + body
        ).hexdigest()
        state = scope["app"].state
        settings: Settings = state.settings
        request_id = headers.get(b"x-request-id", b"").decode("latin-1")[:64] or str(uuid.uuid4())
        try:
            if scheme.lower() != "bearer":
                raise Unauthenticated("send Authorization: Bearer <token>")
            begun = await anyio.to_thread.run_sync(
                lambda: svc.begin(
                    state.session_factory,
                    token=token.strip(),
                    pepper=settings.token_pepper,
                    key=key,
                    fingerprint=fingerprint,
                    now=state.clock.now(),
                    lease=timedelta(seconds=settings.idempotency_lease_seconds),
                    request_id=request_id,
                )
            )
        except Unauthenticated as exc:
            await _problem(
                send,
                401,
                "unauthenticated",
                "Authentication required",
                exc.detail,
                [(b"www-authenticate", b'Bearer realm="cadre-selection"')],
            )
            return
        except (OperationalError, PoolTimeout):
            log.warning("database busy while reserving an Idempotency-Key", exc_info=True)
            await _problem(
                send, 503, "busy", "Try again", "the database is busy", [(b"retry-after", b"1")]
            )
            return
        if isinstance(begun, svc.Replay):
            await _replay(send, begun)
            return
        if isinstance(begun, svc.Refusal):
            extra = [(b"retry-after", str(begun.retry_after).encode())] if begun.retry_after else []
            await _problem(send, begun.status_code, begun.slug, begun.title, begun.detail, extra)
            return
        await self._run(scope, body, receive, send, begun)

    async def _run(
        self,
        scope: Scope,
        body: bytes,
        receive: Receive,
        send: Send,
        reservation: svc.Reservation,
    ) -> None:
        state = scope["app"].state
        sent = False

        async def replay_body() -> Message:
            nonlocal sent
            if sent:
                return await receive()  # the body was read in full: only a disconnect comes
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        start: Message | None = None
        chunks: list[Message] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            else:
                chunks.append(message)

        scope[SCOPE_KEY] = reservation
        try:
            await self.app(scope, replay_body, capture)
        except BaseException:
            await _abandon(state, reservation)
            raise
        if start is None:  # pragma: no cover (an app that answered nothing)
            await _abandon(state, reservation)
            return
        status: int = start["status"]
        out_headers: list[tuple[bytes, bytes]] = list(start.get("headers", []))
        kept = {
            k.decode("latin-1").lower(): v.decode("latin-1")
            for k, v in out_headers
            if k.decode("latin-1").lower() in _REPLAYED_HEADERS
        }
        payload = b"".join(m.get("body", b"") for m in chunks if m["type"] == "http.response.body")
        try:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(
                    lambda: svc.finish(
                        state.session_factory,
                        reservation,
                        status_code=status,
                        body=payload,
                        headers=kept,
                    )
                )
        except Exception:
            # The answer still goes out; the key stays `executed` (never run again) or
            # `pending` (released when its lease runs out).
            log.exception("could not store the answer for an Idempotency-Key")
        await send(start)
        for message in chunks:
            await send(message)


async def _abandon(state: Any, reservation: svc.Reservation) -> None:
    try:
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(svc.abandon, state.session_factory, reservation)
    except Exception:
        log.exception("could not release an Idempotency-Key after a failed request")


async def _replay(send: Send, replay: svc.Replay) -> None:
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in replay.headers.items()]
    headers += [
        (b"idempotent-replayed", b"true"),
        (b"content-length", str(len(replay.body)).encode()),
    ]
    await send({"type": "http.response.start", "status": replay.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": replay.body})


async def _problem(
    send: Send,
    status: int,
    slug: str,
    title: str,
    detail: str,
    extra_headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    payload = json.dumps(
        {"type": PROBLEM_BASE + slug, "title": title, "status": status, "detail": detail}
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", MEDIA_TYPE.encode()),
                (b"content-length", str(len(payload)).encode()),
                *(extra_headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
