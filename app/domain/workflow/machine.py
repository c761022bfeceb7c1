"""The ONE `transitions` machine, built from the action table; the guards are its conditions.

Firing an action runs its guard in the transition's `prepare` callback, which collects every
failing rule (not only the first) into the event's verdict; the condition lets the transition
through only when the verdict is empty. No code path changes a stage without passing here.
Callbacks have no side effects beyond the verdict: effects are planned and applied by the
service after the machine has moved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from transitions import EventData, Machine

from app.domain.errors import IllegalTransition, RuleViolated, Violation
from app.domain.snapshot import CaseSnapshot
from app.domain.workflow.actions import ACTION_BY_NAME, ACTIONS, ActionSpec, actions_from
from app.domain.workflow.stages import Stage


@dataclass
class Verdict:
    snapshot: CaseSnapshot
    reason: str | None
    violations: list[Violation] = field(default_factory=list)


def evaluate(spec: ActionSpec, snap: CaseSnapshot, reason: str | None) -> list[Violation]:
    """Every rule that refuses `spec` now: the guard, and a missing reason when one is needed."""
    found = list(spec.guard(snap))
    if spec.reason_rule and not (reason or "").strip():
        found.append(Violation(spec.reason_rule, f"{spec.name} needs a reason"))
    return found


def _prepare(event: EventData) -> None:
    verdict: Verdict = event.kwargs["verdict"]
    verdict.violations.extend(
        evaluate(ACTION_BY_NAME[event.event.name], verdict.snapshot, verdict.reason)
    )


def _passes(event: EventData) -> bool:
    verdict: Verdict = event.kwargs["verdict"]
    return not verdict.violations


# Built once at import and never per request (design/performance-baseline.md): it holds no
# model; each request passes its case row as the model of the event.
MACHINE = Machine(
    model=None,
    states=[s.value for s in Stage],
    initial=Stage.motion.value,
    transitions=[
        {
            "trigger": a.name,
            "source": [s.value for s in a.sources],
            "dest": a.dest.value,
            "prepare": _prepare,
            "conditions": _passes,
        }
        for a in ACTIONS
    ],
    auto_transitions=False,
    send_event=True,
    model_attribute="stage",
)


def spec_for(action: str, stage: str, *, system: bool = False) -> ActionSpec:
    """The action if it is offered from `stage`; else IllegalTransition listing what is."""
    spec = ACTION_BY_NAME.get(action)
    if spec is None or stage not in spec.sources or (spec.system and not system):
        raise IllegalTransition(action, stage, [a.name for a in actions_from(stage)])
    return spec


def fire(subject: Any, action: str, snap: CaseSnapshot, reason: str | None) -> tuple[str, str]:
    """Move `subject.stage` along `action` if its guard lets it; returns (from, to).

    Raises RuleViolated with every failing rule when the machine refuses.
    """
    before = str(subject.stage)
    verdict = Verdict(snap, reason)
    moved = MACHINE.events[action].trigger(subject, verdict=verdict)
    if not moved:
        raise RuleViolated(verdict.violations)
    return before, str(subject.stage)
