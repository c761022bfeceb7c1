"""Shared API schema pieces: the kinds of text, dates, date-times and booleans a client sends.

Every field of a request body (and every filter of a query) uses one of these, so that bad input
is refused with a clear 422 before anything runs:

* `Line(...)`, `Name`, `ShortText`: one line of visible text (names, titles, units, places):
  no control characters (C0, DEL, C1), no line or paragraph separators, no bidirectional
  controls and no invisible characters that could disguise one name as another;
* `Ident(...)`: the same, and no whitespace but the plain space (external ids, document numbers);
* `Text(...)`, `LongText`: free text (content, discussion, minutes): line breaks (CRLF is read as
  LF) and tabs allowed, nothing else of the above;
* `Date`: an ISO `YYYY-MM-DD` between 1900-01-01 and 2100-12-31;
* `IsoDateTime` (alias `AwareDateTime`): an ISO 8601 date-time with a zone (`Z` or `+08:00`) in
  the same years; a date-time without a zone is refused, never guessed;
* booleans: pydantic's `StrictBool` in bodies, `QueryBool` in query strings; both take only
  `true` and `false` (not 0, 1, "yes", "on" ...).
* integers in bodies: JSON numbers only (`true` or `"1"` is a 422; StrictModel checks every
  int field of every subclass); query strings still parse digits.
"""

from __future__ import annotations

import re
import types
import typing
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, TypeVar, cast

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    PlainSerializer,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

T = TypeVar("T")


def _is_int_field(annotation: Any) -> bool:
    """Whether a field holds an integer (int, Annotated[int, ...], int | None ...)."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _is_int_field(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return any(_is_int_field(arg) for arg in typing.get_args(annotation))
    return annotation is int


class StrictModel(BaseModel):
    """Request bodies: unknown fields are a 422, never silently ignored; integers are JSON
    numbers (`true` or `"1"` is a 422, as the document's `type: integer` says), whichever
    subclass declares them."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _strict_integers(cls, data: Any) -> Any:
        # A model validator, not a field one: "before" field validators may not touch the
        # discriminators of tagged unions. The value is swapped for one that the field's own
        # integer validation refuses, so that the 422 names the field as usual.
        if isinstance(data, dict):
            bad = [n for n in _int_fields(cls).intersection(data) if _lax_int(data[n])]
            if bad:
                return {**data, **{n: _NotAnInteger() for n in bad}}
        return data


class _NotAnInteger:
    """Stands in for `true` or `"1"` sent for an integer: no validator takes it."""


def _lax_int(value: object) -> bool:
    return isinstance(value, bool | str)


_INT_FIELDS: dict[type[BaseModel], frozenset[str]] = {}


def _int_fields(model: type[BaseModel]) -> frozenset[str]:
    found = _INT_FIELDS.get(model)
    if found is None:
        found = frozenset(
            info.alias or name
            for name, info in model.model_fields.items()
            if _is_int_field(info.annotation)
        )
        _INT_FIELDS[model] = found
    return found


class OutModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --- text -------------------------------------------------------------------------------------

# Never accepted in any text: C0 controls but tab and line feed, DEL, C1 controls, line and
# paragraph separators, bidirectional marks, embeddings, overrides and isolates, zero-width
# space, word joiner, byte order mark and the noncharacters U+FFFE, U+FFFF. (Lone surrogates
# are refused by the string validation itself.) Written as regex escapes that Python, the Rust
# regex engine and ECMAScript (the JSON Schema `pattern`) read alike.
_NEVER = (
    r"\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u2028\u2029\u202a-\u202e"
    r"\u2060\u2066-\u2069\ufeff\ufffe\uffff"
)
# One line: also no tab or line feed.
_NOT_IN_LINE = _NEVER + r"\t\n"
# Identifiers: also no whitespace but U+0020 (no-break, ideographic, thin spaces ...).
_NOT_IN_IDENT = _NOT_IN_LINE + r"\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000"

_RULES = {
    "text": (_NEVER, "free text may hold line breaks and tabs, but no other control characters"),
    "line": (_NOT_IN_LINE, "this field is one line of visible text"),
    "ident": (_NOT_IN_IDENT, "an identifier is one line of visible text without special spaces"),
}
_FOUND = {kind: re.compile(f"[{chars}]") for kind, (chars, _) in _RULES.items()}


def _describe(ch: str) -> str:
    name = unicodedata.name(ch, "")
    if ch == "\n":
        return "a line break"
    if ch == "\t":
        return "a tab"
    category = unicodedata.category(ch)
    what = {"Cc": "a control character", "Zl": "a line separator", "Zp": "a paragraph separator"}
    label = what.get(category) or (name.lower() if name else "an invisible character")
    return f"U+{ord(ch):04X} ({label})"


@dataclass(frozen=True, slots=True)
class _TextKind:
    """Pydantic metadata: a bounded string of one kind (see the module docstring)."""

    kind: str
    max_length: int
    min_length: int = 0

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        inner = handler(source)
        if inner.get("type") != "str":  # pragma: no cover (a programming error)
            raise TypeError(f"{self.kind} text applies to str, not {source!r}")
        # Keep what came before (the model's whitespace stripping, a pattern given first).
        bounded = cast(core_schema.StringSchema, dict(inner))
        bounded["min_length"] = self.min_length
        bounded["max_length"] = self.max_length
        checked = core_schema.no_info_after_validator_function(self._check, bounded)
        if self.kind == "text":
            return core_schema.no_info_before_validator_function(_crlf_to_lf, checked)
        return checked

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        value = handler(schema)
        value.setdefault("pattern", f"^[^{_RULES[self.kind][0]}]*$")  # a stricter one stays
        return value

    def _check(self, value: str) -> str:
        found = _FOUND[self.kind].search(value)
        if found is not None:
            raise ValueError(
                f"contains {_describe(found.group())} at position {found.start()}; "
                + _RULES[self.kind][1]
            )
        return value


def _crlf_to_lf(value: object) -> object:
    return value.replace("\r\n", "\n") if isinstance(value, str) else value


def Line(max_length: int, min_length: int = 0) -> object:  # noqa: N802 (reads like a type)
    """One line of visible text (names, titles, units, places, short reasons)."""
    return _TextKind("line", max_length, min_length)


def Ident(max_length: int, min_length: int = 0) -> object:  # noqa: N802
    """An identifier: one line of visible text with no whitespace but the plain space."""
    return _TextKind("ident", max_length, min_length)


def Text(max_length: int, min_length: int = 0) -> object:  # noqa: N802
    """Free text: line breaks (CRLF read as LF) and tabs allowed, other controls refused."""
    return _TextKind("text", max_length, min_length)


ShortText = Annotated[str, Line(200)]
Name = Annotated[str, Line(100, 1)]
LongText = Annotated[str, Text(20000)]
Years = Annotated[
    Decimal,
    Field(ge=0, le=60, decimal_places=1, examples=[2.5]),
    PlainSerializer(float, return_type=float),
]


# --- dates and date-times ---------------------------------------------------------------------

DATE_MIN = date(1900, 1, 1)
DATE_MAX = date(2100, 12, 31)
_INSTANT_MIN = datetime(1900, 1, 1, tzinfo=UTC)
_INSTANT_MAX = datetime(2101, 1, 1, tzinfo=UTC)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date_only(value: object) -> object:
    """A date is `YYYY-MM-DD`: not a number (a Unix timestamp to pydantic), not a date-time."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
        return value.strip()
    raise ValueError("use an ISO 8601 date, YYYY-MM-DD, e.g. 2026-03-02")


def _iso_only(value: object) -> object:
    """A bare number is not a date-time here (pydantic would read it as a Unix timestamp)."""
    if isinstance(value, datetime):
        return value
    text = str(value).strip()
    if not isinstance(value, str) or text.replace(".", "", 1).lstrip("+-").isdigit():
        raise ValueError("use an ISO 8601 date-time, e.g. 2026-03-02T09:00:00+08:00")
    return text


def _aware_in_range(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            "add a time zone: a date-time without one is ambiguous; "
            "e.g. 2026-03-02T09:00:00+08:00 or 2026-03-02T01:00:00Z"
        )
    if not _INSTANT_MIN <= value < _INSTANT_MAX:
        raise ValueError(f"must be between {DATE_MIN}T00:00:00Z and {DATE_MAX}T23:59:59Z")
    return value


def _date_in_range(value: date) -> date:
    if not DATE_MIN <= value <= DATE_MAX:
        raise ValueError(f"must be between {DATE_MIN} and {DATE_MAX}")
    return value


Date = Annotated[date, BeforeValidator(_iso_date_only), AfterValidator(_date_in_range)]
IsoDateTime = Annotated[datetime, BeforeValidator(_iso_only), AfterValidator(_aware_in_range)]
AwareDateTime = IsoDateTime


# --- booleans ---------------------------------------------------------------------------------


def _true_or_false(value: object) -> object:
    """Query strings carry text: only `true` and `false` (not 1, 0, yes, on ...)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value in {"true", "false"}:
        return value == "true"
    raise ValueError("use true or false")


QueryBool = Annotated[bool, BeforeValidator(_true_or_false)]


# --- pages ------------------------------------------------------------------------------------


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(
        default=None, description="Opaque; pass as `cursor` to get the next page"
    )


LIMIT_DESCRIPTION = "Page size (default 50, at most 200)"
UPDATED_AFTER_DESCRIPTION = (
    "Only those changed after this instant: an ISO 8601 date-time with a zone, e.g. "
    "2026-03-02T09:00:00+08:00 (a date or a date-time without a zone is refused)"
)
