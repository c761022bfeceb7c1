"""The evidence-file store on disk, and the checks an upload's bytes must pass.

One file per attachment under `AttachmentStore.directory`, named by the row's `storage_key`.
An upload is first spooled to a temporary file in the same directory (so the final rename is
atomic), counted against the size limit and hashed; its content must be of the declared type,
which must be on the allow-list. No database here: `attachments` pairs the file with its row.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from app.domain.errors import DomainError


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
# Work images, video and documents (seed 000: 工作图像、视频、材料); nothing executable or
# rendered by a browser (HTML, SVG), since the files are served back to other users.
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


def check_allowed(content_type: str) -> None:
    if content_type not in ALLOWED_TYPES:
        raise UnsupportedMediaType(
            f"content type {content_type or '(none)'!r} is not accepted; allowed: "
            + ", ".join(ALLOWED_TYPES)
        )


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


def spool(store: AttachmentStore, stream: IO[bytes]) -> tuple[Path, int, str]:
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


def fsync_dir(directory: Path) -> None:
    """Make a rename in `directory` durable before the row that points at it commits."""
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
