"""The app's API routes, flattened: FastAPI ≥ 0.16x keeps an included router as one entry of
`app.routes` (its routes under `original_router`), so `app.routes` alone misses them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi.routing import APIRoute
from starlette.routing import BaseRoute


def all_routes(app: Any) -> list[BaseRoute]:
    """Every route the app serves, included routers opened up."""
    found: list[BaseRoute] = []

    def walk(routes: Iterable[Any]) -> None:
        for route in routes:
            inner = getattr(route, "original_router", None)
            if inner is not None:
                walk(inner.routes)
            else:
                found.append(route)

    walk(app.routes)
    return found


def api_routes(app: Any, prefix: str = "/api/") -> list[APIRoute]:
    return [r for r in all_routes(app) if isinstance(r, APIRoute) and r.path.startswith(prefix)]
