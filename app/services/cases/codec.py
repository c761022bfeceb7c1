"""Typed facts to and from their stored JSON, with the schema version checked on read."""

from __future__ import annotations

from datetime import UTC
from functools import cache
from typing import Any

from pydantic import TypeAdapter

from app.db.models import CaseFact
from app.domain.errors import Conflict
from app.domain.facts import KINDS, READABLE_SCHEMA_VERSIONS, SCHEMA_VERSION, Fact, FactValue


@cache
def _adapter(kind: str) -> TypeAdapter[Any]:
    return TypeAdapter(KINDS[kind])


def to_json(kind: str, value: FactValue) -> dict[str, Any]:
    data: dict[str, Any] = _adapter(kind).dump_python(value, mode="json")
    return data


def from_input(kind: str, data: dict[str, Any]) -> FactValue:
    """A validated request body (already checked by its API model) as the domain value."""
    value: FactValue = _adapter(kind).validate_python(data)
    return value


def decode(row: CaseFact, superseded_by: dict[Any, Any]) -> Fact:
    if row.schema_version not in READABLE_SCHEMA_VERSIONS:
        raise Conflict(
            f"fact {row.id} ({row.kind}) is stored under schema {row.schema_version}; this "
            f"service reads schemas {', '.join(map(str, sorted(READABLE_SCHEMA_VERSIONS)))} "
            f"(writes {SCHEMA_VERSION}). Migrate the database (alembic upgrade head)"
        )
    value: FactValue = _adapter(row.kind).validate_python(row.data)
    return Fact(
        id=row.id,
        kind=row.kind,
        seq=row.seq,
        stage=row.stage,
        value=value,
        recorded_at=row.created_at.astimezone(UTC),  # one spelling of an instant everywhere
        candidate_id=row.candidate_id,
        supersedes=row.supersedes_id,
        superseded_by=superseded_by.get(row.id),
        correction_reason=row.correction_reason,
    )


def decode_all(rows: list[CaseFact]) -> list[Fact]:
    later = {r.supersedes_id: r.id for r in rows if r.supersedes_id is not None}
    return [decode(r, later) for r in rows]
