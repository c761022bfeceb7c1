"""Read models of a case: the case view, the 纪实 record and the archive (REC-ARCHIVE)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import asdict, is_dataclass, replace
from typing import Any

from app.db.models import RecordEntry
from app.db.uow import UnitOfWork
from app.domain.facts import Fact, Objection, PublicityNotice, RecommendationRound
from app.domain.workflow import IN_POST_STAGES, STAGE_LABELS, Stage, Standing
from app.services import access_log, record_page
from app.services.cases.loading import Loaded, get, load
from app.services.cases.transition import allowed_actions
from app.services.context import Actor, Clock
from app.services.etag import etag


def fact_view(fact: Fact, ld: Loaded, *, privileged: bool) -> dict[str, Any]:
    """A fact as the API shows it. Objectors' contact details only for the organisation
    department (PUB-OBJECTIONS)."""
    value: Any = fact.value
    status = None
    if isinstance(value, Objection):
        status = ld.snap.objection_status(fact)
        if not privileged:
            value = replace(value, contact=None)
    return {
        "id": fact.id,
        "case_id": ld.case.id,
        "kind": fact.kind,
        "seq": fact.seq,
        "stage": fact.stage,
        "candidate_id": fact.candidate_id,
        "recorded_at": fact.recorded_at,
        "current": fact.current,
        "supersedes": fact.supersedes,
        "superseded_by": fact.superseded_by,
        "correction_reason": fact.correction_reason,
        "status": status,
        "data": value,
    }


def tallies(ld: Loaded) -> dict[str, list[dict[str, Any]]]:
    """Counted, current rounds summed per kind and candidate; kinds never mixed."""
    out: dict[str, dict[str, dict[str, int]]] = {"talk": {}, "meeting": {}}
    for r in ld.snap.values(RecommendationRound):
        if not r.counted:
            continue
        per = out[r.kind]
        for t in r.results:
            acc = per.setdefault(
                str(t.candidate_id),
                {"votes_for": 0, "votes_against": 0, "votes_abstain": 0, "participants": 0},
            )
            acc["votes_for"] += t.votes_for
            acc["votes_against"] += t.votes_against
            acc["votes_abstain"] += t.votes_abstain
            acc["participants"] += r.participants
    return {
        kind: [{"candidate_id": cid, **t} for cid, t in per.items()] for kind, per in out.items()
    }


_PUBLICITY_SEEN = frozenset(
    {
        Stage.publicity,
        Stage.appointment_postponed,
        Stage.appointed,
        Stage.probation,
        Stage.confirmed,
        Stage.probation_failed,
        Stage.removed,
        Stage.not_appointed,
    }
)


def case_view(ld: Loaded, *, privileged: bool) -> dict[str, Any]:
    case, snap = ld.case, ld.snap
    facts: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for x in ld.facts:
        facts[x.kind].append(fact_view(x, ld, privileged=privileged))
    notice = snap.latest(PublicityNotice)
    publicity = None
    if notice is not None and case.stage in _PUBLICITY_SEEN:
        publicity = {
            "start_date": notice.start_date,
            "end_date": notice.end_date,
            "closes_at": notice.closes_at,
            "working_days": notice.working_days,
        }
    return {
        "id": case.id,
        "external_id": case.external_id,
        "title": case.title,
        "stage": case.stage,
        "stage_label_zh": STAGE_LABELS[Stage(case.stage)],
        "method": case.method,
        "places": case.places,
        "position_id": case.position_id,
        "free_places": snap.free_places,
        "policy": {
            "id": ld.policy_row.id,
            "name": ld.policy_row.name,
            "version": ld.policy_row.version,
        },
        "motion": case.motion,
        "candidates": [
            {
                "candidate_id": cc.candidate_id,
                "name": c.name,
                "standing": cc.standing,
                "out_rule": cc.out_rule,
                "out_reason": cc.out_reason,
                "nomination_id": cc.nomination_id if privileged else None,
                "exceptional": cc.exceptional,
                "training_deferred": cc.training_deferred,
                "training_deadline": cc.training_deadline,
                "appointed_on": cc.appointed_on,
                "probation_ends": cc.probation_ends,
            }
            for cc, c in ld.members
        ],
        "in_post": [
            cc.candidate_id for cc, _ in ld.members if cc.standing == Standing.APPOINTED.value
        ]
        if case.stage in IN_POST_STAGES
        else [cc.candidate_id for cc, _ in ld.members if cc.standing == Standing.CONFIRMED.value],
        "stage_entered": {k: e.at for k, e in snap.stage_entered.items()},
        "recommendation_tallies": tallies(ld),
        "facts": dict(facts),
        "publicity": publicity,
        "closes_at": case.closes_at,
        "closed_reason": case.closed_reason,
        "allowed_actions": [
            {
                "action": a.action,
                "target": a.target,
                "enabled": a.enabled,
                "blocking": [
                    {"rule": v.rule, "article": v.article, "detail": v.detail, "subject": v.subject}
                    for v in a.blocking
                ],
            }
            for a in allowed_actions(snap)
        ],
        "version": case.version,
        "etag": etag(case.version),
        "created_at": case.created_at,
        "updated_at": case.updated_at,
    }


def _entry_out(e: RecordEntry, privileged: bool) -> dict[str, Any]:
    payload = dict(e.payload)
    if not privileged:
        payload.pop("nomination_id", None)
    return {
        "seq": e.seq,
        "at": e.at,
        "action": e.action,
        "actor_id": e.actor_id,
        "actor_name": e.actor_name,
        "actor_role": e.actor_role,
        "from_stage": e.from_stage,
        "to_stage": e.to_stage,
        "rules": e.rules,
        "payload": payload,
        "request_id": e.request_id,
        "prev_hash": e.prev_hash,
        "hash": e.hash,
    }


def record(
    uow: UnitOfWork,
    actor: Actor,
    case_id: uuid.UUID,
    *,
    privileged: bool,
    cursor: str | None = None,
    limit: int = 100,
    whole_chain: bool = False,
) -> dict[str, Any]:
    """One page of the record, verified page-wise (record_page); `whole_chain`: the whole
    chain verified too (O(length))."""
    actor.role_for("record.read")
    # The record's reader sees what is wrong (problems) rather than a refusal.
    case = get(uow, case_id, actor=actor, lock=False, verify=False)
    entries, nxt, bad, problems = record_page.page(uow, case, cursor=cursor, limit=limit)
    if whole_chain:
        chain_bad, chain_problems = record_page.chain(uow, case)
        bad = chain_bad if bad is None else bad
        problems = list(dict.fromkeys([*problems, *chain_problems]))
    return {
        "case_id": case_id,
        "entries": [_entry_out(e, privileged) for e in entries],
        "verified": not problems,
        "verification": "chain" if whole_chain else "page",
        "first_bad_seq": bad,
        "problems": problems,
        "next_cursor": nxt,
    }


def dossier(
    uow: UnitOfWork, actor: Actor, clock: Clock, case_id: uuid.UUID, *, privileged: bool
) -> dict[str, Any]:
    """REC-ARCHIVE: motion, plan, tallies, notice, interviews, reports, approval form,
    investigation conclusions, discipline opinion — one JSON document."""
    actor.role_for("record.read")
    ld = load(uow, get(uow, case_id, actor=actor, lock=False), clock)
    view = _plain(case_view(ld, privileged=privileged))
    facts = view["facts"]
    if privileged:
        # The dossier shows objectors' contact details: a confidential read, logged.
        shown = [f.id for f in ld.snap.facts if isinstance(f.value, Objection) and f.value.contact]
        access_log.log_reads(uow, actor, access_log.OBJECTION_CONTACT, shown)

    def data(kind: str) -> list[dict[str, Any]]:
        return [f["data"] for f in facts.get(kind, []) if f["current"]]

    reports = data("inspection_report")
    doc: dict[str, Any] = _plain(
        {
            "case": {
                k: view[k] for k in ("id", "title", "stage", "method", "places", "position_id")
            },
            "policy": view["policy"],
            "motion": view["motion"],
            "plan": {"procedure": view["motion"].get("procedure", "")},
            "candidates": view["candidates"],
            "recommendation": {
                "rounds": data("recommendation_round"),
                "tallies": view["recommendation_tallies"],
                "competitive_scores": data("competitive_scores"),
            },
            "target_decision": data("target_decision"),
            "exception_approvals": data("exception_approval"),
            "inspection_notice": data("inspection_notice"),
            "inspection_team": data("inspection_team"),
            "key_interviews": [
                {"candidate_id": r["candidate_id"], "key_interviews": r.get("key_interviews", "")}
                for r in reports
            ],
            "inspection_reports": reports,
            "discipline_opinions": [
                {
                    "candidate_id": r["candidate_id"],
                    "four_musts": r.get("four_musts"),
                    "integrity_conclusion": r.get("integrity_conclusion"),
                }
                for r in reports
            ],
            "deliberation": {
                "proposals": data("proposal"),
                "consultations": data("consultation"),
            },
            "approval_form": data("decision_meeting"),
            "reconsiderations": data("reconsideration"),
            "publicity": {"notice": data("publicity_notice"), "window": view["publicity"]},
            "objections": [
                {"objection_id": f["id"], "status": f["status"], **f["data"]}
                for f in facts.get("objection", [])
                if f["current"]
            ],
            "investigation_conclusions": data("objection_finding"),
            "appointments": data("appointment"),
            "probation_assessments": data("probation_assessment"),
            "record": record(uow, actor, case_id, privileged=privileged),
        }
    )
    return doc


def _plain(value: Any) -> Any:
    """JSON-ready: UUIDs, dates and datetimes as strings."""
    import datetime as dt

    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if is_dataclass(value) and not isinstance(value, type):
        return _plain(asdict(value))
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.datetime):  # instants in UTC with `Z`, as everywhere else
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
