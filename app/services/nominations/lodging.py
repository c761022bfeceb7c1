"""Lodging a nomination of any of the four kinds (提交推荐、自荐).

A self-nomination (自荐) is lodged by the cadre themself through one of three channels
(NOM-SELF-CHANNEL); lodged with the unit party leader it waits there until forwarded
(NOM-SELF-FORWARD), the deadline set by the selection policy it names (pending, never refused,
when it falls in a year whose official schedule is not known yet). A signed leader
recommendation (领导干部署名推荐) must be written and signed (NOM-SIGNED). Organisational (组织推荐)
and full-committee (全委会推荐) nominations are lodged by the organisation itself.
"""

from __future__ import annotations

import uuid
from typing import Any

from app.db import nominations_repo as repo
from app.db.models import Candidate, Position
from app.db.nomination_models import Nomination
from app.db.uow import UnitOfWork
from app.domain import nominations as domain
from app.domain.errors import Forbidden, InvalidInput, raise_if
from app.domain.nominations import NominationKind
from app.services import calendar_registry, policies, scope
from app.services.context import Actor, Clock
from app.services.nominations.common import NominationView, record

_PERMISSION = {
    NominationKind.SELF: "nominations.lodge_self",
    NominationKind.SIGNED: "nominations.lodge_signed",
    NominationKind.ORGANISATIONAL: "nominations.lodge_org",
    NominationKind.FULL_COMMITTEE: "nominations.lodge_committee",
}


def lodge(uow: UnitOfWork, actor: Actor, clock: Clock, data: dict[str, Any]) -> NominationView:
    """Lodge a nomination of any kind; the body was validated by the kind's schema."""
    kind = NominationKind(data["kind"])
    role = actor.role_for(_PERMISSION[kind])
    position_id: uuid.UUID | None = data.get("position_id")
    if position_id is not None and not (
        repo.position_exists(uow.session, position_id)
        and scope.contains(uow.session, actor, Position, position_id)
    ):
        raise InvalidInput(f"position {position_id} does not exist")
    if kind is NominationKind.SELF:
        fields = _self_fields(uow, actor, clock, data)
    else:
        fields = _other_fields(uow, actor, kind, data)
    now = clock.now()
    assert actor.principal_id is not None
    row = Nomination(
        kind=kind.value,
        position_id=position_id,
        post_aimed_at=data.get("post_aimed_at") or "",
        statement=data.get("statement") or "",
        lodged_by=actor.principal_id,
        lodged_role=role,
        created_at=now,
        updated_at=now,
        **fields,
    )
    uow.session.add(row)
    uow.session.flush()
    record(
        uow,
        actor,
        role,
        row,
        "nomination.lodged",
        from_status=None,
        rules=domain.lodge_rules(kind),
        payload={
            "kind": row.kind,
            "candidate_id": str(row.candidate_id),
            "position_id": str(row.position_id) if row.position_id else None,
            "channel": row.channel,
            "leader_id": str(row.leader_id) if row.leader_id else None,
            "forward_deadline": row.forward_deadline.isoformat() if row.forward_deadline else None,
            **({"deadline_pending": True} if row.deadline_pending else {}),
        },
    )
    view = NominationView(row=row)
    uow.commit()
    return view


def _check_candidate(uow: UnitOfWork, actor: Actor | None, candidate_id: uuid.UUID) -> None:
    """The nominee exists and (`actor` given) lies in the lodging actor's scope: a cadre
    outside it is as unknown as a missing one."""
    if not repo.candidate_exists(uow.session, candidate_id) or (
        actor is not None and not scope.contains(uow.session, actor, Candidate, candidate_id)
    ):
        raise InvalidInput(f"candidate {candidate_id} does not exist")


def _self_fields(
    uow: UnitOfWork, actor: Actor, clock: Clock, data: dict[str, Any]
) -> dict[str, Any]:
    """The columns of a self-nomination: the nominee is the author, the channel is checked
    (NOM-SELF-CHANNEL) and the policy gives the forward deadline (NOM-SELF-FORWARD)."""
    if actor.candidate_id is None:
        raise Forbidden(
            "your account is not linked to a cadre record; a self-nomination is lodged by the "
            "cadre themself"
        )
    # The author's own record, wherever it lies (their own nomination is not a managed read).
    _check_candidate(uow, None, actor.candidate_id)
    channel = domain.SelfChannel(data["channel"])
    leader_id: uuid.UUID | None = data.get("leader_id")
    choice = domain.ChannelChoice(
        channel=channel,
        author_id=actor.principal_id,
        leader_id=leader_id,
        leader_roles=repo.principal_roles(uow.session, leader_id) if leader_id else None,
        # Management authority: only the party leader of the cadre's own unit (NOM-SELF-CHANNEL).
        leader_same_unit=(
            repo.principal_unit(uow.session, leader_id)
            == repo.candidate_unit(uow.session, actor.candidate_id)
            if leader_id
            else None
        ),
    )
    raise_if(domain.channel_violations(choice))
    policy = policies.resolve(uow.session, data.get("policy"))
    forward_days = policies.params_of(policy).self_nomination_forward_days
    routing = domain.self_routing(channel, clock.today(), forward_days)
    if routing.deadline_pending:
        # Another process may have loaded the year: look in the table before leaving the
        # deadline pending. The lock orders this against a concurrent load, which fills in the
        # deadlines pending when it runs: either it sees this nomination, or this sees the year.
        calendar_registry.lock(uow.session)
        tried: set[int] = set()
        while (year := routing.pending_year) is not None and year not in tried:
            tried.add(year)
            if not calendar_registry.refresh_year(uow.session, year):
                break
            routing = domain.self_routing(channel, clock.today(), forward_days)
    return {
        "candidate_id": actor.candidate_id,
        "strengths": data.get("strengths") or "",
        "channel": channel.value,
        "leader_id": leader_id,
        "policy_id": policy.id,
        "status": routing.status.value,
        "forward_deadline": routing.forward_deadline,
        "deadline_pending": routing.deadline_pending,
    }


def _other_fields(
    uow: UnitOfWork, actor: Actor, kind: NominationKind, data: dict[str, Any]
) -> dict[str, Any]:
    """The columns of a signed, organisational or full-committee nomination: received by the
    organisation department at once."""
    fields: dict[str, Any] = {
        "candidate_id": data["candidate_id"],
        "status": domain.RECEIVED_AT_ONCE.status.value,
    }
    if kind is NominationKind.SIGNED:
        signed = domain.SignedRecommendation(
            statement=data.get("statement") or "",
            signer_name=data.get("signer_name") or "",
            signer_post=data.get("signer_post") or "",
            signed=data.get("signed") is True,
        )
        raise_if(domain.signed_violations(signed))
        fields |= {
            "signer_name": signed.signer_name,
            "signer_post": signed.signer_post,
            "signed": True,
        }
    elif kind is NominationKind.FULL_COMMITTEE:
        fields |= {k: data.get(k) for k in ("votes_for", "votes_against", "votes_abstain")}
    _check_candidate(uow, actor, fields["candidate_id"])
    return fields
