"""Bearer API tokens bound to principals with roles. Only a keyed hash of a token is stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import ApiToken, Principal
from app.db.unit_models import ROOT_UNIT_ID, OrgUnit
from app.domain.enums import Role
from app.services import observed
from app.services.context import Actor
from app.services.errors import Unauthenticated
from app.services.scope import scope_of

TOKEN_PREFIX = "cad_"  # noqa: S105 (a public prefix, not a secret)
# Stored and shown to name a token: `cad_` + 8 of its 43 random characters (48 of 256 bits).
SHOWN_PREFIX = len(TOKEN_PREFIX) + 8
# A reference shorter than this (id prefix or token prefix) is too easy to mistype into another.
MIN_REFERENCE = 6


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
    unit_id: uuid.UUID = ROOT_UNIT_ID,
    scope_levels: Iterable[str] | None = None,
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
        unit_id=unit_id,
        scope_levels=None if scope_levels is None else sorted(set(scope_levels)),
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
        token_prefix=token[:SHOWN_PREFIX],
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
        select(ApiToken, Principal, OrgUnit.path)
        .join(Principal, Principal.id == ApiToken.principal_id)
        .join(OrgUnit, OrgUnit.id == Principal.unit_id)
        .where(ApiToken.token_hash == hash_token(token, pepper))
    ).first()
    if row is None:
        raise Unauthenticated("the bearer token is not valid")
    tok, principal, unit_path = row
    if tok.revoked_at is not None or (tok.expires_at is not None and tok.expires_at <= now):
        raise Unauthenticated("the bearer token is revoked or expired")
    observed.note_principal(principal.id)
    return Actor(
        principal_id=principal.id,
        name=principal.name,
        org_unit=principal.org_unit,
        roles=frozenset(Role(r) for r in principal.roles if isinstance(r, str)),
        candidate_id=principal.candidate_id,
        request_id=request_id,
        scope=scope_of(principal, unit_path),
    )


def revoke(session: Session, token_id: uuid.UUID, now: datetime) -> bool:
    tok = session.get(ApiToken, token_id)
    if tok is None or tok.revoked_at is not None:
        return False
    tok.revoked_at = now
    return True


def any_principal(session: Session) -> bool:
    return session.execute(select(Principal.id).limit(1)).first() is not None


# --- managing tokens (cadre token list/show/revoke) ----------------------------------------------


class TokenReferenceError(LookupError):
    """A token reference that names no token, or more than one."""


@dataclass(frozen=True)
class TokenView:
    id: uuid.UUID
    prefix: str | None
    label: str
    principal_id: uuid.UUID
    principal_name: str
    roles: tuple[str, ...]
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None

    def status(self, now: datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and _aware(self.expires_at) <= now:
            return "expired"
        return "active"


def _aware(at: datetime) -> datetime:
    """Timestamps read back from SQLite are naive UTC."""
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _view(tok: ApiToken, principal: Principal) -> TokenView:
    return TokenView(
        id=tok.id,
        prefix=tok.token_prefix,
        label=tok.label,
        principal_id=principal.id,
        principal_name=principal.name,
        roles=tuple(str(r) for r in principal.roles),
        created_at=_aware(tok.created_at),
        expires_at=_aware(tok.expires_at) if tok.expires_at else None,
        revoked_at=_aware(tok.revoked_at) if tok.revoked_at else None,
    )


def list_tokens(session: Session) -> list[TokenView]:
    rows = session.execute(
        select(ApiToken, Principal)
        .join(Principal, Principal.id == ApiToken.principal_id)
        .order_by(ApiToken.created_at, ApiToken.id)
    ).all()
    return [_view(tok, principal) for tok, principal in rows]


def find_token(session: Session, reference: str, *, pepper: str) -> TokenView:
    """A token named by its id, the start of its id, its shown prefix (`cad_Ab12...`, or a
    longer start of the secret) or the whole secret. Raises TokenReferenceError."""
    ref = reference.strip()
    if not ref:
        raise TokenReferenceError("give a token id, id prefix or token prefix")
    query = select(ApiToken, Principal).join(Principal, Principal.id == ApiToken.principal_id)
    if ref.startswith(TOKEN_PREFIX):
        if len(ref) > SHOWN_PREFIX:
            # More than the shown prefix: the whole secret, or a longer start of it.
            found = _pairs(session, query.where(ApiToken.token_hash == hash_token(ref, pepper)))
            if found:
                return _view(*found[0])
            ref = ref[:SHOWN_PREFIX]
        if len(ref) < len(TOKEN_PREFIX) + MIN_REFERENCE:
            raise TokenReferenceError(
                f"{reference!r} is too short: give at least {MIN_REFERENCE} characters after cad_"
            )
        candidates = [
            r for r in _pairs(session, query) if (r[0].token_prefix or "").startswith(ref)
        ]
        return _one(reference, candidates)
    try:
        exact = uuid.UUID(ref)
    except ValueError:
        exact = None
    if exact is not None:
        return _one(reference, _pairs(session, query.where(ApiToken.id == exact)))
    digits = ref.lower().replace("-", "")
    if len(digits) < MIN_REFERENCE or any(c not in "0123456789abcdef" for c in digits):
        raise TokenReferenceError(
            f"{reference!r} is not a token id, an id prefix of at least {MIN_REFERENCE} hex "
            "digits, or a token prefix (cad_...)"
        )
    # Tokens are few (one or a handful per person or system): matching in Python is portable.
    candidates = [r for r in _pairs(session, query) if r[0].id.hex.startswith(digits)]
    return _one(reference, candidates)


def _pairs(session: Session, query: Any) -> list[tuple[ApiToken, Principal]]:
    return [(tok, principal) for tok, principal in session.execute(query).all()]


def _one(reference: str, rows: Sequence[tuple[ApiToken, Principal]]) -> TokenView:
    if not rows:
        raise TokenReferenceError(f"no token matches {reference!r} (see `cadre token list`)")
    if len(rows) > 1:
        ids = ", ".join(str(r[0].id) for r in rows[:5])
        raise TokenReferenceError(f"{reference!r} matches {len(rows)} tokens ({ids}); give more")
    tok, principal = rows[0]
    return _view(tok, principal)
