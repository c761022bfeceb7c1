"""The selection workflow: stages, standings, the action table and the one machine."""

from app.domain.workflow.stages import (
    IN_POST_STAGES,
    OPEN_STAGES,
    POOL_STAGES,
    STAGE_LABELS,
    TERMINAL_STAGES,
    Stage,
    Standing,
)

__all__ = [
    "IN_POST_STAGES",
    "OPEN_STAGES",
    "POOL_STAGES",
    "STAGE_LABELS",
    "TERMINAL_STAGES",
    "Stage",
    "Standing",
]
