"""Retry a use case when PostgreSQL reports a serialization failure or a deadlock.

PostgreSQL asks applications to retry the whole transaction (40001, 40P01). A use case loads
everything it needs inside its own transaction, so running it again is safe; after the bounded
attempts the error surfaces and the API answers 503 with Retry-After.
"""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy.exc import DBAPIError

from app.db.uow import UnitOfWork

RETRYABLE = frozenset({"40001", "40P01"})
ATTEMPTS = 3

P = ParamSpec("P")
R = TypeVar("R")


def retryable(exc: BaseException) -> bool:
    orig = getattr(exc, "orig", None)
    return isinstance(exc, DBAPIError) and getattr(orig, "sqlstate", None) in RETRYABLE


def retry_transaction(
    fn: Callable[Concatenate[UnitOfWork, P], R],
) -> Callable[Concatenate[UnitOfWork, P], R]:
    @functools.wraps(fn)
    def wrapper(uow: UnitOfWork, /, *args: P.args, **kwargs: P.kwargs) -> R:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return fn(uow, *args, **kwargs)
            except DBAPIError as exc:
                if not retryable(exc) or attempt == ATTEMPTS:
                    raise
                uow.rollback()
                time.sleep(random.uniform(0.005, 0.02) * attempt)  # noqa: S311 (jitter, not crypto)
        raise AssertionError("unreachable")  # pragma: no cover

    return wrapper
