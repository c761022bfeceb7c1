"""/api/v1/record/verification: the auditor verifies the whole record (纪实, REC-RECORD)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.api.deps import ActorDep, SettingsDep, UowDep
from app.api.responses import PROBLEMS, no_store
from app.api.routing import OneHopRoute
from app.api.schemas.common import QueryBool
from app.api.schemas.record import ChainVerificationOut, CheckpointOut, VerificationOut
from app.services import checkpoints

router = APIRouter(route_class=OneHopRoute, tags=["record"], responses=PROBLEMS)


@router.get(
    "/api/v1/record/verification",
    operation_id="verifyRecord",
    summary="Verify every chain of the record (纪实) against its key and the latest checkpoint",
)
def verify_record(
    uow: UowDep,
    actor: ActorDep,
    settings: SettingsDep,
    response: Response,
    failed_only: Annotated[
        QueryBool, Query(description="List only the chains that do not verify")
    ] = False,
) -> VerificationOut:
    """For the auditor (安全审计员). Reports per chain (each case, candidate, nomination, policy
    ...): an edited or forged entry, a deleted or renumbered one, a case's row whose stage or
    record head disagrees with its record, and, against the latest signed checkpoint
    (`cadre record checkpoint`, or the worker), a chain cut back or replaced wholesale."""
    found = checkpoints.verification(uow, actor, settings)
    no_store(response)
    chains = [
        ChainVerificationOut(
            subject_type=c.subject_type,
            subject_id=c.subject_id,
            entries=c.entries,
            head_seq=c.head_seq,
            checkpoint_seq=c.checkpoint_seq,
            verified=c.verified,
            first_bad_seq=c.first_bad_seq,
            problems=c.problems,
        )
        for c in found.chains
    ]
    cp = found.checkpoint
    return VerificationOut(
        verified=found.verified,
        checked_at=found.checked_at,
        checkpoint=CheckpointOut(name=cp.name, created_at=cp.created_at, chains=len(cp.heads))
        if cp
        else None,
        problems=found.problems,
        chains_checked=len(chains),
        chains_failed=sum(not c.verified for c in chains),
        chains=[c for c in chains if not (failed_only and c.verified)],
    )
