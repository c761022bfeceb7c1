"""Pictures as SVG, laid out here (no graphviz): the workflow, a case's timeline, bar charts.

Every text that reaches the SVG passes `_text` (XML-escaped, characters XML 1.0 cannot carry
dropped): names and reasons come from users, and an SVG opened by a browser runs scripts.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape

from app.domain.workflow.actions import ACTIONS
from app.domain.workflow.stages import STAGE_LABELS, TERMINAL_STAGES, Stage

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
FONT = "font-family=\"'Noto Sans CJK SC','Microsoft YaHei',sans-serif\""


def _text(value: object, limit: int = 120) -> str:
    s = _NOT_XML.sub("", str(value))
    if len(s) > limit:
        s = s[: limit - 1] + "…"
    return escape(s, quote=True)


def _svg(width: int, height: int, body: list[str], title: str) -> str:
    return "\n".join(
        [
            '<?xml version="1.0" encoding="UTF-8"?>',
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" {FONT} font-size="12">',
            f"<title>{_text(title)}</title>",
            '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
            'markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" '
            'fill="#555"/></marker></defs>',
            f'<rect width="{width}" height="{height}" fill="#fff"/>',
            *body,
            "</svg>",
            "",
        ]
    )


# --- the workflow ---------------------------------------------------------------------------

_NODE_W, _NODE_H, _GAP_X, _GAP_Y = 150, 44, 40, 70


def _layers() -> dict[Stage, int]:
    """Longest distance from `motion` over the forward edges (back edges ignored)."""
    layer: dict[Stage, int] = {Stage.motion: 0}
    order = list(Stage)
    changed = True
    while changed:
        changed = False
        for a in ACTIONS:
            for src in a.sources:
                if src not in layer or order.index(a.dest) <= order.index(src):
                    continue
                want = layer[src] + 1
                if layer.get(a.dest, -1) < want:
                    layer[a.dest] = want
                    changed = True
    for s in order:  # stages no action reaches (none today) go last
        layer.setdefault(s, max(layer.values()) + 1)
    return layer


def workflow_svg(highlight: str | None = None) -> str:
    """Stages as boxes in rows by depth, actions as arrows labelled with their name; the
    `highlight` stage (a case's current one) filled."""
    layer = _layers()
    rows: dict[int, list[Stage]] = defaultdict(list)
    for s in Stage:
        rows[layer[s]].append(s)
    widest = max(len(r) for r in rows.values())
    width = widest * (_NODE_W + _GAP_X) + _GAP_X
    pos: dict[Stage, tuple[int, int]] = {}
    for depth, stages in sorted(rows.items()):
        offset = (width - len(stages) * (_NODE_W + _GAP_X) + _GAP_X) // 2
        for i, s in enumerate(stages):
            pos[s] = (offset + i * (_NODE_W + _GAP_X), 30 + depth * (_NODE_H + _GAP_Y))
    height = max(y for _, y in pos.values()) + _NODE_H + 30
    body: list[str] = []
    for a in ACTIONS:
        for src in a.sources:
            (x1, y1), (x2, y2) = pos[src], pos[a.dest]
            sx, sy = x1 + _NODE_W // 2, y1 + (_NODE_H if y2 > y1 else 0)
            tx, ty = x2 + _NODE_W // 2, y2 + (0 if y2 > y1 else _NODE_H)
            if y2 < y1:  # a way back (resume, reconsider): beside the way forward
                sx, tx = sx + 14, tx + 14
            if y1 == y2:  # same row: side by side
                sy = ty = y1 + _NODE_H // 2
                sx, tx = (x1 + _NODE_W, x2) if x2 > x1 else (x1, x2 + _NODE_W)
            dash = ' stroke-dasharray="4 3"' if a.system else ""
            body.append(
                f'<line class="action" data-action="{_text(a.name)}" x1="{sx}" y1="{sy}" '
                f'x2="{tx}" y2="{ty}" stroke="#555" marker-end="url(#arrow)"{dash}>'
                f"<title>{_text(a.name)} ({_text(a.label_zh)})</title></line>"
            )
    for s, (x, y) in pos.items():
        current = s.value == highlight
        fill = "#f96" if current else ("#eee" if s in TERMINAL_STAGES else "#dfeefa")
        stroke = ' stroke-width="3"' if current else ""
        cls = "stage current" if current else "stage"
        body.append(
            f'<g class="{cls}" data-stage="{s.value}"><rect x="{x}" y="{y}" width="{_NODE_W}" '
            f'height="{_NODE_H}" rx="8" fill="{fill}" stroke="#333"{stroke}/>'
            f'<text x="{x + _NODE_W // 2}" y="{y + 18}" text-anchor="middle">'
            f"{_text(STAGE_LABELS[s])}</text>"
            f'<text x="{x + _NODE_W // 2}" y="{y + 34}" text-anchor="middle" fill="#555" '
            f'font-size="10">{_text(s.value)}</text></g>'
        )
    return _svg(width, height, body, "干部选拔任用工作流程 (workflow)")


# --- a case's timeline ----------------------------------------------------------------------

EVENT_COLOURS = {"stage": "#1f77b4", "fact": "#2ca02c", "refusal": "#d62728", "hold": "#ff7f0e"}


@dataclass(frozen=True)
class TimelineEvent:
    at: datetime
    kind: str  # stage (entered), fact, refusal, hold
    label: str
    detail: str = ""


def timeline_svg(title: str, events: Sequence[TimelineEvent], current_stage: str) -> str:
    """One row per event, oldest first: its day, a marker coloured by kind, what happened. A
    band on the left spans each stage from the row that entered it."""
    row_h, top, left = 26, 60, 190
    ordered = sorted(events, key=lambda e: e.at)
    height = top + max(1, len(ordered)) * row_h + 40
    width = 900
    body = [
        f'<text x="20" y="28" font-size="16" font-weight="bold">{_text(title)}</text>',
        f'<text x="20" y="48" fill="#555">current stage: {_text(current_stage)}</text>',
        f'<line x1="{left}" y1="{top - 10}" x2="{left}" y2="{height - 30}" stroke="#999"/>',
    ]
    for i, (kind, colour) in enumerate(EVENT_COLOURS.items()):
        x = 520 + i * 90
        body.append(
            f'<circle cx="{x}" cy="24" r="5" fill="{colour}"/>'
            f'<text x="{x + 9}" y="28">{kind}</text>'
        )
    band_start: int | None = None
    band_label = ""
    for i, e in enumerate(ordered):
        y = top + i * row_h
        if e.kind in {"stage", "hold"}:
            if band_start is not None:
                body.append(_band(band_start, y, band_label))
            band_start, band_label = y, e.label
        colour = EVENT_COLOURS.get(e.kind, "#777")
        detail = f" — {_text(e.detail)}" if e.detail else ""
        body.append(
            f'<g class="event {_text(e.kind)}"><text x="{left - 110}" y="{y + 4}" fill="#333">'
            f"{e.at.strftime('%Y-%m-%d %H:%M')}</text>"
            f'<circle cx="{left}" cy="{y}" r="6" fill="{colour}"/>'
            f'<text x="{left + 14}" y="{y + 4}">{_text(e.label)}{detail}</text></g>'
        )
    if band_start is not None:
        body.append(_band(band_start, top + len(ordered) * row_h - row_h // 2, band_label))
    return _svg(width, height, body, title)


def _band(y1: int, y2: int, label: str) -> str:
    return (
        f'<rect class="band" x="8" y="{y1 - 10}" width="62" height="{max(y2 - y1, 20)}" '
        f'fill="#dfeefa" stroke="#9cc"/><text x="12" y="{y1 + 4}" font-size="9">'
        f"{_text(label, 10)}</text>"
    )


# --- charts ---------------------------------------------------------------------------------


def bar_chart_svg(title: str, bars: Sequence[tuple[str, float | None]]) -> str:
    """Horizontal bars; a value of None (suppressed) is drawn as a hatched stub labelled so."""
    row_h, left, top, span = 24, 200, 50, 480
    biggest = max([v for _, v in bars if v is not None] + [1])
    height = top + len(bars) * row_h + 20
    body = [f'<text x="20" y="28" font-size="16" font-weight="bold">{_text(title)}</text>']
    for i, (label, value) in enumerate(bars):
        y = top + i * row_h
        body.append(f'<text x="{left - 8}" y="{y + 14}" text-anchor="end">{_text(label)}</text>')
        if value is None:
            body.append(
                f'<rect x="{left}" y="{y + 2}" width="30" height="16" fill="#ccc"/>'
                f'<text x="{left + 36}" y="{y + 14}" fill="#555">suppressed (&lt;5)</text>'
            )
            continue
        w = round(span * value / biggest)
        body.append(
            f'<rect class="bar" x="{left}" y="{y + 2}" width="{w}" height="16" fill="#1f77b4"/>'
            f'<text x="{left + w + 6}" y="{y + 14}">{_text(value)}</text>'
        )
    return _svg(left + span + 100, height, body, title)
