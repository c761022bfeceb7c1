"""ETag / If-Match handling for versioned resources."""

from __future__ import annotations

from app.domain.errors import PreconditionFailed, PreconditionRequired


def etag(version: int) -> str:
    return f'"v{version}"'


def _version_tag(tag: str) -> str:
    """`"v3"`, and `"v3.h…"` (a GET's tag that also identifies the representation, see
    app/api/conditional.py), both name version 3: If-Match guards the row's version."""
    tag = tag.strip().removeprefix("W/")
    if tag.startswith('"v') and "." in tag:
        return tag.split(".", 1)[0] + '"'
    return tag


def require_match(if_match: str | None, version: int) -> None:
    """If-Match is mandatory for changes (428 missing, 412 stale)."""
    if if_match is None or not if_match.strip():
        raise PreconditionRequired("send If-Match with the ETag you read")
    tags = {_version_tag(t) for t in if_match.split(",")}
    if "*" not in tags and etag(version) not in tags:
        raise PreconditionFailed(
            f"the resource is at {etag(version)}; read it again and retry with that ETag"
        )
