"""The cadre's file (干部任免审批表): its fields, a case candidate's form, exports and LRMX import.

/api/v1/candidates/{id}/file                     the form's fields of a cadre (GET, PUT)
/api/v1/candidates/{id}/file.lrmx                the file alone as LRMX
/api/v1/cases/{id}/candidates/{cid}/form         拟任, 拟免, 任免理由, 呈报单位 (GET, PUT)
/api/v1/cases/{id}/candidates/{cid}/form.xlsx    the approval form as XLSX
/api/v1/cases/{id}/candidates/{cid}/form.lrmx    the approval form as LRMX
/api/v1/imports/lrmx                             create or update a cadre from an LRMX file
"""

from __future__ import annotations

import base64
import uuid
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Header, Query, Response, UploadFile

from app.api.deps import ActorDep, ClockDep, UowDep
from app.api.responses import PROBLEMS, no_store
from app.api.routing import OneHopRoute
from app.api.schemas.cadre_file import (
    CadreFileIn,
    CadreFileOut,
    CaseFormIn,
    CaseFormOut,
    ImportReportOut,
    check_imported_cadre,
    check_imported_file,
)
from app.api.schemas.common import Ident, QueryBool
from app.services import cadre_file as svc
from app.services import form_xlsx, lrmx, lrmx_import
from app.services.etag import etag

router = APIRouter(route_class=OneHopRoute, tags=["cadre file"], responses=PROBLEMS)

XLSX = form_xlsx.CONTENT_TYPE
LRMX = lrmx.CONTENT_TYPE


def _file_out(view: svc.FileView) -> CadreFileOut:
    f = view.fields()
    photo = f.pop("photo")
    return CadreFileOut.model_validate(
        {
            **f,
            "candidate_id": view.candidate.id,
            "photo": base64.b64encode(photo).decode("ascii") if photo else None,
            "photo_type": view.row.photo_type if view.row else None,
            "resume": view.resume,
            "appraisals_text": view.appraisals_text,
            "etag": etag(view.version),
        }
    )


def _form_out(view: svc.FormView) -> CaseFormOut:
    return CaseFormOut.model_validate(
        {
            **view.fields(),
            "case_id": view.case_id,
            "candidate_id": view.candidate_id,
            "etag": etag(view.version),
        }
    )


def _download(content: bytes, media_type: str, stem: str, name: str, ext: str) -> Response:
    # An ASCII fallback name and the cadre's name for clients that read RFC 6266 filename*.
    disposition = (
        f'attachment; filename="{stem}.{ext}"; '
        f"filename*=UTF-8''{quote(f'干部任免审批表-{name}.{ext}')}"
    )
    return Response(
        content=content,
        media_type=media_type,
        headers={"Content-Disposition": disposition, "Cache-Control": "no-store"},
    )


@router.get(
    "/api/v1/candidates/{candidate_id}/file",
    operation_id="getCadreFile",
    summary="Read a cadre's file (干部任免审批表 fields)",
)
def get_file(
    candidate_id: uuid.UUID, uow: UowDep, actor: ActorDep, clock: ClockDep, response: Response
) -> CadreFileOut:
    """A file never written reads as empty, with ETag `"v0"`. `resume` (简历) is derived from
    the candidate's posts; `appraisals_text` is the file's own text or the last three years'
    grades."""
    view = svc.read_file(uow, actor, clock, candidate_id)
    response.headers["ETag"] = etag(view.version)
    no_store(response)
    return _file_out(view)


@router.put(
    "/api/v1/candidates/{candidate_id}/file",
    operation_id="putCadreFile",
    summary="Write a cadre's file (If-Match required)",
)
def put_file(
    candidate_id: uuid.UUID,
    body: CadreFileIn,
    uow: UowDep,
    actor: ActorDep,
    clock: ClockDep,
    response: Response,
    if_match: Annotated[str | None, Header(max_length=200)] = None,
) -> CadreFileOut:
    """Replaces the whole file; recorded in the cadre's 纪实 with the names of the fields
    that changed (a PUT that changes nothing records nothing and keeps the version)."""
    view = svc.put_file(uow, actor, clock, candidate_id, if_match, body.model_dump())
    response.headers["ETag"] = etag(view.version)
    no_store(response)
    return _file_out(view)


@router.get(
    "/api/v1/candidates/{candidate_id}/file.lrmx",
    operation_id="getCadreFileLrmx",
    summary="A cadre's file as LRMX (no case: 拟任, 拟免, 任免理由 blank)",
    response_class=Response,
    responses={200: {"content": {LRMX: {}}}},
)
def get_file_lrmx(candidate_id: uuid.UUID, uow: UowDep, actor: ActorDep, clock: ClockDep) -> Any:
    sheet = svc.candidate_sheet(uow, actor, clock, candidate_id)
    return _download(lrmx.to_lrmx(sheet), LRMX, f"cadre-{candidate_id}", sheet.name, "lrmx")


_FORM = "/api/v1/cases/{case_id}/candidates/{candidate_id}/form"


@router.get(_FORM, operation_id="getCaseCandidateForm", summary="Read a case candidate's form")
def get_form(
    case_id: uuid.UUID, candidate_id: uuid.UUID, uow: UowDep, actor: ActorDep, response: Response
) -> CaseFormOut:
    """拟任职务, 拟免职务, 任免理由, 呈报单位 and 填表人 of this candidate in this case; blank at
    `"v0"` until written."""
    view = svc.read_form(uow, actor, case_id, candidate_id)
    response.headers["ETag"] = etag(view.version)
    no_store(response)
    return _form_out(view)


@router.put(
    _FORM,
    operation_id="putCaseCandidateForm",
    summary="Write a case candidate's form (If-Match required)",
)
def put_form(
    case_id: uuid.UUID,
    candidate_id: uuid.UUID,
    body: CaseFormIn,
    uow: UowDep,
    actor: ActorDep,
    clock: ClockDep,
    response: Response,
    if_match: Annotated[str | None, Header(max_length=200)] = None,
) -> CaseFormOut:
    view = svc.put_form(uow, actor, clock, case_id, candidate_id, if_match, body.model_dump())
    response.headers["ETag"] = etag(view.version)
    no_store(response)
    return _form_out(view)


@router.get(
    _FORM + ".xlsx",
    operation_id="getCaseCandidateFormXlsx",
    summary="The approval form (干部任免审批表) as XLSX",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}}},
)
def get_form_xlsx(
    case_id: uuid.UUID, candidate_id: uuid.UUID, uow: UowDep, actor: ActorDep, clock: ClockDep
) -> Any:
    sheet = svc.case_sheet(uow, actor, clock, case_id, candidate_id)
    return _download(form_xlsx.to_xlsx(sheet), XLSX, f"form-{candidate_id}", sheet.name, "xlsx")


@router.get(
    _FORM + ".lrmx",
    operation_id="getCaseCandidateFormLrmx",
    summary="The approval form (干部任免审批表) as LRMX",
    response_class=Response,
    responses={200: {"content": {LRMX: {}}}},
)
def get_form_lrmx(
    case_id: uuid.UUID, candidate_id: uuid.UUID, uow: UowDep, actor: ActorDep, clock: ClockDep
) -> Any:
    sheet = svc.case_sheet(uow, actor, clock, case_id, candidate_id)
    return _download(lrmx.to_lrmx(sheet), LRMX, f"form-{candidate_id}", sheet.name, "lrmx")


@router.post(
    "/api/v1/imports/lrmx",
    operation_id="importLrmx",
    summary="Create or update a cadre and their file from an LRMX file",
)
def import_lrmx(
    file: Annotated[UploadFile, File(description="The .lrmx file, as multipart/form-data")],
    uow: UowDep,
    actor: ActorDep,
    clock: ClockDep,
    response: Response,
    external_id: Annotated[
        Annotated[str, Ident(100, 1)] | None,
        Query(description="Match (or register) the cadre by this external id"),
    ] = None,
    dry_run: Annotated[
        QueryBool, Query(description="Report what would change; change nothing")
    ] = False,
) -> ImportReportOut:
    """The cadre is matched by `external_id` or by the ID number (ShenFenZheng) on a file;
    none matches: a new cadre is registered in your unit. Only elements whose text differs
    from what an export would write change anything (export then import changes nothing).
    Derived or per-case texts (简历, 现任职务, 拟任, 拟免, 任免理由, 呈报单位) are reported as
    ignored when they differ. DTDs and entity declarations are refused."""
    report = lrmx_import.import_file(
        uow,
        actor,
        clock,
        file.file.read(lrmx.MAX_BYTES + 1),
        external_id=external_id,
        dry_run=dry_run,
        check_candidate=check_imported_cadre,
        check_fields=check_imported_file,
    )
    no_store(response)
    return ImportReportOut.model_validate(report, from_attributes=True)
