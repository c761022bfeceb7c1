"""Errors raised by services that the domain does not know (identity, infrastructure)."""

from __future__ import annotations

from app.domain.errors import DomainError


class Unauthenticated(DomainError):
    """No valid bearer token."""
