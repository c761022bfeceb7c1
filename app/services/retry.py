"""Retry a use case when PostgreSQL reports a serialization failure or a deadlock, or when a
working-day lookup misses a year that another process has loaded meanwhile.

PostgreSQL asks applications to retry the whole transaction (40001, 40P01). A use case loads
everything it needs inside its own transaction, so running it again is safe; after the bounded
attempts the error surfaces and the API answers 503 with Retry-After.

A year's official schedule loaded through another worker (or `cadre calendar load`) is not yet
in this process's registry: on CalendarNotCovered the year's row is looked up (one query) and,
when it is there, installed and the use case run again; otherwise the error stands.
"""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy.exc import DBAPIError

from app.db.uow import UnitOfWork
from app.domain.errors import CalendarNotCovered
from app.services import calendar_registry

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
        attempt = 0
        refreshed: set[int] = set()
        while True:
            attempt += 1
            try:
                return fn(uow, *args, **kwargs)
            except DBAPIError as exc:
                if not retryable(exc) or attempt >= ATTEMPTS:
                    raise
                uow.rollback()
                time.sleep(random.uniform(0.005, 0.02) * attempt)  # noqa: S311 (jitter, not crypto)
            except CalendarNotCovered as exc:
                if exc.year in refreshed:
                    raise
                refreshed.add(exc.year)
                uow.rollback()
                if not calendar_registry.refresh_year(uow.session, exc.year):
                    raise
                attempt -= 1  # not a failed attempt: the process had not seen the year yet

    return wrapper
