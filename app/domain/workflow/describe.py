"""The action table as data (`GET /api/v1/workflow`) and as a Mermaid diagram."""

from __future__ import annotations

from typing import Any

from app.domain.workflow.actions import ACTIONS
from app.domain.workflow.stages import STAGE_LABELS, TERMINAL_STAGES, Stage


def describe() -> dict[str, Any]:
    return {
        "stages": [
            {"name": s.value, "label_zh": STAGE_LABELS[s], "terminal": s in TERMINAL_STAGES}
            for s in Stage
        ],
        "actions": [
            {
                "name": a.name,
                "from": [s.value for s in a.sources],
                "to": a.dest.value,
                "label_zh": a.label_zh,
                "label_en": a.label_en,
                "permission": a.permission,
                "rules": list(a.all_rules),
                "needs_reason": a.reason_rule is not None,
                "system": a.system,
            }
            for a in ACTIONS
        ],
    }


def mermaid(highlight: str | None = None) -> str:
    lines = ["stateDiagram-v2", f"    [*] --> {Stage.motion.value}"]
    for a in ACTIONS:
        for s in a.sources:
            lines.append(f"    {s.value} --> {a.dest.value}: {a.name}")
    for s in sorted(TERMINAL_STAGES):
        lines.append(f"    {s} --> [*]")
    if highlight:
        lines.append("    classDef current fill:#f96,stroke:#333,stroke-width:2px")
        lines.append(f"    class {highlight} current")
    return "\n".join(lines) + "\n"
