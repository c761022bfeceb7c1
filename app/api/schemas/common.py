"""Shared API schema pieces."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Generic, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
)

T = TypeVar("T")


class StrictModel(BaseModel):
    """Request bodies: unknown fields are a 422, never silently ignored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class OutModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# Strings: bounded, and no NUL (PostgreSQL refuses it; we refuse it first with a 422).
def Text(max_length: int, min_length: int = 0) -> object:  # noqa: N802 (reads like a type)
    return StringConstraints(min_length=min_length, max_length=max_length, pattern=r"^[^\x00]*$")


ShortText = Annotated[str, Text(200)]
Name = Annotated[str, Text(100, 1)]
LongText = Annotated[str, Text(20000)]
Years = Annotated[
    Decimal,
    Field(ge=0, le=60, decimal_places=1, examples=[2.5]),
    PlainSerializer(float, return_type=float),
]


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(
        default=None, description="Opaque; pass as `cursor` to get the next page"
    )


LIMIT_DESCRIPTION = "Page size (default 50, at most 200)"


def _iso_only(value: object) -> object:
    """A bare number is not a date-time here (pydantic would read it as a Unix timestamp)."""
    text = str(value).strip()
    if isinstance(value, int | float) or text.replace(".", "", 1).lstrip("+-").isdigit():
        raise ValueError("use an ISO 8601 date-time, e.g. 2026-03-02T09:00:00+08:00")
    return value


IsoDateTime = Annotated[datetime, BeforeValidator(_iso_only)]
