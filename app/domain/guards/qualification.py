"""Qualifications in the workflow: which QUAL/EXC/EXCL rules are checked at which step.

The checks themselves live in app/domain/qualification.py; this module decides when they bind.
"""

from __future__ import annotations

from typing import Literal

from app.domain.errors import Violation
from app.domain.qualification import QualificationResult, check_qualifications
from app.domain.snapshot import CaseSnapshot, Member

# Checked when targets are fixed; re-checked at the decision (the pool rule only at targets).
_AT_TARGETS = frozenset(
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
_WHEN: dict[str, frozenset[str]] = {
    "targets": _AT_TARGETS,
    "submit": frozenset({"EXC-APPROVAL", "EXC-LIMITS"}),
    # Pool membership is the one thing not re-checked: misconduct disqualifies by itself.
    "decision": _AT_TARGETS - {"RES-POOL-REQUIRED"},
}


def result(snap: CaseSnapshot, m: Member) -> QualificationResult:
    return check_qualifications(m.profile, snap.target, snap.policy, snap.today, m.approvals)


def qualification_violations(
    snap: CaseSnapshot, m: Member, at: Literal["targets", "submit", "decision"]
) -> list[Violation]:
    rules = _WHEN[at]
    return [
        Violation(rule=x.rule, detail=x.detail, article=x.article, subject=m.candidate_id)
        for x in result(snap, m).violations
        if x.rule in rules
    ]
