"""The case archive (干部选拔任用工作档案, REC-ARCHIVE) as one typed document.

Built by app/services/dossier.py from the case view; each part is the current facts' data of
one kind (the same types as the fact endpoints), so a generated client reads it as classes.
"""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, Field

from app.api.schemas.cases import (
    CaseCandidateOut,
    MotionOut,
    PolicyRef,
    PublicityWindowOut,
    RecordOut,
    TallyOut,
)
from app.api.schemas.common import OutModel
from app.domain import facts as f
from app.domain.enums import SelectionMethod


class DossierCaseOut(OutModel):
    id: uuid.UUID
    title: str
    stage: str
    method: SelectionMethod
    places: int
    position_id: uuid.UUID


class DossierPlanOut(BaseModel):
    procedure: str = Field(description="The work plan's procedure (工作方案), from the motion")


class DossierRecommendationOut(BaseModel):
    rounds: list[f.RecommendationRound]
    tallies: dict[Literal["talk", "meeting"], list[TallyOut]]
    competitive_scores: list[f.CompetitiveScores]


class KeyInterviewsOut(BaseModel):
    candidate_id: uuid.UUID
    key_interviews: str


class DisciplineOpinionOut(BaseModel):
    candidate_id: uuid.UUID
    four_musts: f.FourMusts = Field(description="凡提四必")
    integrity_conclusion: f.IntegrityConclusion = Field(description="廉政结论")


class DossierDeliberationOut(BaseModel):
    proposals: list[f.Proposal]
    consultations: list[f.Consultation]


class DossierPublicityOut(BaseModel):
    notice: list[f.PublicityNotice]
    window: PublicityWindowOut | None


class DossierObjectionOut(BaseModel):
    """An objection (公示反映) with its id and where it stands; contact only for the
    organisation department."""

    objection_id: uuid.UUID
    status: str | None = Field(description="open / noted / appoint / postpone / not_appoint")
    content: str
    candidate_id: uuid.UUID | None = None
    has_specific_leads: bool = True
    contact: str | None = None
    source: Literal["case", "public"] = "case"


class DossierOut(BaseModel):
    """REC-ARCHIVE: motion, plan, tallies, notice, interviews, reports, approval form,
    investigation conclusions, discipline opinion and the record, current facts only."""

    case: DossierCaseOut
    policy: PolicyRef
    motion: MotionOut
    plan: DossierPlanOut
    candidates: list[CaseCandidateOut]
    recommendation: DossierRecommendationOut
    target_decision: list[f.TargetDecision]
    exception_approvals: list[f.ExceptionApproval]
    inspection_notice: list[f.InspectionNotice]
    inspection_team: list[f.InspectionTeam]
    key_interviews: list[KeyInterviewsOut]
    inspection_reports: list[f.InspectionReport]
    discipline_opinions: list[DisciplineOpinionOut]
    deliberation: DossierDeliberationOut
    approval_form: list[f.DecisionMeeting] = Field(description="The decision meetings (讨论决定)")
    reconsiderations: list[f.Reconsideration]
    publicity: DossierPublicityOut
    objections: list[DossierObjectionOut]
    investigation_conclusions: list[f.ObjectionFinding]
    appointments: list[f.Appointment]
    probation_assessments: list[f.ProbationAssessment]
    record: RecordOut
