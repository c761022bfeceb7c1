"""Shared OpenAPI response declarations and headers."""

from __future__ import annotations

from typing import Any

from fastapi import Response

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_P: dict[str, Any] = {"content": {"application/problem+json": {"schema": PROBLEM_REF}}}


def problem(description: str) -> dict[str, Any]:
    """An error response declared as `application/problem+json` with the Problem schema."""
    return {**_P, "description": description}


PROBLEMS: dict[int | str, dict[str, Any]] = {
    400: {**_P, "description": "Bad request"},
    401: {**_P, "description": "Missing or invalid bearer token"},
    403: {**_P, "description": "Your role does not grant this"},
    404: {**_P, "description": "Not found (or not visible to you)"},
    409: {**_P, "description": "Conflicts with the current state"},
    412: {**_P, "description": "If-Match does not match (stale ETag)"},
    422: {**_P, "description": "Invalid input, or a rule refuses the step (see `rule`)"},
    428: {**_P, "description": "If-Match required"},
    503: {**_P, "description": "Busy; retry after Retry-After"},
}


def no_store(response: Response) -> None:
    """Personal data must not be cached by intermediaries."""
    response.headers["Cache-Control"] = "no-store"
