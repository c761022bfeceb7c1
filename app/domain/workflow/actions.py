"""THE action table: each action's sources, destination, permission, guard and rules.

The one `transitions` machine (machine.py), `allowed_actions`, `GET /api/v1/workflow` and the
Mermaid diagram are all built from this table. `rules` is exactly what `guard` can return
(tests/domain/test_workflow_table.py reads the guards' code to prove it), plus `reason_rule`
for the actions that need a stated reason. `effect` plans what follows (effects.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app.domain.errors import Violation
from app.domain.guards import appointment as app_
from app.domain.guards import decision as dec
from app.domain.guards import deliberation as dl
from app.domain.guards import inspection as ins
from app.domain.guards import motion as mot
from app.domain.guards import publicity as pub
from app.domain.guards import recommendation as rec
from app.domain.snapshot import CaseSnapshot
from app.domain.workflow import effects as fx
from app.domain.workflow.effects import Plan
from app.domain.workflow.stages import TERMINAL_STAGES, Stage

Guard = Callable[[CaseSnapshot], list[Violation]]
Effect = Callable[[CaseSnapshot, str | None], Plan]


def no_guard(snap: CaseSnapshot) -> list[Violation]:
    return []


@dataclass(frozen=True)
class ActionSpec:
    name: str
    sources: tuple[Stage, ...]
    dest: Stage
    permission: str
    guard: Guard
    effect: Effect  # what follows once the machine has moved (a plan the service applies)
    rules: tuple[str, ...]
    label_zh: str
    label_en: str
    reason_rule: str | None = None  # set: a reason is required, refused under this rule
    # A resume returns to a stage of the same pass: its entry date is not moved.
    resumes: bool = False
    system: bool = False  # fired by the service as a consequence, not offered to clients

    @property
    def all_rules(self) -> tuple[str, ...]:
        extra = (
            (self.reason_rule,) if self.reason_rule and self.reason_rule not in self.rules else ()
        )
        return self.rules + extra


S = Stage
_QUAL = ("QUAL-SERVICE", "QUAL-TENURE", "QUAL-EDUCATION", "QUAL-PARTY-STANDING")
_EXC = ("EXC-APPROVAL", "EXC-LIMITS", "EXCL-APPRAISAL", "EXCL-DISCIPLINE")
_OPEN_NON_FINAL = tuple(
    s for s in Stage if s not in TERMINAL_STAGES and s not in {S.appointed, S.probation}
)
_DECIDED = (
    *(S.decision, S.decision_postponed, S.publicity, S.appointment_postponed),
    *(S.appointed, S.probation),
)

# fmt: off
_W, _D = "cases.write", "cases.decide"
ACTIONS: tuple[ActionSpec, ...] = (
    # name, from, to, permission, guard, effect, rules it checks; labels; reason / flags
    ActionSpec("start_recommendation", (S.motion,), S.recommendation, _W,
               mot.start_recommendation, fx.none, ("MOT-PLAN", "HEADCOUNT"),
               "启动民主推荐", "Start democratic recommendation"),
    ActionSpec("start_inspection", (S.recommendation,), S.inspection, _W,
               rec.start_inspection, fx.start_inspection,
               ("REC-NOT-VOTES", "REC-REQUIRED", "REC-PARTICIPATION", "REC-VALIDITY",
                "REC-MAJORITY", "INS-MORE-THAN-PLACES", "COMP-SCORE", "COMP-SHORTLIST",
                "COMP-DISSATISFACTION", "COMP-CANVASSING", *_QUAL, *_EXC, "RES-POOL-REQUIRED"),
               "确定考察对象，启动考察", "Fix the inspection targets and start inspection"),
    ActionSpec("start_deliberation", (S.inspection,), S.deliberation, _W,
               ins.start_deliberation, fx.start_deliberation,
               ("INS-NOTICE", "INS-TEAM", "INS-FOUR-MUSTS", "INS-REPORT", "INS-PREVIOUS-UNIT"),
               "考察结束，进入酝酿", "Close inspection and start deliberation"),
    ActionSpec("hold_deliberation", (S.deliberation,), S.deliberation_held, _W,
               no_guard, fx.none, (),
               "酝酿中有重大分歧，暂缓", "Hold: major disagreement in deliberation",
               reason_rule="DEL-DISAGREEMENT"),
    ActionSpec("resume_deliberation", (S.deliberation_held,), S.deliberation, _W,
               no_guard, fx.none, (), "恢复酝酿", "Resume deliberation",
               reason_rule="REC-RECORD", resumes=True),
    ActionSpec("submit_for_decision", (S.deliberation,), S.decision, _W,
               dl.submit_for_decision, fx.submit,
               ("DEL-CONSULT", "DEL-DISAGREEMENT", "EXC-APPROVAL", "EXC-LIMITS"),
               "提交讨论决定", "Submit to the collective decision"),
    ActionSpec("postpone_vote", (S.decision,), S.decision_postponed, _D,
               no_guard, fx.none, (),
               "意见分歧较大，暂缓表决", "Postpone the vote (great disagreement)",
               reason_rule="DEC-POSTPONE"),
    ActionSpec("resume_vote", (S.decision_postponed,), S.decision, _D,
               no_guard, fx.none, (), "恢复表决", "Resume the vote",
               reason_rule="REC-RECORD", resumes=True),
    ActionSpec("approve", (S.decision,), S.publicity, _D,
               dec.approve, fx.approve,
               ("DEC-QUORUM", "DEC-MAJORITY", "DEC-BRIEFING", "DEC-MINUTES", "HEADCOUNT",
                *_QUAL, *_EXC),
               "作出任用决定，进入任前公示", "Decide and go to pre-appointment publicity"),
    ActionSpec("reconsider", (S.publicity,), S.decision, _D,
               dec.reconsider, fx.reconsider, ("DEC-RECONSIDER",),
               "复议", "Reopen the decision (reconsideration)", reason_rule="DEC-RECONSIDER"),
    ActionSpec("postpone_appointment", (S.publicity,), S.appointment_postponed, _W,
               pub.postpone_appointment, fx.none, ("PUB-OBJECTIONS",),
               "公示反映问题，暂缓任用", "Postpone the appointment (publicity finding)",
               reason_rule="PUB-OBJECTIONS"),
    ActionSpec("resume_appointment", (S.appointment_postponed,), S.publicity, _W,
               no_guard, fx.none, (), "恢复任用程序", "Resume after the postponement",
               reason_rule="REC-RECORD", resumes=True),
    ActionSpec("reject_after_publicity", (S.publicity, S.appointment_postponed),
               S.not_appointed, _W, pub.reject_after_publicity, fx.reject, ("PUB-OBJECTIONS",),
               "公示反映问题属实，不予任用", "Do not appoint (publicity finding)",
               reason_rule="PUB-OBJECTIONS"),
    ActionSpec("appoint", (S.publicity,), S.appointed, _W,
               app_.appoint, fx.appoint,
               ("PUB-DURATION", "PUB-OBJECTIONS", "APP-FORM", "CASE-TIMELINE", "HEADCOUNT"),
               "公示期满，任职", "Appoint after the publicity window"),
    ActionSpec("begin_probation", (S.appointed,), S.probation, _W,
               app_.begin_probation, fx.begin_probation, ("PROB-TERM",),
               "实行试用期", "Start the probation year"),
    ActionSpec("confirm", (S.probation,), S.confirmed, _W,
               app_.confirm, fx.end_probation, ("PROB-TERM", "PROB-OUTCOME"),
               "试用期满考核称职，正式任职", "Confirm after a competent probation"),
    ActionSpec("fail_probation", (S.probation,), S.probation_failed, _W,
               app_.fail_probation, fx.end_probation, ("PROB-OUTCOME",),
               "试用期考核不称职，免去试任职务", "Remove from the trial post"),
    ActionSpec("withdraw", _OPEN_NON_FINAL, S.withdrawn, _W,
               no_guard, fx.close, (), "终止选拔", "Withdraw the case", reason_rule="REC-RECORD"),
    ActionSpec("declare_void", _DECIDED, S.void, "cases.void",
               no_guard, fx.void, (), "违规作出的决定无效",
               "Declare the decision void (procedure breached)", reason_rule="DISC-VOID"),
    ActionSpec("close_removed", (S.appointed, S.probation), S.removed, "misconduct.write",
               app_.nobody_in_post, fx.close, ("DISC-MISCONDUCT",),
               "已提拔的违规者全部撤下，终结", "End: every appointee removed for misconduct",
               system=True),
)
# fmt: on

ACTION_BY_NAME: dict[str, ActionSpec] = {a.name: a for a in ACTIONS}


def actions_from(stage: str) -> list[ActionSpec]:
    return [a for a in ACTIONS if stage in a.sources and not a.system]
