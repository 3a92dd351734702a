"""Every template rendered with hostile lead data stays valid Block Kit and never lets lead text become markup."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.cards import humanize, lead_card
from bot.config import DEFAULT_REJECT_REASONS, parse_config
from bot.funnel import funnel_view
from bot.ids import REJECT_MODAL_IDS
from bot.sla_cards import alarm_view, clock_lines
from message_templates import Renderer, clip, escape_mrkdwn, mrkdwn
from sandbox.blocks import validate_blocks, validate_view
from storage.models import Lead, SlaNotice, SlaTimer
from storage.sla import NoticeItem

TZ = ZoneInfo("America/Chicago")
HOSTILE = '<!channel> <@U0BOSS0001> <https://evil.example|click> & *bold* `code` "quote" {{ x }} {% if %} \\'
RENDERER = Renderer()


def hostile_lead(stage: str = "mql", size: int = 1) -> Lead:
    text = (HOSTILE * size)[: 200 * size]
    return Lead(
        id=42,
        external_id=text,
        email="a&b@<evil>.com",
        name=text,
        company=text,
        title=text,
        source=text,
        campaign=text,
        score=99,
        activity=[{"at": "2026-11-22T10:00:00Z", "kind": text, "detail": text * 3}] * 5,
        stage=stage,
        owner="U0REP00001" if stage == "sal" else None,
        decided_by="U0REP00001" if stage != "mql" else None,
        received_at=datetime(2026, 11, 23, 15, tzinfo=UTC),
        posted_at=datetime(2026, 11, 23, 15, 1, tzinfo=UTC),
        decided_at=datetime(2026, 11, 23, 15, 13, tzinfo=UTC) if stage != "mql" else None,
        reject_reason=HOSTILE if stage == "rejected" else None,
        reject_note=(HOSTILE * 40) if stage == "rejected" else None,
    )


def rendered_texts(message: dict[str, Any]) -> list[str]:
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn":
                out.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(message)
    return out


@pytest.mark.parametrize("stage", ["mql", "sal", "rejected"])
@pytest.mark.parametrize("size", [1, 20])
def test_the_lead_post_is_valid_block_kit_and_inert(stage: str, size: int) -> None:
    message = RENDERER.render("channel/lead_post.json.j2", card=lead_card(hostile_lead(stage, size), tz=TZ))

    assert validate_blocks(message["blocks"], surface="message") == []
    for text in rendered_texts(message) + [message["text"]]:
        assert "<!channel>" not in text
        assert "<https://evil" not in text
        assert "<@U0BOSS0001>" not in text
    assert "&lt;!channel&gt;" in message["text"]


@pytest.mark.parametrize("size", [1, 20])
def test_a_full_batch_message_of_hostile_leads_is_valid_block_kit_and_inert(size: int) -> None:
    stages = ["mql", "sal", "rejected", "won"] * 6  # 24 leads, the most batch_size allows
    leads = [hostile_lead(stage, size) for stage in stages]
    for number, lead in enumerate(leads, start=1):
        lead.id = number
    clocks = ["🚨 *Accept SLA breached* — was due today 09:30 (30 min target)", "⏱ First contact due Tue 09:00"]
    cards = [lead_card(lead, tz=TZ, clocks=clocks) for lead in leads]
    message = RENDERER.render("channel/lead_batch.json.j2", cards=cards, title="⚡ 24 new MQLs", footer="leads #1–#24")

    assert validate_blocks(message["blocks"], surface="message") == []
    assert (
        len([b for b in message["blocks"] if b["type"] == "actions"]) == 12
    )  # the mql and sal leads; not decided ones
    for text in rendered_texts(message) + [message["text"]]:
        assert "<!channel>" not in text and "<https://evil" not in text and "<@U0BOSS0001>" not in text


def test_mentions_the_app_adds_itself_stay_mentions() -> None:
    message = RENDERER.render("channel/lead_post.json.j2", card=lead_card(hostile_lead("sal"), tz=TZ))
    assert any("<@U0REP00001>" in t for t in rendered_texts(message))


def test_the_reject_modal_is_a_valid_view_with_hostile_data() -> None:
    view = RENDERER.render(
        "modals/reject.json.j2",
        ids=REJECT_MODAL_IDS,
        metadata="42",
        headline=HOSTILE * 50,
        reasons=DEFAULT_REJECT_REASONS,
    )
    assert validate_view(view) == []
    assert all("<!channel>" not in t for t in rendered_texts(view))


def test_the_notice_is_valid() -> None:
    message = RENDERER.render("ephemeral/notice.json.j2", text="x" * 2000)
    assert validate_blocks(message["blocks"], surface="message") == []


def hostile_timer(timer_id: int, clock: str, state: str) -> SlaTimer:
    due = datetime(2026, 11, 23, 15, 30, tzinfo=UTC)
    return SlaTimer(
        id=timer_id, lead_id=42, clock=clock, owner=None, business_hours=clock == "accept", target_seconds=1800,
        started_at=datetime(2026, 11, 23, 15, tzinfo=UTC), warn_at=None, due_at=due, state=state,
        steps_fired=1, snoozed_until=due + timedelta(hours=2) if state == "breached" else None,
        snoozed_by="U0MGR00001", stopped_at=due if state in ("met", "missed") else None, elapsed_seconds=2000,
    )  # fmt: skip


@pytest.mark.parametrize("kind", ["warn", "breach", "snooze_over", "nudge"])
@pytest.mark.parametrize("recipient", ["U0MGR00001", "C0LEADS001"])
def test_an_sla_alarm_with_many_hostile_leads_is_valid_and_inert(kind: str, recipient: str) -> None:
    config = parse_config(
        {"timezone": "America/Chicago", "slack": {"leads_channel": "C0LEADS001"},
         "team": {"sales": ["U0REP00001"], "managers": ["U0MGR00001"]}}
    )  # fmt: skip
    notice = SlaNotice(id=7, kind=kind, recipient=recipient, actor=HOSTILE, thread_ts=None)
    states = ["running", "breached", "met", "missed"]
    stages = ("mql", "sal", "rejected")
    items = [
        NoticeItem(
            i % 3, hostile_timer(i, ("accept", "first_touch")[i % 2], states[i % 4]), hostile_lead(stages[i % 3], 5)
        )
        for i in range(30)
    ]

    view = alarm_view(notice, items, config=config, now=datetime(2026, 11, 23, 16, tzinfo=UTC))
    message = RENDERER.render("dm/sla_alarm.json.j2", view=view)

    assert validate_blocks(message["blocks"], surface="message") == []
    for text in rendered_texts(message) + [message["text"]]:
        assert "<!channel>" not in text and "<https://evil" not in text and "<@U0BOSS0001>" not in text
    assert "10 more not shown" in json.dumps(message)


@pytest.mark.parametrize("name", ["modals/reassign.json.j2", "modals/snooze.json.j2"])
def test_the_sla_modals_are_valid_views_with_hostile_data(name: str) -> None:
    ids = {"callback": "cb", "rep_block": "b1", "rep_action": "a1", "why_block": "b2", "why_action": "a2"}
    view = RENDERER.render(name, ids=ids, metadata="42", headline=HOSTILE * 50)
    assert validate_view(view) == []
    assert all("<!channel>" not in t for t in rendered_texts(view))


def test_an_announcement_is_valid_with_long_lines() -> None:
    message = RENDERER.render("channel/announcement.json.j2", title=HOSTILE * 20, lines=["x" * 5000] * 60, footer="f")
    assert validate_blocks(message["blocks"], surface="message") == []


def test_the_lead_post_shows_its_clocks() -> None:
    timers = [hostile_timer(1, "accept", "missed"), hostile_timer(2, "first_touch", "breached")]
    lines = clock_lines(timers, tz=TZ, now=datetime(2026, 11, 23, 16, tzinfo=UTC))
    message = RENDERER.render("channel/lead_post.json.j2", card=lead_card(hostile_lead("sal"), tz=TZ, clocks=lines))
    assert validate_blocks(message["blocks"], surface="message") == []
    shown = "\n".join(rendered_texts(message))
    assert "⚠️ Accept took 33 min, over the 30 min SLA" in shown
    assert "🚨 *First contact SLA breached* — was due 09:30 CST (30 min target)" in shown


@pytest.mark.parametrize("dimension", [None, "source", "rep"])
def test_the_funnel_answer_is_valid_and_inert_with_hostile_groups(dimension: str | None) -> None:
    from bot.metrics import FunnelReport, GroupMetrics
    from bot.periods import parse_funnel

    query = parse_funnel(f"this month{' by ' + dimension if dimension else ''}", datetime(2026, 11, 23).date())
    groups = [
        GroupMetrics(HOSTILE * 3 + str(i), mqls=10 - i % 10, accepted=3, rejected=2, reasons={HOSTILE: 2},
                     accept_time=(60.0, 90.0), spend_cents=1234.0)
        for i in range(30)
    ]  # fmt: skip
    total = GroupMetrics("all", mqls=300, accepted=90, rejected=60, reasons={HOSTILE: 60}, spend_cents=5.0)
    report = FunnelReport(query, total, GroupMetrics("previous"), groups, 120)
    message = RENDERER.render("ephemeral/funnel.json.j2", view=funnel_view(report, image_file_id="F0CHART001"))

    assert validate_blocks(message["blocks"], surface="message") == []
    for text in rendered_texts(message) + [message["text"]]:
        assert "<!channel>" not in text and "<https://evil" not in text and "<@U0BOSS0001>" not in text


def test_a_full_home_tab_with_hostile_leads_is_a_valid_view() -> None:
    from bot.cards import Button
    from bot.home import MAX_ITEMS, HomeItem, HomeView
    from bot.ids import Action
    from bot.sla_cards import lead_line

    lead = hostile_lead("sal", 20)
    buttons = [Button("Reassign", Action.SLA_REASSIGN), Button("Nudge owner", Action.SLA_NUDGE),
               Button("Snooze 1 h", Action.SLA_SNOOZE)]  # fmt: skip
    items = [HomeItem(lead_line(lead), "🚨 late", buttons, str(i)) for i in range(MAX_ITEMS)]
    view = RENDERER.render("home/home.json.j2", view=HomeView(items, items, ["*MQLs*\n1"] * 4, "Updated"))

    assert validate_view(view) == []
    assert all("<!channel>" not in t for t in rendered_texts(view))


def test_the_spend_modal_is_a_valid_view() -> None:
    from bot.ids import SPEND_MODAL_IDS

    assert validate_view(RENDERER.render("modals/spend.json.j2", ids=SPEND_MODAL_IDS, month="2026-11")) == []


@pytest.mark.parametrize("stage", ["sql", "opportunity", "won", "lost", "recycled"])
def test_later_stages_and_the_win_post_are_valid_and_inert(stage: str) -> None:
    from bot.wins import win_card

    lead = hostile_lead("sal", 20)
    lead.stage, lead.amount_cents, lead.lost_reason = stage, 1_234_500, HOSTILE
    lead.won_at = datetime(2026, 12, 3, tzinfo=UTC)
    team = {"sales": ["U0REP00001"], "managers": ["U0MGR00001"]}
    campaigns = {lead.campaign: {"owner": "U0MKT00001"}}
    config = parse_config({"slack": {"leads_channel": "C0LEADS001"}, "team": team, "campaigns": campaigns})
    for message in (
        RENDERER.render("channel/lead_post.json.j2", card=lead_card(lead, tz=TZ)),
        RENDERER.render("channel/win.json.j2", card=win_card(lead, config)),
    ):
        assert validate_blocks(message["blocks"], surface="message") == []
        for text in rendered_texts(message) + [message["text"]]:
            assert "<!channel>" not in text and "<https://evil" not in text and "<@U0BOSS0001>" not in text


@pytest.mark.parametrize("to", ["sql", "opportunity", "won", "lost"])
def test_the_move_modal_is_a_valid_view_with_hostile_data(to: str) -> None:
    from bot.config import DEFAULT_LOST_REASONS, DEFAULT_STAGES
    from bot.ids import BANT, MOVE_MODAL_IDS

    view = RENDERER.render(
        "modals/move.json.j2", ids=MOVE_MODAL_IDS, metadata=f"42:{to}", to=to, title="Opportunity",
        headline=HOSTILE * 50, definition=DEFAULT_STAGES[to], bant=BANT, amount="10000.00",
        reasons=DEFAULT_LOST_REASONS,
    )  # fmt: skip
    assert validate_view(view) == []
    assert all("<!channel>" not in t for t in rendered_texts(view))


def test_the_win_modal_is_a_valid_view() -> None:
    from bot.ids import WIN_MODAL_IDS

    assert validate_view(RENDERER.render("modals/win.json.j2", ids=WIN_MODAL_IDS)) == []


def test_every_template_is_covered_here() -> None:
    assert RENDERER.names() == [
        "channel/announcement.json.j2",
        "channel/lead_batch.json.j2",
        "channel/lead_post.json.j2",
        "channel/win.json.j2",
        "dm/sla_alarm.json.j2",
        "ephemeral/funnel.json.j2",
        "ephemeral/notice.json.j2",
        "home/home.json.j2",
        "modals/move.json.j2",
        "modals/reassign.json.j2",
        "modals/reject.json.j2",
        "modals/snooze.json.j2",
        "modals/spend.json.j2",
        "modals/win.json.j2",
    ]


def test_escaping_handles_ampersand_first() -> None:
    assert escape_mrkdwn("a & <b> &lt;") == "a &amp; &lt;b&gt; &amp;lt;"


@given(st.text(max_size=400), st.integers(min_value=2, max_value=300))
def test_mrkdwn_clip_fits_the_limit_and_never_cuts_an_entity(text: str, limit: int) -> None:
    out = mrkdwn(text, limit)
    assert len(out) <= limit
    body = out.removesuffix("…")
    assert "<" not in body and ">" not in body
    # every & starts a whole entity
    for i, char in enumerate(body):
        if char == "&":
            assert body[i:].startswith(("&amp;", "&lt;", "&gt;"))


@given(st.text(max_size=300), st.integers(min_value=1, max_value=200))
def test_clip_fits_the_limit(text: str, limit: int) -> None:
    assert len(clip(text, limit)) <= limit


@pytest.mark.parametrize(
    ("seconds", "shown"), [(45, "45 s"), (750, "12 min"), (3600, "1 h"), (5400, "1 h 30 min"), (200_000, "2 d 7 h")]
)
def test_durations_read_naturally(seconds: int, shown: str) -> None:
    from datetime import timedelta

    assert humanize(timedelta(seconds=seconds)) == shown


def test_templates_produce_json_even_with_quotes_and_backslashes() -> None:
    message = RENDERER.render("ephemeral/notice.json.j2", text='"}]} \\ \n')
    assert json.loads(json.dumps(message))["text"] == '"}]} \\ \n'
