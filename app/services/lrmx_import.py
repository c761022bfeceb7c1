"""Import of one LRMX file: create or update the cadre and their file, report what changed.

The cadre is found by the external id the caller names or by the ID number (ShenFenZheng) on a
file; both finding different cadres is a conflict. An element changes the cadre only when its
text differs from what an export of the cadre would write, so exporting and importing again
changes nothing, and month-precise dates (yyyyMM) never overwrite a known day in that month.
Texts the service derives (简历 from the posts, 现任职务) or keeps per case (拟任, 拟免,
任免理由, 呈报单位) are not taken from the file: a differing one is reported as ignored.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.db.cadre_file_models import CadreFile
from app.db.models import Candidate
from app.db.uow import UnitOfWork
from app.domain import cadre_file as form
from app.domain.errors import Conflict, InvalidInput
from app.services import audit, lrmx, scope
from app.services.cadre_file import (
    EMPTY_FILE,
    FAMILY_ELEMENTS,
    FILE_FIELDS,
    FileView,
    check_file,
    file_row,
    sheet_of,
    write_file,
)
from app.services.candidates import _check_consistency
from app.services.context import Actor, Clock
from app.services.lrmx import Parsed
from app.services.retry import retry_transaction

Check = Callable[[dict[str, Any]], dict[str, Any]]

# Element -> the file's scalar field it sets.
_FILE_TEXT = {
    "JiGuan": "native_place",
    "ChuShengDi": "birthplace",
    "JianKangZhuangKuang": "health",
    "ZhuanYeJiShuZhiWu": "professional_title",
    "ShuXiZhuanYeYouHeZhuanChang": "specialties",
    "JiangChengQingKuang": "rewards_punishments",
    "NianDuKaoHeJieGuo": "appraisal_summary",
}
_EDUCATION = {"QuanRiZhiJiaoYu": "full_time_education", "ZaiZhiJiaoYu": "in_service_education"}
_NOT_TAKEN = {
    "XianRenZhiWu": "the current post is the candidate's org_unit and current_title",
    "JianLi": "the résumé (简历) is derived from the posts on the candidate",
    "NiRenZhiWu": "拟任职务 belongs to a case: PUT /api/v1/cases/{id}/candidates/{cid}/form",
    "NiMianZhiWu": "拟免职务 belongs to a case: PUT /api/v1/cases/{id}/candidates/{cid}/form",
    "RenMianLiYou": "任免理由 belongs to a case: PUT /api/v1/cases/{id}/candidates/{cid}/form",
    "ChengBaoDanWei": "呈报单位 belongs to a case: PUT /api/v1/cases/{id}/candidates/{cid}/form",
    "TianBiaoRen": "填表人 belongs to a case: PUT /api/v1/cases/{id}/candidates/{cid}/form",
}
# A cadre always has these dates: an empty element does not erase them.
_REQUIRED_DATES = {"ChuShengNianYue", "CanJiaGongZuoShiJian"}
# Computed on every export: never a change.
_SKIPPED = {"JiSuanNianLingShiJian", "TianBiaoShiJian"}


@dataclass
class Change:
    element: str
    before: str
    after: str


@dataclass
class Ignored:
    element: str
    reason: str


@dataclass
class ImportReport:
    dry_run: bool
    created: bool
    candidate_id: uuid.UUID | None
    changes: list[Change] = field(default_factory=list)
    ignored: list[Ignored] = field(default_factory=list)


def _month(element: str, text: str) -> date | None:
    if not text:
        return None
    found = form.parse_month(text)
    if found is None:
        raise InvalidInput(f"{element}: {text!r} is not a month (yyyyMM)")
    return found


def _within_month(day: date | None, month_start: date | None) -> bool:
    return (
        day is not None
        and month_start is not None
        and (day.year, day.month) == (month_start.year, month_start.month)
    )


def _find(
    uow: UnitOfWork, actor: Actor, external_id: str | None, id_number: str | None
) -> Candidate | None:
    s = uow.session
    by_ext = (
        s.scalar(select(Candidate.id).where(Candidate.external_id == external_id))
        if external_id
        else None
    )
    by_id = (
        s.scalar(select(CadreFile.candidate_id).where(CadreFile.id_number == id_number))
        if id_number
        else None
    )
    if by_ext is not None and by_id is not None and by_ext != by_id:
        raise Conflict("the external id and the ID number belong to two different cadres")
    found = by_ext or by_id
    if found is None:
        return None
    if not scope.contains(s, actor, Candidate, found):
        # Not disclosed beyond what a create would say (the identifiers are taken).
        raise Conflict("the external id or ID number is registered to a cadre outside your scope")
    # Locked: the record's entries of one subject are appended in turn.
    return s.scalars(select(Candidate).where(Candidate.id == found).with_for_update()).one()


def import_file(
    uow: UnitOfWork,
    actor: Actor,
    clock: Clock,
    data: bytes,
    *,
    external_id: str | None,
    dry_run: bool,
    check_candidate: Check,
    check_fields: Check,
) -> ImportReport:
    """The role is checked before the file is read: nothing of it is parsed for someone who may
    not import."""
    actor.role_for("candidates.write")
    if not data:
        raise InvalidInput("the uploaded file is empty")
    return import_lrmx(
        uow,
        actor,
        clock,
        lrmx.parse(data),
        external_id=external_id,
        dry_run=dry_run,
        check_candidate=check_candidate,
        check_fields=check_fields,
    )


@retry_transaction
def import_lrmx(
    uow: UnitOfWork,
    actor: Actor,
    clock: Clock,
    parsed: Parsed,
    *,
    external_id: str | None,
    dry_run: bool,
    check_candidate: Check,
    check_fields: Check,
) -> ImportReport:
    """`check_candidate` and `check_fields` validate texts as the API's schemas do (they live in
    the api layer): control characters, lengths, the ID number's checksum."""
    role = actor.role_for("candidates.write")
    today, now = clock.today(), clock.now()
    given = parsed.values
    id_number = given.get("ShenFenZheng", "").upper() or None
    if id_number is not None and (problem := form.id_number_problem(id_number)):
        raise InvalidInput(f"ShenFenZheng: {problem}")
    candidate = _find(uow, actor, external_id, id_number)
    row = file_row(uow, candidate.id) if candidate else None
    if candidate is not None:
        current = sheet_of(FileView(candidate, row, today), {}, None)
        cur_values, cur_family, cur_photo = current.values, current.family, current.photo
    else:
        cur_values, cur_family, cur_photo = {}, [], None
    fields: dict[str, Any] = (
        {k: getattr(row, k) for k in FILE_FIELDS} if row else copy.deepcopy(EMPTY_FILE)
    )
    fields["full_time_education"] = dict(fields["full_time_education"] or {})
    fields["in_service_education"] = dict(fields["in_service_education"] or {})
    cand: dict[str, Any] = {}
    report = ImportReport(dry_run=dry_run, created=candidate is None, candidate_id=None)

    def differs(element: str) -> bool:
        return element in given and given[element] != cur_values.get(element, "")

    def changed(element: str) -> None:
        report.changes.append(Change(element, cur_values.get(element, ""), given[element]))

    id_birth = form.id_number_birth(id_number) if id_number else None
    for element in given:
        if element in _SKIPPED or not differs(element):
            continue
        value = given[element]
        if candidate is not None and not value and element in _REQUIRED_DATES:
            report.ignored.append(Ignored(element, "empty: the date on file is kept"))
            continue
        if element in _NOT_TAKEN:
            if candidate is None and element == "XianRenZhiWu":
                cand["current_title"] = value  # a new cadre: the post as the editor wrote it
                changed(element)
            else:
                report.ignored.append(Ignored(element, _NOT_TAKEN[element]))
            continue
        changed(element)
        if element == "XingMing":
            cand["name"] = value
        elif element == "XingBie":
            genders = {v: k for k, v in form.GENDER_ZH.items()}
            if value not in genders:
                raise InvalidInput(f"XingBie: {value!r} is neither 男 nor 女")
            cand["gender"] = genders[value]
        elif element == "ChuShengNianYue":
            born = _month(element, value)
            cand["birth_date"] = id_birth if _within_month(id_birth, born) else born
        elif element == "MinZu":
            cand["ethnicity"] = value
        elif element == "RuDangShiJian":
            joined = form.parse_month(value) if value else None
            if value and joined is None:
                # 民主党派 text in the field: not a CPC join date.
                cand["party_membership"] = "non_party"
            elif joined is not None and (
                candidate is None or candidate.party_membership == "non_party"
            ):
                cand["party_membership"] = "cpc_member"
            cand["party_join_date"] = joined
        elif element == "CanJiaGongZuoShiJian":
            cand["work_start_date"] = _month(element, value)
        elif element in _FILE_TEXT:
            fields[_FILE_TEXT[element]] = value
        elif element == "ShenFenZheng":
            fields["id_number"] = id_number
        else:
            prefix, _, part = element.partition("_")
            education = fields[_EDUCATION[prefix]]
            if part == "XueLi":
                education["level"] = value
            elif part == "XueWei":
                education["degree"] = value
            elif part == "XueLi_BiYeYuanXiaoXi" or not given.get(f"{prefix}_XueLi_BiYeYuanXiaoXi"):
                # One line on the form: kept whole as the school.
                education.update(school=value, department="", major="")
    if parsed.family is not None:
        incoming = [{k: m.get(k, "") for k in FAMILY_ELEMENTS} for m in parsed.family]
        if incoming != cur_family:
            fields["family"] = [
                {
                    "relation": m["ChengWei"],
                    "name": m["XingMing"],
                    "birth_date": _month("ChuShengRiQi", m["ChuShengRiQi"]),
                    "party_membership": m["ZhengZhiMianMao"],
                    "work_unit_and_post": m["GongZuoDanWeiJiZhiWu"],
                }
                for m in incoming
            ]
            report.changes.append(
                Change("JiaTingChengYuan", f"{len(cur_family)} members", f"{len(incoming)} members")
            )
    if parsed.photo_given and parsed.photo != cur_photo:
        fields["photo"] = parsed.photo
        sizes = [f"{len(p)} bytes" if p else "none" for p in (cur_photo, parsed.photo)]
        report.changes.append(Change("ZhaoPian", sizes[0], sizes[1]))

    if candidate is None and "birth_date" not in cand and id_birth is not None:
        cand["birth_date"] = id_birth  # the ID number holds it when the element is absent
    if cand:
        cand = check_candidate(cand)
    fields = check_fields(fields)
    check_file(fields, today)
    if candidate is None:
        candidate = _create(uow, actor, role, clock, cand, fields, external_id)
        report.candidate_id = None if dry_run else candidate.id
    else:
        report.candidate_id = candidate.id
        _update(uow, actor, role, clock, candidate, cand)
    write_file(uow, actor, role, now, candidate, row, fields, "candidate.file_imported")
    if dry_run:
        uow.rollback()
    else:
        uow.commit()
    return report


def _create(
    uow: UnitOfWork,
    actor: Actor,
    role: str,
    clock: Clock,
    cand: dict[str, Any],
    fields: dict[str, Any],
    external_id: str | None,
) -> Candidate:
    missing = [
        element
        for element, key in (
            ("XingMing", "name"),
            ("XingBie", "gender"),
            ("ChuShengNianYue", "birth_date"),
            ("MinZu", "ethnicity"),
            ("CanJiaGongZuoShiJian", "work_start_date"),
        )
        if not cand.get(key)
    ]
    if missing:
        raise InvalidInput(f"a new cadre needs these LRMX elements: {', '.join(missing)}")
    now = clock.now()
    row = Candidate(
        external_id=external_id,
        name=cand["name"],
        gender=cand["gender"],
        birth_date=cand["birth_date"],
        ethnicity=cand["ethnicity"],
        party_membership=cand.get("party_membership", "non_party"),
        party_join_date=cand.get("party_join_date"),
        work_start_date=cand["work_start_date"],
        # Not on the form: entered on the candidate afterwards.
        grassroots_years=Decimal(0),
        education=form.education_level(
            fields["full_time_education"], fields["in_service_education"]
        ),
        current_title=cand.get("current_title", ""),
        unit_id=scope.default_unit(actor),
        posts=[],
        appraisals=[],
        sanctions=[],
        created_at=now,
        updated_at=now,
    )
    _check_consistency(row, clock.today())
    uow.session.add(row)
    try:
        uow.session.flush()
    except IntegrityError as exc:
        raise Conflict(f"external_id {external_id!r} is already registered") from exc
    audit.append(
        uow.session,
        subject_type="candidate",
        subject_id=row.id,
        action="candidate.created",
        actor=actor,
        role=role,
        at=now,
        payload={"external_id": external_id, "source": "lrmx"},
    )
    return row


def _update(
    uow: UnitOfWork,
    actor: Actor,
    role: str,
    clock: Clock,
    row: Candidate,
    cand: dict[str, Any],
) -> None:
    changes = {k: v for k, v in cand.items() if getattr(row, k) != v}
    if not changes:
        return
    for key, value in changes.items():
        setattr(row, key, value)
    if row.party_membership == "non_party":
        row.party_join_date = None
    _check_consistency(row, clock.today())
    row.updated_at = clock.now()
    uow.session.flush()
    audit.append(
        uow.session,
        subject_type="candidate",
        subject_id=row.id,
        action="candidate.updated",
        actor=actor,
        role=role,
        at=row.updated_at,
        payload={"fields": sorted(changes), "source": "lrmx"},
    )
