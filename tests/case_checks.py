"""Adversarial checks shared by the case tests: a refusal must leave everything as it was."""

from __future__ import annotations

from typing import Any

from tests.case_driver import Driver, ok

PROBLEM = "application/problem+json"


def listing(d: Driver, path: str, headers: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """The facts of one kind, as GET …/<path> lists them."""
    r = d.http.get(f"{d.url}/{path}", headers=headers or d.headers)
    assert r.status_code == 200, r.text
    found: list[dict[str, Any]] = r.json()
    return found


def state(d: Driver, path: str | None = None) -> dict[str, Any]:
    """Everything a refused request must leave as it was: the case (version, ETag, stage,
    motion, candidates, facts, tallies, publicity), the record's length and, with `path`,
    the facts listed there."""
    case = ok(d.http.get(d.url, headers=d.headers))
    out: dict[str, Any] = {
        key: case[key]
        for key in (
            "version",
            "etag",
            "stage",
            "motion",
            "candidates",
            "facts",
            "recommendation_tallies",
            "publicity",
        )
    }
    out["record"] = len(ok(d.http.get(f"{d.url}/record", headers=d.headers))["entries"])
    if path is not None:
        out["listed"] = listing(d, path)
    return out


def refused(
    d: Driver, path: str, body: dict[str, Any], status: int = 422, rule: str | None = None
) -> dict[str, Any]:
    """POST a fact that must be refused; nothing changes. Returns the problem."""
    before = state(d, path)
    r = d.http.post(f"{d.url}/{path}", json=body, headers=d.headers)
    assert r.status_code == status, f"{path}: {r.status_code}: {r.text}"
    assert r.headers["content-type"].startswith(PROBLEM)
    problem: dict[str, Any] = r.json()
    if rule is not None:
        assert problem["rule"] == rule, problem
    assert state(d, path) == before
    return problem


def refused_action(d: Driver, action: str, rule: str, reason: str | None = None) -> set[str]:
    """A transition refused under `rule`; nothing changed. Returns every rule it names."""
    before = state(d)
    problem = d.act(action, status=422, reason=reason)
    assert problem["rule"] == rule, problem
    assert state(d) == before
    return {v["rule"] for v in problem["violations"]}
