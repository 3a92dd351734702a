"""After acceptance: moves from the CRM's stage webhook, the feedback webhook to marketing, joint wins."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.ids import Action, Block, Callback
from tests.attempts import log_attempt
from tests.conftest import (
    INTAKE_TOKEN,
    LEADS,
    MANAGER,
    MARKETER,
    REP1,
    REP2,
    START,
    Harness,
    StartApp,
    action_ids,
    team_config,
    text_of,
)

WINS = "C0WINS0001"
SECRET = "feedback-secret-0123456789"


async def stage(app: Harness, external_id: str, body: Any, *, token: str | None = INTAKE_TOKEN) -> tuple[int, Any]:
    result: tuple[int, Any] = await app.post_stage(external_id, body, token=token)
    return result


class Receiver:
    """Marketing's platform: records each delivery; answers 500 to the first `fail` of them."""

    def __init__(self) -> None:
        self.received: list[tuple[bytes, dict[str, str]]] = []
        self.fail = 0
        self.server: TestServer | None = None

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        if self.fail:
            self.fail -= 1
            return web.Response(status=500)
        self.received.append((body, dict(request.headers)))
        return web.json_response({"ok": True})

    def payloads(self) -> list[dict[str, Any]]:
        return [json.loads(body) for body, _ in self.received]


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    hook = Receiver()
    app = web.Application()
    app.router.add_post("/hook", hook.handle)
    hook.server = TestServer(app, host="127.0.0.1")
    await hook.server.start_server()
    try:
        yield hook
    finally:
        await hook.server.close()


async def crm_app(start_app: StartApp, receiver: Receiver | None = None, **config: Any) -> Harness:
    if receiver is not None and receiver.server is not None:
        config["feedback"] = {"webhook_url": str(receiver.server.make_url("/hook"))}
    app = await start_app(
        team_config(
            slack={"leads_channel": LEADS, "wins_channel": WINS, "posts_per_second": 100, "batch_when_over": 0},
            campaigns={"Q4 Ops Webinar": {"owner": MARKETER}},
            sla={"accept": {"target": "30m"}, "first_touch": {"target": "24h"}},
            **config,
        ),
        feedback_secret=SECRET,
    )
    app.slack.channels.add(WINS)
    return app


async def test_a_lead_walks_from_mql_to_won_entirely_from_the_crm_and_is_celebrated_once(start_app: StartApp) -> None:
    app = await crm_app(start_app)
    touch = [{"at": "2026-11-01T12:00:00Z", "kind": "page", "detail": "pricing"}]
    lead_id = await app.new_lead(
        external_id="sf-1", name="Dana Buyer", company="Globex", source="webinar", campaign="Q4 Ops Webinar",
        activity=touch,
    )  # fmt: skip

    app.clock.set(START + timedelta(days=2))
    answers = [
        await stage(app, "sf-1", {"stage": "sql"}),
        await stage(app, "sf-1", {"stage": "opportunity", "amount": 10000}),
    ]
    app.clock.set(START + timedelta(days=10, minutes=30))  # the CRM reports the win half an hour late
    answers += [
        await stage(app, "sf-1", {"stage": "won", "amount": "12000.50", "at": "2026-12-03T15:00:00Z"}),
        await stage(app, "sf-1", {"stage": "won", "amount": 12000.50}),  # the CRM's workflow fires again
    ]
    await app.settle()

    assert [(s, b["stage"], b["changed"]) for s, b in answers] == [
        (200, "sql", True), (200, "opportunity", True), (200, "won", True), (200, "won", False),
    ]  # fmt: skip
    lead = await app.lead(lead_id)
    assert (lead.stage, lead.amount_cents, lead.decided_by) == ("won", 1_200_050, "crm")
    assert lead.sql_at == lead.opportunity_at == START + timedelta(days=2)
    moves = [(e.data["from"], e.data["to"]) for e in await app.events(lead_id) if e.kind == "moved"]
    assert moves == [("mql", "sql"), ("sql", "opportunity"), ("opportunity", "won")]
    [win] = [m for m in app.slack.messages.get(WINS, [])]
    shown = text_of(win.blocks)
    assert "🏆 Joint win: Globex — $12,000" in shown
    assert f"campaign *Q4 Ops Webinar* · run by <@{MARKETER}>" in shown and "*webinar*" in shown
    assert "First touch Nov 1, 2026 → MQL Nov 23 → accepted in 2 d → won in 10 days → $12,000" in shown
    assert "🏆 *Won* · $12,000" in text_of((await app.post_of(lead_id)).blocks)


async def test_forward_moves_may_skip_steps_but_never_go_back(start_app: StartApp) -> None:
    app = await crm_app(start_app)
    lead_id = await app.new_lead(external_id="sf-2")
    await app.click(Action.ACCEPT, lead_id, REP1)
    await app.settle()

    assert (await stage(app, "sf-2", {"stage": "won", "amount": 500}))[0] == 200  # SAL → Won
    status, body = await stage(app, "sf-2", {"stage": "sql"})

    assert status == 422
    assert body["errors"] == [{"field": "stage", "message": "This lead is won: it cannot move to sql."}]
    lead = await app.lead(lead_id)
    assert (lead.stage, lead.owner, lead.sql_at) == ("won", REP1, None)


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"stage": "closed"}, "stage", "Input should be"),
        ({"stage": "opportunity", "amount": -5}, "amount", "greater than or equal to 0"),
        ({"stage": "opportunity", "amount": "lots"}, "amount", "decimal"),
        ({"stage": "opportunity", "amount": True}, "amount", "must be a number"),
        ({"stage": "won", "at": "2026-12-03T15:00:00"}, "at", "timezone"),
        ({"stage": "won", "probability": 0.5}, "probability", "Extra inputs"),
        ({}, "stage", "is required"),
    ],
)
async def test_a_bad_stage_update_names_the_field_and_changes_nothing(
    app: Harness, body: dict[str, Any], field: str, message: str
) -> None:
    lead_id = await app.new_lead(external_id="sf-3")
    status, answer = await stage(app, "sf-3", body)
    assert status == 422
    [error] = answer["errors"]
    assert error["field"] == field and message in error["message"], error
    assert (await app.lead(lead_id)).stage == "mql"


async def test_a_stage_update_with_an_impossible_at_is_refused_naming_at(app: Harness) -> None:
    lead_id = await app.new_lead(external_id="sf-at")  # received at START
    await stage(app, "sf-at", {"stage": "sql", "at": (START + timedelta(minutes=1)).isoformat()})
    app.clock.set(START + timedelta(hours=1))

    answers = {
        "future": await stage(
            app, "sf-at", {"stage": "won", "at": (START + timedelta(hours=1, minutes=6)).isoformat()}
        ),
        "before received": await stage(app, "sf-at", {"stage": "won", "at": "2026-11-01T00:00:00Z"}),
        "before its last step": await stage(app, "sf-at", {"stage": "won", "at": START.isoformat()}),
    }
    ok = await stage(app, "sf-at", {"stage": "won", "at": (START + timedelta(hours=1, minutes=4)).isoformat()})

    for case, (status, body) in answers.items():
        assert status == 422, case
        [error] = body["errors"]
        assert error["field"] == "at", (case, error)
    assert "in the future" in answers["future"][1]["errors"][0]["message"]
    assert "before the lead was received" in answers["before received"][1]["errors"][0]["message"]
    assert "before the lead became sql" in answers["before its last step"][1]["errors"][0]["message"]
    assert ok[0] == 200
    lead = await app.lead(lead_id)
    assert (lead.stage, lead.won_at) == ("won", START + timedelta(hours=1, minutes=4))


async def test_stage_updates_need_the_token_and_a_known_lead(app: Harness) -> None:
    await app.new_lead(external_id="sf-4")
    assert (await stage(app, "sf-4", {"stage": "sql"}, token="wrong"))[0] == 401
    status, body = await stage(app, "no-such-lead", {"stage": "sql"})
    assert (status, body["error"]) == (404, "unknown_lead")
    async with app.http.post(app.url("/api/leads/sf-4/stage"), data=b"{oops",
                             headers={"Authorization": f"Bearer {INTAKE_TOKEN}"}) as response:  # fmt: skip
        assert response.status == 400


async def test_moving_backwards_from_opportunity_is_refused(app: Harness) -> None:
    await app.new_lead(external_id="sf-5")
    await stage(app, "sf-5", {"stage": "opportunity", "amount": 100})
    status, body = await stage(app, "sf-5", {"stage": "sql"})
    assert (status, body["errors"][0]["message"]) == (422, "A lead cannot move back from opportunity to sql.")


async def test_marketing_hears_every_outcome_signed_and_retried_until_it_succeeds(
    start_app: StartApp, receiver: Receiver
) -> None:
    app = await crm_app(start_app, receiver)
    rejected = await app.new_lead(external_id="hs-1", email="a@b.co", campaign="Q4 Ops Webinar")
    won = await app.new_lead(external_id="hs-2")
    receiver.fail = 2  # marketing's platform is down for the first two attempts

    choice = {"type": "static_select", "selected_option": {"value": "Bad contact data"}}
    values = {Block.REJECT_REASON: {Action.REJECT_REASON: choice}}
    await app.submit(Callback.REJECT, REP1, str(rejected), values)
    await stage(app, "hs-2", {"stage": "recycled", "reason": "Not ready until Q2"})
    await app.settle()
    for _ in range(6):  # back-off: 1 s, 2 s … (no sleeping: the clock moves)
        app.clock.advance(10)
        app.svc.outbox.wake()
        await app.settle()
        await asyncio.sleep(0)

    payloads = receiver.payloads()
    assert sorted((p["event"], p["lead"]["external_id"]) for p in payloads) == [
        ("rejected", "hs-1"), ("stage_changed", "hs-2")
    ]  # fmt: skip
    by_event = {p["event"]: p for p in payloads}
    assert by_event["rejected"]["reason"] == "Bad contact data" and by_event["rejected"]["lead"]["email"] == "a@b.co"
    assert (by_event["stage_changed"]["to"], by_event["stage_changed"]["reason"]) == ("recycled", "Not ready until Q2")
    for body, headers in receiver.received:
        expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(headers["X-Handoff-Signature"], expected)
    rows = [r for r in await app.outbox_rows() if r.kind == "feedback"]
    assert all(r.delivered_at is not None for r in rows) and sum(r.attempts for r in rows) == 4
    assert won


async def test_a_feedback_webhook_without_its_secret_stops_start_up(tmp_path: Any) -> None:
    from tests.config.test_config import GOOD_ENV, run_handoff

    (tmp_path / "handoff.toml").write_text(
        '[slack]\nleads_channel = "C0LEADS001"\n[team]\nsales = ["U0REP00001"]\nmanagers = ["U0MGR00001"]\n'
        '[feedback]\nwebhook_url = "https://marketing.example/hook"\n'
    )
    result = run_handoff(tmp_path, GOOD_ENV, "run")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "handoff: cannot start: FEEDBACK_SECRET: is not set: [feedback] webhook_url needs it to sign deliveries"
    )


def form(block: str, action: str, element: dict[str, Any]) -> dict[str, Any]:
    return {block: {action: element}}


async def open_move(app: Harness, action: str, lead_id: int, user: str) -> dict[str, Any]:
    before = len(app.slack.calls_to("views.open"))
    await app.click(action, lead_id, user)
    await app.settle()
    opened = app.slack.calls_to("views.open")
    assert len(opened) == before + 1, app.slack.responses[-1:]
    view: dict[str, Any] = opened[-1].args["view"]
    return view


async def test_a_lead_walks_from_mql_to_won_entirely_in_slack(app: Harness) -> None:
    lead_id = await app.new_lead(name="Dana Buyer", company="Globex", campaign="Q4 Ops Webinar")
    await app.click(Action.ACCEPT, lead_id, REP1)
    await app.settle()
    await log_attempt(app, lead_id, REP1)

    await app.click(Action.QUALIFY, lead_id, REP2)  # not the owner, not a manager
    await app.settle()
    assert f"Only the owner (<@{REP1}>) or a manager can move this lead." in app.slack.responses[-1]["text"]

    view = await open_move(app, Action.QUALIFY, lead_id, REP1)
    assert "budget, authority, need and timeline" in json.dumps(view)
    three = [{"value": v} for v in ("budget", "authority", "need")]
    _, refused = await app.submit(Callback.MOVE, REP1, view["private_metadata"],
                                  form(Block.MOVE_BANT, Action.MOVE_BANT, {"selected_options": three}))  # fmt: skip
    assert json.loads(refused)["errors"] == {Block.MOVE_BANT: "An SQL has all four confirmed; still open: Timeline."}
    four = [*three, {"value": "timeline"}]
    await app.submit(Callback.MOVE, REP1, view["private_metadata"],
                     form(Block.MOVE_BANT, Action.MOVE_BANT, {"selected_options": four}))  # fmt: skip
    await app.settle()
    assert (await app.lead(lead_id)).stage == "sql"

    view = await open_move(app, Action.OPPORTUNITY, lead_id, REP1)
    _, refused = await app.submit(Callback.MOVE, REP1, view["private_metadata"],
                                  form(Block.MOVE_AMOUNT, Action.MOVE_AMOUNT, {"value": "lots"}))  # fmt: skip
    assert "is not an amount" in json.loads(refused)["errors"][Block.MOVE_AMOUNT]
    await app.submit(Callback.MOVE, REP1, view["private_metadata"],
                     form(Block.MOVE_AMOUNT, Action.MOVE_AMOUNT, {"value": "10,000"}))  # fmt: skip
    await app.settle()

    view = await open_move(app, Action.WON, lead_id, MANAGER)  # a manager may move it too
    assert '"initial_value": "10000.00"' in json.dumps(view)
    await app.submit(Callback.MOVE, MANAGER, view["private_metadata"],
                     form(Block.MOVE_AMOUNT, Action.MOVE_AMOUNT, {"value": "12000"}))  # fmt: skip
    await app.settle()

    lead = await app.lead(lead_id)
    assert (lead.stage, lead.amount_cents) == ("won", 1_200_000)
    moves = [(e.actor, e.data["to"]) for e in await app.events(lead_id) if e.kind == "moved"]
    assert moves == [(REP1, "sql"), (REP1, "opportunity"), (MANAGER, "won")]
    bant = next(e.data["checks"] for e in await app.events(lead_id) if e.kind == "moved")
    assert bant == {"budget": True, "authority": True, "need": True, "timeline": True}
    [win] = [m for m in app.slack.messages[LEADS] if "Joint win" in m.text]  # no wins_channel: the leads channel
    assert f"Closed by <@{REP1}>" in text_of(win.blocks) and "campaign *Q4 Ops Webinar*" in text_of(win.blocks)
    post = await app.post_of(lead_id)
    assert "🏆 *Won* · $12,000" in text_of(post.blocks) and action_ids(post.blocks) == []


async def test_lost_takes_a_reason_from_the_catalog_and_recycle_is_one_click(app: Harness) -> None:
    lost, recycled = await app.new_lead(external_id="l-1"), await app.new_lead(external_id="r-1")
    for lead_id in (lost, recycled):
        await app.click(Action.ACCEPT, lead_id, REP1)
        await app.settle()

    view = await open_move(app, Action.LOST, lost, REP1)
    meh = {"selected_option": {"value": "Meh"}}
    _, refused = await app.submit(
        Callback.MOVE, REP1, view["private_metadata"], form(Block.MOVE_REASON, Action.MOVE_REASON, meh)
    )
    assert json.loads(refused)["errors"] == {Block.MOVE_REASON: "Pick one of the listed reasons."}
    pick = {"selected_option": {"value": "Lost to a competitor"}}
    await app.submit(Callback.MOVE, REP1, view["private_metadata"], form(Block.MOVE_REASON, Action.MOVE_REASON, pick))
    await app.click(Action.RECYCLE, recycled, REP1)
    await app.settle()

    assert ((await app.lead(lost)).stage, (await app.lead(lost)).lost_reason) == ("lost", "Lost to a competitor")
    assert (await app.lead(recycled)).stage == "recycled"
    await app.click(Action.QUALIFY, recycled, REP1)  # an old button on a closed lead
    await app.settle()
    assert "This lead is recycled: it cannot move to sql." in app.slack.responses[-1]["text"]


async def test_funnel_wins_lists_the_quarter_and_the_leaderboards(start_app: StartApp) -> None:
    from tests.reports.test_funnel import funnel

    app = await crm_app(start_app)
    for ext, campaign, amount in (("w-1", "Q4 Ops Webinar", 12000), ("w-2", "Q4 Ops Webinar", 3000),
                                  ("w-3", "Retargeting", 20000)):  # fmt: skip
        lead_id = await app.new_lead(external_id=ext, company=f"Co {ext}", campaign=campaign)
        await app.click(Action.ACCEPT, lead_id, REP1 if ext != "w-3" else REP2)
        await app.settle()
        await stage(app, ext, {"stage": "won", "amount": amount})

    status, ack = await funnel(app, "wins")
    await app.settle()

    assert (status, ack["text"]) == (200, "⏳ Crunching the wins for this quarter…")
    [reply] = [r for r in app.slack.responses if r.get("blocks") and r["blocks"][0]["block_id"] != "notice"]
    shown = text_of(reply["blocks"])
    assert f"• *Co w-1* $12,000 — <@{REP1}> with Q4 Ops Webinar" in shown
    assert "*By campaign*\n1. Retargeting: 1 won · $20,000\n2. Q4 Ops Webinar: 2 won · $15,000" in shown
    assert f"*By rep*\n1. <@{REP2}>: 1 won · $20,000\n2. <@{REP1}>: 2 won · $15,000" in shown


async def test_win_lets_anyone_celebrate_a_deal_by_hand(app: Harness) -> None:
    from tests import slack_requests as sr

    body = sr.slash_command(user_id=REP2, command="/win", text="", channel=LEADS,
                            response_url=app.slack.new_response_url(channel=LEADS, user_id=REP2),
                            trigger_id=app.slack.issue_trigger_id(REP2))  # fmt: skip
    status, _ = await app.post_slack(body, content_type="application/x-www-form-urlencoded")
    await app.settle()
    [opened] = app.slack.calls_to("views.open")
    assert status == 200 and opened.args["view"]["callback_id"] == Callback.WIN

    def values(amount: str) -> dict[str, Any]:
        return {
            Block.WIN_COMPANY: {Action.WIN_COMPANY: {"value": "Initech <!channel>"}},
            Block.WIN_AMOUNT: {Action.WIN_AMOUNT: {"value": amount}},
            Block.WIN_REP: {Action.WIN_REP: {"selected_user": REP1}},
            Block.WIN_MARKETERS: {Action.WIN_MARKETERS: {"selected_users": [MARKETER]}},
            Block.WIN_CAMPAIGN: {Action.WIN_CAMPAIGN: {"value": "Field event"}},
        }

    _, refused = await app.submit(Callback.WIN, REP2, "", values("a lot"))
    assert "is not an amount" in json.loads(refused)["errors"][Block.WIN_AMOUNT]
    status, answer = await app.submit(Callback.WIN, REP2, "", values("24,000"))
    await app.settle()

    assert (status, answer) == (200, "")
    [win] = [m for m in app.slack.messages[LEADS] if "Joint win" in m.text]
    shown = text_of(win.blocks)
    assert "Joint win: Initech <!channel> — $24,000" in shown  # a plain_text header: shown literally, pings nobody
    assert f"🤝 Closed by <@{REP1}>, with marketing: campaign *Field event* · <@{MARKETER}>" in shown
    assert f"Celebrated by <@{REP2}> with /win" in shown


async def test_the_post_header_follows_the_stage_and_the_win_card_counts_days_right(start_app: StartApp) -> None:
    app = await crm_app(start_app)
    day_one = await app.new_lead(external_id="d-1", name="Dana Buyer", company="Globex")
    same_day = await app.new_lead(external_id="d-2", name="Ed Buyer", company="Initech")
    lost = await app.new_lead(external_id="d-3", name="Flo Buyer", company="Umbrella")
    assert [b for b in (await app.post_of(day_one)).blocks if b["type"] == "header"][0]["text"]["text"] == (
        "New MQL: Dana Buyer — Globex"
    )

    app.clock.set(START + timedelta(days=1, hours=2))
    await stage(app, "d-1", {"stage": "won", "amount": 1000, "at": (START + timedelta(days=1)).isoformat()})
    await stage(app, "d-2", {"stage": "won", "amount": 2000, "at": (START + timedelta(hours=6)).isoformat()})
    await stage(app, "d-3", {"stage": "lost"})
    await app.settle()

    headers = [[b for b in (await app.post_of(i)).blocks if b["type"] == "header"][0]["text"]["text"]
               for i in (day_one, same_day, lost)]  # fmt: skip
    assert headers == ["🏆 Won: Dana Buyer — Globex", "🏆 Won: Ed Buyer — Initech", "Lost: Flo Buyer — Umbrella"]
    assert (await app.post_of(lost)).text == "Lost: Flo Buyer (Umbrella)"
    cards = {m.text: text_of(m.blocks) for m in app.slack.messages.get(WINS, [])}
    assert "→ won in 1 day → $1,000" in cards["Joint win: Globex — $1,000"]
    assert "→ won in 6 h → $2,000" in cards["Joint win: Initech — $2,000"]


async def celebrate(app: Harness, by: str, company: str, amount: str, rep: str, campaign: str = "") -> None:
    values = {
        Block.WIN_COMPANY: {Action.WIN_COMPANY: {"value": company}},
        Block.WIN_AMOUNT: {Action.WIN_AMOUNT: {"value": amount}},
        Block.WIN_REP: {Action.WIN_REP: {"selected_user": rep}},
        Block.WIN_MARKETERS: {Action.WIN_MARKETERS: {"selected_users": [MARKETER]}},
        Block.WIN_CAMPAIGN: {Action.WIN_CAMPAIGN: {"value": campaign}},
    }
    assert await app.submit(Callback.WIN, by, "", values) == (200, "")
    await app.settle()


async def test_a_win_celebrated_by_hand_counts_in_every_shared_number(start_app: StartApp) -> None:
    """Globex: an MQL won through the CRM ($12,000, REP2, Q4 Ops Webinar). Initech: a deal no lead matches,
    celebrated with /win ($24,000, REP1, Field event). Both are won on Wed Nov 18; the /win deal is no MQL.
    This month: 1 MQL, 2 won, $36,000 won; conversion 1 of 1 MQLs; the rep board ranks REP1 ($24,000) first."""
    from tests.reports.test_digest import digests
    from tests.reports.test_funnel import funnel

    app = await crm_app(start_app)
    app.clock.set(START - timedelta(days=5))  # Wednesday Nov 18, 09:00 CST
    globex = await app.new_lead(external_id="g-1", company="Globex", campaign="Q4 Ops Webinar")
    await app.click(Action.ACCEPT, globex, REP2)
    await app.settle()
    await app.crm_moves("g-1", {"stage": "won", "amount": 12000})
    await celebrate(app, REP2, "Initech", "24,000", REP1, "Field event")

    await funnel(app, "wins")
    await app.settle()
    await funnel(app, "")
    await app.settle()
    wins, report = [text_of(r["blocks"]) for r in app.slack.responses if r.get("blocks")]
    assert f"• *Initech* $24,000 — <@{REP1}> with Field event" in wins
    assert "*By campaign*\n1. Field event: 1 won · $24,000\n2. Q4 Ops Webinar: 1 won · $12,000" in wins
    assert f"*By rep*\n1. <@{REP1}>: 1 won · $24,000\n2. <@{REP2}>: 1 won · $12,000" in wins
    assert "*MQLs*\n1 ▲ new" in report
    assert "*SAL → SQL → Opportunity → Won*\n1 → 1 → 1 → 2" in report
    assert "*Won revenue*\n$36,000 ▲ new · conversion 100%" in report
    [initech] = [m for m in app.slack.messages.get(WINS, []) if "Initech" in m.text]
    assert f"Celebrated by <@{REP2}> with /win" in text_of(initech.blocks)

    app.clock.set(START)
    assert await app.svc.digest.run() == "digest:2026-11-23"
    await app.settle()
    [digest] = digests(app)
    assert "*Funnel:* 1 MQL · 100% accepted · 1 SAL → 1 SQL → 1 opportunity → 2 won · $36,000 won" in digest
    assert f"• *Initech* $24,000 — <@{REP1}> with Field event" in digest


async def test_the_timeline_is_read_over_the_api_with_the_intake_token(app: Harness) -> None:
    lead_id = await app.new_lead(external_id="tl-1", name="Dana Buyer", company="Globex")
    app.clock.advance(600)
    await app.click(Action.ACCEPT, lead_id, REP1)
    await app.settle()
    await stage(app, "tl-1", {"stage": "won", "amount": 900})

    async def get(path: str, token: str | None = INTAKE_TOKEN) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with app.http.get(app.url(path), headers=headers) as response:
            return response.status, await response.json()

    status, body = await get("/api/leads/tl-1")
    assert status == 200, body
    assert body["lead"]["external_id"] == "tl-1" and body["lead"]["stage"] == "won"
    assert body["lead"]["owner"] == REP1 and body["lead"]["amount"] == 900
    assert body["lead"]["received_at"] == START.isoformat()
    kinds = [e["kind"] for e in body["timeline"]]
    assert kinds[0] == "mql_received" and "accepted" in kinds and kinds[-1] == "moved"
    accepted = next(e for e in body["timeline"] if e["kind"] == "accepted")
    assert (accepted["actor"], accepted["at"]) == (REP1, (START + timedelta(seconds=600)).isoformat())
    assert (await get("/api/leads/tl-1", token="wrong"))[0] == 401
    assert (await get("/api/leads/tl-1", token=None))[0] == 401
    status, body = await get("/api/leads/nope")
    assert (status, body["error"]) == (404, "unknown_lead")


async def test_history_on_the_post_opens_the_timeline_in_a_modal_for_the_team_only(app: Harness) -> None:
    from tests.conftest import OUTSIDER

    lead_id = await app.new_lead(external_id="tl-2", name="Dana <!channel>", company="Globex")
    await app.click(Action.ACCEPT, lead_id, REP1)
    await app.settle()
    post = await app.post_of(lead_id)
    assert Action.HISTORY in [b.get("accessory", {}).get("action_id") for b in post.blocks]

    await app.click(Action.HISTORY, lead_id, MARKETER)
    await app.settle()
    [opened] = app.slack.calls_to("views.open")
    view = opened.args["view"]
    shown = text_of(view["blocks"])
    assert view["title"]["text"] == "History"
    assert "MQL received" in shown and f"Accepted by <@{REP1}>" in shown and "Posted in the channel" in shown
    assert "<!channel>" not in json.dumps(view)

    await app.click(Action.HISTORY, lead_id, OUTSIDER)
    await app.settle()
    assert len(app.slack.calls_to("views.open")) == 1
    assert "sales, managers and marketing" in app.slack.responses[-1]["text"]


async def test_a_known_person_under_a_new_external_id_is_flagged_on_the_post_and_counted_as_a_repeat(
    app: Harness,
) -> None:
    from tests.reports.test_funnel import funnel

    first = await app.new_lead(external_id="p-1", email="dana@example.com", name="Dana")
    choice = {"type": "static_select", "selected_option": {"value": "No budget or authority"}}
    await app.submit(Callback.REJECT, REP1, str(first), {Block.REJECT_REASON: {Action.REJECT_REASON: choice}})
    await app.settle()
    won = await app.new_lead(external_id="q-1", email="lee@example.com", name="Lee")
    await stage(app, "q-1", {"stage": "won", "amount": 100})
    await app.settle()

    app.clock.advance(3600)
    again = await app.new_lead(external_id="p-2", email="Dana@Example.com", name="Dana")
    lee_again = await app.new_lead(external_id="q-2", email="lee@example.com", name="Lee")
    fresh = await app.new_lead(external_id="r-1", email="new@example.com", name="New")

    assert "🔁 Known person: also an MQL on Nov 23 (rejected: No budget or authority)" in text_of(
        (await app.post_of(again)).blocks
    )
    assert "🔁 Known person: already Won (Nov 23)" in text_of((await app.post_of(lee_again)).blocks)
    assert "Known person" not in text_of((await app.post_of(fresh)).blocks)
    assert "Known person" not in text_of((await app.post_of(won)).blocks)

    await funnel(app, "")
    await app.settle()
    [reply] = [r for r in app.slack.responses if r.get("blocks")]
    assert "5 · 2 repeat MQLs" in text_of(reply["blocks"])
