"""The action table is the truth: what an action publishes is exactly what its guard can refuse.

The rules a guard "can return" are read from the code: every rule id written in the guard and
in the domain functions it calls (transitively), plus the rules that the qualification check
and the competitive ranking produce when the guard calls them.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable
from types import FunctionType
from typing import Any

import pytest

from app.domain.rules import RULES
from app.domain.workflow.actions import ACTIONS, no_guard
from app.domain.workflow.describe import describe, mermaid
from app.domain.workflow.fact_kinds import FACT_KINDS
from app.domain.workflow.machine import MACHINE
from app.services.context import PERMISSIONS

# Functions whose rule ids come from data rather than literals in their own body.
_QUALIFICATION = frozenset(
    {
        "QUAL-SERVICE",
        "QUAL-TENURE",
        "QUAL-EDUCATION",
        "QUAL-PARTY-STANDING",
        "EXC-APPROVAL",
        "EXC-LIMITS",
        "EXCL-APPRAISAL",
        "EXCL-DISCIPLINE",
        "RES-POOL-REQUIRED",
    }
)


def _rule_literals(fn: Callable[..., Any]) -> set[str]:
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    return {
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and n.value in RULES
    }


def _callees(fn: Callable[..., Any]) -> list[Callable[..., Any]]:
    """Domain functions called by name (`f(...)` or `module.f(...)`) from `fn`."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    out: list[Callable[..., Any]] = []
    g = fn.__globals__
    for n in ast.walk(tree):
        if not isinstance(n, ast.Call):
            continue
        target: object = None
        if isinstance(n.func, ast.Name):
            target = g.get(n.func.id)
        elif isinstance(n.func, ast.Attribute) and isinstance(n.func.value, ast.Name):
            target = getattr(g.get(n.func.value.id), n.func.attr, None)
        if isinstance(target, FunctionType) and target.__module__.startswith("app.domain"):
            out.append(target)
    return out


def reachable_rules(fn: Callable[..., Any], seen: set[Any] | None = None) -> set[str]:
    seen = set() if seen is None else seen
    if fn in seen:
        return set()
    seen.add(fn)
    found = _rule_literals(fn)
    if fn.__name__ == "qualification_violations":
        # Filters check_qualifications by the step's set; the set is the table's business.
        from app.domain.guards.qualification import _WHEN

        return found | set().union(*_WHEN.values())
    if fn.__name__ == "competitive_violations":
        found |= {"COMP-DISSATISFACTION", "COMP-CANVASSING"}  # carried by the ranking
    for callee in _callees(fn):
        found |= reachable_rules(callee, seen)
    return found


def _qual_at(step: str) -> set[str]:
    from app.domain.guards.qualification import _WHEN

    return set(_WHEN[step])


@pytest.mark.parametrize("spec", ACTIONS, ids=lambda a: a.name)
def test_published_rules_are_exactly_what_the_guard_can_refuse(spec: Any) -> None:
    can = reachable_rules(spec.guard)
    # A qualification filter only ever lets through its own step's rules.
    steps = {"start_inspection": "targets", "submit_for_decision": "submit", "approve": "decision"}
    if spec.name in steps:
        can = (can - _QUALIFICATION) | _qual_at(steps[spec.name])
    assert set(spec.rules) == can, spec.name
    published = next(a for a in describe()["actions"] if a["name"] == spec.name)
    assert set(published["rules"]) == can | ({spec.reason_rule} if spec.reason_rule else set())


def test_every_rule_id_in_the_tables_is_in_the_rule_book() -> None:
    for spec in ACTIONS:
        assert set(spec.all_rules) <= set(RULES), spec.name
    for kind in FACT_KINDS.values():
        assert set(kind.rules) <= set(RULES), kind.name


def test_permissions_exist() -> None:
    for spec in ACTIONS:
        assert spec.permission in PERMISSIONS
    for kind in FACT_KINDS.values():
        assert kind.permission in PERMISSIONS


def test_machine_is_built_from_the_table_with_guards_as_conditions() -> None:
    assert set(MACHINE.events) == {a.name for a in ACTIONS}
    for spec in ACTIONS:
        transitions = [t for ts in MACHINE.events[spec.name].transitions.values() for t in ts]
        assert {t.source for t in transitions} == {s.value for s in spec.sources}
        assert {t.dest for t in transitions} == {spec.dest.value}
        assert all(t.conditions and t.prepare for t in transitions), spec.name


def test_actions_without_a_guard_publish_no_guard_rules() -> None:
    for spec in ACTIONS:
        if spec.guard is no_guard:
            assert spec.rules == (), spec.name


def test_diagram_highlights_the_current_stage() -> None:
    text = mermaid("publicity")
    assert "class publicity current" in text
    assert "motion --> recommendation: start_recommendation" in text
