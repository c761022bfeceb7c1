"""Small helpers shared by the stage rules."""

from __future__ import annotations

from app.domain.errors import Violation


def v(rule: str, detail: str, subject: object | None = None) -> Violation:
    return Violation(rule=rule, detail=detail, subject=str(subject) if subject else None)
