"""Idempotency-Key on POST: the same key and body replay the first 2xx response; the same key
with another body is a 422. Keys are scoped by the caller's credentials and kept 24 hours.

Only successful responses are stored, so a corrected retry after a 4xx with the same key runs.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

import anyio
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.problems import MEDIA_TYPE, PROBLEM_BASE
from app.db.models import IdempotencyKey

TTL = timedelta(hours=24)
_REPLAYED_HEADERS = ("content-type", "location", "etag", "cache-control")


class Idempotency:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        raw_key = headers.get(b"idempotency-key")
        if raw_key is None:
            await self.app(scope, receive, send)
            return
        key = raw_key.decode("latin-1").strip()
        if not key or len(key) > 200:
            await _problem(send, 422, "Idempotency-Key must be 1 to 200 characters")
            return
        body = b""
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        credential = headers.get(b"authorization") or str(scope.get("client")).encode()
        caller = hashlib.sha256(credential).hexdigest()
        fingerprint = hashlib.sha256(
            scope["path"].encode() + b"?" + scope.get("query_string", b"") + b"\0" + body
        ).hexdigest()
        app_state = scope["app"].state
        found = await anyio.to_thread.run_sync(_lookup, app_state, caller, key)
        if found is not None:
            if found.fingerprint != fingerprint:
                await _problem(send, 422, "this Idempotency-Key was used with another request body")
                return
            stored = [(k.encode(), str(v).encode()) for k, v in found.response_headers.items()]
            await send(
                {
                    "type": "http.response.start",
                    "status": found.status_code,
                    "headers": [*stored, (b"idempotent-replayed", b"true")],
                }
            )
            await send({"type": "http.response.body", "body": found.response_body})
            return

        sent = False

        async def replay_body() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        status = 0
        out_headers: list[tuple[bytes, bytes]] = []
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal status, out_headers
            if message["type"] == "http.response.start":
                status = message["status"]
                out_headers = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        await self.app(scope, replay_body, capture)
        if 200 <= status < 300:
            kept = {
                k.decode("latin-1"): v.decode("latin-1")
                for k, v in out_headers
                if k.decode("latin-1").lower() in _REPLAYED_HEADERS
            }
            await anyio.to_thread.run_sync(
                _store, app_state, caller, key, fingerprint, status, b"".join(chunks), kept
            )


def _lookup(state: Any, caller: str, key: str) -> IdempotencyKey | None:
    clock = state.clock
    with state.session_factory() as session:
        row: IdempotencyKey | None = session.scalars(
            select(IdempotencyKey).where(IdempotencyKey.scope == caller, IdempotencyKey.key == key)
        ).first()
        if row is not None and row.created_at <= clock.now() - TTL:
            session.execute(delete(IdempotencyKey).where(IdempotencyKey.id == row.id))
            session.commit()
            return None
        return row


def _store(
    state: Any,
    caller: str,
    key: str,
    fingerprint: str,
    status: int,
    body: bytes,
    headers: dict[str, str],
) -> None:
    with state.session_factory() as session:
        session.add(
            IdempotencyKey(
                scope=caller,
                key=key,
                fingerprint=fingerprint,
                status_code=status,
                response_body=body,
                response_headers=dict(headers),
                created_at=state.clock.now(),
            )
        )
        try:
            session.commit()
        except IntegrityError:  # a concurrent retry stored it first; its response stands
            session.rollback()


async def _problem(send: Send, status: int, detail: str) -> None:
    payload = json.dumps(
        {
            "type": PROBLEM_BASE + "idempotency-key",
            "title": "Idempotency-Key conflict",
            "status": status,
            "detail": detail,
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", MEDIA_TYPE.encode())],
        }
    )
    await send({"type": "http.response.body", "body": payload})
