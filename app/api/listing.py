"""Query parameters shared by every list: `sort` (from the list's ListOrders) and the rule that
a filter given twice is refused unless it is declared as a list ("any of").

Why refuse: FastAPI would keep one of the values silently, and a sync client asking for
`status=a&status=b` would get a page that looks complete but is not.
"""

from __future__ import annotations

import types
from typing import Any, Union, get_args, get_origin

from fastapi import Query, Request
from fastapi.routing import APIRoute

from app.domain.errors import InvalidInput
from app.services.pagination import ListOrders


def sort_query(orders: ListOrders, notes: str = "") -> Any:
    """The `sort` parameter of a list: validated against the list's orders (422 otherwise)."""
    return Query(
        max_length=40,
        pattern=orders.pattern,
        description=orders.description(notes),
        examples=[orders.default, "-updated_at"],
    )


def _is_list(annotation: Any) -> bool:
    origin = get_origin(annotation)
    if origin in (list, tuple, set, frozenset):
        return True
    if origin in (Union, types.UnionType) or str(origin) == "typing.Annotated":
        return any(_is_list(a) for a in get_args(annotation))
    return False


def _single_valued(route: APIRoute) -> frozenset[str]:
    cached: frozenset[str] | None = getattr(route, "_single_valued_query", None)
    if cached is None:
        cached = frozenset(
            p.alias for p in route.dependant.query_params if not _is_list(p.field_info.annotation)
        )
        route._single_valued_query = cached  # type: ignore[attr-defined]
    return cached


async def refuse_repeated_filters(request: Request) -> None:
    """A query parameter that takes one value, given more than once, is a 422."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not request.url.query:
        return
    single = _single_valued(route)
    seen: dict[str, int] = {}
    for key, _ in request.query_params.multi_items():
        seen[key] = seen.get(key, 0) + 1
    repeated = sorted(k for k, n in seen.items() if n > 1 and k in single)
    if repeated:
        raise InvalidInput(
            f"{', '.join(repeated)} given more than once; "
            "this filter takes one value (filters that take several are documented as lists)"
        )
