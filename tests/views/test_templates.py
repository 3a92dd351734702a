"""Every template rendered with hostile lead data stays valid Block Kit and never lets lead text become markup.

`assert_inert` checks every string of a rendered payload: what Slack parses as mrkdwn (the top-level `text`, mrkdwn
objects) holds no markup from the data and is `verbatim` (no auto-links); plain_text shows the data literally (never
as `&lt;` entities); ids, values and metadata are not shown. The renderer is strict: a template or presenter that
leaves lead text raw raises instead of being quietly escaped."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.config.team_file import DEFAULT_REJECT_REASONS, parse_config
from bot.ids import PASS_MODAL_IDS, REJECT_MODAL_IDS
from bot.views.funnel import funnel_view
from bot.views.lead_cards import Assignment, LeadCard, humanize, lead_card
from bot.views.sla_cards import alarm_view, clock_lines
from message_templates import Renderer, UnescapedMarkup, as_plain, clip, escape_mrkdwn, mrkdwn
from sandbox.blocks import validate_blocks, validate_view
from storage.models import Lead, SlaNotice, SlaTimer
from storage.sla import NoticeItem

TZ = ZoneInfo("America/Chicago")
HOSTILE = '<!channel> <@U0BOSS0001> <https://evil.example|click> & *bold* `code` "quote" {{ x }} {% if %} \\'
RENDERER = Renderer(strict=True)
START_DAY = datetime(2026, 11, 23).date()


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


def strings(node: Any, path: str = "", kind: str = "data") -> list[tuple[str, str, str]]:
    """Every string in a payload as (path, string, kind): `mrkdwn` (Slack parses it), `plain` (shown literally) or
    `data` (ids, values, metadata: never shown)."""
    if isinstance(node, str):
        return [(path, node, kind)]
    if isinstance(node, list):
        return [found for i, item in enumerate(node) for found in strings(item, f"{path}/{i}", kind)]
    if not isinstance(node, dict):
        return []
    out: list[tuple[str, str, str]] = []
    for key, value in node.items():
        if key == "text" and isinstance(value, str):
            shown = {"mrkdwn": "mrkdwn", "plain_text": "plain"}.get(node.get("type", ""), "mrkdwn" if not path else "?")
            out.append((f"{path}/text", value, shown))
        elif key == "alt_text":
            out.append((f"{path}/alt_text", str(value), "plain"))
        else:
            out += strings(value, f"{path}/{key}")
    return out


def rendered_texts(message: dict[str, Any]) -> list[str]:
    return [text for _, text, kind in strings(message) if kind == "mrkdwn"]


def assert_inert(payload: dict[str, Any]) -> None:
    """No string of `payload` lets hostile data act as markup, or shows it mangled."""
    found = strings(payload)
    assert found and all(kind != "?" for _, _, kind in found), [p for p, _, kind in found if kind == "?"]
    for path, text, kind in found:
        if kind == "mrkdwn":
            for markup in ("<!channel>", "<https://evil", "<@U0BOSS0001>", "<evil>"):
                assert markup not in text, f"{path}: {text[:200]!r}"
        elif kind == "plain":
            assert "&lt;" not in text and "&amp;" not in text, f"{path} shows entities: {text[:200]!r}"
        else:
            assert "<!channel>" not in text, f"{path} carries lead text: {text[:200]!r}"
    for obj in mrkdwn_objects(payload):
        assert obj.get("verbatim") is True, f"Slack would auto-link URLs and #channels in {obj['text'][:200]!r}"


def mrkdwn_objects(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        found = [node] if node.get("type") == "mrkdwn" else []
        return found + [obj for value in node.values() for obj in mrkdwn_objects(value)]
    if isinstance(node, list):
        return [obj for item in node for obj in mrkdwn_objects(item)]
    return []


def hostile_earlier(size: int = 1) -> Lead:
    """An earlier lead of the same person, rejected for a hostile reason (the known-person note quotes it)."""
    earlier = hostile_lead("rejected", size)
    earlier.id, earlier.received_at = 7, datetime(2026, 11, 3, tzinfo=UTC)
    return earlier


HANDED = Assignment(to="U0REP00001", by=HOSTILE, previous=HOSTILE)  # reassigned: ids Slack sent, or lead-like text


def hostile_card(lead: Lead, clocks: list[str] | None = None) -> LeadCard:
    return lead_card(lead, tz=TZ, clocks=clocks, earlier=[hostile_earlier(20), lead], assignment=HANDED)


@pytest.mark.parametrize("stage", ["mql", "sal", "rejected"])
@pytest.mark.parametrize("size", [1, 20])
def test_the_lead_post_is_valid_block_kit_and_inert(stage: str, size: int) -> None:
    message = RENDERER.render("channel/lead_post.json.j2", card=hostile_card(hostile_lead(stage, size)))

    assert validate_blocks(message["blocks"], surface="message") == []
    assert_inert(message)
    assert "&lt;!channel&gt;" in message["text"]
    shown = "\n".join(rendered_texts(message))
    assert "Known person" in shown
    assert {"sal": "*Assigned* to <@U0REP00001> by &lt;!channel&gt;", "rejected": " after posting — &lt;!channel&gt;",
            "mql": "Accept"}[stage] in json.dumps(message, ensure_ascii=False)  # fmt: skip


@pytest.mark.parametrize("size", [1, 20])
def test_a_full_batch_message_of_hostile_leads_is_valid_block_kit_and_inert(size: int) -> None:
    stages = ["mql", "sal", "rejected", "won"] * 6  # 24 leads, the most batch_size allows
    leads = [hostile_lead(stage, size) for stage in stages]
    for number, lead in enumerate(leads, start=1):
        lead.id = number
    clocks = ["🚨 *Accept SLA breached* — was due today 09:30 (30 min target)", "⏱ First contact due Tue 09:00"]
    cards = [hostile_card(lead, clocks) for lead in leads]
    message = RENDERER.render("channel/lead_batch.json.j2", cards=cards, title="⚡ 24 new MQLs", footer="leads #1–#24")

    assert validate_blocks(message["blocks"], surface="message") == []
    assert (
        len([b for b in message["blocks"] if b["type"] == "actions"]) == 12
    )  # the mql and sal leads; not decided ones
    assert_inert(message)
    lines = [b for b in message["blocks"] if b.get("block_id", "").endswith(":line")]
    assert [b["accessory"]["value"] for b in lines] == [str(n) for n in range(1, 25)]  # a History button each
    assert all("Known person" in b["text"]["text"] for b in lines)
    assert all("📝 " in b["text"]["text"] for b, stage in zip(lines, stages, strict=True) if stage == "rejected")


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
    assert_inert(view)


def test_the_notice_is_valid() -> None:
    message = RENDERER.notice("x" * 5000)
    assert validate_blocks(message["blocks"], surface="message") == []
    assert_inert(message)


def test_a_notice_carrying_raw_text_is_escaped_or_refused(caplog: pytest.LogCaptureFixture) -> None:
    text = f"{mrkdwn('typed: ')}{HOSTILE} for <@U0REP00001>"  # a caller forgot to escape what was typed

    with pytest.raises(UnescapedMarkup, match="ephemeral/notice.json.j2"):
        RENDERER.notice(text)
    message = Renderer().notice(text)

    # the app's mention stays; so does a mention in the raw text: nothing tells it from the app's, so callers escape
    assert message["text"] == "typed: " + escape_mrkdwn(HOSTILE).replace("&lt;@U0BOSS0001&gt;", "<@U0BOSS0001>") + (
        " for <@U0REP00001>"
    )
    assert message["blocks"][0]["text"] == {"type": "mrkdwn", "text": message["text"], "verbatim": True}
    assert "escaped unescaped text at text" in caplog.text


def test_every_template_that_writes_raw_text_is_caught(tmp_path: Any) -> None:
    (tmp_path / "raw.json.j2").write_text(
        '{"text": {{ title|plain(300)|tojson }}, "blocks": [{"type": "section", "text": {"type": "mrkdwn", '
        '"text": {{ title|tojson }}, "verbatim": false}}]}'
    )
    lenient, strict = Renderer(tmp_path), Renderer(tmp_path, strict=True)

    message = lenient.render("raw.json.j2", title="Joint win: Initech <!channel> & co")

    assert message["text"] == "Joint win: Initech &lt;!channel&gt; &amp; co"
    assert message["blocks"][0]["text"]["text"] == message["text"]
    assert message["blocks"][0]["text"]["verbatim"] is False  # a template may decide otherwise, deliberately
    assert lenient.render("raw.json.j2", title="fine &amp; <@U0REP00001> <#C0LEADS001>")["text"] == (
        "fine &amp; <@U0REP00001> <#C0LEADS001>"
    )
    with pytest.raises(UnescapedMarkup):
        strict.render("raw.json.j2", title="Initech <!channel>")
    (tmp_path / "untitled.json.j2").write_text('{"blocks": []}')
    with pytest.raises(ValueError, match="fallback"):
        lenient.render("untitled.json.j2")


def test_plain_text_names_people_and_shows_characters() -> None:
    text = f"<@U0REP00001> and <@U0NOBODY01> in <#C0LEADS001>: {escape_mrkdwn('a<b> & c')} (`team.sales`)"
    assert as_plain(text, {"U0REP00001": "Riley"}) == "Riley and U0NOBODY01 in #C0LEADS001: a<b> & c (team.sales)"


def hostile_timer(timer_id: int, clock: str, state: str) -> SlaTimer:
    due = datetime(2026, 11, 23, 15, 30, tzinfo=UTC)
    return SlaTimer(
        id=timer_id, lead_id=42, clock=clock, owner=None, business_hours=clock == "accept", target_seconds=1800,
        started_at=datetime(2026, 11, 23, 15, tzinfo=UTC), warn_at=None, due_at=due, state=state,
        steps_fired=1, breached_at=due if state == "breached" else None,
        snoozed_until=due + timedelta(hours=2) if state == "breached" else None, snoozed_by="U0MGR00001",
        stopped_at=due if state in ("met", "missed") else None, elapsed_seconds=2000,
    )  # fmt: skip


@pytest.mark.parametrize("kind", ["warn", "breach", "snooze_over", "nudge"])
@pytest.mark.parametrize("recipient", ["U0MGR00001", "C0LEADS001"])
def test_an_sla_alarm_with_many_hostile_leads_is_valid_and_inert(kind: str, recipient: str) -> None:
    steps = [{"after": "0s", "notify": "manager"}, {"after": "1h", "notify": "channel"}]
    config = parse_config(
        {"timezone": "America/Chicago", "slack": {"leads_channel": "C0LEADS001"},
         "team": {"sales": ["U0REP00001"], "managers": ["U0MGR00001"]},
         "sla": {"accept": {"target": "30m", "escalate": steps}, "first_touch": {"target": "1h", "escalate": steps}}}
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
    assert_inert(message)
    assert "10 more not shown" in json.dumps(message)
    # a thread reply shows whom each breach reached so far (the DMs are not in the thread)
    assert ("📣 Escalated: the managers at 09:30 CST" in json.dumps(message, ensure_ascii=False)) == (
        recipient[0] == "C"
    )


@pytest.mark.parametrize("name", ["modals/reassign.json.j2", "modals/snooze.json.j2"])
def test_the_sla_modals_are_valid_views_with_hostile_data(name: str) -> None:
    ids = {"callback": "cb", "rep_block": "b1", "rep_action": "a1", "why_block": "b2", "why_action": "a2"}
    view = RENDERER.render(name, ids=ids, metadata="42", headline=HOSTILE * 50)
    assert validate_view(view) == []
    assert_inert(view)


def test_the_pass_modal_is_a_valid_view_with_hostile_data() -> None:
    view = RENDERER.render("modals/pass.json.j2", ids=PASS_MODAL_IDS, metadata="42", headline=HOSTILE * 50)
    assert validate_view(view) == []
    assert_inert(view)


def test_an_announcement_is_valid_with_long_lines() -> None:
    message = RENDERER.render("channel/announcement.json.j2", title=HOSTILE * 20, lines=["x" * 5000] * 60, footer="f")
    assert validate_blocks(message["blocks"], surface="message") == []
    assert_inert(message)


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
    from bot.reports.metrics import FunnelReport, GroupMetrics
    from bot.reports.periods import parse_funnel

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
    assert_inert(message)


def home_items(count: int) -> list[Any]:
    from bot.ids import Action
    from bot.views.home import HomeItem
    from bot.views.lead_cards import Button
    from bot.views.sla_cards import lead_line

    lead = hostile_lead("sal", 20)
    buttons = [Button("Reassign", Action.SLA_REASSIGN), Button("Nudge owner", Action.SLA_NUDGE),
               Button("Snooze 1 h", Action.SLA_SNOOZE)]  # fmt: skip
    status = f"🚨 late · owner <@U0REP00001>\n😴 Snoozed by {escape_mrkdwn(HOSTILE)}" * 4
    return [HomeItem(lead_line(lead), status, buttons, str(i)) for i in range(count)]


def test_a_full_home_tab_with_hostile_leads_is_a_valid_view() -> None:
    from bot.ids import HOME_LIST_IDS
    from bot.views.home import MAX_ITEMS, HomeList, HomeView

    items = home_items(MAX_ITEMS)
    more = "…and 9,999 more: 9,000 unaccepted, 999 first contact"
    lists = [HomeList(name, HOSTILE * 5, items, more) for name in ("mine", "breaches")]
    home = HomeView(*lists, ["*MQLs*\n1"] * 4, "Updated")
    view = RENDERER.render("home/home.json.j2", view=home, ids=HOME_LIST_IDS)

    assert validate_view(view) == []
    assert_inert(view)
    assert len(view["blocks"]) == 99  # both lists full, each cut, with every button: inside Slack's 100


@pytest.mark.parametrize(
    ("start", "total", "pages"),
    [
        (0, 0, []),
        (0, 40, []),
        (0, 41, ["breaches:40"]),
        (40, 120, ["breaches:0", "breaches:80"]),
        (80, 120, ["breaches:40"]),
    ],
)
def test_the_home_list_modal_is_a_valid_view_with_a_full_hostile_page(start: int, total: int, pages: list[str]) -> None:
    from bot.ids import HOME_LIST_IDS
    from bot.views.home import PAGE, ListPage

    items = home_items(min(PAGE, total - start))
    page = ListPage("breaches", HOSTILE, escape_mrkdwn(HOSTILE * 3), items, start, total)
    view = RENDERER.render("modals/home_list.json.j2", page=page, ids=HOME_LIST_IDS)

    assert validate_view(view) == []
    assert_inert(view)
    assert [el["value"] for b in view["blocks"] if b["type"] == "actions" for el in b["elements"]] == pages


def test_the_spend_modal_is_a_valid_view() -> None:
    from bot.ids import SPEND_MODAL_IDS

    for sources in ([], [HOSTILE, "webinar"] * 20):
        view = RENDERER.render("modals/spend.json.j2", ids=SPEND_MODAL_IDS, month="2026-11", sources=sources,
                               metadata="C0LEADS001")  # fmt: skip
        assert validate_view(view) == []
        assert_inert(view)


@pytest.mark.parametrize("stage", ["sql", "opportunity", "won", "lost", "recycled"])
def test_later_stages_and_the_win_post_are_valid_and_inert(stage: str) -> None:
    from bot.lifecycle.wins import win_card

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
        assert_inert(message)


@pytest.mark.parametrize("to", ["sql", "opportunity", "won", "lost"])
def test_the_move_modal_is_a_valid_view_with_hostile_data(to: str) -> None:
    from bot.config.team_file import DEFAULT_LOST_REASONS, DEFAULT_STAGES
    from bot.ids import BANT, MOVE_MODAL_IDS

    view = RENDERER.render(
        "modals/move.json.j2", ids=MOVE_MODAL_IDS, metadata=f"42:{to}", to=to, title="Opportunity",
        headline=HOSTILE * 50, definition=DEFAULT_STAGES[to], bant=BANT, amount="10000.00",
        reasons=DEFAULT_LOST_REASONS,
    )  # fmt: skip
    assert validate_view(view) == []
    assert_inert(view)


def test_the_win_modal_is_a_valid_view() -> None:
    from bot.ids import WIN_MODAL_IDS

    view = RENDERER.render("modals/win.json.j2", ids=WIN_MODAL_IDS)
    assert validate_view(view) == []
    assert_inert(view)


@pytest.mark.parametrize("count", [0, 40])
def test_the_wins_answer_is_valid_and_inert_with_hostile_wins(count: int) -> None:
    from bot.reports.periods import parse_funnel
    from bot.views.funnel import wins_view

    leads = [hostile_lead("sal", 5) for _ in range(count)]
    for i, lead in enumerate(leads):
        lead.stage, lead.amount_cents, lead.owner, lead.campaign = "won", 100_000 * i, f"U0REP0000{i % 3}", HOSTILE * 3
    message = RENDERER.render("ephemeral/wins.json.j2", view=wins_view(leads, parse_funnel("wins", START_DAY)))

    assert validate_blocks(message["blocks"], surface="message") == []
    assert_inert(message)


@pytest.mark.parametrize("stage", ["rejected", "lost", "sql", "won"])
def test_a_known_person_note_is_inert_with_hostile_earlier_leads(stage: str) -> None:
    earlier = hostile_lead("sal", 1)
    earlier.stage, earlier.reject_reason, earlier.lost_reason, earlier.owner = stage, HOSTILE, HOSTILE, HOSTILE
    earlier.won_at = datetime(2026, 11, 3, tzinfo=UTC) if stage == "won" else None
    card = lead_card(hostile_lead("mql", 1), tz=TZ, earlier=[earlier, earlier])
    message = RENDERER.render("channel/lead_post.json.j2", card=card)
    assert card.known and "Known person" in json.dumps(message, ensure_ascii=False)
    assert validate_blocks(message["blocks"], surface="message") == []
    assert_inert(message)


@pytest.mark.parametrize("count", [0, 300])
def test_the_history_modal_is_a_valid_view_with_a_long_hostile_timeline(count: int) -> None:
    from bot.lifecycle.timeline import chunks, timeline_lines
    from storage.models import LeadEvent

    kinds = ["mql_received", "posted", "accepted", "rejected", "moved", "reassigned", "sla_stopped", HOSTILE]
    data = {"source": HOSTILE, "campaign": HOSTILE, "reason": HOSTILE * 5, "note": HOSTILE, "to": HOSTILE,
            "why": HOSTILE, "from": HOSTILE, "amount_cents": 10**12, "clock": HOSTILE, "outcome": HOSTILE}  # fmt: skip
    events = [
        LeadEvent(
            lead_id=1,
            kind=kinds[i % len(kinds)],
            actor=HOSTILE if i % 2 else "U0REP00001",
            at=datetime(2026, 11, 1, tzinfo=UTC),
            data=data,
        )  # fmt: skip
        for i in range(count)
    ]
    view = RENDERER.render(
        "modals/history.json.j2", headline=HOSTILE * 50, summary="Stage: SAL", chunks=chunks(timeline_lines(events, TZ))
    )
    assert validate_view(view) == []
    assert_inert(view)


def test_the_failed_submission_modal_is_a_valid_view_with_hostile_data() -> None:
    view = RENDERER.render("modals/failed.json.j2", message=HOSTILE * 50)
    assert validate_view(view) == []
    assert_inert(view)


def test_the_funnel_help_is_valid_and_inert_with_the_longest_hostile_stage_definitions() -> None:
    from bot.views.funnel import help_sections
    from tests.conftest import team_config

    config = team_config(stages={stage: (HOSTILE * 10)[:300] for stage in ("mql", "sal", "sql", "won", "lost")})
    sections = help_sections(config)
    message = RENDERER.render("ephemeral/funnel_help.json.j2", sections=sections)

    assert validate_blocks(message["blocks"], surface="message") == []
    assert [b["text"]["text"] for b in message["blocks"]] == sections  # each whole, none clipped
    assert message["text"] == "\n\n".join(sections)
    assert_inert(message)


def test_every_template_is_covered_here() -> None:
    assert RENDERER.names() == [
        "channel/announcement.json.j2",
        "channel/content_request.json.j2",  # tests/content_requests/test_templates.py
        "channel/lead_batch.json.j2",
        "channel/lead_post.json.j2",
        "channel/proposal.json.j2",  # tests/proposals/test_templates.py
        "channel/win.json.j2",
        "dm/sla_alarm.json.j2",
        "ephemeral/agreement.json.j2",  # tests/agreement/test_sla_command.py
        "ephemeral/content_results.json.j2",  # tests/content/test_templates.py
        "ephemeral/funnel.json.j2",
        "ephemeral/funnel_help.json.j2",
        "ephemeral/notice.json.j2",
        "ephemeral/quality.json.j2",  # tests/insight/test_quality_view.py
        "ephemeral/sections.json.j2",  # tests/calendar, tests/content_insight
        "ephemeral/wins.json.j2",
        "home/home.json.j2",
        "modals/attempt.json.j2",  # tests/cadence/test_log_attempt.py
        "modals/content_add.json.j2",  # tests/content/test_templates.py
        "modals/content_decline.json.j2",  # tests/content_requests/test_templates.py
        "modals/content_deliver.json.j2",  # tests/content_requests/test_templates.py
        "modals/content_request.json.j2",  # tests/content_requests/test_templates.py
        "modals/content_share.json.j2",  # tests/content/test_templates.py
        "modals/decline_proposal.json.j2",  # tests/proposals/test_templates.py
        "modals/failed.json.j2",
        "modals/history.json.j2",
        "modals/home_list.json.j2",
        "modals/move.json.j2",
        "modals/pass.json.j2",
        "modals/propose.json.j2",  # tests/proposals/test_templates.py
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


@given(st.text(max_size=300), st.integers(min_value=2, max_value=200))
def test_cut_fits_the_limit_and_never_cuts_an_entity_or_a_mention(text: str, limit: int) -> None:
    from message_templates import cut, secure

    escaped = mrkdwn(text, 10_000) + " <@U0REP00001>"
    out = cut(escaped, limit)
    assert len(out) <= limit and secure(out) == out
