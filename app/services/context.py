"""What every use case receives: who acts, under which role, and what time it is."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from app.domain.calendar import CHINA_TZ
from app.domain.enums import Role
from app.domain.errors import Forbidden


class Clock:
    """Injectable time source; tests move it instead of sleeping."""

    def __init__(self, now: Callable[[], datetime] | None = None) -> None:
        self._now = now or (lambda: datetime.now(UTC))
        self.offset_seconds = 0.0

    def now(self) -> datetime:
        from datetime import timedelta

        return self._now() + timedelta(seconds=self.offset_seconds)

    def today(self) -> date:
        """The date in China, where deadlines and windows are counted."""
        return self.now().astimezone(CHINA_TZ).date()


class FixedClock(Clock):
    """A clock that only moves when told to (tests)."""

    def __init__(self, at: datetime) -> None:
        super().__init__(lambda: self.at)
        self.at = at

    def set(self, at: datetime) -> None:
        self.at = at


@dataclass(frozen=True)
class Scope:
    """The units (the subtree under `path`) and rank levels (None: all) a principal manages."""

    unit_id: uuid.UUID
    path: str
    levels: frozenset[str] | None = None


@dataclass(frozen=True)
class Actor:
    principal_id: uuid.UUID | None
    name: str
    org_unit: str
    roles: frozenset[Role]
    candidate_id: uuid.UUID | None = None
    request_id: str | None = None
    # Management authority (干部管理权限, app/services/scope.py). None: unrestricted, for the
    # application's own actors (CLI, jobs); every authenticated principal has one.
    scope: Scope | None = None

    def has(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    def role_for(self, permission: str) -> Role:
        """The role under which the actor may do `permission` (recorded in the 纪实)."""
        granted = PERMISSIONS[permission]
        for role in sorted(self.roles, key=lambda r: list(Role).index(r)):
            if role in granted:
                return role
        raise Forbidden(f"none of your roles ({', '.join(sorted(self.roles))}) may {permission}")


PUBLIC = Actor(principal_id=None, name="public", org_unit="", roles=frozenset())

_READERS = frozenset(
    {
        Role.ORG_DEPARTMENT,
        Role.COMMITTEE_SECRETARY,
        Role.DISCIPLINE_INSPECTION,
        Role.AUDITOR,
    }
)
# 三员分立: the system administrator (Role.ADMIN) is in neither set: it reads no personnel data.
_ORG = frozenset({Role.ORG_DEPARTMENT})

# The single permission table (role x function). Deny by default: a permission not listed
# here raises KeyError in tests, never silently allows.
PERMISSIONS: dict[str, frozenset[Role]] = {
    "candidates.read": _READERS,
    "candidates.write": _ORG,
    "positions.read": _READERS | {Role.UNIT_PARTY_LEADER, Role.CADRE},
    "positions.write": _ORG,
    "policies.read": frozenset(Role),
    "policies.write": _ORG,
    "cases.read": _READERS,
    "cases.write": _ORG,
    # The committee's own facts (decision meeting) may also be entered by its secretary.
    "cases.decide": _ORG | {Role.COMMITTEE_SECRETARY},
    "cases.discipline_opinion": _ORG | {Role.DISCIPLINE_INSPECTION},
    "cases.void": _ORG,
    "record.read": _READERS,
    # Every chain of the record against its key and the latest signed checkpoint (REC-RECORD).
    "record.verify": frozenset({Role.AUDITOR}),
    "nominations.lodge_self": frozenset({Role.CADRE}),
    "nominations.lodge_signed": frozenset(
        {Role.UNIT_PARTY_LEADER, Role.COMMITTEE_SECRETARY, Role.ORG_DEPARTMENT}
    ),
    "nominations.lodge_org": _ORG,
    "nominations.lodge_committee": _ORG | {Role.COMMITTEE_SECRETARY},
    "nominations.review": _ORG,
    # NOM-SELF-CONFIDENTIAL: who sees every self-nomination (besides its author, and the unit
    # party leader it was lodged with until forwarded).
    "nominations.read_confidential": _ORG,
    "nominations.forward": frozenset({Role.UNIT_PARTY_LEADER}),
    "nominations.intercepted": frozenset({Role.ORG_DEPARTMENT, Role.DISCIPLINE_INSPECTION}),
    "misconduct.write": _ORG | {Role.DISCIPLINE_INSPECTION},
    "misconduct.read": _READERS,
    "pool.read": _READERS,
    "pool.write": _ORG,
    "tokens.admin": frozenset({Role.ADMIN}),
    # 三员分立: the system administrator keeps the unit tree; every role may read it (names of
    # units, no personnel); the security administrator grants roles and scopes; the auditor
    # reads the log of confidential reads.
    "units.read": frozenset(Role),
    "units.write": frozenset({Role.ADMIN}),
    "grants.read": frozenset({Role.SECURITY_ADMIN, Role.AUDITOR}),
    "grants.write": frozenset({Role.SECURITY_ADMIN}),
    "access_log.read": frozenset({Role.AUDITOR}),
    # Decision bodies and their rosters (DEC-ROSTER) are kept by the organisation department.
    "bodies.read": _READERS,
    "bodies.write": _ORG,
    # Deferred training deadlines (QUAL-TRAINING-DUE).
    "training.read": _READERS,
    "training.write": _ORG,
    # The official working-day calendar (PUB-DURATION, NOM-SELF-FORWARD): every role reads which
    # years are known; only an administrator loads a year's schedule.
    "calendar.read": frozenset(Role),
    "calendar.write": frozenset({Role.ADMIN}),
    # The change feed (each event also needs the read permission of its subject, and a
    # nomination's events follow NOM-SELF-CONFIDENTIAL) and webhook subscriptions.
    "events.read": _READERS,
    "webhooks.admin": frozenset({Role.ORG_DEPARTMENT, Role.ADMIN}),
    # Oversight: aggregate statistics, a cadre's promotions with who was responsible per step
    # (ACC-TRACE), the organisation department's work queue (it holds self-nominations, which
    # are confidential: NOM-SELF-CONFIDENTIAL), and the reviews of promotions for discipline
    # inspection (the organisation department is among those reviewed).
    "statistics.read": _READERS,
    "promotions.read": _READERS,
    "work_queue.read": _ORG,
    "oversight.reviews": frozenset({Role.DISCIPLINE_INSPECTION}),
}
