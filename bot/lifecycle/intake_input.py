"""What a marketing platform may send for a lead, validated in one place for the HTTP API and the CSV import.

Liberal in what is harmless (a numeric string for `score`, a number for `external_id`, surrounding spaces, unknown
extra fields), strict in what is not (a score of 140 or `true`, an email without @, an activity without a valid time,
a time without a timezone, or one that leaves the calendar once converted to UTC).

Free text loses NUL characters (PostgreSQL cannot store them, SQLite can: the two would disagree) and has lone
surrogates replaced with U+FFFD (no database can encode them), so one such lead does not fail its batch. An
`external_id` must match exactly, so there they are refused, naming the field.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    field_validator,
)

from bot.lifecycle.stages import MOVE_TARGETS

MAX_BATCH = 500
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


SURROGATE = re.compile(r"[\ud800-\udfff]")


def clean_text(value: Any) -> Any:
    """Free text as every database can store it: no NUL, no lone surrogate (see the module's docstring)."""
    if isinstance(value, str):
        return SURROGATE.sub("\ufffd", value.replace("\x00", ""))
    return value


def id_text(value: Any) -> Any:
    if isinstance(value, bool):
        return value  # rejected below: true is not an id
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        if not value.strip():
            raise ValueError("is empty: send the lead's id in your platform (a non-empty string)")
        if "\x00" in value or SURROGATE.search(value):
            raise ValueError("must not contain a NUL character" if "\x00" in value else "is not valid Unicode")
    return value


def _score(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("must be a whole number from 0 to 100, not true or false")
    if isinstance(value, str) and value.strip() == "":
        return None
    return value


def utc(value: datetime) -> datetime:
    """An aware time in UTC; one that leaves the calendar once converted (0001-01-01T00:00+14:00) is refused."""
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("is out of range once converted to UTC") from None


Text200 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]


class ActivityIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    at: AwareDatetime
    """With its timezone, as the stage API's `at`: a time without one is refused, never guessed as UTC."""
    kind: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
    detail: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None

    _clean = field_validator("kind", "detail", mode="before")(clean_text)

    @field_validator("at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return utc(value)


class LeadFields(BaseModel):
    """A lead as validated, its free text taken as it is: `LeadIn` cleans it first, and `parse_leads` validates with
    this one only a body that `nothing_to_clean` found nothing in (six calls per lead fewer)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    external_id: Annotated[
        str, BeforeValidator(id_text), StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
    ]
    email: Annotated[str, StringConstraints(max_length=320)] | None = None
    name: Text200 | None = None
    company: Text200 | None = None
    title: Text200 | None = None
    source: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = None
    campaign: Text200 | None = None
    score: Annotated[Annotated[int, Field(ge=0, le=100)] | None, BeforeValidator(_score)] = None
    activity: list[ActivityIn] = Field(default_factory=list, max_length=100)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not EMAIL.match(value):
            raise ValueError("is not an email address")
        return value.lower()

    @field_validator("name", "company", "title", "source", "campaign")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None

    def activity_json(self) -> list[dict[str, Any]]:
        return [a.model_dump(mode="json", exclude_none=True) for a in self.activity]


class LeadIn(LeadFields):
    """What a marketing platform may send for a lead (see the module's docstring)."""

    _clean = field_validator("email", "name", "company", "title", "source", "campaign", mode="before")(clean_text)


_LEADS = TypeAdapter(list[LeadIn])
_LEAD_FIELDS = TypeAdapter(list[LeadFields])
CLEANABLE = re.compile(rb"\\u|\x00|\xed[\xa0-\xbf]")
"""Where a JSON body can hold a NUL or a lone surrogate: only in a \\u escape, or as bytes json.loads lets through
(a UTF-8 encoded surrogate, which it decodes with surrogatepass, or a NUL byte, which UTF-16 and UTF-32 bodies have)."""


def nothing_to_clean(raw: bytes) -> bool:
    """Whether no string json.loads makes of `raw` has anything `clean_text` would change (false for any body
    with a \\u escape: such a body is cleaned as usual)."""
    return CLEANABLE.search(raw) is None


def field_errors(exc: ValidationError, *, in_list: bool) -> list[dict[str, Any]]:
    """Pydantic's errors as `{"field", "index"?, "message"}`, the field named as a path (`activity[0].at`)."""
    out: list[dict[str, Any]] = []
    for error in exc.errors():
        loc = list(error["loc"])
        item: dict[str, Any] = {}
        if in_list and loc and isinstance(loc[0], int):
            item["index"] = loc.pop(0)
        path = ""
        for part in loc:
            path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "missing":
            message = "is required"
        item["field"] = path or "body"
        item["message"] = message
        out.append(item)
    return out


class InvalidLeads(Exception):
    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(f"{len(errors)} invalid field(s)")
        self.errors = errors


def parse_leads(body: Any, *, clean: bool = True) -> tuple[list[LeadFields], bool]:
    """One lead object or a list of up to MAX_BATCH; returns the leads and whether the body was a list. Without
    `clean` (a body `nothing_to_clean` vouches for) free text is not cleaned: there is nothing to clean."""
    if isinstance(body, list):
        if not body:
            raise InvalidLeads([{"field": "body", "message": "is an empty list: send at least one lead"}])
        if len(body) > MAX_BATCH:
            raise InvalidLeads([{"field": "body", "message": f"has {len(body)} leads: send at most {MAX_BATCH}"}])
        adapter: TypeAdapter[list[Any]] = _LEADS if clean else _LEAD_FIELDS
        try:
            return adapter.validate_python(body), True
        except ValidationError as exc:
            raise InvalidLeads(field_errors(exc, in_list=True)) from None
    if isinstance(body, dict):
        try:
            return [(LeadIn if clean else LeadFields).model_validate(body)], False
        except ValidationError as exc:
            raise InvalidLeads(field_errors(exc, in_list=False)) from None
    raise InvalidLeads([{"field": "body", "message": "must be a lead object or a list of leads"}])


class StageIn(BaseModel):
    """A CRM's stage update: `POST /api/leads/{external_id}/stage`."""

    model_config = ConfigDict(extra="forbid")

    stage: str
    amount: Annotated[Decimal, Field(ge=0, max_digits=15, decimal_places=2)] | None = None
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] | None = None
    at: AwareDatetime | None = None

    _clean = field_validator("reason", mode="before")(clean_text)

    @field_validator("stage")
    @classmethod
    def _a_move(cls, value: str) -> str:
        if value not in MOVE_TARGETS:
            raise ValueError(f"Input should be one of {', '.join(MOVE_TARGETS)}")
        return value

    @field_validator("at")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return None if value is None else utc(value)

    @field_validator("amount", mode="before")
    @classmethod
    def _a_number(cls, value: Any) -> Any:
        if isinstance(value, bool) or (value is not None and not isinstance(value, (int, float, str))):
            raise ValueError("must be a number")
        return value

    @property
    def amount_cents(self) -> int | None:
        return None if self.amount is None else int(self.amount * 100)
