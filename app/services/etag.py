"""ETag / If-Match handling for versioned resources."""

from __future__ import annotations

from app.domain.errors import PreconditionFailed, PreconditionRequired


def etag(version: int) -> str:
    return f'"v{version}"'


def require_match(if_match: str | None, version: int) -> None:
    """If-Match is mandatory for changes (428 missing, 412 stale)."""
    if if_match is None or not if_match.strip():
        raise PreconditionRequired("send If-Match with the ETag you read")
    tags = {t.strip().removeprefix("W/") for t in if_match.split(",")}
    if "*" not in tags and etag(version) not in tags:
        raise PreconditionFailed(
            f"the resource is at {etag(version)}; read it again and retry with that ETag"
        )
