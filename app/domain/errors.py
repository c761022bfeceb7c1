"""Domain errors. They carry rule ids, never HTTP status codes (the API layer maps them)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from app.domain.rules import RULES


@dataclass(frozen=True, slots=True)
class Violation:
    """One failed rule: its id, the article it comes from, and what failed here."""

    rule: str
    detail: str
    article: str = ""
    subject: str | None = None  # e.g. the candidate id the rule failed for

    def __post_init__(self) -> None:
        if not self.article:
            object.__setattr__(self, "article", RULES[self.rule].source)


class DomainError(Exception):
    """Base of every error the domain and services raise on purpose."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class RuleViolated(DomainError):
    """One or more rules refuse the step; every failing rule is listed."""

    def __init__(self, violations: Iterable[Violation]) -> None:
        self.violations: list[Violation] = list(violations)
        if not self.violations:
            raise ValueError("RuleViolated needs at least one violation")
        first = self.violations[0]
        super().__init__(
            first.detail
            if len(self.violations) == 1
            else f"{len(self.violations)} rules refuse this step: "
            + ", ".join(sorted({v.rule for v in self.violations}))
        )

    @property
    def rule(self) -> str:
        return self.violations[0].rule

    @classmethod
    def one(cls, rule: str, detail: str, subject: str | None = None) -> RuleViolated:
        return cls([Violation(rule=rule, detail=detail, subject=subject)])


def raise_if(violations: Sequence[Violation]) -> None:
    if violations:
        raise RuleViolated(violations)


@dataclass(frozen=True, slots=True)
class AllowedAction:
    action: str
    target: str
    enabled: bool
    blocking: list[Violation] = field(default_factory=list)


class IllegalTransition(DomainError):
    """The action does not exist from the current stage."""

    def __init__(self, action: str, stage: str, allowed: list[str]) -> None:
        super().__init__(f"action {action!r} is not available in stage {stage!r}")
        self.action = action
        self.stage = stage
        self.allowed = allowed


class NotFound(DomainError):
    """The resource does not exist or is not visible to the caller (same answer for both)."""


class Conflict(DomainError):
    """The request conflicts with the current state of the resource."""

    def __init__(self, detail: str, rule: str | None = None) -> None:
        super().__init__(detail)
        self.rule = rule


class InvalidInput(DomainError):
    """Semantically invalid input that schema validation cannot catch."""

    def __init__(self, detail: str, rule: str | None = None) -> None:
        super().__init__(detail)
        self.rule = rule


class PreconditionFailed(DomainError):
    """If-Match does not match the current version."""


class PreconditionRequired(DomainError):
    """If-Match is required and missing."""


class Forbidden(DomainError):
    """The caller's role does not grant this function."""


class CalendarNotCovered(DomainError):
    """The official working-day schedule of `year` is not known: neither loaded
    (`calendar_years`) nor in the chinesecalendar package. The API answers 422 under PUB-DURATION
    and says how to load the year."""

    def __init__(self, detail: str, year: int) -> None:
        super().__init__(detail)
        self.year = year
