"""Organisation units (组织单位) and grants of roles and scopes (三员分立).

The system administrator keeps the unit tree (`units.write`); the security administrator
grants roles and scopes (`grants.write`) and may not change its own grant; each change is an
entry of the record (纪实), which the auditor reads. A unit outside the caller's scope does not
exist for it (404), like any row outside it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db.models import Principal
from app.db.unit_models import OrgUnit
from app.db.uow import UnitOfWork
from app.domain.enums import RankLevel, Role
from app.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.services import audit
from app.services.context import Actor, Clock

CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


def get_unit(session: Session, actor: Actor, unit_id: uuid.UUID) -> OrgUnit:
    row = session.get(OrgUnit, unit_id)
    if row is None or (actor.scope is not None and not row.path.startswith(actor.scope.path)):
        raise NotFound(f"unit {unit_id} not found")
    return row


def read(uow: UnitOfWork, actor: Actor, unit_id: uuid.UUID) -> OrgUnit:
    actor.role_for("units.read")
    return get_unit(uow.session, actor, unit_id)


def listing(uow: UnitOfWork, actor: Actor) -> list[OrgUnit]:
    """The units of the caller's subtree, parents before children (path order)."""
    actor.role_for("units.read")
    stmt = select(OrgUnit).order_by(OrgUnit.path)
    if actor.scope is not None:
        stmt = stmt.where(OrgUnit.path.startswith(actor.scope.path, autoescape=True))
    return list(uow.session.scalars(stmt))


def create(
    uow: UnitOfWork, actor: Actor, clock: Clock, *, code: str, name: str, parent_id: uuid.UUID
) -> OrgUnit:
    role = actor.role_for("units.write")
    if not CODE.match(code):
        raise InvalidInput("code is 1 to 40 of a-z, 0-9 and '-', starting with a letter or digit")
    parent = get_unit(uow.session, actor, parent_id)
    path = f"{parent.path}{code}/"
    if len(path) > 1000:
        raise InvalidInput("the unit tree is too deep")
    now = clock.now()
    row = OrgUnit(code=code, name=name, parent_id=parent.id, path=path, created_at=now)
    uow.session.add(row)
    try:
        uow.session.flush()
    except IntegrityError as exc:
        raise Conflict(f"unit code {code!r} is already used") from exc
    audit.append(
        uow.session,
        subject_type="org_unit",
        subject_id=row.id,
        action="unit.created",
        actor=actor,
        role=role,
        at=now,
        payload={"code": code, "name": name, "parent_id": str(parent.id)},
    )
    uow.commit()
    return row


@dataclass(frozen=True)
class PrincipalView:
    row: Principal
    unit: OrgUnit


def _view(session: Session, row: Principal) -> PrincipalView:
    unit = session.get(OrgUnit, row.unit_id)
    assert unit is not None  # a foreign key
    return PrincipalView(row=row, unit=unit)


def principals(uow: UnitOfWork, actor: Actor) -> list[PrincipalView]:
    """Every principal with its roles and scope (the security administrator and the auditor)."""
    actor.role_for("grants.read")
    rows = uow.session.scalars(select(Principal).order_by(Principal.created_at, Principal.id))
    return [_view(uow.session, r) for r in rows]


def principal(uow: UnitOfWork, actor: Actor, principal_id: uuid.UUID) -> PrincipalView:
    actor.role_for("grants.read")
    row = uow.session.get(Principal, principal_id)
    if row is None:
        raise NotFound(f"principal {principal_id} not found")
    return _view(uow.session, row)


def grant(
    uow: UnitOfWork,
    actor: Actor,
    clock: Clock,
    principal_id: uuid.UUID,
    *,
    roles: Iterable[Role],
    unit_id: uuid.UUID,
    levels: Iterable[RankLevel] | None,
) -> PrincipalView:
    """Replace a principal's roles and scope. Takes effect on its next request."""
    role = actor.role_for("grants.write")
    if principal_id == actor.principal_id:
        # 三员分立: nobody widens their own powers; another security administrator must.
        raise Forbidden("a security administrator cannot change their own grant")
    row = uow.session.get(Principal, principal_id)
    if row is None:
        raise NotFound(f"principal {principal_id} not found")
    role_list = sorted({Role(r) for r in roles}, key=lambda r: list(Role).index(r))
    if not role_list:
        raise InvalidInput("a principal needs at least one role")
    unit = get_unit(uow.session, actor, unit_id)
    before = {
        "roles": list(row.roles),
        "unit_id": str(row.unit_id),
        "levels": row.scope_levels,
    }
    row.roles = [r.value for r in role_list]
    row.unit_id = unit.id
    level_list: list[object] | None = (
        None if levels is None else list(sorted({RankLevel(v).value for v in levels}))
    )
    row.scope_levels = level_list
    uow.session.flush()
    audit.append(
        uow.session,
        subject_type="principal",
        subject_id=row.id,
        action="principal.granted",
        actor=actor,
        role=role,
        at=clock.now(),
        payload={
            "before": before,
            "roles": list(row.roles),
            "unit_id": str(unit.id),
            "levels": row.scope_levels,
        },
    )
    view = _view(uow.session, row)
    uow.commit()
    return view


def unit_by_code(session: Session, code: str) -> OrgUnit | None:
    return session.scalar(select(OrgUnit).where(OrgUnit.code == code))
