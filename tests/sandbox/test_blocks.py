"""Unit tests for the Block Kit validator: every limit passes at the limit and fails one over it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from sandbox.blocks import VIEW_MAX_BYTES, Surface, validate_blocks, validate_view

Blocks = list[dict[str, Any]]


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def section(text: str = "hello", **extra: Any) -> dict[str, Any]:
    return {"type": "section", "text": mrkdwn(text), **extra}


def button(text: str = "Claim", **extra: Any) -> dict[str, Any]:
    return {"type": "button", "text": plain(text), "action_id": extra.pop("action_id", "claim"), **extra}


def actions(*elements: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "actions", "elements": list(elements), **extra}


def option(text: str = "Hot", value: str = "hot", **extra: Any) -> dict[str, Any]:
    return {"text": plain(text), "value": value, **extra}


def options(n: int) -> list[dict[str, Any]]:
    return [option(f"Option {i}", f"v{i}") for i in range(n)]


def confirm(title: str = "Sure?", text: str = "Really?", yes: str = "Yes", no: str = "No") -> dict[str, Any]:
    return {"title": plain(title), "text": mrkdwn(text), "confirm": plain(yes), "deny": plain(no)}


def text_input(**extra: Any) -> dict[str, Any]:
    return {"type": "plain_text_input", "action_id": "note", **extra}


def input_block(label: str = "Note", element: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {"type": "input", "block_id": "note", "label": plain(label), "element": element or text_input(), **extra}


# Each case builds a payload from n; validate(build(limit)) must pass and validate(build(limit + 1)) must fail.
LIMIT_CASES: dict[str, tuple[int, Surface, Callable[[int], Blocks]]] = {
    "blocks per message": (50, "message", lambda n: [section() for _ in range(n)]),
    "blocks per modal": (100, "modal", lambda n: [section() for _ in range(n)]),
    "blocks per home": (100, "home", lambda n: [{"type": "divider"} for _ in range(n)]),
    "section text": (3000, "message", lambda n: [section("x" * n)]),
    "header text": (150, "message", lambda n: [{"type": "header", "text": plain("x" * n)}]),
    "section fields count": (10, "message", lambda n: [{"type": "section", "fields": [mrkdwn("f")] * n}]),
    "section field text": (2000, "message", lambda n: [{"type": "section", "fields": [mrkdwn("x" * n)]}]),
    "context elements": (10, "message", lambda n: [{"type": "context", "elements": [mrkdwn("c")] * n}]),
    "context text": (3000, "message", lambda n: [{"type": "context", "elements": [plain("x" * n)]}]),
    "actions elements": (25, "message", lambda n: [actions(*(button(action_id=f"b{i}") for i in range(n)))]),
    "button text": (75, "message", lambda n: [actions(button("x" * n))]),
    "button value": (2000, "message", lambda n: [actions(button(value="x" * n))]),
    "button url": (3000, "message", lambda n: [actions(button(url="https://e.x/" + "x" * (n - 12)))]),
    "button accessibility_label": (75, "message", lambda n: [actions(button(accessibility_label="x" * n))]),
    "action_id": (255, "message", lambda n: [actions(button(action_id="a" * n))]),
    "block_id": (255, "message", lambda n: [section(block_id="b" * n)]),
    "static_select options": (
        100,
        "message",
        lambda n: [actions({"type": "static_select", "action_id": "s", "options": options(n)})],
    ),
    "option_groups": (
        100,
        "message",
        lambda n: [
            actions(
                {
                    "type": "static_select",
                    "action_id": "s",
                    "option_groups": [{"label": plain("g"), "options": options(1)}] * n,
                }
            )
        ],
    ),
    "option group label": (
        75,
        "message",
        lambda n: [
            actions(
                {
                    "type": "static_select",
                    "action_id": "s",
                    "option_groups": [{"label": plain("x" * n), "options": [option()]}],
                }
            )
        ],
    ),
    "option text": (
        75,
        "message",
        lambda n: [actions({"type": "static_select", "action_id": "s", "options": [option("x" * n)]})],
    ),
    "option value": (
        150,
        "message",
        lambda n: [actions({"type": "static_select", "action_id": "s", "options": [option(value="x" * n)]})],
    ),
    "option description": (
        75,
        "message",
        lambda n: [actions({"type": "checkboxes", "action_id": "c", "options": [option(description=plain("x" * n))]})],
    ),
    "overflow options max": (
        5,
        "message",
        lambda n: [actions({"type": "overflow", "action_id": "o", "options": options(n)})],
    ),
    "checkboxes options": (
        10,
        "modal",
        lambda n: [actions({"type": "checkboxes", "action_id": "c", "options": options(n)})],
    ),
    "radio options": (
        10,
        "modal",
        lambda n: [actions({"type": "radio_buttons", "action_id": "r", "options": options(n)})],
    ),
    "confirm title": (100, "message", lambda n: [actions(button(confirm=confirm(title="x" * n)))]),
    "confirm text": (300, "message", lambda n: [actions(button(confirm=confirm(text="x" * n)))]),
    "confirm confirm": (30, "message", lambda n: [actions(button(confirm=confirm(yes="x" * n)))]),
    "confirm deny": (30, "message", lambda n: [actions(button(confirm=confirm(no="x" * n)))]),
    "input label": (2000, "modal", lambda n: [input_block("x" * n)]),
    "input hint": (2000, "modal", lambda n: [input_block(hint=plain("x" * n))]),
    "placeholder": (150, "modal", lambda n: [input_block(element=text_input(placeholder=plain("x" * n)))]),
    "select placeholder": (
        150,
        "message",
        lambda n: [actions({"type": "users_select", "action_id": "u", "placeholder": plain("x" * n)})],
    ),
    "image alt_text": (
        2000,
        "message",
        lambda n: [{"type": "image", "image_url": "https://e.x/i.png", "alt_text": "x" * n}],
    ),
    "image url": (3000, "message", lambda n: [{"type": "image", "image_url": "h" * n, "alt_text": "a"}]),
    "image title": (
        2000,
        "message",
        lambda n: [{"type": "image", "image_url": "https://e.x/i.png", "alt_text": "a", "title": plain("x" * n)}],
    ),
    "plain_text_input min_length": (3000, "modal", lambda n: [input_block(element=text_input(min_length=n))]),
    "markdown block": (12000, "message", lambda n: [{"type": "markdown", "text": "x" * n}]),
}


@pytest.mark.parametrize("case", list(LIMIT_CASES))
def test_limit_passes_at_limit_and_fails_one_over(case: str) -> None:
    limit, surface, build = LIMIT_CASES[case]
    assert validate_blocks(build(limit), surface=surface) == []
    problems = validate_blocks(build(limit + 1), surface=surface)
    assert problems, f"{case}: {limit + 1} should be rejected"


def test_problem_names_the_json_pointer_and_sizes() -> None:
    problems = validate_blocks([section(), actions(button("x" * 76))], surface="message")
    assert problems == ["/blocks/1/elements/0/text/text: must be at most 75 characters (got 76)"]


def test_message_block_limit_is_reported_once() -> None:
    problems = validate_blocks([section()] * 51, surface="message")
    assert problems == ["/blocks: a message can have at most 50 blocks (got 51)"]


def test_realistic_lead_message_is_valid() -> None:
    blocks = [
        {"type": "header", "text": plain("New lead: Acme GmbH")},
        section("*New lead:* Acme GmbH (EMEA, $48k)", block_id="lead:8412:summary"),
        {"type": "section", "fields": [mrkdwn("*Owner*\n<@U0REP0001>"), mrkdwn("*Source*\nWebinar")]},
        {"type": "divider"},
        actions(
            button("Claim", action_id="lead_claim", style="primary", value="8412"),
            button("Reject", action_id="lead_reject", style="danger", value="8412", confirm=confirm()),
            {
                "type": "overflow",
                "action_id": "more",
                "options": [option("Snooze", "s"), option("Open", "o", url="https://x.y")],
            },
            block_id="lead:8412:actions",
        ),
        {
            "type": "context",
            "elements": [
                mrkdwn("Received 2 min ago"),
                {"type": "image", "image_url": "https://e.x/a.png", "alt_text": "logo"},
            ],
        },
        {
            "type": "rich_text",
            "elements": [{"type": "rich_text_section", "elements": [{"type": "text", "text": "hi"}]}],
        },
        section("With accessory", accessory={"type": "image", "image_url": "https://e.x/a.png", "alt_text": "a"}),
    ]
    assert validate_blocks(blocks, surface="message") == []
    assert validate_blocks([], surface="message") == []


@pytest.mark.parametrize(
    ("blocks", "fragment"),
    [
        ("not a list", "must be an array"),
        ([{"text": mrkdwn("x")}], "/blocks/0/type: is required"),
        ([{"type": "carousel_of_doom"}], "unsupported block type"),
        ([{"type": "section"}], "section requires text or fields"),
        ([section("")], "must not be empty"),
        ([{"type": "section", "text": {"type": "markdown", "text": "x"}}], "must be plain_text or mrkdwn"),
        ([{"type": "section", "text": {"type": "mrkdwn"}}], "/blocks/0/text/text: is required"),
        ([{"type": "header", "text": mrkdwn("x")}], "must be plain_text"),
        ([actions({"type": "button", "action_id": "b"})], "/blocks/0/elements/0/text: is required"),
        ([actions(button(style="success"))], "must be primary or danger"),
        ([actions({"action_id": "x"})], "/blocks/0/elements/0/type: is required"),
        ([actions({"type": "laser_pointer"})], "unsupported element type"),
        ([actions()], "must have at least 1 items"),
        ([actions(button(), button())], "duplicate action_id 'claim'"),
        ([section(block_id="a"), section(block_id="a")], "duplicate block_id 'a'"),
        ([input_block()], "only allowed in modals and Home tabs"),
        ([{"type": "image", "alt_text": "a"}], "requires image_url or slack_file"),
        ([{"type": "image", "image_url": "https://e.x/i.png"}], "/blocks/0/alt_text: is required"),
        ([actions({"type": "overflow", "action_id": "o", "options": options(1)})], "must have at least 2 items"),
        ([actions({"type": "static_select", "action_id": "s"})], "exactly one of options or option_groups"),
        (
            [actions({"type": "static_select", "action_id": "s", "options": [{"text": mrkdwn("x"), "value": "v"}]})],
            "must be plain_text",
        ),
        (
            [actions({"type": "static_select", "action_id": "s", "options": [{"text": plain("x")}]})],
            "value: is required",
        ),
        ([actions(button(confirm={"title": plain("t"), "text": plain("x")}))], "/confirm/confirm: is required"),
        ([actions({"type": "plain_text_input", "action_id": "p"})], "only allowed in an input block"),
        (
            [actions({"type": "image", "image_url": "https://e.x/i.png", "alt_text": "a"})],
            "not allowed in an actions block",
        ),
        ([{"type": "context", "elements": [{"type": "button", "text": plain("x")}]}], "must be plain_text or mrkdwn"),
    ],
)
def test_invalid_message_blocks(blocks: object, fragment: str) -> None:
    problems = validate_blocks(blocks, surface="message")
    assert any(fragment in p for p in problems), problems


def test_same_action_id_in_different_blocks_is_fine() -> None:
    assert validate_blocks([actions(button()), actions(button())], surface="message") == []


def test_input_block_rules_in_modal() -> None:
    assert validate_blocks([input_block()], surface="modal") == []
    assert validate_blocks([input_block()], surface="home") == []
    assert any(
        "label: is required" in p
        for p in validate_blocks([{"type": "input", "element": text_input()}], surface="modal")
    )
    assert any(
        "element: is required" in p for p in validate_blocks([{"type": "input", "label": plain("L")}], surface="modal")
    )
    assert any(
        "not allowed in an input block" in p for p in validate_blocks([input_block(element=button())], surface="modal")
    )
    assert validate_blocks([{**input_block(), "label": mrkdwn("L")}], surface="modal") != []


def modal(**extra: Any) -> dict[str, Any]:
    return {"type": "modal", "callback_id": "reassign", "title": plain("Reassign lead"), "blocks": [section()], **extra}


def test_valid_views() -> None:
    assert validate_view(modal()) == []
    assert validate_view(modal(submit=plain("Save"), close=plain("Cancel"), blocks=[input_block()])) == []
    assert validate_view({"type": "home", "blocks": [section(), input_block()]}) == []


@pytest.mark.parametrize(
    ("field", "limit", "make"),
    [
        ("title", 24, lambda n: {"title": plain("x" * n)}),
        ("submit", 24, lambda n: {"submit": plain("x" * n)}),
        ("close", 24, lambda n: {"close": plain("x" * n)}),
        ("private_metadata", 3000, lambda n: {"private_metadata": "x" * n}),
        ("callback_id", 255, lambda n: {"callback_id": "x" * n}),
        ("external_id", 255, lambda n: {"external_id": "x" * n}),
        ("blocks", 100, lambda n: {"blocks": [{"type": "divider"}] * n}),
    ],
)
def test_view_limits(field: str, limit: int, make: Callable[[int], dict[str, Any]]) -> None:
    assert validate_view(modal(**make(limit))) == []
    problems = validate_view(modal(**make(limit + 1)))
    assert problems and problems[0].startswith(f"/{field}"), problems


def test_view_problems() -> None:
    assert validate_view("modal") == ["/view: must be an object"]
    assert validate_view({"type": "dialog", "blocks": []})[0].startswith("/type")
    assert "/title: is required" in validate_view({"type": "modal", "blocks": []})
    assert "/blocks: is required" in validate_view({"type": "modal", "title": plain("T")})
    assert any(p.startswith("/title/type") for p in validate_view(modal(title=mrkdwn("T"))))
    needs_submit = validate_view(modal(blocks=[input_block()]))
    assert needs_submit == ["/submit: is required when the view contains input blocks"]
    assert any("duplicate block_id" in p for p in validate_view(modal(blocks=[section(block_id="a")] * 2)))


def test_view_size_limit() -> None:
    # 100 sections of 3000 chars each is ~300 kB: every block is valid, the whole view is not.
    big = modal(blocks=[section("x" * 3000, block_id=f"b{i}") for i in range(100)])
    problems = validate_view(big)
    assert len(problems) == 1 and f"at most {VIEW_MAX_BYTES} bytes" in problems[0]
    fits = modal(blocks=[section("x" * 2400, block_id=f"b{i}") for i in range(100)])
    assert validate_view(fits) == []
