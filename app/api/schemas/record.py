"""The verification of the whole record (纪实, REC-RECORD) against its key and checkpoints."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from app.api.schemas.common import OutModel


class CheckpointOut(OutModel):
    name: str = Field(description="File name in the checkpoint directory")
    created_at: datetime
    chains: int = Field(description="How many chains the checkpoint lists")


class ChainVerificationOut(OutModel):
    subject_type: str = Field(description="case, candidate, nomination, policy, calendar ...")
    subject_id: str
    entries: int = Field(description="Entries of the chain in the database")
    head_seq: int | None = Field(description="The last entry's seq (null: no entry left)")
    checkpoint_seq: int | None = Field(
        description="The head the latest checkpoint signed for this chain (null: not in it)"
    )
    verified: bool
    first_bad_seq: int | None
    problems: list[str] = Field(description="What does not verify, in words")


class VerificationOut(OutModel):
    verified: bool = Field(
        description="Every chain verifies under the record key, every case's row names its "
        "record's head and the stage the record leaves it in, and every chain still holds "
        "the head the latest genuine checkpoint signed"
    )
    checked_at: datetime
    checkpoint: CheckpointOut | None = Field(
        description="The latest genuine checkpoint compared against (null: none written yet; "
        "then truncation and wholesale replacement cannot be detected)"
    )
    problems: list[str] = Field(description="Problems of the checkpoints themselves")
    chains_checked: int
    chains_failed: int
    chains: list[ChainVerificationOut] = Field(
        description="Every chain (or only the failed ones with `failed_only=true`)"
    )
