"""Stages of a case and standings of a candidate inside it."""

from __future__ import annotations

from enum import StrEnum


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
    removed = "removed"  # 已提拔的因违规被撤下 (DISC-MISCONDUCT)
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
    Stage.removed: "撤下（违规提拔）",
    Stage.not_appointed: "不予任用",
    Stage.withdrawn: "终止",
    Stage.void: "决定无效",
}

# `appointed` is final for elected posts and posts without probation; `begin_probation` leads on.
TERMINAL_STAGES = frozenset(
    {
        Stage.confirmed,
        Stage.probation_failed,
        Stage.removed,
        Stage.not_appointed,
        Stage.withdrawn,
        Stage.void,
    }
)
OPEN_STAGES = frozenset(s.value for s in Stage if s not in TERMINAL_STAGES)
POOL_STAGES = frozenset({Stage.motion.value, Stage.recommendation.value})
# Stages in which the case's appointees hold the post (DISC-MISCONDUCT removes them from it).
IN_POST_STAGES = frozenset({Stage.appointed.value, Stage.probation.value})


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
    REMOVED = "removed"  # 免去试任职务 / 撤下

    @property
    def is_out(self) -> bool:
        return self in OUT_STANDINGS


OUT_STANDINGS = frozenset(
    {Standing.ELIMINATED, Standing.DISQUALIFIED, Standing.NOT_APPOINTED, Standing.REMOVED}
)
