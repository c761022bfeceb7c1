"""Selection policies: named, immutable, versioned; only ever tighter than the central floor."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import SelectionPolicy
from app.db.uow import UnitOfWork
from app.domain.errors import Conflict, InvalidInput, NotFound, raise_if
from app.domain.policy import (
    CENTRAL,
    PARAMETER_FLOORS,
    PRESETS,
    ParameterFloor,
    PolicyParams,
    floor_violations,
    params_from_dict,
    params_to_dict,
)
from app.services import audit
from app.services.context import Actor, Clock
from app.services.pagination import ListOrders

DEFAULT_POLICY = "central"


def params_of(row: SelectionPolicy) -> PolicyParams:
    return params_from_dict(row.params)


def _latest(session: Session, name: str) -> SelectionPolicy | None:
    return session.scalars(
        select(SelectionPolicy)
        .where(SelectionPolicy.name == name)
        .order_by(SelectionPolicy.version.desc())
        .limit(1)
    ).first()


def sync_presets(factory: sessionmaker[Session], clock: Clock) -> None:
    """Make every shipped preset available as a policy; a changed preset gets a new version."""
    with factory() as session:
        for preset in PRESETS.values():
            wanted = params_to_dict(preset.params)
            latest = _latest(session, preset.name)
            if latest is not None and latest.params == wanted:
                continue
            session.add(
                SelectionPolicy(
                    name=preset.name,
                    version=(latest.version + 1) if latest else 1,
                    title=f"{preset.title_en} ({preset.title_zh})",
                    description=preset.description,
                    source=preset.source,
                    preset=True,
                    params=wanted,
                    created_at=clock.now(),
                )
            )
        try:
            session.commit()
        except IntegrityError:  # another process synced the same version first
            session.rollback()


def create(uow: UnitOfWork, actor: Actor, clock: Clock, data: dict[str, Any]) -> SelectionPolicy:
    """A new policy, or the next version of an existing name. Presets' names are reserved."""
    role = actor.role_for("policies.write")
    name: str = data["name"]
    if name in PRESETS:
        raise Conflict(f"{name!r} is a shipped preset; choose another name")
    base = CENTRAL
    base_name = data.get("base")
    if base_name:
        base_row = _latest(uow.session, base_name)
        if base_row is None:
            raise InvalidInput(f"base policy {base_name!r} does not exist")
        base = params_of(base_row)
    params = params_from_dict(data.get("params") or {}, base=base)
    # Every loosened parameter is listed, each with POL-FLOORS and its own rule (422 problem).
    raise_if(floor_violations(params))
    latest = _latest(uow.session, name)
    row = SelectionPolicy(
        name=name,
        version=(latest.version + 1) if latest else 1,
        title=data.get("title") or name,
        description=data.get("description") or "",
        source=data.get("source") or "",
        preset=False,
        params=params_to_dict(params),
        created_at=clock.now(),
        created_by=actor.principal_id,
    )
    uow.session.add(row)
    try:
        uow.session.flush()
    except IntegrityError as exc:
        raise Conflict("another version of this policy was created at the same time") from exc
    audit.append(
        uow.session,
        subject_type="policy",
        subject_id=row.id,
        action="policy.created",
        actor=actor,
        role=role,
        at=row.created_at,
        payload={"name": name, "version": row.version, "params": row.params},
    )
    uow.commit()
    return row


def parameters(actor: Actor) -> list[ParameterFloor]:
    """Every policy parameter with its central value and the direction that tightens it."""
    actor.role_for("policies.read")
    return list(PARAMETER_FLOORS.values())


def get(uow: UnitOfWork, actor: Actor, policy_id: uuid.UUID) -> SelectionPolicy:
    actor.role_for("policies.read")
    row = uow.session.get(SelectionPolicy, policy_id)
    if row is None:
        raise NotFound(f"policy {policy_id} not found")
    return row


def resolve(session: Session, ref: str | uuid.UUID | None) -> SelectionPolicy:
    """A policy by id, or by name (its latest version); None means the central default."""
    if ref is None:
        ref = DEFAULT_POLICY
    row: SelectionPolicy | None
    if isinstance(ref, uuid.UUID):
        row = session.get(SelectionPolicy, ref)
    else:
        try:
            row = session.get(SelectionPolicy, uuid.UUID(ref))
        except ValueError:
            row = _latest(session, ref)
    if row is None:
        raise InvalidInput(f"policy {ref} does not exist")
    return row


# Versions never change once written: `updated_at` is their `created_at`, offered so that one
# incremental-sync loop (`sort=updated_at&updated_after=...`) works on every list.
ORDERS = ListOrders(
    "policies",
    SelectionPolicy.id,
    {
        "name": (SelectionPolicy.name, SelectionPolicy.version),
        "created_at": (SelectionPolicy.created_at,),
        "updated_at": (SelectionPolicy.created_at,),
    },
    default="name",
)


def listing(
    uow: UnitOfWork,
    actor: Actor,
    *,
    name: str | None,
    preset: bool | None,
    latest_only: bool,
    cursor: str | None = None,
    limit: int = 50,
    sort: str | None = None,
    updated_after: datetime | None = None,
) -> tuple[list[SelectionPolicy], str | None]:
    actor.role_for("policies.read")
    stmt = select(SelectionPolicy)
    if updated_after is not None:
        stmt = stmt.where(SelectionPolicy.created_at > updated_after)
    if name:
        stmt = stmt.where(SelectionPolicy.name == name)
    if preset is not None:
        stmt = stmt.where(SelectionPolicy.preset.is_(preset))
    if latest_only:
        newest = (
            select(SelectionPolicy.name, func.max(SelectionPolicy.version).label("v"))
            .group_by(SelectionPolicy.name)
            .subquery()
        )
        stmt = stmt.join(
            newest,
            (newest.c.name == SelectionPolicy.name) & (newest.c.v == SelectionPolicy.version),
        )
    rows = list(uow.session.scalars(ORDERS.page(stmt, sort, cursor, limit)))
    return rows[:limit], ORDERS.next_cursor(rows, sort, limit)
