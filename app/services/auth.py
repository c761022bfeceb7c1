"""Bearer API tokens bound to principals with roles. Only a keyed hash of a token is stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import ApiToken, Principal
from app.domain.enums import Role
from app.services.context import Actor
from app.services.errors import Unauthenticated

TOKEN_PREFIX = "cad_"  # noqa: S105 (a public prefix, not a secret)


def hash_token(token: str, pepper: str) -> str:
    return hmac.new(pepper.encode(), token.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: str
    principal_id: uuid.UUID
    token_id: uuid.UUID


def create_principal_with_token(
    session: Session,
    *,
    name: str,
    org_unit: str,
    roles: Iterable[Role],
    pepper: str,
    now: datetime,
    label: str = "",
    candidate_id: uuid.UUID | None = None,
    expires_at: datetime | None = None,
) -> IssuedToken:
    role_list = sorted({Role(r) for r in roles}, key=lambda r: list(Role).index(r))
    if not role_list:
        raise ValueError("a principal needs at least one role")
    principal = Principal(
        name=name,
        org_unit=org_unit,
        roles=[r.value for r in role_list],
        candidate_id=candidate_id,
        created_at=now,
    )
    session.add(principal)
    session.flush()
    return issue_token(
        session, principal.id, pepper=pepper, now=now, label=label, expires_at=expires_at
    )


def issue_token(
    session: Session,
    principal_id: uuid.UUID,
    *,
    pepper: str,
    now: datetime,
    label: str = "",
    expires_at: datetime | None = None,
) -> IssuedToken:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        principal_id=principal_id,
        token_hash=hash_token(token, pepper),
        label=label,
        created_at=now,
        expires_at=expires_at,
    )
    session.add(row)
    session.flush()
    return IssuedToken(token=token, principal_id=principal_id, token_id=row.id)


def authenticate(
    session: Session, token: str, *, pepper: str, now: datetime, request_id: str | None
) -> Actor:
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        raise Unauthenticated("the bearer token is not valid")
    row = session.execute(
        select(ApiToken, Principal)
        .join(Principal, Principal.id == ApiToken.principal_id)
        .where(ApiToken.token_hash == hash_token(token, pepper))
    ).first()
    if row is None:
        raise Unauthenticated("the bearer token is not valid")
    tok, principal = row
    if tok.revoked_at is not None or (tok.expires_at is not None and tok.expires_at <= now):
        raise Unauthenticated("the bearer token is revoked or expired")
    return Actor(
        principal_id=principal.id,
        name=principal.name,
        org_unit=principal.org_unit,
        roles=frozenset(Role(r) for r in principal.roles if isinstance(r, str)),
        candidate_id=principal.candidate_id,
        request_id=request_id,
    )


def revoke(session: Session, token_id: uuid.UUID, now: datetime) -> bool:
    tok = session.get(ApiToken, token_id)
    if tok is None or tok.revoked_at is not None:
        return False
    tok.revoked_at = now
    return True


def any_principal(session: Session) -> bool:
    return session.execute(select(Principal.id).limit(1)).first() is not None
