"""What the request being served is, for its log line: set by app/api/observability.py.

A context variable holding a mutable holder: the endpoint runs in a worker thread with a copy of
the request's context, so it sees the same holder, and what it notes there (the principal, once
the token is checked) is visible to the middleware when it writes the log line.
"""

from __future__ import annotations

import uuid
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass
class Observed:
    request_id: str
    principal_id: uuid.UUID | None = None


current: ContextVar[Observed | None] = ContextVar("cadre_observed", default=None)


def note_principal(principal_id: uuid.UUID) -> None:
    """Called when a token is verified: the request's log line names its principal."""
    observed = current.get()
    if observed is not None:
        observed.principal_id = principal_id
