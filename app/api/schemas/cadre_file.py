"""The cadre's file (干部任免审批表 fields), a case candidate's form, and the LRMX import report."""

from __future__ import annotations

import base64
import binascii
import uuid
from datetime import date
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, ValidationError, field_validator

from app.api.schemas.common import Date, Ident, Line, Name, OutModel, StrictModel, Text
from app.domain import cadre_file as form
from app.domain.errors import InvalidInput


def _base64(value: object) -> object:
    """The photo travels as standard base64 text in JSON; bytes pass (the LRMX import)."""
    if isinstance(value, bytes) or value is None:
        return value
    if not isinstance(value, str):
        raise ValueError("the photo is base64 text")
    try:
        return base64.b64decode("".join(value.split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("the photo is not valid base64") from exc


def _photo(value: bytes | None) -> bytes | None:
    if value is not None and (problem := form.photo_problem(value)):
        raise ValueError(problem)
    return value


Photo = Annotated[bytes, BeforeValidator(_base64)]
Place = Annotated[str, Line(100)]


class EducationIn(StrictModel):
    """One education block of the form (全日制教育 or 在职教育)."""

    level: Annotated[str, Line(50)] = Field(default="", examples=["大学"], description="学历")
    degree: Annotated[str, Line(50)] = Field(default="", examples=["法学学士"], description="学位")
    school: Annotated[str, Line(100)] = Field(default="", examples=["某大学"])
    department: Annotated[str, Line(100)] = Field(default="", examples=["法律系"])
    major: Annotated[str, Line(100)] = Field(default="", examples=["法学专业"])


class FamilyMemberIn(StrictModel):
    """A family member or important social relation (家庭主要成员及重要社会关系)."""

    relation: Annotated[str, Line(20, 1)] = Field(examples=["妻子"], description="称谓")
    name: Name
    birth_date: Date | None = None
    party_membership: Annotated[str, Line(50)] = Field(default="", examples=["中共党员"])
    work_unit_and_post: Annotated[str, Line(200)] = Field(default="", examples=["某局科员"])


class CadreFileIn(StrictModel):
    """The whole file (PUT replaces it). Send If-Match with the ETag read (`"v0"` at first)."""

    id_number: Annotated[str, Ident(18)] | None = Field(
        default=None, description="身份证号 (18 characters, checksum checked)"
    )
    native_place: Place = Field(default="", description="籍贯")
    birthplace: Place = Field(default="", description="出生地")
    grown_up_place: Place = Field(default="", description="成长地 (AVOID-REGION)")
    health: Place = Field(default="", description="健康状况")
    professional_title: Place = Field(default="", description="专业技术职务")
    specialties: Annotated[str, Line(200)] = Field(default="", description="熟悉专业有何专长")
    full_time_education: EducationIn = Field(default_factory=EducationIn)
    in_service_education: EducationIn = Field(default_factory=EducationIn)
    rewards_punishments: Annotated[str, Text(4000)] = Field(default="", description="奖惩情况")
    appraisal_summary: Annotated[str, Text(1000)] | None = Field(
        default=None,
        description="年度考核结果 as the form shows it; null: derived from the cadre's "
        "appraisals of the last three years",
    )
    family: list[FamilyMemberIn] = Field(default_factory=list, max_length=30)
    photo: Photo | None = Field(
        default=None,
        description=f"JPEG or PNG, base64, at most {form.PHOTO_MAX_BYTES} bytes",
        json_schema_extra={"format": "byte"},
    )

    @field_validator("id_number")
    @classmethod
    def _id_number(cls, value: str | None) -> str | None:
        if value is not None and (problem := form.id_number_problem(value.upper())):
            raise ValueError(problem)
        return value.upper() if value is not None else None

    @field_validator("photo")
    @classmethod
    def _photo_ok(cls, value: bytes | None) -> bytes | None:
        return _photo(value)


class EducationOut(OutModel):
    level: str = ""
    degree: str = ""
    school: str = ""
    department: str = ""
    major: str = ""


class FamilyMemberOut(OutModel):
    relation: str
    name: str
    birth_date: date | None = None
    party_membership: str = ""
    work_unit_and_post: str = ""


class CadreFileOut(OutModel):
    candidate_id: uuid.UUID
    id_number: str | None
    native_place: str
    birthplace: str
    grown_up_place: str
    health: str
    professional_title: str
    specialties: str
    full_time_education: EducationOut
    in_service_education: EducationOut
    rewards_punishments: str
    appraisal_summary: str | None
    appraisals_text: str = Field(description="年度考核结果 as printed (own text or derived)")
    resume: str = Field(description="简历, derived from the posts on the candidate")
    family: list[FamilyMemberOut]
    photo: str | None = Field(description="base64", json_schema_extra={"format": "byte"})
    photo_type: str | None
    etag: str


class CaseFormIn(StrictModel):
    """What the form says of this candidate in this case. PUT replaces it (If-Match)."""

    proposed_posts: Annotated[str, Text(1000)] = Field(default="", description="拟任职务")
    removed_posts: Annotated[str, Text(1000)] = Field(default="", description="拟免职务")
    reason: Annotated[str, Text(4000)] = Field(default="", description="任免理由")
    reporting_unit: Annotated[str, Line(200)] = Field(default="", description="呈报单位")
    filled_by: Annotated[str, Line(100)] = Field(default="", description="填表人")


class CaseFormOut(OutModel):
    case_id: uuid.UUID
    candidate_id: uuid.UUID
    proposed_posts: str
    removed_posts: str
    reason: str
    reporting_unit: str
    filled_by: str
    etag: str


class ImportChangeOut(OutModel):
    element: str = Field(description="The LRMX element")
    before: str
    after: str


class ImportIgnoredOut(OutModel):
    element: str
    reason: str


class ImportReportOut(OutModel):
    dry_run: bool
    created: bool
    candidate_id: uuid.UUID | None = Field(description="null on a dry run that would create")
    changes: list[ImportChangeOut]
    ignored: list[ImportIgnoredOut]


class _ImportedCadre(StrictModel):
    name: Name | None = None
    ethnicity: Annotated[str, Line(50, 1)] | None = None
    current_title: Annotated[str, Line(200)] | None = None


def _problems(exc: ValidationError, where: str) -> InvalidInput:
    parts = [f"{where}{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:5]]
    return InvalidInput("; ".join(parts))


def check_imported_cadre(cand: dict[str, Any]) -> dict[str, Any]:
    """The cadre's texts read from an LRMX file, checked as a request body's would be."""
    texts = {k: cand[k] for k in ("name", "ethnicity", "current_title") if k in cand}
    try:
        checked = _ImportedCadre.model_validate(texts).model_dump(exclude_unset=True)
    except ValidationError as exc:
        raise _problems(exc, "") from exc
    return {**cand, **checked}


def check_imported_file(fields: dict[str, Any]) -> dict[str, Any]:
    """The file's fields read from an LRMX file, checked as a PUT body's would be."""
    try:
        checked = CadreFileIn.model_validate(fields)
    except ValidationError as exc:
        raise _problems(exc, "") from exc
    return checked.model_dump()
