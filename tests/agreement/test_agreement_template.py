"""`ephemeral/agreement.json.j2` stays within Block Kit's limits and renders nothing Slack would parse, whatever the
sections hold."""

from __future__ import annotations

from bot.views.agreement import AgreementView
from message_templates import Renderer, mrkdwn
from message_templates.terms import change
from sandbox.blocks import validate_blocks
from tests.views.test_templates import assert_inert

RENDERER = Renderer(strict=True)


def test_sixty_long_hostile_sections_render_as_valid_blocks() -> None:
    hostile = "<!channel> & <https://evil.example|click> " * 200
    view = AgreementView("📜 " + hostile, [mrkdwn(hostile, 5000) for _ in range(60)], change("mql.rule", hostile, None))

    message = RENDERER.render("ephemeral/agreement.json.j2", view=view)

    assert validate_blocks(message["blocks"], surface="message") == []
    assert len(message["blocks"]) <= 50
    assert_inert(message)  # the text fallback and every mrkdwn object: no markup Slack would parse
    assert "&lt;!channel&gt;" in message["text"]
