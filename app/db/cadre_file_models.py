"""The cadre's file (干部任免审批表 fields) and a case candidate's approval-form entries.

Kept apart from `candidates` (1:1 sub-resources with their own version) so that the form's
fields never widen the candidate row the rules read. Registered on the metadata by the import at
the end of app.db.models.

Scalars that are matched or compared (the ID number for imports, the places for AVOID-REGION)
are typed columns; the repeated groups of the form (the two education blocks, the family
members) are JSON lists validated by the API schema, as `candidates.posts` are.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, new_id


class CadreFile(Base):
    """The form's fields of one cadre (one row per candidate, created on the first PUT)."""

    __tablename__ = "cadre_files"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    candidate_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("candidates.id"), unique=True)
    # 身份证号 (18 characters, checksum checked by the API); imports match cadres by it.
    id_number: Mapped[str | None] = mapped_column(String(18), unique=True, default=None)
    native_place: Mapped[str] = mapped_column(String(100), default="")  # 籍贯
    birthplace: Mapped[str] = mapped_column(String(100), default="")  # 出生地
    grown_up_place: Mapped[str] = mapped_column(String(100), default="")  # 成长地
    health: Mapped[str] = mapped_column(String(100), default="")  # 健康状况
    professional_title: Mapped[str] = mapped_column(String(100), default="")  # 专业技术职务
    specialties: Mapped[str] = mapped_column(String(200), default="")  # 熟悉专业有何专长
    # {"level", "degree", "school", "department", "major"} (学历, 学位, 院校, 系, 专业)
    full_time_education: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    in_service_education: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    rewards_punishments: Mapped[str] = mapped_column(Text, default="")  # 奖惩情况
    # 年度考核结果 as written on the form; NULL: derived from the candidate's appraisals.
    appraisal_summary: Mapped[str | None] = mapped_column(Text, default=None)
    # [{"relation", "name", "birth_date", "party_membership", "work_unit_and_post"}]
    family: Mapped[list[object]] = mapped_column(JSON, default=list)
    photo: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    photo_type: Mapped[str | None] = mapped_column(String(16), default=None)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class CaseCandidateForm(Base):
    """What the approval form says of a candidate in one case: 拟任, 拟免, 任免理由, 呈报单位."""

    __tablename__ = "case_candidate_forms"
    __table_args__ = (UniqueConstraint("case_id", "candidate_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("selection_cases.id"))
    candidate_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("candidates.id"), index=True)
    proposed_posts: Mapped[str] = mapped_column(Text, default="")
    removed_posts: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    reporting_unit: Mapped[str] = mapped_column(String(200), default="")
    filled_by: Mapped[str] = mapped_column(String(100), default="")  # 填表人
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
