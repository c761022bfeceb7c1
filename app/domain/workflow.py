"""The selection workflow: stages, actions, the transition table and the ONE shared machine.

The table is the single source for the machine, `allowed_actions`, `GET /api/v1/workflow` and
the Mermaid diagram. Guards live in `app.domain.guards`; callbacks have no side effects.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from transitions import Machine

from app.domain.errors import IllegalTransition


class Stage(StrEnum):
    """Stages of a case. Names equal stored values (transitions keys enum states by name)."""

    motion = "motion"  # 分析研判和动议
    recommendation = "recommendation"  # 民主推荐
    inspection = "inspection"  # 考察
    deliberation = "deliberation"  # 酝酿
    deliberation_held = "deliberation_held"  # 酝酿中有重大分歧，暂缓
    decision = "decision"  # 讨论决定
    decision_postponed = "decision_postponed"  # 暂缓表决
    publicity = "publicity"  # 任前公示
    appointment_postponed = "appointment_postponed"  # 公示后暂缓任用
    appointed = "appointed"  # 任职
    probation = "probation"  # 试用期
    confirmed = "confirmed"  # 正式任职
    probation_failed = "probation_failed"  # 试用期不合格，免去试任职务
    not_appointed = "not_appointed"  # 公示后不予任用
    withdrawn = "withdrawn"  # 终止
    void = "void"  # 决定无效


STAGE_LABELS: dict[Stage, str] = {
    Stage.motion: "分析研判和动议",
    Stage.recommendation: "民主推荐",
    Stage.inspection: "考察",
    Stage.deliberation: "酝酿",
    Stage.deliberation_held: "酝酿暂缓（重大分歧）",
    Stage.decision: "讨论决定",
    Stage.decision_postponed: "暂缓表决",
    Stage.publicity: "任前公示",
    Stage.appointment_postponed: "暂缓任用",
    Stage.appointed: "任职",
    Stage.probation: "试用期",
    Stage.confirmed: "正式任职",
    Stage.probation_failed: "试用期不合格",
    Stage.not_appointed: "不予任用",
    Stage.withdrawn: "终止",
    Stage.void: "决定无效",
}

# `appointed` is final for elected posts and posts without probation; `begin_probation` leads on.
TERMINAL_STAGES = frozenset(
    {Stage.confirmed, Stage.probation_failed, Stage.not_appointed, Stage.withdrawn, Stage.void}
)
OPEN_STAGES = frozenset(s.value for s in Stage if s not in TERMINAL_STAGES)
POOL_STAGES = frozenset({Stage.motion.value, Stage.recommendation.value})


class Standing(StrEnum):
    """A candidate's standing inside a case."""

    POOL = "pool"  # 人选库
    RECOMMENDED = "recommended"  # 已推荐
    TARGET = "target"  # 考察对象
    INSPECTED = "inspected"  # 已考察
    PROPOSED = "proposed"  # 拟任人选（提交讨论）
    APPROVED = "approved"  # 讨论通过
    PUBLICISED = "publicised"  # 已公示
    APPOINTED = "appointed"  # 已任职
    CONFIRMED = "confirmed"  # 正式任职
    ELIMINATED = "eliminated"  # 未进入下一环节
    DISQUALIFIED = "disqualified"  # 取消资格
    NOT_APPOINTED = "not_appointed"  # 不予任用
    REMOVED = "removed"  # 试用期不合格，免去试任职务

    @property
    def is_out(self) -> bool:
        return self in {
            Standing.ELIMINATED,
            Standing.DISQUALIFIED,
            Standing.NOT_APPOINTED,
            Standing.REMOVED,
        }


@dataclass(frozen=True)
class ActionSpec:
    name: str
    sources: tuple[Stage, ...]
    dest: Stage
    label_zh: str
    label_en: str
    permission: str
    rules: tuple[str, ...]  # the rules this action checks
    needs_reason: bool = False


_OPEN_NON_FINAL = tuple(
    s for s in Stage if s not in TERMINAL_STAGES and s not in {Stage.appointed, Stage.probation}
)

ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec(
        "start_recommendation",
        (Stage.motion,),
        Stage.recommendation,
        "启动民主推荐",
        "Start democratic recommendation",
        "cases.write",
        ("MOT-PLAN", "HEADCOUNT"),
    ),
    ActionSpec(
        "start_inspection",
        (Stage.recommendation,),
        Stage.inspection,
        "确定考察对象，启动考察",
        "Fix the inspection targets and start inspection",
        "cases.write",
        (
            "REC-REQUIRED",
            "REC-PARTICIPATION",
            "REC-VALIDITY",
            "REC-NOT-VOTES",
            "REC-MAJORITY",
            "INS-MORE-THAN-PLACES",
            "COMP-SHORTLIST",
            "COMP-DISSATISFACTION",
            "QUAL-SERVICE",
            "QUAL-TENURE",
            "QUAL-EDUCATION",
            "QUAL-PARTY-STANDING",
            "EXC-APPROVAL",
            "EXC-LIMITS",
            "EXCL-APPRAISAL",
            "EXCL-DISCIPLINE",
            "RES-POOL-REQUIRED",
        ),
    ),
    ActionSpec(
        "start_deliberation",
        (Stage.inspection,),
        Stage.deliberation,
        "考察结束，进入酝酿",
        "Close inspection and start deliberation",
        "cases.write",
        ("INS-NOTICE", "INS-TEAM", "INS-FOUR-MUSTS", "INS-REPORT", "INS-PREVIOUS-UNIT"),
    ),
    ActionSpec(
        "hold_deliberation",
        (Stage.deliberation,),
        Stage.deliberation_held,
        "酝酿中有重大分歧，暂缓",
        "Hold: major disagreement in deliberation",
        "cases.write",
        ("DEL-DISAGREEMENT",),
        needs_reason=True,
    ),
    ActionSpec(
        "resume_deliberation",
        (Stage.deliberation_held,),
        Stage.deliberation,
        "恢复酝酿",
        "Resume deliberation",
        "cases.write",
        (),
        needs_reason=True,
    ),
    ActionSpec(
        "submit_for_decision",
        (Stage.deliberation,),
        Stage.decision,
        "提交讨论决定",
        "Submit to the collective decision",
        "cases.write",
        ("DEL-CONSULT", "EXC-APPROVAL"),
    ),
    ActionSpec(
        "postpone_vote",
        (Stage.decision,),
        Stage.decision_postponed,
        "意见分歧较大，暂缓表决",
        "Postpone the vote (great disagreement)",
        "cases.decide",
        ("DEC-POSTPONE",),
        needs_reason=True,
    ),
    ActionSpec(
        "resume_vote",
        (Stage.decision_postponed,),
        Stage.decision,
        "恢复表决",
        "Resume the vote",
        "cases.decide",
        (),
        needs_reason=True,
    ),
    ActionSpec(
        "approve",
        (Stage.decision,),
        Stage.publicity,
        "作出任用决定，进入任前公示",
        "Decide and go to pre-appointment publicity",
        "cases.decide",
        (
            "DEC-QUORUM",
            "DEC-MAJORITY",
            "DEC-BRIEFING",
            "DEC-MINUTES",
            "DEC-RECUSAL",
            "HEADCOUNT",
            "EXC-APPROVAL",
            "QUAL-SERVICE",
            "QUAL-TENURE",
            "QUAL-EDUCATION",
            "EXCL-DISCIPLINE",
        ),
    ),
    ActionSpec(
        "reconsider",
        (Stage.publicity,),
        Stage.decision,
        "复议",
        "Reopen the decision (reconsideration)",
        "cases.decide",
        ("DEC-RECONSIDER",),
        needs_reason=True,
    ),
    ActionSpec(
        "postpone_appointment",
        (Stage.publicity,),
        Stage.appointment_postponed,
        "公示反映问题，暂缓任用",
        "Postpone the appointment (publicity finding)",
        "cases.write",
        ("PUB-OBJECTIONS",),
        needs_reason=True,
    ),
    ActionSpec(
        "resume_appointment",
        (Stage.appointment_postponed,),
        Stage.publicity,
        "恢复任用程序",
        "Resume after the postponement",
        "cases.write",
        (),
        needs_reason=True,
    ),
    ActionSpec(
        "reject_after_publicity",
        (Stage.publicity, Stage.appointment_postponed),
        Stage.not_appointed,
        "公示反映问题属实，不予任用",
        "Do not appoint (publicity finding)",
        "cases.write",
        ("PUB-OBJECTIONS",),
        needs_reason=True,
    ),
    ActionSpec(
        "appoint",
        (Stage.publicity,),
        Stage.appointed,
        "公示期满，任职",
        "Appoint after the publicity window",
        "cases.write",
        ("PUB-DURATION", "PUB-OBJECTIONS", "PUB-EXCEPTION-REASON", "APP-FORM", "HEADCOUNT"),
    ),
    ActionSpec(
        "begin_probation",
        (Stage.appointed,),
        Stage.probation,
        "实行试用期",
        "Start the probation year",
        "cases.write",
        ("PROB-TERM",),
    ),
    ActionSpec(
        "confirm",
        (Stage.probation,),
        Stage.confirmed,
        "试用期满考核称职，正式任职",
        "Confirm after a competent probation",
        "cases.write",
        ("PROB-TERM", "PROB-OUTCOME"),
    ),
    ActionSpec(
        "fail_probation",
        (Stage.probation,),
        Stage.probation_failed,
        "试用期考核不称职，免去试任职务",
        "Remove from the trial post",
        "cases.write",
        ("PROB-OUTCOME",),
    ),
    ActionSpec(
        "withdraw",
        _OPEN_NON_FINAL,
        Stage.withdrawn,
        "终止选拔",
        "Withdraw the case",
        "cases.write",
        (),
        needs_reason=True,
    ),
    ActionSpec(
        "declare_void",
        (
            Stage.decision,
            Stage.decision_postponed,
            Stage.publicity,
            Stage.appointment_postponed,
            Stage.appointed,
            Stage.probation,
        ),
        Stage.void,
        "违规作出的决定无效",
        "Declare the decision void (procedure breached)",
        "cases.void",
        ("DISC-VOID",),
        needs_reason=True,
    ),
)

ACTION_BY_NAME: dict[str, ActionSpec] = {a.name: a for a in ACTIONS}


class _Subject:
    """What the machine moves: anything with a `stage` attribute (the ORM row)."""

    stage: str


# ONE module-level machine, built at import, never per request (design/performance-baseline.md).
MACHINE = Machine(
    model=None,
    states=[s.value for s in Stage],
    initial=Stage.motion.value,
    transitions=[
        {"trigger": a.name, "source": [s.value for s in a.sources], "dest": a.dest.value}
        for a in ACTIONS
    ],
    auto_transitions=False,
    send_event=False,
    model_attribute="stage",
)


def actions_from(stage: str) -> list[ActionSpec]:
    return [a for a in ACTIONS if stage in {s.value for s in a.sources}]


def fire(subject: Any, action: str) -> tuple[str, str]:
    """Move `subject.stage` along `action`; returns (from, to). Guards ran before this."""
    spec = ACTION_BY_NAME.get(action)
    current = str(subject.stage)
    if spec is None or current not in {s.value for s in spec.sources}:
        raise IllegalTransition(action, current, [a.name for a in actions_from(current)])
    MACHINE.events[action].trigger(subject)
    return current, str(subject.stage)


def describe() -> dict[str, Any]:
    """The workflow as data (`GET /api/v1/workflow`)."""
    return {
        "stages": [
            {
                "name": s.value,
                "label_zh": STAGE_LABELS[s],
                "terminal": s in TERMINAL_STAGES,
            }
            for s in Stage
        ],
        "actions": [
            {
                "name": a.name,
                "from": [s.value for s in a.sources],
                "to": a.dest.value,
                "label_zh": a.label_zh,
                "label_en": a.label_en,
                "rules": list(a.rules),
                "needs_reason": a.needs_reason,
            }
            for a in ACTIONS
        ],
    }


def mermaid() -> str:
    """The same transition table as a Mermaid state diagram."""
    lines = ["stateDiagram-v2", f"    [*] --> {Stage.motion.value}"]
    for a in ACTIONS:
        for s in a.sources:
            lines.append(f"    {s.value} --> {a.dest.value}: {a.name}")
    for s in sorted(TERMINAL_STAGES):
        lines.append(f"    {s} --> [*]")
    return "\n".join(lines) + "\n"
