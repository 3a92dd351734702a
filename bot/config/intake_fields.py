"""`[intake.fields]`: other platforms' JSON field names mapped onto Handoff's own, so that most tools need no code.

    [intake.fields]
    external_id = "id"
    email = "contact.Email Address"      # a path: each "." steps into an object (or a list, by index)
    name = ["first_name", "last_name"]  # text fields may join several, with a space

A field that is not mapped is read under its own name, as without the section.
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from pydantic import AfterValidator, BeforeValidator, Field

from bot.config.fields import Frozen

TEXT_FIELDS: Final = ("name", "company", "title", "source", "campaign")
"""The fields that may join several source fields into one value."""
FIELDS: Final = ("external_id", "email", "score", "activity", *TEXT_FIELDS)
MAX_DEPTH: Final = 10


def _path(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f'{value!r} is not a field name: write it as a string, like "email"')
    text = value.strip()
    steps = text.split(".")
    if not text or len(text) > 200:
        raise ValueError("must be a field name of 1 to 200 characters")
    if any(not step.strip() for step in steps):
        raise ValueError(f"{text!r} has an empty step: write a field name, or names joined by '.'")
    if len(steps) > MAX_DEPTH:
        raise ValueError(f"{text!r} is more than {MAX_DEPTH} steps deep")
    return text


def _source(value: Any) -> str | tuple[str, ...]:
    """One path, or (for text) a list of 1 to 5 paths whose values are joined."""
    if isinstance(value, list):
        if not 1 <= len(value) <= 5:
            raise ValueError(f"joins 1 to 5 source fields, not {len(value)}")
        return tuple(_path(item) for item in value)
    return _path(value)


Source = Annotated[Any, BeforeValidator(_source)]


def _mapping(value: dict[str, Any]) -> dict[str, Any]:
    for name, source in value.items():
        if name not in FIELDS:
            raise ValueError(f"{name!r} is not a Handoff field; map onto one of {', '.join(FIELDS)}")
        if isinstance(source, tuple) and name not in TEXT_FIELDS:
            raise ValueError(f"{name} takes one source field: only {', '.join(TEXT_FIELDS)} can join several")
    return value


class IntakeConfig(Frozen):
    """`[intake]`."""

    fields: Annotated[dict[str, Source], AfterValidator(_mapping)] = Field(default_factory=dict)
    """Handoff field → where `POST /api/leads` finds it in each lead object the platform sends."""

    def source_of(self, name: str) -> str | None:
        """How the platform names Handoff's field `name` (for errors), or None when it is not mapped."""
        source = self.fields.get(name)
        return " + ".join(source) if isinstance(source, tuple) else source
