"""Evidence files of a nomination (附件：工作图像、视频、材料): add, list, open.

The author adds them until the review starts; they share the nomination's confidentiality
(NOM-SELF-CONFIDENTIAL). A row and its file appear together or not at all (see
`add_attachment`).
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import IO

from app.db import nominations_repo as repo
from app.db.nomination_models import Nomination, NominationAttachment
from app.db.uow import UnitOfWork
from app.domain import nominations as domain
from app.domain.errors import InvalidInput, NotFound
from app.domain.nominations import NominationKind
from app.services import access_log, audit
from app.services.context import Actor, Clock
from app.services.nominations import files
from app.services.nominations.common import facts_of, visible_row


def _attachable_row(
    uow: UnitOfWork, actor: Actor, nomination_id: uuid.UUID, *, lock: bool
) -> Nomination:
    row = visible_row(uow, actor, nomination_id, lock=lock)
    domain.check_attachable(facts_of(row), actor.principal_id)
    return row


def add_attachment(
    uow: UnitOfWork,
    actor: Actor,
    clock: Clock,
    store: files.AttachmentStore,
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
    content_type = files.base_type(declared_type)
    files.check_allowed(content_type)
    tmp, size, sha256 = files.spool(store, stream)
    final: Path | None = None
    moved = False
    try:
        if size == 0:
            raise InvalidInput("the file is empty")
        if not files.content_matches(content_type, tmp):
            raise files.UnsupportedMediaType(f"the file's content is not {content_type}")
        # Checked again under the lock: the review may have started while the file was copied.
        row = _attachable_row(uow, actor, nomination_id, lock=True)
        domain.check_room_for_attachment(repo.attachment_count(uow.session, row.id))
        assert actor.principal_id is not None
        now = clock.now()
        attachment_id = uuid.uuid4()
        att = NominationAttachment(
            id=attachment_id,
            nomination_id=row.id,
            filename=files.clean_filename(filename),
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
            subject_type=repo.SUBJECT,
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
        files.fsync_dir(store.directory)
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
    row = visible_row(uow, actor, nomination_id)
    found = repo.attachments_of(uow.session, [row.id])[row.id]
    _log(uow, actor, row, [a.id for a in found])
    return found


def open_attachment(
    uow: UnitOfWork,
    actor: Actor,
    store: files.AttachmentStore,
    nomination_id: uuid.UUID,
    attachment_id: uuid.UUID,
) -> tuple[NominationAttachment, Path]:
    """The attachment's row and file (the same confidentiality as the nomination)."""
    row = visible_row(uow, actor, nomination_id)
    att = repo.attachment(uow.session, attachment_id)
    if att is None or att.nomination_id != nomination_id:
        raise NotFound(f"attachment {attachment_id} not found")
    path = store.directory / att.storage_key
    if not path.is_file():
        raise NotFound(f"the file of attachment {attachment_id} is missing from the store")
    _log(uow, actor, row, [att.id])
    return att, path


def _log(uow: UnitOfWork, actor: Actor, row: Nomination, ids: list[uuid.UUID]) -> None:
    """Evidence of a self-nomination read by anyone but its author is logged."""
    own = actor.candidate_id is not None and actor.candidate_id == row.candidate_id
    if row.kind == NominationKind.SELF.value and not own:
        access_log.log_reads(uow, actor, access_log.ATTACHMENT, ids)
