"""PostgreSQL serialization failures and deadlocks are retried a bounded number of times."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.exc import DBAPIError

from app.db.uow import UnitOfWork
from app.services.retry import ATTEMPTS, retry_transaction


class _Orig(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


class _Uow:
    def __init__(self) -> None:
        self.rollbacks = 0

    def rollback(self) -> None:
        self.rollbacks += 1


def _failing(times: int, sqlstate: str) -> Any:
    calls = {"n": 0}

    @retry_transaction
    def use_case(uow: UnitOfWork) -> str:
        calls["n"] += 1
        if calls["n"] <= times:
            raise DBAPIError("UPDATE ...", {}, _Orig(sqlstate))
        return "done"

    return use_case, calls


@pytest.mark.parametrize("sqlstate", ["40001", "40P01"])
def test_retried_until_it_succeeds(sqlstate: str) -> None:
    use_case, calls = _failing(ATTEMPTS - 1, sqlstate)
    uow = _Uow()
    assert use_case(uow) == "done"
    assert calls["n"] == ATTEMPTS
    assert uow.rollbacks == ATTEMPTS - 1


def test_gives_up_after_the_bound() -> None:
    use_case, calls = _failing(ATTEMPTS, "40001")
    with pytest.raises(DBAPIError):
        use_case(_Uow())
    assert calls["n"] == ATTEMPTS


def test_other_errors_are_not_retried() -> None:
    use_case, calls = _failing(1, "23505")
    with pytest.raises(DBAPIError):
        use_case(_Uow())
    assert calls["n"] == 1
