"""The rules catalog (app/domain/rules.py) is the rule book (docs/RULES.md), row for row.

docs/RULES.md is the repository's copy of the shared rule book, because CI runs on a clean clone
without /work/shared; when the shared file is present the copy must be byte-identical to it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.domain.rules import RULES

ROOT = Path(__file__).resolve().parent.parent.parent
DOCS_RULES = ROOT / "docs" / "RULES.md"
SHARED_RULES = ROOT.parent / "shared" / "domain" / "RULES.md"
# First cell of a rule row: an id such as QUAL-SERVICE or HEADCOUNT, then **P** if it is local.
ID_CELL = re.compile(r"^(?P<id>[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*)(?P<p> \*\*P\*\*)?$")
# The qualifications table has no stage column; its rules are checked at that step.
QUALIFICATION_STAGE = "qualification"


@dataclass(frozen=True)
class BookRow:
    id: str
    stage: str
    text: str
    source: str
    policy: bool


def book_rows(text: str) -> list[BookRow]:
    rows: list[BookRow] = []
    for line in text.splitlines():
        if not line.startswith("| "):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        m = ID_CELL.match(cells[0])
        if m is None:  # header, separator or glossary row
            continue
        if len(cells) == 3:
            stage, rule, source = QUALIFICATION_STAGE, cells[1], cells[2]
        else:
            assert len(cells) == 4, line
            stage, rule, source = cells[1], cells[2], cells[3]
        rows.append(BookRow(m["id"], stage, rule, source, m["p"] is not None))
    return rows


ROWS = book_rows(DOCS_RULES.read_text(encoding="utf-8"))
BY_ID = {r.id: r for r in ROWS}


def test_the_parser_sees_every_table() -> None:
    # One id per table as a canary, so a broken parser cannot pass by seeing nothing.
    assert {"QUAL-SERVICE", "MOT-PLAN", "RES-POOL-REQUIRED", "ACC-TRACE"} <= set(BY_ID)
    assert BY_ID["NOM-SELF-CHANNEL"].policy
    assert not BY_ID["HEADCOUNT"].policy
    assert BY_ID["REC-SCOPE"].stage == "motion, recommendation"


def test_ids_are_unique_in_the_book() -> None:
    assert len(ROWS) == len(BY_ID)


def test_catalog_ids_equal_book_ids() -> None:
    assert set(RULES) == set(BY_ID)


@pytest.mark.parametrize("rule_id", sorted(BY_ID))
def test_catalog_row_matches_the_book(rule_id: str) -> None:
    rule, row = RULES[rule_id], BY_ID[rule_id]
    assert rule.id == rule_id
    assert rule.source == row.source
    assert rule.policy is row.policy
    assert rule.text == row.text
    assert rule.stage == row.stage


@pytest.mark.parametrize(
    ("rule_id", "stage"),
    [
        ("REC-SCOPE", "motion, recommendation"),
        ("DEC-ROSTER", "decision"),
        ("DEC-FULL-COMMITTEE", "decision"),
        ("CASE-TIMELINE", "all"),
        ("POL-FLOORS", "policies"),
        ("QUAL-TRAINING-DUE", "after appointment"),
        ("AVOID-KIN", "appointment"),
        ("AVOID-REGION", "appointment"),
        ("ACC-TRACE", "all"),
    ],
)
def test_second_review_rules_are_in_the_catalog(rule_id: str, stage: str) -> None:
    assert RULES[rule_id].stage == stage
    assert not RULES[rule_id].policy


def test_docs_copy_is_the_shared_rule_book() -> None:
    if not SHARED_RULES.exists():
        pytest.skip(f"{SHARED_RULES} is not present (clean clone): only docs/RULES.md is checked")
    assert DOCS_RULES.read_bytes() == SHARED_RULES.read_bytes()
