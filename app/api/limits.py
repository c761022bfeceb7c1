"""Request body size limit (413 before the body is read into memory)."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.problems import MEDIA_TYPE, PROBLEM_BASE


class BodySizeLimit:
    """Refuses bodies above `max_bytes` (multipart uploads have their own, larger limit)."""

    def __init__(self, app: ASGIApp, max_bytes: int, upload_max_bytes: int | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.upload_max_bytes = upload_max_bytes or max_bytes * 64

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        ctype = headers.get(b"content-type", b"").decode("latin-1")
        limit = self.upload_max_bytes if ctype.startswith("multipart/") else self.max_bytes
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _too_large(send, limit)
            return
        received = 0
        responded = False

        async def guarded_send(message: Message) -> None:
            if not responded:
                await send(message)

        async def limited() -> Message:
            nonlocal received, responded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # Answer now; whatever the app does after the fake disconnect is dropped.
                    if not responded:
                        responded = True
                        await _too_large(send, limit)
                    return {"type": "http.disconnect"}
            return message

        await self.app(scope, limited, guarded_send)


async def _too_large(send: Send, limit: int) -> None:
    body = json.dumps(
        {
            "type": PROBLEM_BASE + "too-large",
            "title": "Request body too large",
            "status": 413,
            "detail": f"the body exceeds {limit} bytes",
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", MEDIA_TYPE.encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
