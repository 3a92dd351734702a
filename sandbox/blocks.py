"""A pure Block Kit validator that mirrors the limits Slack enforces.

``validate_blocks`` and ``validate_view`` return human-readable problems, each prefixed with a JSON pointer
(``/blocks/3/elements/0/text/text: must be at most 75 characters (got 80)``). An empty list means Slack would accept
the payload as far as these checks go. Limits come from Slack's Block Kit reference and slack-sdk's model
validators. The checks are deliberately faithful, not pedantic: unknown optional fields are ignored and newer block
types pass through.
"""

from __future__ import annotations

import json
from typing import Any, Final, Literal

Surface = Literal["message", "modal", "home"]

MAX_BLOCKS: Final[dict[str, int]] = {"message": 50, "modal": 100, "home": 100}
VIEW_MAX_BYTES: Final = 250 * 1024
TEXT_MAX: Final = 3000

# Block types checked in detail, and newer or rarely used ones that pass with only block_id checks.
CHECKED_BLOCKS: Final = frozenset({"section", "header", "context", "divider", "actions", "input", "image", "markdown"})
PASS_THROUGH_BLOCKS: Final = frozenset(
    {"rich_text", "video", "file", "table", "call", "context_actions", "card", "carousel", "alert", "plan", "task_card"}
)

SELECTS: Final = frozenset(
    {"static_select", "external_select", "users_select", "conversations_select", "channels_select"}
    | {f"multi_{s}" for s in ("static_select", "external_select", "users_select", "conversations_select")}
    | {"multi_channels_select"}
)
INPUT_ONLY_ELEMENTS: Final = frozenset(
    {"plain_text_input", "email_text_input", "url_text_input", "number_input", "rich_text_input", "file_input"}
)
PICKERS: Final = frozenset({"datepicker", "timepicker", "datetimepicker", "checkboxes", "radio_buttons"})
BUTTON_LIKE: Final = frozenset({"button", "overflow", "workflow_button", "feedback_buttons", "icon_button"})
KNOWN_ELEMENTS: Final = SELECTS | INPUT_ONLY_ELEMENTS | PICKERS | BUTTON_LIKE | {"image"}
STYLES: Final = frozenset({"primary", "danger"})


def validate_blocks(blocks: object, *, surface: Surface) -> list[str]:
    """Problems with a ``blocks`` array for a message, modal or Home tab; an empty list means valid."""
    checker = _Checker(surface)
    checker.blocks(blocks, "/blocks")
    return checker.problems


def validate_view(view: object) -> list[str]:
    """Problems with a modal or Home tab view object (``views.open`` / ``update`` / ``push`` / ``publish``)."""
    if not isinstance(view, dict):
        return ["/view: must be an object"]
    view_type = view.get("type")
    if view_type not in ("modal", "home"):
        return [f"/type: must be 'modal' or 'home' (got {view_type!r})"]
    checker = _Checker("modal" if view_type == "modal" else "home")
    if view_type == "modal":
        checker.text(view.get("title"), "/title", max_len=24, plain_only=True)
        checker.text(view.get("submit"), "/submit", max_len=24, plain_only=True, required=False)
        checker.text(view.get("close"), "/close", max_len=24, plain_only=True, required=False)
        blocks = view.get("blocks")
        has_input = isinstance(blocks, list) and any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
        if has_input and view.get("submit") is None:
            checker.err("/submit", "is required when the view contains input blocks")
    checker.string(view.get("private_metadata"), "/private_metadata", max_len=3000)
    checker.string(view.get("callback_id"), "/callback_id", max_len=255)
    checker.string(view.get("external_id"), "/external_id", max_len=255)
    if "blocks" not in view:
        checker.err("/blocks", "is required")
    else:
        checker.blocks(view["blocks"], "/blocks")
    size = view_size(view)
    if size > VIEW_MAX_BYTES:
        checker.err("/", f"view payload must be at most {VIEW_MAX_BYTES} bytes (got {size})")
    return checker.problems


def view_size(view: object) -> int:
    """Size in bytes of the compact JSON encoding of ``view`` (what the 250 kB limit applies to)."""
    return len(json.dumps(view, separators=(",", ":"), ensure_ascii=False).encode())


class _Checker:
    def __init__(self, surface: Surface) -> None:
        self.surface: Surface = surface
        self.problems: list[str] = []

    def err(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}")

    # -- primitives -------------------------------------------------------------------------------------------------

    def string(
        self, value: object, path: str, *, max_len: int, required: bool = False, non_empty: bool = False
    ) -> None:
        if value is None:
            if required:
                self.err(path, "is required")
            return
        if not isinstance(value, str):
            self.err(path, f"must be a string (got {type(value).__name__})")
        elif non_empty and not value:
            self.err(path, "must not be empty")
        elif len(value) > max_len:
            self.err(path, f"must be at most {max_len} characters (got {len(value)})")

    def array(self, value: object, path: str, *, max_items: int, min_items: int = 1) -> list[Any]:
        if not isinstance(value, list):
            self.err(path, "must be an array" if value is not None else "is required")
            return []
        if len(value) < min_items:
            self.err(path, f"must have at least {min_items} items (got {len(value)})")
        if len(value) > max_items:
            self.err(path, f"must have at most {max_items} items (got {len(value)})")
        return value

    def text(
        self, obj: object, path: str, *, max_len: int = TEXT_MAX, plain_only: bool = False, required: bool = True
    ) -> None:
        """A text composition object: ``{"type": "plain_text"|"mrkdwn", "text": "..."}``."""
        if obj is None:
            if required:
                self.err(path, "is required")
            return
        if not isinstance(obj, dict):
            self.err(path, "must be a text object")
            return
        allowed = ("plain_text",) if plain_only else ("plain_text", "mrkdwn")
        if obj.get("type") not in allowed:
            self.err(f"{path}/type", f"must be {' or '.join(allowed)} (got {obj.get('type')!r})")
        self.string(obj.get("text"), f"{path}/text", max_len=max_len, required=True, non_empty=True)

    def confirm(self, obj: object, path: str) -> None:
        if obj is None:
            return
        if not isinstance(obj, dict):
            self.err(path, "must be a confirmation dialog object")
            return
        self.text(obj.get("title"), f"{path}/title", max_len=100, plain_only=True)
        self.text(obj.get("text"), f"{path}/text", max_len=300)
        self.text(obj.get("confirm"), f"{path}/confirm", max_len=30, plain_only=True)
        self.text(obj.get("deny"), f"{path}/deny", max_len=30, plain_only=True)
        if obj.get("style") is not None and obj.get("style") not in STYLES:
            self.err(f"{path}/style", f"must be primary or danger (got {obj.get('style')!r})")

    def option(self, obj: object, path: str, *, plain_only: bool, allow_url: bool = False) -> None:
        if not isinstance(obj, dict):
            self.err(path, "must be an option object")
            return
        self.text(obj.get("text"), f"{path}/text", max_len=75, plain_only=plain_only)
        self.string(obj.get("value"), f"{path}/value", max_len=150, required=True)
        self.text(obj.get("description"), f"{path}/description", max_len=75, required=False)
        if allow_url:
            self.string(obj.get("url"), f"{path}/url", max_len=3000)
        elif "url" in obj:
            self.err(f"{path}/url", "is only allowed in overflow menu options")

    def options(self, value: object, path: str, *, max_items: int, min_items: int = 1, **kw: bool) -> None:
        for i, opt in enumerate(self.array(value, path, max_items=max_items, min_items=min_items)):
            self.option(opt, f"{path}/{i}", **kw)

    # -- blocks -----------------------------------------------------------------------------------------------------

    def blocks(self, blocks: object, path: str) -> None:
        if not isinstance(blocks, list):
            self.err(path, "must be an array")
            return
        limit = MAX_BLOCKS[self.surface]
        if len(blocks) > limit:
            self.err(path, f"a {self.surface} can have at most {limit} blocks (got {len(blocks)})")
        block_ids: set[str] = set()
        for i, block in enumerate(blocks):
            self.block(block, f"{path}/{i}", block_ids)

    def block(self, block: object, path: str, block_ids: set[str]) -> None:
        if not isinstance(block, dict):
            self.err(path, "must be a block object")
            return
        block_type = block.get("type")
        if not isinstance(block_type, str):
            self.err(f"{path}/type", "is required")
            return
        block_id = block.get("block_id")
        self.string(block_id, f"{path}/block_id", max_len=255, non_empty=True)
        if isinstance(block_id, str):
            if block_id in block_ids:
                self.err(f"{path}/block_id", f"duplicate block_id {block_id!r}")
            block_ids.add(block_id)
        if block_type in PASS_THROUGH_BLOCKS:
            return
        if block_type not in CHECKED_BLOCKS:
            self.err(f"{path}/type", f"unsupported block type {block_type!r}")
            return
        getattr(self, f"block_{block_type}")(block, path)

    def block_section(self, block: dict[str, Any], path: str) -> None:
        if block.get("text") is None and block.get("fields") is None:
            self.err(path, "section requires text or fields")
        self.text(block.get("text"), f"{path}/text", required=False)
        if block.get("fields") is not None:
            for i, field in enumerate(self.array(block["fields"], f"{path}/fields", max_items=10)):
                self.text(field, f"{path}/fields/{i}", max_len=2000)
        if block.get("accessory") is not None:
            self.element(block["accessory"], f"{path}/accessory", set(), container="section")

    def block_header(self, block: dict[str, Any], path: str) -> None:
        self.text(block.get("text"), f"{path}/text", max_len=150, plain_only=True)

    def block_divider(self, block: dict[str, Any], path: str) -> None:
        pass

    def block_markdown(self, block: dict[str, Any], path: str) -> None:
        self.string(block.get("text"), f"{path}/text", max_len=12000, required=True, non_empty=True)

    def block_context(self, block: dict[str, Any], path: str) -> None:
        for i, el in enumerate(self.array(block.get("elements"), f"{path}/elements", max_items=10)):
            el_path = f"{path}/elements/{i}"
            if isinstance(el, dict) and el.get("type") == "image":
                self.image(el, el_path)
            else:
                self.text(el, el_path)

    def block_actions(self, block: dict[str, Any], path: str) -> None:
        action_ids: set[str] = set()
        for i, el in enumerate(self.array(block.get("elements"), f"{path}/elements", max_items=25)):
            self.element(el, f"{path}/elements/{i}", action_ids, container="actions")

    def block_input(self, block: dict[str, Any], path: str) -> None:
        if self.surface == "message":
            self.err(path, "input blocks are only allowed in modals and Home tabs")
        self.text(block.get("label"), f"{path}/label", max_len=2000, plain_only=True)
        self.text(block.get("hint"), f"{path}/hint", max_len=2000, plain_only=True, required=False)
        if block.get("element") is None:
            self.err(f"{path}/element", "is required")
        else:
            self.element(block["element"], f"{path}/element", set(), container="input")

    def block_image(self, block: dict[str, Any], path: str) -> None:
        self.image(block, path)
        self.text(block.get("title"), f"{path}/title", max_len=2000, plain_only=True, required=False)

    def image(self, obj: dict[str, Any], path: str) -> None:
        """Image block or image element: needs image_url or slack_file, plus alt_text."""
        if obj.get("image_url") is None and obj.get("slack_file") is None:
            self.err(path, "image requires image_url or slack_file")
        self.string(obj.get("image_url"), f"{path}/image_url", max_len=3000, non_empty=True)
        self.string(obj.get("alt_text"), f"{path}/alt_text", max_len=2000, required=True)

    # -- elements ---------------------------------------------------------------------------------------------------

    def element(self, el: object, path: str, action_ids: set[str], *, container: str) -> None:
        if not isinstance(el, dict):
            self.err(path, "must be an element object")
            return
        el_type = el.get("type")
        if not isinstance(el_type, str):
            self.err(f"{path}/type", "is required")
            return
        if el_type not in KNOWN_ELEMENTS:
            self.err(f"{path}/type", f"unsupported element type {el_type!r}")
            return
        if container == "input" and (el_type in BUTTON_LIKE or el_type == "image"):
            self.err(f"{path}/type", f"{el_type} is not allowed in an input block")
        elif container != "input" and el_type in INPUT_ONLY_ELEMENTS:
            self.err(f"{path}/type", f"{el_type} is only allowed in an input block")
        elif container == "actions" and el_type == "image":
            self.err(f"{path}/type", "image is not allowed in an actions block")
        action_id = el.get("action_id")
        self.string(action_id, f"{path}/action_id", max_len=255, non_empty=True)
        if isinstance(action_id, str):
            if action_id in action_ids:
                self.err(f"{path}/action_id", f"duplicate action_id {action_id!r} in block")
            action_ids.add(action_id)
        self.text(el.get("placeholder"), f"{path}/placeholder", max_len=150, plain_only=True, required=False)
        self.confirm(el.get("confirm"), f"{path}/confirm")
        if el_type in ("button", "workflow_button"):
            self.button(el, path)
        elif el_type in ("static_select", "multi_static_select"):
            self.static_select(el, path)
        elif el_type == "overflow":
            self.options(
                el.get("options"), f"{path}/options", max_items=5, min_items=2, plain_only=True, allow_url=True
            )
        elif el_type in ("checkboxes", "radio_buttons"):
            self.options(el.get("options"), f"{path}/options", max_items=10, plain_only=False)
        elif el_type == "image":
            self.image(el, path)
        elif el_type == "plain_text_input":
            self.string(el.get("initial_value"), f"{path}/initial_value", max_len=TEXT_MAX)
            min_length = el.get("min_length")
            if isinstance(min_length, int) and not 0 <= min_length <= 3000:
                self.err(f"{path}/min_length", f"must be between 0 and 3000 (got {min_length})")

    def button(self, el: dict[str, Any], path: str) -> None:
        self.text(el.get("text"), f"{path}/text", max_len=75, plain_only=True)
        self.string(el.get("value"), f"{path}/value", max_len=2000)
        self.string(el.get("url"), f"{path}/url", max_len=3000, non_empty=True)
        self.string(el.get("accessibility_label"), f"{path}/accessibility_label", max_len=75)
        if el.get("style") is not None and el.get("style") not in STYLES:
            self.err(f"{path}/style", f"must be primary or danger (got {el.get('style')!r})")

    def static_select(self, el: dict[str, Any], path: str) -> None:
        has_options, has_groups = el.get("options") is not None, el.get("option_groups") is not None
        if has_options == has_groups:
            self.err(path, "static select requires exactly one of options or option_groups")
        if has_options:
            self.options(el["options"], f"{path}/options", max_items=100, plain_only=True)
        if has_groups:
            for i, group in enumerate(self.array(el["option_groups"], f"{path}/option_groups", max_items=100)):
                group_path = f"{path}/option_groups/{i}"
                if not isinstance(group, dict):
                    self.err(group_path, "must be an option group object")
                    continue
                self.text(group.get("label"), f"{group_path}/label", max_len=75, plain_only=True)
                self.options(group.get("options"), f"{group_path}/options", max_items=100, plain_only=True)
