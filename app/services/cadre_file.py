"""The cadre's file (干部任免审批表 fields) and a case candidate's form (拟任, 拟免, 任免理由).

Both are 1:1 sub-resources with their own version: the file of a candidate, the form of a
candidate in a case. A file not written yet reads as empty at version 0, so the first PUT sends
`If-Match: "v0"` like any other. Every change is recorded in the candidate's 纪实.

`sheet` assembles everything the approval form shows as the LRMX elements' texts (research notes
§3.2); the XLSX and LRMX exports render it and the LRMX import compares against it.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.db.cadre_file_models import CadreFile, CaseCandidateForm
from app.db.models import Candidate, CaseCandidate
from app.db.uow import UnitOfWork
from app.domain import cadre_file as form
from app.domain.errors import Conflict, InvalidInput, NotFound
from app.services import audit
from app.services.candidates import get_row
from app.services.cases.loading import get as get_case
from app.services.context import Actor, Clock
from app.services.etag import require_match
from app.services.retry import retry_transaction

FILE_FIELDS = (
    "id_number",
    "native_place",
    "birthplace",
    "grown_up_place",
    "health",
    "professional_title",
    "specialties",
    "full_time_education",
    "in_service_education",
    "rewards_punishments",
    "appraisal_summary",
    "family",
    "photo",
)
FORM_FIELDS = ("proposed_posts", "removed_posts", "reason", "reporting_unit", "filled_by")
EMPTY_FILE: dict[str, Any] = {
    "id_number": None,
    "native_place": "",
    "birthplace": "",
    "grown_up_place": "",
    "health": "",
    "professional_title": "",
    "specialties": "",
    "full_time_education": dict.fromkeys(("level", "degree", "school", "department", "major"), ""),
    "in_service_education": dict.fromkeys(("level", "degree", "school", "department", "major"), ""),
    "rewards_punishments": "",
    "appraisal_summary": None,
    "family": [],
    "photo": None,
}

# The scalar elements of an LRMX document in the order the COD's editor writes them.
ELEMENTS = (
    "XingMing",
    "XingBie",
    "ChuShengNianYue",
    "MinZu",
    "JiGuan",
    "ChuShengDi",
    "RuDangShiJian",
    "CanJiaGongZuoShiJian",
    "JianKangZhuangKuang",
    "ZhuanYeJiShuZhiWu",
    "ShuXiZhuanYeYouHeZhuanChang",
    "QuanRiZhiJiaoYu_XueLi",
    "QuanRiZhiJiaoYu_XueWei",
    "QuanRiZhiJiaoYu_XueLi_BiYeYuanXiaoXi",
    "QuanRiZhiJiaoYu_XueWei_BiYeYuanXiaoXi",
    "ZaiZhiJiaoYu_XueLi",
    "ZaiZhiJiaoYu_XueWei",
    "ZaiZhiJiaoYu_XueLi_BiYeYuanXiaoXi",
    "ZaiZhiJiaoYu_XueWei_BiYeYuanXiaoXi",
    "XianRenZhiWu",
    "NiRenZhiWu",
    "NiMianZhiWu",
    "JianLi",
    "JiangChengQingKuang",
    "NianDuKaoHeJieGuo",
    "RenMianLiYou",
    "ChengBaoDanWei",
    "JiSuanNianLingShiJian",
    "TianBiaoShiJian",
    "TianBiaoRen",
    "ShenFenZheng",
)
FAMILY_ELEMENTS = (
    "ChengWei",
    "XingMing",
    "ChuShengRiQi",
    "ZhengZhiMianMao",
    "GongZuoDanWeiJiZhiWu",
)
LRMX_VERSION = "3.2.1.6"


@dataclass
class FileView:
    candidate: Candidate
    row: CadreFile | None
    today: date

    @property
    def version(self) -> int:
        return self.row.version if self.row is not None else 0

    def fields(self) -> dict[str, Any]:
        if self.row is None:
            return copy.deepcopy(EMPTY_FILE)
        return {k: getattr(self.row, k) for k in FILE_FIELDS}

    @property
    def resume(self) -> str:
        c = self.candidate
        return form.resume(c.posts, c.org_unit, c.current_title, c.rank_since)

    @property
    def appraisals_text(self) -> str:
        """The file's own text when it has one, else derived from the candidate's grades."""
        if self.row is not None and self.row.appraisal_summary is not None:
            return self.row.appraisal_summary
        return form.appraisal_summary(self.candidate.appraisals, self.today)


@dataclass
class FormView:
    case_id: uuid.UUID
    candidate_id: uuid.UUID
    row: CaseCandidateForm | None

    @property
    def version(self) -> int:
        return self.row.version if self.row is not None else 0

    def fields(self) -> dict[str, str]:
        return {k: (getattr(self.row, k) if self.row else "") for k in FORM_FIELDS}


@dataclass
class Sheet:
    """The approval form as texts: LRMX element -> text, the family rows, the photo."""

    values: dict[str, str]
    family: list[dict[str, str]] = field(default_factory=list)
    photo: bytes | None = None
    photo_type: str | None = None
    name: str = ""


# --- the file ---------------------------------------------------------------------------------


def file_row(uow: UnitOfWork, candidate_id: uuid.UUID) -> CadreFile | None:
    return uow.session.scalar(select(CadreFile).where(CadreFile.candidate_id == candidate_id))


def read_file(uow: UnitOfWork, actor: Actor, clock: Clock, candidate_id: uuid.UUID) -> FileView:
    actor.role_for("candidates.read")
    candidate = get_row(uow, actor, candidate_id)
    return FileView(candidate, file_row(uow, candidate_id), clock.today())


def check_file(fields: dict[str, Any], today: date) -> None:
    """What the schema cannot see: dates against today, the photo's content."""
    problems: list[str] = []
    for i, member in enumerate(fields.get("family") or []):
        born = member.get("birth_date")
        if born is not None and str(born) > today.isoformat():
            problems.append(f"family[{i}].birth_date is in the future")
    photo = fields.get("photo")
    if photo is not None:
        problem = form.photo_problem(photo)
        if problem:
            problems.append(problem)
    if problems:
        raise InvalidInput("; ".join(problems))


def jsonable(fields: dict[str, Any]) -> dict[str, Any]:
    """Dates inside the JSON documents as ISO text."""
    out = dict(fields)
    if out.get("family") is not None:
        out["family"] = [
            {k: (v.isoformat() if isinstance(v, date) else v) for k, v in m.items()}
            for m in out["family"]
        ]
    return out


def write_file(
    uow: UnitOfWork,
    actor: Actor,
    role: str,
    now: datetime,
    candidate: Candidate,
    row: CadreFile | None,
    fields: dict[str, Any],
    action: str,
) -> tuple[CadreFile | None, list[str]]:
    """Replace the file's fields; record the change (names only: the values are personal).
    Returns the row and the names of the fields that changed (none: nothing written)."""
    fields = jsonable(fields)
    current = {k: getattr(row, k) for k in FILE_FIELDS} if row else copy.deepcopy(EMPTY_FILE)
    changed = sorted(k for k in FILE_FIELDS if k in fields and fields[k] != current[k])
    if not changed:
        return row, []
    if fields.get("id_number"):
        other = uow.session.scalar(
            select(CadreFile.candidate_id).where(CadreFile.id_number == fields["id_number"])
        )
        if other is not None and other != candidate.id:
            raise Conflict("this ID number is on the file of another cadre")
    if row is None:
        row = CadreFile(candidate_id=candidate.id, created_at=now, **copy.deepcopy(EMPTY_FILE))
        uow.session.add(row)
    for key in changed:
        setattr(row, key, fields[key])
    row.photo_type = form.photo_type(row.photo) if row.photo is not None else None
    row.updated_at = now
    try:
        uow.session.flush()
    except IntegrityError as exc:  # the same ID number written concurrently for another cadre
        raise Conflict("this ID number is on the file of another cadre") from exc
    audit.append(
        uow.session,
        subject_type="candidate",
        subject_id=candidate.id,
        action=action,
        actor=actor,
        role=role,
        at=now,
        payload={"fields": changed},
    )
    return row, changed


def lock_candidate(uow: UnitOfWork, actor: Actor, candidate_id: uuid.UUID) -> Candidate:
    """The candidate, its row locked: the record's entries of one subject are appended in turn."""
    candidate = get_row(uow, actor, candidate_id)
    uow.session.execute(select(Candidate.id).where(Candidate.id == candidate_id).with_for_update())
    return candidate


@retry_transaction
def put_file(
    uow: UnitOfWork,
    actor: Actor,
    clock: Clock,
    candidate_id: uuid.UUID,
    if_match: str | None,
    fields: dict[str, Any],
) -> FileView:
    role = actor.role_for("candidates.write")
    candidate = lock_candidate(uow, actor, candidate_id)
    row = file_row(uow, candidate_id)
    require_match(if_match, row.version if row else 0)
    check_file(fields, clock.today())
    row, _ = write_file(
        uow, actor, role, clock.now(), candidate, row, fields, "candidate.file_updated"
    )
    view = FileView(candidate, row, clock.today())
    uow.commit()
    return view


# --- the case candidate's form ----------------------------------------------------------------


def _case_member(
    uow: UnitOfWork, actor: Actor, case_id: uuid.UUID, candidate_id: uuid.UUID
) -> Candidate:
    get_case(uow, case_id, actor=actor, lock=False)
    member = uow.session.scalar(
        select(CaseCandidate.id).where(
            CaseCandidate.case_id == case_id, CaseCandidate.candidate_id == candidate_id
        )
    )
    if member is None:
        raise NotFound(f"candidate {candidate_id} is not in case {case_id}")
    return get_row(uow, actor, candidate_id)


def _form_row(
    uow: UnitOfWork, case_id: uuid.UUID, candidate_id: uuid.UUID
) -> CaseCandidateForm | None:
    return uow.session.scalar(
        select(CaseCandidateForm).where(
            CaseCandidateForm.case_id == case_id, CaseCandidateForm.candidate_id == candidate_id
        )
    )


def read_form(
    uow: UnitOfWork, actor: Actor, case_id: uuid.UUID, candidate_id: uuid.UUID
) -> FormView:
    actor.role_for("cases.read")
    _case_member(uow, actor, case_id, candidate_id)
    return FormView(case_id, candidate_id, _form_row(uow, case_id, candidate_id))


@retry_transaction
def put_form(
    uow: UnitOfWork,
    actor: Actor,
    clock: Clock,
    case_id: uuid.UUID,
    candidate_id: uuid.UUID,
    if_match: str | None,
    fields: dict[str, str],
) -> FormView:
    role = actor.role_for("cases.write")
    _case_member(uow, actor, case_id, candidate_id)
    lock_candidate(uow, actor, candidate_id)
    row = _form_row(uow, case_id, candidate_id)
    require_match(if_match, row.version if row else 0)
    now = clock.now()
    current = {k: (getattr(row, k) if row else "") for k in FORM_FIELDS}
    changed = sorted(k for k in FORM_FIELDS if fields[k] != current[k])
    if changed:
        if row is None:
            row = CaseCandidateForm(case_id=case_id, candidate_id=candidate_id, created_at=now)
            uow.session.add(row)
        for key in changed:
            setattr(row, key, fields[key])
        row.updated_at = now
        uow.session.flush()
        # In the candidate's record, naming the case in the payload: the case's own chain is
        # written only with its row's head (REC-RECORD), by the case's use cases.
        audit.append(
            uow.session,
            subject_type="candidate",
            subject_id=candidate_id,
            action="candidate.case_form_updated",
            actor=actor,
            role=role,
            at=now,
            payload={"case_id": str(case_id), "fields": changed},
        )
    view = FormView(case_id, candidate_id, row)
    uow.commit()
    return view


# --- the sheet the exports render -------------------------------------------------------------


def _family_texts(family: list[object]) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for m in family:
        assert isinstance(m, dict)
        born = m.get("birth_date")
        rows.append(
            {
                "ChengWei": str(m.get("relation") or ""),
                "XingMing": str(m.get("name") or ""),
                "ChuShengRiQi": form.month(date.fromisoformat(str(born))) if born else "",
                "ZhengZhiMianMao": str(m.get("party_membership") or ""),
                "GongZuoDanWeiJiZhiWu": str(m.get("work_unit_and_post") or ""),
            }
        )
    return rows


def sheet_of(view: FileView, case_form: dict[str, str], filled_on: date | None) -> Sheet:
    """The form's texts for `view`'s cadre; `case_form` holds the case's entries (or blanks)."""
    c, f = view.candidate, view.fields()
    full, part = f["full_time_education"] or {}, f["in_service_education"] or {}
    party = form.month(c.party_join_date) if c.party_join_date else ""
    values = {
        "XingMing": c.name,
        "XingBie": form.GENDER_ZH.get(c.gender, c.gender),
        "ChuShengNianYue": form.month(c.birth_date),
        "MinZu": c.ethnicity,
        "JiGuan": f["native_place"],
        "ChuShengDi": f["birthplace"],
        "RuDangShiJian": party,
        "CanJiaGongZuoShiJian": form.month(c.work_start_date),
        "JianKangZhuangKuang": f["health"],
        "ZhuanYeJiShuZhiWu": f["professional_title"],
        "ShuXiZhuanYeYouHeZhuanChang": f["specialties"],
        "QuanRiZhiJiaoYu_XueLi": str(full.get("level") or ""),
        "QuanRiZhiJiaoYu_XueWei": str(full.get("degree") or ""),
        "QuanRiZhiJiaoYu_XueLi_BiYeYuanXiaoXi": form.school_line(full),
        "QuanRiZhiJiaoYu_XueWei_BiYeYuanXiaoXi": form.school_line(full)
        if full.get("degree")
        else "",
        "ZaiZhiJiaoYu_XueLi": str(part.get("level") or ""),
        "ZaiZhiJiaoYu_XueWei": str(part.get("degree") or ""),
        "ZaiZhiJiaoYu_XueLi_BiYeYuanXiaoXi": form.school_line(part),
        "ZaiZhiJiaoYu_XueWei_BiYeYuanXiaoXi": form.school_line(part) if part.get("degree") else "",
        "XianRenZhiWu": f"{c.org_unit}{c.current_title}",
        "NiRenZhiWu": case_form.get("proposed_posts", ""),
        "NiMianZhiWu": case_form.get("removed_posts", ""),
        "JianLi": view.resume,
        "JiangChengQingKuang": f["rewards_punishments"],
        "NianDuKaoHeJieGuo": view.appraisals_text,
        "RenMianLiYou": case_form.get("reason", ""),
        "ChengBaoDanWei": case_form.get("reporting_unit", ""),
        "JiSuanNianLingShiJian": view.today.strftime("%Y%m%d"),
        "TianBiaoShiJian": form.month(filled_on),
        "TianBiaoRen": case_form.get("filled_by", ""),
        "ShenFenZheng": f["id_number"] or "",
    }
    photo = f["photo"]
    return Sheet(
        values=values,
        family=_family_texts(f["family"] or []),
        photo=photo,
        photo_type=form.photo_type(photo) if photo else None,
        name=c.name,
    )


def case_sheet(
    uow: UnitOfWork, actor: Actor, clock: Clock, case_id: uuid.UUID, candidate_id: uuid.UUID
) -> Sheet:
    """The approval form of a candidate in a case (reads need both cases and candidates)."""
    actor.role_for("cases.read")
    actor.role_for("candidates.read")
    candidate = _case_member(uow, actor, case_id, candidate_id)
    case_form = _form_row(uow, case_id, candidate_id)
    view = FileView(candidate, file_row(uow, candidate_id), clock.today())
    fields = FormView(case_id, candidate_id, case_form).fields()
    filled = case_form.updated_at.date() if case_form else clock.today()
    return sheet_of(view, fields, filled)


def candidate_sheet(uow: UnitOfWork, actor: Actor, clock: Clock, candidate_id: uuid.UUID) -> Sheet:
    """The cadre's file alone as a form (no case: 拟任, 拟免 and 任免理由 blank)."""
    view = read_file(uow, actor, clock, candidate_id)
    return sheet_of(view, {}, clock.today())
