"""Every rule id has one home: one grep of the id finds the module of app/domain that decides it.

A rule is "decided" where a violation or a refusal is built with its id: `Violation("ID", ...)`,
`RuleViolated.one("ID", ...)`, the guards' `v("ID", ...)`, or a `rule="ID"` keyword. The ids in
the code and in docs/RULES.md (the repository's copy of the rule book) match: none unknown, and
the ones without a home in the domain are listed below with where they live instead.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

from app.domain.rules import RULES

ROOT = Path(__file__).resolve().parents[2]
_MAKERS = {"Violation", "v", "_v", "one", "append"}

# Rule ids that no domain function decides, and why.
_ELSEWHERE = {
    # Checked by the structure itself: separate tallies per kind, the dossier, the record.
    "REC-SEPARATE-TALLY": "tallies are kept per round kind (app/services/dossier.py)",
    "REC-ARCHIVE": "the dossier (app/services/dossier.py)",
    "REC-RECORD": "the record (app/services/audit.py); a reason rule in the action table",
    # A stated reason is the whole rule: the action table's reason_rule.
    "DEC-POSTPONE": "reason_rule of postpone_vote (app/domain/workflow/actions.py)",
    "DISC-VOID": "reason_rule of declare_void (app/domain/workflow/actions.py)",
    # Not built yet: the cadre's file (issue 12).
    "AVOID-KIN": "issue 12",
    "AVOID-REGION": "issue 12",
    # Traced, never refused: who is responsible per step (app/domain/accountability.py), the
    # promotions and reviews (app/services/accountability.py).
    "ACC-TRACE": "app/domain/accountability.py (nothing refuses: the record is traced)",
}


# A policy that loosens a floor is refused under POL-FLOORS *citing* the parameter's own rule:
# the policy module decides POL-FLOORS only.
_CITES = {"app/domain/policy.py": {"POL-FLOORS"}}


_RULE_ID = re.compile(r"[A-Z][A-Z0-9]+(-[A-Z0-9]+)*")


def _looks_like_rule(value: object) -> bool:
    return isinstance(value, str) and _RULE_ID.fullmatch(value) is not None


def _decided(root: Path) -> dict[str, set[str]]:
    """rule id -> modules that build a violation or refusal with it."""
    homes: dict[str, set[str]] = defaultdict(set)
    for path in sorted(root.rglob("*.py")):
        where = str(path.relative_to(ROOT))
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else None
            name = node.func.id if isinstance(node.func, ast.Name) else name
            args = [node.args[0]] if node.args and name in _MAKERS else []
            args += [k.value for k in node.keywords if k.arg == "rule"]
            for a in args:
                rule = a.value if isinstance(a, ast.Constant) else None
                cited_only = where in _CITES and rule not in _CITES[where]
                if isinstance(rule, str) and _looks_like_rule(rule) and not cited_only:
                    homes[rule].add(where)
    return homes


def _rule_book_ids() -> set[str]:
    ids: set[str] = set()
    for line in (ROOT / "docs" / "RULES.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) > 2 and cells[1]:
            first = cells[1].split()[0]
            if _looks_like_rule(first):
                ids.add(first)
    return ids


def test_the_catalog_is_the_rule_book() -> None:
    assert set(RULES) == _rule_book_ids()


def test_every_rule_id_built_anywhere_is_in_the_rule_book() -> None:
    for root in ("app/domain", "app/services", "app/api"):
        unknown = set(_decided(ROOT / root)) - set(RULES)
        assert not unknown, f"{root}: {sorted(unknown)}"


def test_each_rule_is_decided_in_exactly_one_domain_module() -> None:
    homes = _decided(ROOT / "app" / "domain")
    many = {r: sorted(m) for r, m in homes.items() if len(m) > 1}
    assert not many
    missing = sorted(set(RULES) - set(homes) - set(_ELSEWHERE))
    assert not missing, f"rules without a home in app/domain: {missing}"
    stale = sorted(set(_ELSEWHERE) & set(homes))
    assert not stale, f"these now have a domain home; drop them from _ELSEWHERE: {stale}"


def test_services_decide_no_rule() -> None:
    """Services may tag a 409 with a rule for context, never build a violation themselves."""
    tree_homes: dict[str, set[str]] = defaultdict(set)
    for path in sorted((ROOT / "app" / "services").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = node.func.attr if isinstance(node.func, ast.Attribute) else None
                name = node.func.id if isinstance(node.func, ast.Name) else name
                first = node.args[0] if node.args else None
                rule = first.value if isinstance(first, ast.Constant) else None
                if name in _MAKERS and isinstance(rule, str) and _looks_like_rule(rule):
                    tree_homes[rule].add(str(path.relative_to(ROOT)))
    assert not tree_homes, dict(tree_homes)
