"""/api/v1/nominations: nominations (推荐) and self-nominations (自荐) with their evidence files.

Self-nominations are confidential (NOM-SELF-CONFIDENTIAL): whoever may not see one gets the same
404 as for a missing id, here and in lists, counts, records and attachments.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Query, Request, Response, UploadFile, status
from fastapi.responses import FileResponse, JSONResponse

from app.api.deps import ActorDep, ClockDep, SettingsDep, UowDep
from app.api.listing import sort_query
from app.api.problems import problem_response
from app.api.responses import PROBLEMS, no_store, problem
from app.api.routing import OneHopRoute
from app.api.schemas.common import (
    LIMIT_DESCRIPTION,
    UPDATED_AFTER_DESCRIPTION,
    IsoDateTime,
    Page,
)
from app.api.schemas.nominations import (
    AdmitIn,
    AttachmentOut,
    CountOut,
    DeclineIn,
    InterceptedOut,
    NominationIn,
    NominationOut,
    NominationRecordEntryOut,
    NominationRecordOut,
)
from app.services import nominations as svc
from app.services.nominations import NominationKind, NominationStatus
from app.settings import Settings

router = APIRouter(
    route_class=OneHopRoute, prefix="/api/v1/nominations", tags=["nominations"], responses=PROBLEMS
)

_UPLOAD_PROBLEMS: dict[int | str, dict[str, Any]] = {
    413: problem("The file exceeds the attachment size limit"),
    415: problem("The type is not allowed, or the bytes are not of that type"),
}


def to_out(view: svc.NominationView) -> NominationOut:
    r = view.row
    return NominationOut.model_validate(
        {
            **{c: getattr(r, c) for c in NominationOut.model_fields if c != "attachments"},
            "attachments": view.attachments,
        }
    )


def _store(settings: Settings) -> svc.AttachmentStore:
    return svc.AttachmentStore(
        directory=Path(settings.attachment_dir), max_bytes=settings.attachment_max_bytes
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    operation_id="lodgeNomination",
    summary="Lodge a nomination (提交推荐/自荐)",
)
def lodge_nomination(
    body: NominationIn, uow: UowDep, actor: ActorDep, clock: ClockDep, response: Response
) -> NominationOut:
    """Lodge one of four kinds, told apart by `kind`:

    * `self` — self-nomination (自荐), by a cadre (role `cadre`) for themself, through one of
      three channels (NOM-SELF-CHANNEL); no vacancy needed. Lodged with the unit party leader it
      is `lodged` until that leader forwards it (NOM-SELF-FORWARD, deadline in working days
      from the policy); otherwise it is `received` by the organisation department at once.
    * `signed` — signed leader recommendation (领导干部署名推荐): written and signed, else 422
      with the rule NOM-SIGNED (every missing element listed in `violations`).
    * `organisational` — organisational recommendation (组织推荐), by the organisation
      department.
    * `full_committee` — full-committee nomination (全委会推荐), with an optional vote tally.
    """
    view = svc.lodge(uow, actor, clock, body.model_dump())
    response.headers["Location"] = f"/api/v1/nominations/{view.row.id}"
    no_store(response)
    return to_out(view)


@router.get("", operation_id="listNominations", summary="List nominations (推荐列表)")
def list_nominations(
    uow: UowDep,
    actor: ActorDep,
    response: Response,
    limit: Annotated[int, Query(ge=1, le=200, description=LIMIT_DESCRIPTION)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    sort: Annotated[str | None, sort_query(svc.ORDERS)] = None,
    kind: NominationKind | None = None,
    status: NominationStatus | None = None,
    candidate_id: uuid.UUID | None = None,
    case_id: uuid.UUID | None = None,
    updated_after: Annotated[
        IsoDateTime | None, Query(description=UPDATED_AFTER_DESCRIPTION)
    ] = None,
) -> Page[NominationOut]:
    """The nominations you may see, oldest first. Self-nominations appear only to their author,
    the organisation department and, until forwarded, the unit party leader they were lodged
    with (NOM-SELF-CONFIDENTIAL)."""
    views, nxt = svc.listing(
        uow,
        actor,
        cursor=cursor,
        limit=limit,
        sort=sort,
        kind=kind,
        status=status,
        candidate_id=candidate_id,
        case_id=case_id,
        updated_after=updated_after,
    )
    no_store(response)
    return Page[NominationOut](items=[to_out(v) for v in views], next_cursor=nxt)


@router.get("/count", operation_id="countNominations", summary="Count nominations (推荐数)")
def count_nominations(
    uow: UowDep,
    actor: ActorDep,
    response: Response,
    kind: NominationKind | None = None,
    status: NominationStatus | None = None,
    candidate_id: uuid.UUID | None = None,
    case_id: uuid.UUID | None = None,
) -> CountOut:
    """How many nominations you may see, with the filters of the list."""
    n = svc.count(uow, actor, kind=kind, status=status, candidate_id=candidate_id, case_id=case_id)
    no_store(response)
    return CountOut(count=n)


@router.get(
    "/intercepted",
    operation_id="listInterceptedNominations",
    summary="Self-nominations not forwarded in time (截留的自荐材料)",
)
def list_intercepted(
    uow: UowDep,
    actor: ActorDep,
    clock: ClockDep,
    response: Response,
    limit: Annotated[int, Query(ge=1, le=200, description=LIMIT_DESCRIPTION)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Page[InterceptedOut]:
    """NOM-SELF-FORWARD: self-nominations lodged with a unit party leader and still not
    forwarded after the deadline day (China date). For the organisation department, the
    discipline inspection organ and admin; the nominee is shown only to those who may see the
    nomination (NOM-SELF-CONFIDENTIAL)."""
    views, nxt = svc.intercepted(uow, actor, clock, cursor=cursor, limit=limit)
    no_store(response)
    return Page[InterceptedOut](
        items=[InterceptedOut.model_validate(v) for v in views], next_cursor=nxt
    )


@router.get("/{nomination_id}", operation_id="getNomination", summary="Read a nomination")
def get_nomination(
    nomination_id: uuid.UUID, uow: UowDep, actor: ActorDep, response: Response
) -> NominationOut:
    """One nomination, with its evidence files' metadata (404 if you may not see it)."""
    view = svc.read(uow, actor, nomination_id)
    no_store(response)
    return to_out(view)


@router.post(
    "/{nomination_id}/forward",
    operation_id="forwardNomination",
    summary="Forward a self-nomination to the organisation department (转递自荐材料)",
)
def forward_nomination(
    nomination_id: uuid.UUID, uow: UowDep, actor: ActorDep, clock: ClockDep, response: Response
) -> NominationOut:
    """Only the unit party leader it was lodged with (NOM-SELF-FORWARD). After the deadline it
    is still forwarded, and `forwarded_late` stays true. Once forwarded, the leader no longer
    sees it."""
    view = svc.forward(uow, actor, clock, nomination_id)
    no_store(response)
    return to_out(view)


@router.post(
    "/{nomination_id}/review",
    operation_id="reviewNomination",
    summary="Start the review (分析研判)",
)
def review_nomination(
    nomination_id: uuid.UUID, uow: UowDep, actor: ActorDep, clock: ClockDep, response: Response
) -> NominationOut:
    """The organisation department takes a received or forwarded nomination under review. A
    self-nomination still with the unit leader is refused (409, NOM-SELF-FORWARD)."""
    view = svc.review(uow, actor, clock, nomination_id)
    no_store(response)
    return to_out(view)


@router.post(
    "/{nomination_id}/admit",
    operation_id="admitNomination",
    summary="Admit the nominee to a case's candidate pool (纳入人选库)",
)
def admit_nomination(
    nomination_id: uuid.UUID,
    body: AdmitIn,
    uow: UowDep,
    actor: ActorDep,
    clock: ClockDep,
    response: Response,
) -> NominationOut:
    """The nominee enters the case's pool (while it is open, in motion or recommendation) and
    then goes through every normal stage: a self-nomination is never a shortcut."""
    view = svc.admit(uow, actor, clock, nomination_id, body.case_id)
    no_store(response)
    return to_out(view)


@router.post(
    "/{nomination_id}/decline",
    operation_id="declineNomination",
    summary="Decline a nomination (不予采纳)",
)
def decline_nomination(
    nomination_id: uuid.UUID,
    body: DeclineIn,
    uow: UowDep,
    actor: ActorDep,
    clock: ClockDep,
    response: Response,
) -> NominationOut:
    """The organisation department closes a nomination under review, with the reason."""
    view = svc.decline(uow, actor, clock, nomination_id, body.reason)
    no_store(response)
    return to_out(view)


@router.get(
    "/{nomination_id}/record",
    operation_id="getNominationRecord",
    summary="The nomination's record (纪实)",
)
def get_nomination_record(
    nomination_id: uuid.UUID, uow: UowDep, actor: ActorDep, response: Response
) -> NominationRecordOut:
    """Every step of the nomination: who, when, under which role, what (REC-RECORD)."""
    entries, verified = svc.record_entries(uow, actor, nomination_id)
    no_store(response)
    return NominationRecordOut(
        entries=[NominationRecordEntryOut.model_validate(e) for e in entries], verified=verified
    )


@router.post(
    "/{nomination_id}/attachments",
    status_code=status.HTTP_201_CREATED,
    operation_id="addNominationAttachment",
    summary="Add an evidence file (附件：工作图像、视频、材料)",
    response_model=AttachmentOut,
    responses=_UPLOAD_PROBLEMS,
)
def add_attachment(
    nomination_id: uuid.UUID,
    file: Annotated[UploadFile, File(description="The file, as multipart/form-data")],
    request: Request,
    uow: UowDep,
    actor: ActorDep,
    clock: ClockDep,
    settings: SettingsDep,
    response: Response,
) -> AttachmentOut | JSONResponse:
    """The author adds evidence (work images, video, documents) until the review starts.
    Allowed types: JPEG, PNG, GIF, WebP, MP4, PDF, UTF-8 plain text, DOCX, XLSX, PPTX; the
    bytes must be of the declared type (else 415). Larger than the configured limit: 413.
    Stored with its size and SHA-256."""
    try:
        att = svc.add_attachment(
            uow,
            actor,
            clock,
            _store(settings),
            nomination_id,
            filename=file.filename,
            declared_type=file.content_type,
            stream=file.file,
        )
    except svc.AttachmentTooLarge as exc:
        return problem_response(413, "too-large", "Request body too large", exc.detail, request)
    except svc.UnsupportedMediaType as exc:
        return problem_response(
            415, "unsupported-media-type", "Unsupported media type", exc.detail, request
        )
    response.headers["Location"] = f"/api/v1/nominations/{nomination_id}/attachments/{att.id}"
    no_store(response)
    return AttachmentOut.model_validate(att)


@router.get(
    "/{nomination_id}/attachments",
    operation_id="listNominationAttachments",
    summary="List evidence files",
)
def list_attachments(
    nomination_id: uuid.UUID, uow: UowDep, actor: ActorDep, response: Response
) -> list[AttachmentOut]:
    """The nomination's files (metadata), oldest first."""
    rows = svc.list_attachments(uow, actor, nomination_id)
    no_store(response)
    return [AttachmentOut.model_validate(a) for a in rows]


@router.get(
    "/{nomination_id}/attachments/{attachment_id}",
    operation_id="downloadNominationAttachment",
    summary="Download an evidence file",
    response_class=FileResponse,
    responses={
        200: {
            "description": "The file, with its stored content type",
            "content": {t: {} for t in svc.ALLOWED_TYPES},
        }
    },
)
def download_attachment(
    nomination_id: uuid.UUID,
    attachment_id: uuid.UUID,
    uow: UowDep,
    actor: ActorDep,
    settings: SettingsDep,
) -> FileResponse:
    """The bytes as uploaded (the same confidentiality as the nomination)."""
    att, path = svc.open_attachment(uow, actor, _store(settings), nomination_id, attachment_id)
    return FileResponse(
        path,
        media_type=att.content_type,
        filename=att.filename,
        headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"},
    )
