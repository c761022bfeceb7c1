"""Conditional GET: `If-None-Match` answers 304 on every GET that carries an ETag.

A pure ASGI middleware, so every endpoint gets it without code of its own. Versioned resources
set their ETag (`"v<version>"`, extended by a hash of the answer where the version does not
cover all of it, see `extend_etag`); a list page gets a strong ETag made from a hash of its
bytes, so a sync client can poll a page and be told "not modified" for the price of the query
but not of the transfer. The answer is
compared with If-None-Match by the weak comparison of RFC 9110 §13.1.2 (`W/` ignored; `*`
matches any current representation).
"""

from __future__ import annotations

import hashlib

from fastapi import Response
from fastapi.routing import APIRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.schemas.common import Page

# Kept on a 304 (RFC 9110 §15.4.5): what a 200 would have sent about caching and identity.
_KEEP_ON_304 = {b"etag", b"cache-control", b"vary", b"content-location", b"expires", b"date"}
_MAX_HASHED = 8 * 1024 * 1024  # larger JSON answers are passed through without an ETag


# Private marker (never sent): this GET's version ETag does not cover all it answers.
_EXTEND = b"x-cadre-etag-extend"


def extend_etag(response: Response) -> None:
    """For a GET whose answer holds more than the row's version covers (a cadre's misconduct
    and reserve-pool entries, a case's allowed actions that move with the clock and the
    candidates' data): its ETag becomes `"v<version>.h<hash of the answer>"`, so that
    If-None-Match never answers 304 to a changed answer. If-Match takes either form."""
    response.headers[_EXTEND.decode()] = "1"


def _is_list_page(scope: Scope) -> bool:
    """A list page (a `Page` answer): its ETag is a hash of its bytes. Other answers without
    a version (a package calendar year, the rule book) keep having none."""
    route = scope.get("route")  # set by the router on this same scope
    model = getattr(route, "response_model", None)
    return isinstance(route, APIRoute) and isinstance(model, type) and issubclass(model, Page)


def body_etag(body: bytes) -> str:
    return '"h' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _matches(if_none_match: str, tag: str) -> bool:
    wanted = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
    return "*" in wanted or tag.removeprefix("W/") in wanted


class ConditionalGet:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        if_none_match = next(
            (v.decode("latin-1") for k, v in scope["headers"] if k == b"if-none-match"), None
        )
        start: Message | None = None
        parts: list[bytes] = []
        state = "pass"  # or "swallow" (a 304 was sent) or "hash" (buffer, then decide)

        async def not_modified(headers: list[tuple[bytes, bytes]]) -> None:
            kept = [(k, v) for k, v in headers if k.lower() in _KEEP_ON_304]
            await send({"type": "http.response.start", "status": 304, "headers": kept})
            await send({"type": "http.response.body", "body": b""})

        async def wrapped(message: Message) -> None:
            nonlocal start, state
            if message["type"] == "http.response.start":
                extend = any(k.lower() == _EXTEND for k, _ in message["headers"])
                if extend:
                    raw = [(k, v) for k, v in message["headers"] if k.lower() != _EXTEND]
                    message = {**message, "headers": raw}
                headers = {k.lower(): v for k, v in message["headers"]}
                tag = headers.get(b"etag")
                if message["status"] != 200:
                    state = "pass"
                elif tag is not None and extend:
                    state, start = "hash", message
                    return
                elif tag is not None:
                    if if_none_match is not None and _matches(if_none_match, tag.decode()):
                        state = "swallow"
                        await not_modified(list(message["headers"]))
                        return
                elif _is_list_page(scope):
                    state, start = "hash", message
                    return
                await send(message)
                return
            if state == "swallow":
                return
            if state != "hash" or start is None:
                await send(message)
                return
            parts.append(message.get("body", b""))
            if message.get("more_body"):
                if sum(len(p) for p in parts) <= _MAX_HASHED:
                    return
                state = "pass"  # too large to hash: forward what is held, then stream
                await send(start)
                await send(
                    {"type": "http.response.body", "body": b"".join(parts), "more_body": True}
                )
                return
            body = b"".join(parts)
            tag = body_etag(body)
            version = next((v for k, v in start["headers"] if k.lower() == b"etag"), None)
            if version is not None:  # "v3" + "h…" -> "v3.h…"
                tag = version.decode("latin-1")[:-1] + "." + tag[1:]
            kept = [(k, v) for k, v in start["headers"] if k.lower() != b"etag"]
            headers_out = [*kept, (b"etag", tag.encode("latin-1"))]
            state = "pass"
            if if_none_match is not None and _matches(if_none_match, tag):
                await not_modified(headers_out)
                return
            await send({**start, "headers": headers_out})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, wrapped)
