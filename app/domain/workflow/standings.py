"""The allowed moves of a candidate's standing, in one place.

Every change of a standing, whatever causes it (a transition, a recorded fact, misconduct, a
nomination), goes through `check_move`; the service applies the move in one function.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.workflow.stages import Standing

S = Standing

_MOVES: dict[S, frozenset[S]] = {
    S.POOL: frozenset({S.RECOMMENDED, S.TARGET, S.ELIMINATED, S.DISQUALIFIED}),
    # A superseded round can take the recommendation back.
    S.RECOMMENDED: frozenset({S.POOL, S.TARGET, S.ELIMINATED, S.DISQUALIFIED}),
    S.TARGET: frozenset({S.INSPECTED, S.DISQUALIFIED}),
    # A superseding proposal moves candidates between inspected and proposed.
    S.INSPECTED: frozenset({S.PROPOSED, S.ELIMINATED, S.DISQUALIFIED}),
    S.PROPOSED: frozenset({S.INSPECTED, S.APPROVED, S.ELIMINATED, S.DISQUALIFIED}),
    # Reconsideration (复议) sends approved and publicised candidates back to the vote.
    S.APPROVED: frozenset({S.PUBLICISED, S.PROPOSED, S.DISQUALIFIED}),
    S.PUBLICISED: frozenset({S.APPOINTED, S.NOT_APPOINTED, S.PROPOSED, S.DISQUALIFIED}),
    S.APPOINTED: frozenset({S.CONFIRMED, S.REMOVED}),
    S.CONFIRMED: frozenset(),
    S.ELIMINATED: frozenset(),
    S.DISQUALIFIED: frozenset(),
    S.NOT_APPOINTED: frozenset(),
    S.REMOVED: frozenset(),
}


class IllegalStandingMove(RuntimeError):
    """A programming error: a move the table does not allow (never a user error)."""


@dataclass(frozen=True)
class Move:
    """Move one candidate to `to`; `rule` and `reason` say why when the candidate goes out."""

    candidate_id: str
    to: S
    rule: str | None = None
    reason: str | None = None


def check_move(current: S, to: S) -> None:
    if to != current and to not in _MOVES[current]:
        raise IllegalStandingMove(f"standing {current} cannot become {to}")
