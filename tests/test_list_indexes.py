"""Every list order is served by an index on both databases (issue 8 item 4, migration 0016).

For each list and each `sort` it offers, both directions, first page and a page after a cursor,
the query the list runs (ListOrders.page over the list's table) is explained on the migrated
test database: SQLite's EXPLAIN QUERY PLAN must read the order's index and build no temporary
B-tree for the ORDER BY; PostgreSQL's EXPLAIN (sequential scans off, so that an empty table does
not make a scan look cheaper) must scan the order's index and have no Sort node.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, Select, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement, Executable

from app.db.body_models import DecisionBody
from app.db.models import Candidate, Position, SelectionCase, SelectionPolicy
from app.db.nomination_models import Nomination
from app.services import bodies, candidates, policies, positions
from app.services.cases import read as cases
from app.services.nominations import reading as nominations
from app.services.pagination import ListOrders


class Explain(Executable, ClauseElement):
    inherit_cache = False

    def __init__(self, stmt: Select[Any]) -> None:
        self.stmt = stmt


@compiles(Explain)
def _explain(element: Explain, compiler: SQLCompiler, **kw: Any) -> str:
    prefix = "EXPLAIN QUERY PLAN " if compiler.dialect.name == "sqlite" else "EXPLAIN "
    return prefix + compiler.process(element.stmt, **kw)


# (list, its orders, its table, the index each order must use)
LISTS: list[tuple[str, ListOrders, Any, dict[str, str]]] = [
    (
        "candidates",
        candidates.ORDERS,
        Candidate,
        {
            "created_at": "ix_candidates_created",
            "updated_at": "ix_candidates_updated_id",
            "name": "ix_candidates_name_id",
        },
    ),
    (
        "positions",
        positions.ORDERS,
        Position,
        {
            "created_at": "ix_positions_created",
            "updated_at": "ix_positions_updated_id",
            "title": "ix_positions_title_id",
        },
    ),
    (
        "cases",
        cases.ORDERS,
        SelectionCase,
        {
            "created_at": "ix_selection_cases_created",
            "updated_at": "ix_selection_cases_updated_id",
            "title": "ix_selection_cases_title_id",
        },
    ),
    (
        "policies",
        policies.ORDERS,
        SelectionPolicy,
        {
            "name": "ix_selection_policies_name_version_id",
            "created_at": "ix_selection_policies_created_id",
            "updated_at": "ix_selection_policies_created_id",
        },
    ),
    (
        "nominations",
        nominations.ORDERS,
        Nomination,
        {"created_at": "ix_nominations_created", "updated_at": "ix_nominations_updated_id"},
    ),
    (
        "decision-bodies",
        bodies.ORDERS,
        DecisionBody,
        {
            "created_at": "ix_decision_bodies_created",
            "updated_at": "ix_decision_bodies_updated_id",
            "name": "ix_decision_bodies_name_id",
        },
    ),
]
CASES = [
    pytest.param(orders, table, field, index, descending, id=f"{name}-{'-' * descending}{field}")
    for name, orders, table, indexes in LISTS
    for field, index in indexes.items()
    for descending in (False, True)
]


class _Row:
    """Stands for the last row of a page, to make a real cursor of any order."""

    def __init__(self, orders: ListOrders, field: str) -> None:
        for col in orders.orders[field]:
            value: object = "m"
            if col.key.endswith("_at"):
                value = datetime(2026, 3, 2, tzinfo=UTC)
            elif col.key == "version":
                value = 3
            setattr(self, col.key, value)
        setattr(self, orders.id_col.key, uuid.uuid4())


def plan(engine: Engine, stmt: Select[Any]) -> str:
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("SET enable_seqscan = off")
            conn.exec_driver_sql("SET enable_bitmapscan = off")
        # Raw rows: the select's result types would be applied to the plan's columns.
        rows = conn.execute(Explain(stmt)).cursor.fetchall()
        conn.rollback()
    if engine.dialect.name == "sqlite":
        return "\n".join(str(r[-1]) for r in rows)
    return "\n".join(str(r[0]) for r in rows)


def assert_served(engine: Engine, stmt: Select[Any], index: str) -> None:
    found = plan(engine, stmt)
    if engine.dialect.name == "sqlite":
        assert f"INDEX {index}" in found, found
        assert "TEMP B-TREE" not in found, found
    else:
        assert f"using {index} on" in found, found
        assert "Sort" not in found, found
        assert "Seq Scan" not in found, found


def _stmt(orders: ListOrders, table: Any, field: str, descending: bool, cursor: bool) -> Any:
    sort = f"{'-' if descending else ''}{field}"
    after = orders.next_cursor([_Row(orders, field), _Row(orders, field)], sort, 1)
    return orders.page(select(table), sort, after if cursor else None, 50)


@pytest.mark.parametrize(("orders", "table", "field", "index", "descending"), CASES)
@pytest.mark.parametrize("cursor", [False, True], ids=["first-page", "after-cursor"])
def test_each_list_order_reads_its_index(
    engine: Engine,
    orders: ListOrders,
    table: Any,
    field: str,
    index: str,
    descending: bool,
    cursor: bool,
) -> None:
    assert_served(engine, _stmt(orders, table, field, descending, cursor), index)


def test_every_offered_order_is_covered_here() -> None:
    for name, orders, _, indexes in LISTS:
        assert set(indexes) == set(orders.orders), name


@pytest.mark.parametrize("descending", [False, True])
def test_incremental_sync_of_cases_in_a_stage_reads_the_stage_index(
    engine: Engine, descending: bool
) -> None:
    """`stage=...&updated_after=...&sort=updated_at`, the typical sync of one stage."""
    since = datetime(2026, 3, 1, tzinfo=UTC)
    stmt = select(SelectionCase).where(
        SelectionCase.stage.in_(["publicity"]), SelectionCase.updated_at > since
    )
    sort = "-updated_at" if descending else "updated_at"
    assert_served(
        engine, cases.ORDERS.page(stmt, sort, None, 50), "ix_selection_cases_stage_updated"
    )


def test_updated_after_with_sort_by_update_is_a_range_on_the_same_index(engine: Engine) -> None:
    since = datetime(2026, 3, 1, tzinfo=UTC)
    stmt = select(Candidate).where(Candidate.updated_at > since)
    assert_served(
        engine, candidates.ORDERS.page(stmt, "updated_at", None, 50), "ix_candidates_updated_id"
    )


def test_the_check_tells_an_unindexed_order_apart(engine: Engine) -> None:
    """The plan check is not vacuous: an order no index serves is caught."""
    unindexed = ListOrders("probe", Candidate.id, {"title": (Candidate.current_title,)})
    stmt = unindexed.page(select(Candidate), "title", None, 50)
    with pytest.raises(AssertionError):
        assert_served(engine, stmt, "ix_candidates_name_id")
