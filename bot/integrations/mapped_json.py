"""A platform's own JSON lead objects read through `[intake.fields]` as Handoff's lead input."""

from __future__ import annotations

import re
from typing import Any

from bot.config.intake_fields import IntakeConfig

_STEP_OF = re.compile(r"^([A-Za-z_]+)(.*)$")  # "activity[0].at" → ("activity", "[0].at")


def lookup(value: Any, path: str) -> tuple[bool, Any]:
    """(found, value) at a dotted `path`: each step a key of an object, or an index into a list."""
    for step in path.split("."):
        if isinstance(value, dict) and step in value:
            value = value[step]
        elif isinstance(value, list) and step.isascii() and step.isdigit() and int(step) < len(value):
            value = value[int(step)]
        else:
            return False, None
    return True, value


def _joined(parts: list[Any]) -> Any:
    """Several source fields as one text (`first_name` + `last_name`): the parts that hold text or a number, with a
    space. A part that is neither (an object, a list, true) is passed on alone, so validation names it."""
    words: list[str] = []
    for part in parts:
        if part is None:
            continue
        if isinstance(part, bool) or not isinstance(part, str | int | float):
            return part
        if text := str(part).strip():
            words.append(text)
    return " ".join(words) or None


def mapped(item: Any, config: IntakeConfig) -> Any:
    """One lead object with every mapped Handoff field taken from where the platform keeps it (dropped when the
    platform's object has nothing there). Anything but an object is left for validation to refuse."""
    if not config.fields or not isinstance(item, dict):
        return item
    out = dict(item)
    for name, source in config.fields.items():
        if isinstance(source, tuple):
            found = [lookup(item, path) for path in source]
            if any(hit for hit, _ in found):
                out[name] = _joined([value for _, value in found])
                continue
        else:
            hit, value = lookup(item, source)
            if hit:
                out[name] = value
                continue
        out.pop(name, None)
    return out


def mapped_body(body: Any, config: IntakeConfig) -> Any:
    """A body of one lead object or a list of them, mapped."""
    if not config.fields:
        return body
    if isinstance(body, list):
        return [mapped(item, config) for item in body]
    return mapped(body, config)


def renamed(errors: list[dict[str, Any]], config: IntakeConfig) -> list[dict[str, Any]]:
    """Validation errors naming the platform's field as well as Handoff's: `Email Address (as email)`."""
    if not config.fields:
        return errors
    out = []
    for error in errors:
        match = _STEP_OF.match(str(error.get("field", "")))
        source = config.source_of(match.group(1)) if match else None
        if match and source is not None:
            rest = match.group(2)
            error = {**error, "field": f"{source}{rest} (as {match.group(1)}{rest})"}
        out.append(error)
    return out
