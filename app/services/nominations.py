"""Use cases of nominations (推荐、自荐): lodge, forward, review, admit to a case pool, decline.

Four kinds share one resource: self-nomination (自荐, NOM-SELF-*), signed leader recommendation
(领导干部署名推荐, NOM-SIGNED), organisational recommendation (组织推荐) and full-committee
nomination (全委会推荐).

Confidentiality (NOM-SELF-CONFIDENTIAL): a self-nomination is visible to its author, to holders
of `nominations.read_confidential` (organisation department, admin) and, until it is forwarded,
to the unit party leader it was lodged with. To anyone else it does not exist: the same 404 as a
missing id, absent from lists and counts, its attachments and record included.

Evidence files are kept on disk under `AttachmentStore.directory`, one file per attachment named
by the row's `storage_key`; the row (with size and SHA-256) and the file appear together or not
at all (see `add_attachment`).
"""

from __future__ import annotations

import codecs
import hashlib
import os
import tempfile
import uuid
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

from sqlalchemy import ColumnElement, and_, false, func, or_, select, true

from app.db.models import (
    Candidate,
    Position,
    Principal,
    RecordEntry,
    SelectionCase,
)
from app.db.nomination_models import Nomination, NominationAttachment
from app.db.uow import UnitOfWork
from app.domain.calendar import add_working_days
from app.domain.enums import Role
from app.domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    RuleViolated,
    Violation,
)
from app.services import audit, case_members, policies
from app.services.context import PERMISSIONS, Actor, Clock
from app.services.pagination import encode_cursor, paginate

SUBJECT = "nomination"


class NominationKind(StrEnum):
    """The four ways a cadre enters the organisation's view (推荐方式)."""

    SELF = "self"  # 自荐
    SIGNED = "signed"  # 领导干部署名推荐
    ORGANISATIONAL = "organisational"  # 组织推荐
    FULL_COMMITTEE = "full_committee"  # 全委会推荐


class NominationStatus(StrEnum):
    LODGED = "lodged"  # 已提交单位党组织负责同志，待转递
    FORWARDED = "forwarded"  # 已转递组织部
    RECEIVED = "received"  # 组织部已收到
    UNDER_REVIEW = "under_review"  # 分析研判中
    ADMITTED = "admitted"  # 已纳入人选库
    DECLINED = "declined"  # 不予采纳


class SelfChannel(StrEnum):
    """NOM-SELF-CHANNEL: the three channels of a self-nomination (seed 000)."""

    UNIT_PARTY_LEADER = "unit_party_leader"  # 向单位党组织负责同志自荐
    ORG_DEPARTMENT = "org_department"  # 向市委组织部自荐
    MAIN_CITY_LEADER = "main_city_leader"  # 向市委主要领导自荐


# Where the organisation department's review may start.
REVIEWABLE = frozenset({NominationStatus.FORWARDED, NominationStatus.RECEIVED})
# While evidence may still be added by the author.
ATTACHABLE = frozenset(
    {NominationStatus.LODGED, NominationStatus.FORWARDED, NominationStatus.RECEIVED}
)
MAX_ATTACHMENTS = 20

_LODGE_PERMISSION = {
    NominationKind.SELF: "nominations.lodge_self",
    NominationKind.SIGNED: "nominations.lodge_signed",
    NominationKind.ORGANISATIONAL: "nominations.lodge_org",
    NominationKind.FULL_COMMITTEE: "nominations.lodge_committee",
}


# --- attachments: errors, storage, content checks -------------------------------------------


class AttachmentTooLarge(DomainError):
    """The file is larger than the configured limit (the API answers 413)."""


class UnsupportedMediaType(DomainError):
    """The declared type is not allowed, or the bytes are not of that type (the API answers 415)."""


@dataclass(frozen=True)
class AttachmentStore:
    directory: Path
    max_bytes: int


_OOXML = "application/vnd.openxmlformats-officedocument."
DOCX = _OOXML + "wordprocessingml.document"
XLSX = _OOXML + "spreadsheetml.sheet"
PPTX = _OOXML + "presentationml.presentation"
# Declared type -> the part an Office Open XML package of that type must contain.
_OOXML_MAIN_PART = {
    DOCX: "word/document.xml",
    XLSX: "xl/workbook.xml",
    PPTX: "ppt/presentation.xml",
}
ALLOWED_TYPES: tuple[str, ...] = (
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "video/mp4",
    "application/pdf",
    "text/plain",
    DOCX,
    XLSX,
    PPTX,
)
_CHUNK = 64 * 1024
_TEXT_CONTROLS = frozenset(chr(c) for c in range(32)) - set("\t\n\r\f\v")


def base_type(declared: str | None) -> str:
    """`image/PNG; charset=x` -> `image/png`."""
    return (declared or "").split(";", 1)[0].strip().lower()


def _is_utf8_text(path: Path) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
    try:
        with path.open("rb") as f:
            while chunk := f.read(_CHUNK):
                if any(ch in _TEXT_CONTROLS for ch in decoder.decode(chunk)):
                    return False
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _is_ooxml(path: Path, main_part: str) -> bool:
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return False
    return "[Content_Types].xml" in names and main_part in names


def content_matches(declared: str, path: Path) -> bool:
    """Whether the file's bytes are of the declared (allow-listed) type: magic numbers, UTF-8
    for plain text, the package structure for Office Open XML."""
    with path.open("rb") as f:
        head = f.read(16)
    if declared == "image/jpeg":
        return head.startswith(b"\xff\xd8\xff")
    if declared == "image/png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if declared == "image/gif":
        return head[:6] in (b"GIF87a", b"GIF89a")
    if declared == "image/webp":
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    if declared == "video/mp4":
        return head[4:8] == b"ftyp"
    if declared == "application/pdf":
        return head.startswith(b"%PDF-")
    if declared == "text/plain":
        return _is_utf8_text(path)
    if declared in _OOXML_MAIN_PART:
        return head.startswith(b"PK\x03\x04") and _is_ooxml(path, _OOXML_MAIN_PART[declared])
    return False


def clean_filename(name: str | None) -> str:
    """The client's file name as metadata only (never a path on our disk)."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable() and ch != '"').strip()
    return base[:200] or "attachment"


def _spool(store: AttachmentStore, stream: IO[bytes]) -> tuple[Path, int, str]:
    """Copy the upload to a temporary file in the store (same file system, so the final rename
    is atomic), counting and hashing; stops at the size limit. Returns (path, size, sha256)."""
    store.directory.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=store.directory, prefix=".upload-", suffix=".part")
    path = Path(name)
    digest = hashlib.sha256()
    size = 0
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(_CHUNK):
                size += len(chunk)
                if size > store.max_bytes:
                    raise AttachmentTooLarge(
                        f"the file exceeds the limit of {store.max_bytes} bytes"
                    )
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path, size, digest.hexdigest()


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover (platforms without directory handles)
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


# --- views and visibility --------------------------------------------------------------------


@dataclass
class NominationView:
    row: Nomination
    attachments: list[NominationAttachment] = field(default_factory=list)


@dataclass
class InterceptedView:
    """A self-nomination the unit party leader has not forwarded in time (NOM-SELF-FORWARD)."""

    id: uuid.UUID
    leader_id: uuid.UUID
    leader_name: str
    lodged_at: datetime
    forward_deadline: date
    days_overdue: int
    candidate_id: uuid.UUID | None  # None: the caller may not see the nominee


def _granted(actor: Actor, permission: str) -> bool:
    return actor.has(*PERMISSIONS[permission])


def can_see(actor: Actor, row: Nomination) -> bool:
    """NOM-SELF-CONFIDENTIAL for self-nominations; the others are open to the case readers."""
    if row.kind == NominationKind.SELF:
        if _granted(actor, "nominations.read_confidential"):
            return True
        if actor.candidate_id is not None and actor.candidate_id == row.candidate_id:
            return True  # the author (the nominee is always the author)
        if actor.principal_id is not None and actor.principal_id == row.lodged_by:
            return True
        return (
            actor.principal_id is not None
            and row.leader_id == actor.principal_id
            and row.status == NominationStatus.LODGED
        )
    if _granted(actor, "cases.read"):
        return True
    return actor.principal_id is not None and actor.principal_id == row.lodged_by


def _visible_clause(actor: Actor) -> ColumnElement[bool]:
    """`can_see` as SQL, for lists and counts."""
    if _granted(actor, "nominations.read_confidential"):
        return true()
    is_self = Nomination.kind == NominationKind.SELF.value
    conds: list[ColumnElement[bool]] = []
    if _granted(actor, "cases.read"):
        conds.append(~is_self)
    if actor.principal_id is not None:
        conds.append(Nomination.lodged_by == actor.principal_id)
        conds.append(
            and_(
                is_self,
                Nomination.leader_id == actor.principal_id,
                Nomination.status == NominationStatus.LODGED.value,
            )
        )
    if actor.candidate_id is not None:
        conds.append(and_(is_self, Nomination.candidate_id == actor.candidate_id))
    return or_(*conds) if conds else false()


def visible_nomination_ids(
    uow: UnitOfWork, actor: Actor, ids: Iterable[uuid.UUID]
) -> set[uuid.UUID]:
    """The ids among `ids` the actor may know about. Case views and dossiers must drop the
    others (a self-nomination's id tells who self-nominated, NOM-SELF-CONFIDENTIAL)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return set()
    return set(
        uow.session.scalars(
            select(Nomination.id).where(Nomination.id.in_(wanted), _visible_clause(actor))
        )
    )


def _not_found(nomination_id: uuid.UUID) -> NotFound:
    return NotFound(f"nomination {nomination_id} not found")


def _visible_row(
    uow: UnitOfWork, actor: Actor, nomination_id: uuid.UUID, *, lock: bool = False
) -> Nomination:
    stmt = select(Nomination).where(Nomination.id == nomination_id)
    if lock and uow.is_postgres:
        stmt = stmt.with_for_update()
    row = uow.session.scalars(stmt).first()
    if row is None or not can_see(actor, row):
        raise _not_found(nomination_id)
    return row


def _attachments(
    uow: UnitOfWork, ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[NominationAttachment]]:
    out: dict[uuid.UUID, list[NominationAttachment]] = {i: [] for i in ids}
    if ids:
        for a in uow.session.scalars(
            select(NominationAttachment)
            .where(NominationAttachment.nomination_id.in_(ids))
            .order_by(NominationAttachment.created_at, NominationAttachment.id)
        ):
            out[a.nomination_id].append(a)
    return out


def _views(uow: UnitOfWork, rows: list[Nomination]) -> list[NominationView]:
    att = _attachments(uow, [r.id for r in rows])
    return [NominationView(row=r, attachments=att[r.id]) for r in rows]


def _record(
    uow: UnitOfWork,
    actor: Actor,
    role: str,
    row: Nomination,
    action: str,
    *,
    from_status: str | None,
    rules: tuple[str, ...] = (),
    payload: dict[str, Any] | None = None,
    case_id: uuid.UUID | None = None,
) -> None:
    audit.append(
        uow.session,
        subject_type=SUBJECT,
        subject_id=row.id,
        nomination_id=row.id,
        case_id=case_id,
        action=action,
        actor=actor,
        role=role,
        at=row.updated_at,
        from_stage=from_status,
        to_stage=row.status,
        rules=rules,
        payload=payload,
    )


# --- lodging ---------------------------------------------------------------------------------


def _check_position(uow: UnitOfWork, position_id: uuid.UUID | None) -> None:
    if position_id is not None and uow.session.get(Position, position_id) is None:
        raise InvalidInput(f"position {position_id} does not exist")


def _check_candidate(uow: UnitOfWork, candidate_id: uuid.UUID) -> None:
    if uow.session.get(Candidate, candidate_id) is None:
        raise InvalidInput(f"candidate {candidate_id} does not exist")


def _self_fields(
    uow: UnitOfWork, actor: Actor, clock: Clock, data: dict[str, Any]
) -> dict[str, Any]:
    if actor.candidate_id is None:
        raise Forbidden(
            "your account is not linked to a cadre record; a self-nomination is lodged by the "
            "cadre themself"
        )
    _check_candidate(uow, actor.candidate_id)
    channel = SelfChannel(data["channel"])
    leader_id: uuid.UUID | None = data.get("leader_id")
    if channel == SelfChannel.UNIT_PARTY_LEADER:
        if leader_id is None:
            raise RuleViolated.one(
                "NOM-SELF-CHANNEL",
                "a self-nomination lodged with the unit party leader names that leader "
                "(leader_id, a principal with the role unit_party_leader)",
            )
        leader = uow.session.get(Principal, leader_id)
        if leader is None or Role.UNIT_PARTY_LEADER.value not in leader.roles:
            raise RuleViolated.one(
                "NOM-SELF-CHANNEL", f"leader_id {leader_id} is not a unit party leader"
            )
        if leader_id == actor.principal_id:
            raise RuleViolated.one(
                "NOM-SELF-CHANNEL", "a self-nomination cannot be lodged with yourself"
            )
    elif leader_id is not None:
        raise RuleViolated.one(
            "NOM-SELF-CHANNEL",
            f"leader_id is only given with the channel {SelfChannel.UNIT_PARTY_LEADER.value}",
        )
    policy = policies.resolve(uow.session, data.get("policy"))
    fields: dict[str, Any] = {
        "candidate_id": actor.candidate_id,
        "strengths": data.get("strengths") or "",
        "channel": channel.value,
        "leader_id": leader_id,
        "policy_id": policy.id,
    }
    if channel == SelfChannel.UNIT_PARTY_LEADER:
        days = policies.params_of(policy).self_nomination_forward_days
        fields["status"] = NominationStatus.LODGED.value
        fields["forward_deadline"] = add_working_days(clock.today(), days)
    else:
        fields["status"] = NominationStatus.RECEIVED.value
    return fields


def _signed_fields(data: dict[str, Any]) -> dict[str, Any]:
    """NOM-SIGNED: written material, the signer's name and post, and the signature."""
    missing: list[Violation] = []
    if not (data.get("statement") or "").strip():
        missing.append(
            Violation("NOM-SIGNED", "the written material (statement) of the recommendation")
        )
    if not (data.get("signer_name") or "").strip():
        missing.append(Violation("NOM-SIGNED", "the signer's name (signer_name)"))
    if not (data.get("signer_post") or "").strip():
        missing.append(Violation("NOM-SIGNED", "the signer's post (signer_post)"))
    if data.get("signed") is not True:
        missing.append(Violation("NOM-SIGNED", "the signer's signature (signed: true)"))
    if missing:
        raise RuleViolated(
            Violation(v.rule, f"a signed recommendation must be written and signed: {v.detail}")
            for v in missing
        )
    return {
        "signer_name": data["signer_name"],
        "signer_post": data["signer_post"],
        "signed": True,
    }


def lodge(uow: UnitOfWork, actor: Actor, clock: Clock, data: dict[str, Any]) -> NominationView:
    """Lodge a nomination of any kind; the body was validated by the kind's schema."""
    kind = NominationKind(data["kind"])
    role = actor.role_for(_LODGE_PERMISSION[kind])
    position_id: uuid.UUID | None = data.get("position_id")
    _check_position(uow, position_id)
    fields: dict[str, Any]
    rules: tuple[str, ...] = ()
    if kind == NominationKind.SELF:
        fields = _self_fields(uow, actor, clock, data)
        rules = ("NOM-SELF-CHANNEL",)
    else:
        fields = {"candidate_id": data["candidate_id"], "status": NominationStatus.RECEIVED.value}
        if kind == NominationKind.SIGNED:
            fields |= _signed_fields(data)
            rules = ("NOM-SIGNED",)
        elif kind == NominationKind.FULL_COMMITTEE:
            fields |= {k: data.get(k) for k in ("votes_for", "votes_against", "votes_abstain")}
        _check_candidate(uow, fields["candidate_id"])
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
    _record(
        uow,
        actor,
        role,
        row,
        "nomination.lodged",
        from_status=None,
        rules=rules,
        payload={
            "kind": row.kind,
            "candidate_id": str(row.candidate_id),
            "position_id": str(row.position_id) if row.position_id else None,
            "channel": row.channel,
            "leader_id": str(row.leader_id) if row.leader_id else None,
            "forward_deadline": row.forward_deadline.isoformat() if row.forward_deadline else None,
        },
    )
    view = NominationView(row=row)
    uow.commit()
    return view


# --- reading ---------------------------------------------------------------------------------


def read(uow: UnitOfWork, actor: Actor, nomination_id: uuid.UUID) -> NominationView:
    return _views(uow, [_visible_row(uow, actor, nomination_id)])[0]


def _filtered(
    actor: Actor,
    kind: str | None,
    status: str | None,
    candidate_id: uuid.UUID | None,
    case_id: uuid.UUID | None,
) -> list[ColumnElement[bool]]:
    where = [_visible_clause(actor)]
    if kind:
        where.append(Nomination.kind == kind)
    if status:
        where.append(Nomination.status == status)
    if candidate_id:
        where.append(Nomination.candidate_id == candidate_id)
    if case_id:
        where.append(Nomination.case_id == case_id)
    return where


def listing(
    uow: UnitOfWork,
    actor: Actor,
    *,
    cursor: str | None,
    limit: int,
    kind: str | None = None,
    status: str | None = None,
    candidate_id: uuid.UUID | None = None,
    case_id: uuid.UUID | None = None,
) -> tuple[list[NominationView], str | None]:
    """The nominations the actor may see, oldest first."""
    stmt = select(Nomination).where(*_filtered(actor, kind, status, candidate_id, case_id))
    rows = list(
        uow.session.scalars(paginate(stmt, Nomination.created_at, Nomination.id, cursor, limit))
    )
    nxt = (
        encode_cursor(rows[limit - 1].created_at, rows[limit - 1].id) if len(rows) > limit else None
    )
    return _views(uow, rows[:limit]), nxt


def count(
    uow: UnitOfWork,
    actor: Actor,
    *,
    kind: str | None = None,
    status: str | None = None,
    candidate_id: uuid.UUID | None = None,
    case_id: uuid.UUID | None = None,
) -> int:
    """How many nominations the actor may see (the same filters as `listing`)."""
    return int(
        uow.session.scalar(
            select(func.count())
            .select_from(Nomination)
            .where(*_filtered(actor, kind, status, candidate_id, case_id))
        )
        or 0
    )


def intercepted(
    uow: UnitOfWork, actor: Actor, clock: Clock, *, cursor: str | None, limit: int
) -> tuple[list[InterceptedView], str | None]:
    """NOM-SELF-FORWARD: self-nominations lodged with a unit party leader and not forwarded by
    the deadline (on the deadline day itself they are not yet late)."""
    actor.role_for("nominations.intercepted")
    today = clock.today()
    stmt = (
        select(Nomination, Principal.name)
        .join(Principal, Principal.id == Nomination.leader_id)
        .where(
            Nomination.kind == NominationKind.SELF.value,
            Nomination.status == NominationStatus.LODGED.value,
            Nomination.forward_deadline < today,
        )
    )
    rows = list(
        uow.session.execute(
            paginate(stmt, Nomination.created_at, Nomination.id, cursor, limit)
        ).all()
    )
    nxt = (
        encode_cursor(rows[limit - 1][0].created_at, rows[limit - 1][0].id)
        if len(rows) > limit
        else None
    )
    out = []
    for row, leader_name in rows[:limit]:
        assert row.forward_deadline is not None
        assert row.leader_id is not None
        out.append(
            InterceptedView(
                id=row.id,
                leader_id=row.leader_id,
                leader_name=leader_name,
                lodged_at=row.created_at,
                forward_deadline=row.forward_deadline,
                days_overdue=(today - row.forward_deadline).days,
                candidate_id=row.candidate_id if can_see(actor, row) else None,
            )
        )
    return out, nxt


def record_entries(
    uow: UnitOfWork, actor: Actor, nomination_id: uuid.UUID
) -> tuple[list[RecordEntry], bool]:
    """The nomination's own record (纪实) and whether its hash chain verifies."""
    _visible_row(uow, actor, nomination_id)
    entries = list(
        uow.session.scalars(
            select(RecordEntry)
            .where(RecordEntry.subject_type == SUBJECT, RecordEntry.subject_id == nomination_id)
            .order_by(RecordEntry.seq)
        )
    )
    return entries, audit.verify(entries) is None


# --- the lifecycle ---------------------------------------------------------------------------


def forward(
    uow: UnitOfWork, actor: Actor, clock: Clock, nomination_id: uuid.UUID
) -> NominationView:
    """The unit party leader forwards the self-nomination to the organisation department
    (NOM-SELF-FORWARD). Late forwarding is allowed and marked `forwarded_late`."""
    role = actor.role_for("nominations.forward")
    row = _visible_row(uow, actor, nomination_id, lock=True)
    if row.leader_id is None or row.leader_id != actor.principal_id:
        raise Forbidden("only the unit party leader it was lodged with may forward it")
    if row.status != NominationStatus.LODGED:
        raise Conflict(f"the nomination is {row.status}; only a lodged one is forwarded")
    assert row.forward_deadline is not None
    previous = row.status
    now = clock.now()
    row.status = NominationStatus.FORWARDED.value
    row.forwarded_at = now
    row.forwarded_late = clock.today() > row.forward_deadline
    row.updated_at = now
    _record(
        uow,
        actor,
        role,
        row,
        "nomination.forwarded",
        from_status=previous,
        rules=("NOM-SELF-FORWARD",),
        payload={
            "forward_deadline": row.forward_deadline.isoformat(),
            "late": row.forwarded_late,
        },
    )
    view = NominationView(row=row)
    uow.commit()
    return view


def _reviewable_row(
    uow: UnitOfWork, actor: Actor, nomination_id: uuid.UUID, allowed: frozenset[str], step: str
) -> Nomination:
    row = _visible_row(uow, actor, nomination_id, lock=True)
    if row.status == NominationStatus.LODGED:
        raise Conflict(
            "the self-nomination is still with the unit party leader; it can be "
            f"{step} only after it is forwarded to the organisation department",
            rule="NOM-SELF-FORWARD",
        )
    if row.status not in allowed:
        raise Conflict(
            f"the nomination is {row.status}; it can be {step} only when "
            + " or ".join(sorted(allowed))
        )
    return row


def review(uow: UnitOfWork, actor: Actor, clock: Clock, nomination_id: uuid.UUID) -> NominationView:
    """The organisation department starts its analysis (分析研判)."""
    role = actor.role_for("nominations.review")
    row = _reviewable_row(uow, actor, nomination_id, REVIEWABLE, "reviewed")
    previous = row.status
    row.status = NominationStatus.UNDER_REVIEW.value
    row.updated_at = clock.now()
    _record(uow, actor, role, row, "nomination.review_started", from_status=previous)
    view = _views(uow, [row])[0]
    uow.commit()
    return view


def admit(
    uow: UnitOfWork, actor: Actor, clock: Clock, nomination_id: uuid.UUID, case_id: uuid.UUID
) -> NominationView:
    """Admit the nominee to a case's candidate pool; from there every normal stage follows (a
    self-nomination is never a shortcut)."""
    role = actor.role_for("nominations.review")
    row = _reviewable_row(
        uow, actor, nomination_id, frozenset({NominationStatus.UNDER_REVIEW}), "admitted"
    )
    if uow.session.get(SelectionCase, case_id) is None:
        raise InvalidInput(f"case {case_id} does not exist")
    case = case_members.lock_case(uow, case_id)
    now = clock.now()
    case_members.add_to_pool(uow, actor, role, case, row.candidate_id, now, nomination_id=row.id)
    previous = row.status
    row.status = NominationStatus.ADMITTED.value
    row.case_id = case.id
    row.decided_at = now
    row.updated_at = now
    _record(
        uow,
        actor,
        role,
        row,
        "nomination.admitted",
        from_status=previous,
        case_id=case.id,
        payload={"case_id": str(case.id), "candidate_id": str(row.candidate_id)},
    )
    view = _views(uow, [row])[0]
    uow.commit()
    return view


def decline(
    uow: UnitOfWork, actor: Actor, clock: Clock, nomination_id: uuid.UUID, reason: str
) -> NominationView:
    """The organisation department does not take the nomination up (with the reason)."""
    role = actor.role_for("nominations.review")
    row = _reviewable_row(
        uow, actor, nomination_id, frozenset({NominationStatus.UNDER_REVIEW}), "declined"
    )
    previous = row.status
    now = clock.now()
    row.status = NominationStatus.DECLINED.value
    row.decline_reason = reason
    row.decided_at = now
    row.updated_at = now
    _record(
        uow,
        actor,
        role,
        row,
        "nomination.declined",
        from_status=previous,
        payload={"reason": reason},
    )
    view = _views(uow, [row])[0]
    uow.commit()
    return view


# --- attachments -----------------------------------------------------------------------------


def _attachable_row(
    uow: UnitOfWork, actor: Actor, nomination_id: uuid.UUID, *, lock: bool
) -> Nomination:
    row = _visible_row(uow, actor, nomination_id, lock=lock)
    if actor.principal_id is None or row.lodged_by != actor.principal_id:
        raise Forbidden("only the author of the nomination may add evidence to it")
    if row.status not in ATTACHABLE:
        raise Conflict(
            f"the nomination is {row.status}; evidence is added before the review starts"
        )
    return row


def add_attachment(
    uow: UnitOfWork,
    actor: Actor,
    clock: Clock,
    store: AttachmentStore,
    nomination_id: uuid.UUID,
    *,
    filename: str | None,
    declared_type: str | None,
    stream: IO[bytes],
) -> NominationAttachment:
    """Store an evidence file: the row and the file appear together or not at all.

    The bytes go to a temporary file outside any transaction (size limit, SHA-256, content
    check); the row and its record entry are flushed; the file is renamed to its final name;
    the transaction commits. Any failure deletes the file, so nothing is left behind and a
    committed row always has its file.
    """
    _attachable_row(uow, actor, nomination_id, lock=False)
    uow.rollback()  # do not hold the database while the file is copied
    content_type = base_type(declared_type)
    if content_type not in ALLOWED_TYPES:
        raise UnsupportedMediaType(
            f"content type {content_type or '(none)'!r} is not accepted; allowed: "
            + ", ".join(ALLOWED_TYPES)
        )
    tmp, size, sha256 = _spool(store, stream)
    final: Path | None = None
    moved = False
    try:
        if size == 0:
            raise InvalidInput("the file is empty")
        if not content_matches(content_type, tmp):
            raise UnsupportedMediaType(f"the file's content is not {content_type}")
        row = _attachable_row(uow, actor, nomination_id, lock=True)
        existing = uow.session.scalar(
            select(func.count())
            .select_from(NominationAttachment)
            .where(NominationAttachment.nomination_id == row.id)
        )
        if (existing or 0) >= MAX_ATTACHMENTS:
            raise Conflict(f"a nomination holds at most {MAX_ATTACHMENTS} files")
        assert actor.principal_id is not None
        now = clock.now()
        attachment_id = uuid.uuid4()
        att = NominationAttachment(
            id=attachment_id,
            nomination_id=row.id,
            filename=clean_filename(filename),
            content_type=content_type,
            size_bytes=size,
            sha256=sha256,
            storage_key=attachment_id.hex,
            uploaded_by=actor.principal_id,
            created_at=now,
        )
        uow.session.add(att)
        audit.append(
            uow.session,
            subject_type=SUBJECT,
            subject_id=row.id,
            nomination_id=row.id,
            action="nomination.attachment_added",
            actor=actor,
            role=row.lodged_role,
            at=now,
            payload={
                "attachment_id": str(att.id),
                "filename": att.filename,
                "content_type": content_type,
                "size_bytes": size,
                "sha256": sha256,
            },
        )
        uow.session.flush()
        final = store.directory / att.storage_key
        os.replace(tmp, final)
        moved = True
        _fsync_dir(store.directory)
        uow.commit()
    except BaseException:
        if final is not None and moved:
            final.unlink(missing_ok=True)
        raise
    finally:
        if not moved:
            tmp.unlink(missing_ok=True)
    return att


def list_attachments(
    uow: UnitOfWork, actor: Actor, nomination_id: uuid.UUID
) -> list[NominationAttachment]:
    row = _visible_row(uow, actor, nomination_id)
    return list(_attachments(uow, [row.id])[row.id])


def open_attachment(
    uow: UnitOfWork,
    actor: Actor,
    store: AttachmentStore,
    nomination_id: uuid.UUID,
    attachment_id: uuid.UUID,
) -> tuple[NominationAttachment, Path]:
    """The attachment's row and file (the same confidentiality as the nomination)."""
    _visible_row(uow, actor, nomination_id)
    att = uow.session.get(NominationAttachment, attachment_id)
    if att is None or att.nomination_id != nomination_id:
        raise NotFound(f"attachment {attachment_id} not found")
    path = store.directory / att.storage_key
    if not path.is_file():
        raise NotFound(f"the file of attachment {attachment_id} is missing from the store")
    return att, path
