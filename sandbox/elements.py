"""Block Kit elements as a person uses them in Slack's client: the element a click names, the ``actions[0]`` Slack
sends for it, and a modal's ``state.values`` (with the checks Slack's client makes before it sends a form).

Pure functions over the blocks the app sent; anything the page should not have sent raises ``BadInput``.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Final

REQUIRED: Final = "Please complete this required field."
SINGLE_OPTION: Final = frozenset({"static_select", "radio_buttons", "overflow", "external_select"})
MULTI_OPTION: Final = frozenset({"multi_static_select", "checkboxes", "multi_external_select"})
TEXT_INPUTS: Final = frozenset({"plain_text_input", "email_text_input", "url_text_input", "number_input"})


class BadInput(Exception):
    """A request the page should not have sent; answered with HTTP 400 naming the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _date(value: object, field: str) -> str | None:
    """A datepicker's selected_date: what Slack's date picker can give, YYYY-MM-DD, or nothing."""
    if value is None or value == "":
        return None
    try:
        if not isinstance(value, str) or len(value) != 10:
            raise ValueError
        date.fromisoformat(value)
    except ValueError:
        raise BadInput(field, "must be a date, YYYY-MM-DD") from None
    return value


def block_id_of(block: dict[str, Any], index: int) -> str:
    """Slack gives a block without a block_id one of its own; ours is stable so the page can name it."""
    return str(block.get("block_id") or f"b{index}")


def options_of(element: dict[str, Any]) -> list[dict[str, Any]]:
    groups = element.get("option_groups") or []
    return [*(element.get("options") or []), *(o for g in groups for o in g.get("options") or [])]


def find_option(element: dict[str, Any], value: object, field: str) -> dict[str, Any]:
    for option in options_of(element):
        if option.get("value") == value:
            return option
    raise BadInput(field, f"{value!r} is not one of the options of {element.get('action_id')}")


def find_element(blocks: list[dict[str, Any]], block_index: object, action_id: object) -> tuple[str, dict[str, Any]]:
    """(block_id, element) of the interactive element ``action_id`` in block ``block_index``."""
    if not isinstance(block_index, int) or isinstance(block_index, bool) or not 0 <= block_index < len(blocks):
        raise BadInput("block", f"must be the index of a block (0-{len(blocks) - 1})")
    block = blocks[block_index]
    elements = [*(block.get("elements") or []), *([block["accessory"]] if block.get("accessory") else [])]
    for element in elements:
        if isinstance(element, dict) and element.get("action_id") == action_id:
            return block_id_of(block, block_index), element
    raise BadInput("action_id", f"no element {action_id!r} in block {block_index}")


def clicked(element: dict[str, Any], selected: object) -> dict[str, Any]:
    """The ``actions[0]`` Slack sends for a click on (or a choice in) ``element``."""
    kind = element.get("type")
    if kind == "button":
        action = {"type": "button", "text": element.get("text"), "value": element.get("value")}
        return {**action, **({"style": element["style"]} if element.get("style") else {})}
    if kind in SINGLE_OPTION:
        return {"type": kind, "selected_option": find_option(element, selected, "selected")}
    if kind == "users_select":
        if not isinstance(selected, str) or not selected.startswith(("U", "W")):
            raise BadInput("selected", "must be a user id (U…)")
        return {"type": kind, "selected_user": selected}
    raise BadInput("action_id", f"clicking a {kind} is not emulated")


def form_state(view: dict[str, Any], values: object) -> tuple[dict[str, Any], dict[str, str]]:
    """Slack's ``view.state.values`` for what the person entered, and the errors Slack's client shows itself
    (an empty required field, text over max_length) without sending the form."""
    if not isinstance(values, dict):
        raise BadInput("values", "must be an object of block_id: value")
    inputs = {
        block_id_of(b, i): b for i, b in enumerate(view.get("blocks") or []) if b.get("type") == "input"
    }  # fmt: skip
    for block_id in values:
        if block_id not in inputs:
            raise BadInput(f"values.{block_id}", "is not an input block of this modal")
    state: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for block_id, block in inputs.items():
        element = block.get("element") or {}
        kind, field = str(element.get("type")), f"values.{block_id}"
        value = values.get(block_id)
        entry: dict[str, Any] = {"type": kind}
        if kind in TEXT_INPUTS:
            if value is not None and not isinstance(value, str):
                raise BadInput(field, "must be text")
            text = value or None
            entry["value"] = text
            limit = element.get("max_length")
            if text and isinstance(limit, int) and len(text) > limit:
                errors[block_id] = f"Must be {limit} characters or fewer."
        elif kind in SINGLE_OPTION:
            entry["selected_option"] = find_option(element, value, field) if value else None
        elif kind in MULTI_OPTION:
            chosen = value or []
            if not isinstance(chosen, list):
                raise BadInput(field, "must be a list of option values")
            entry["selected_options"] = [find_option(element, v, field) for v in chosen]
        elif kind == "users_select":
            if value and (not isinstance(value, str) or value[0] not in "UW"):
                raise BadInput(field, "must be a user id (U…)")
            entry["selected_user"] = value or None
        elif kind == "multi_users_select":
            users = value or []
            if not isinstance(users, list) or any(not isinstance(u, str) or u[:1] not in "UW" for u in users):
                raise BadInput(field, "must be a list of user ids (U…)")
            entry["selected_users"] = users
        elif kind == "datepicker":
            entry["selected_date"] = _date(value, field)
        else:
            raise BadInput(field, f"a {kind} is not emulated")
        if not block.get("optional") and not any(entry.get(k) for k in entry if k != "type"):
            errors[block_id] = REQUIRED
        state[block_id] = {str(element.get("action_id")): entry}
    return state, errors
