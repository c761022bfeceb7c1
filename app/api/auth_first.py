"""Answer 401 before anything else reads the request when the Authorization header is absent.

FastAPI parses a JSON body before it runs dependencies, so without this an anonymous request
with a broken body would learn about our validation (422) before being told to authenticate.
The token itself is still verified by the `get_actor` dependency.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Receive, Scope, Send

from app.api.problems import MEDIA_TYPE, PROBLEM_BASE

OPEN_PREFIXES = ("/api/v1/public/",)


class RequireBearer:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if (
            scope["type"] != "http"
            or not path.startswith("/api/v1/")
            or path.startswith(OPEN_PREFIXES)
            or scope.get("method") == "OPTIONS"
        ):
            await self.app(scope, receive, send)
            return
        auth = dict(scope.get("headers") or []).get(b"authorization", b"")
        if auth[:7].lower() == b"bearer " and auth[7:].strip():
            await self.app(scope, receive, send)
            return
        body = json.dumps(
            {
                "type": PROBLEM_BASE + "unauthenticated",
                "title": "Authentication required",
                "status": 401,
                "detail": "send Authorization: Bearer <token>",
                "instance": path,
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 401,
                "headers": [
                    (b"content-type", MEDIA_TYPE.encode()),
                    (b"www-authenticate", b'Bearer realm="cadre-selection"'),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
