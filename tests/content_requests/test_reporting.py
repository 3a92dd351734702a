"""Marketing's request compliance, hand-computed, in /funnel and in the quarterly review; the term in /sla and in
the team file.

Five requests: A delivered in 2 working hours (met), B delivered after 17 (missed: due after 16), C declined
(counted apart), D never answered (past due: missed, swept or not), E asked on Wednesday (open, on time). On
Wednesday: 1 met of 3 settled (33%), median of 2 h and 17 h = 9 h 30 min. At the review (January 1st) E is past
due too: 1 of 4 (25%)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.content.request_ids import RequestCallback
from bot.errors import ConfigError
from tests import slack_requests as sr
from tests.conftest import LEADS, MARKETER, REP1, START, Harness, StartApp, text_of
from tests.content_requests.helpers import (
    FORM,
    ask,
    decline_values,
    deliver_values,
    requests,
    started,
    submit,
)

WED_10 = datetime(2026, 11, 25, 16, 0, tzinfo=UTC)  # Wednesday 10:00 in Chicago


async def slash(app: Harness, command: str, text: str) -> str:
    before = len(app.slack.responses)
    body = sr.slash_command(
        user_id=REP1, command=command, text=text, channel=LEADS,
        response_url=app.slack.new_response_url(channel=LEADS, user_id=REP1),
        trigger_id=app.slack.issue_trigger_id(REP1),
    )  # fmt: skip
    status, _ = await app.post_slack(body, content_type=FORM)
    await app.settle()
    assert status == 200
    return "\n".join(text_of(r.get("blocks") or []) for r in app.slack.responses[before:])


async def five_requests(app: Harness) -> None:
    for need in ("A", "B", "C", "D"):
        await ask(app, need)
    a, b, c, _ = await requests(app)
    app.clock.set(START + timedelta(hours=1))
    assert await submit(app, RequestCallback.DECLINE, MARKETER, str(c.id), decline_values("Exists already")) == {}
    app.clock.set(START + timedelta(hours=2))
    url = "https://example.com/a"
    assert await submit(app, RequestCallback.DELIVER, MARKETER, str(a.id),
                        deliver_values(url=url, title="A", kind="deck")) == {}  # fmt: skip
    app.clock.set(WED_10)
    assert await submit(app, RequestCallback.DELIVER, MARKETER, str(b.id), deliver_values(url=url)) == {}
    await ask(app, "E")


async def test_funnel_and_the_review_report_marketings_request_compliance(start_app: StartApp) -> None:
    app = await started(start_app, sla={"accept": {"target": "30m"}})
    await five_requests(app)
    states = [(r.need, r.clock_state, r.elapsed_seconds) for r in await requests(app)]
    assert states == [("A", "met", 7200), ("B", "missed", 17 * 3600), ("C", "cancelled", 3600),
                      ("D", "running", None), ("E", "running", None)]  # fmt: skip
    shown = await slash(app, "/funnel", "this month")
    assert (
        "*Content requests kept (marketing)*\n*33%* on time (1 of 3 settled) · 1 declined · 1 open · "
        "median 9 h 30 min of working time to delivery"
    ) in shown
    assert "*SLA kept*" in shown  # beside sales' clocks

    app.clock.set(datetime(2027, 1, 1, 15, 0, tzinfo=UTC))  # the first working day of 2027-Q1, 09:00 in Chicago
    await app.svc.reviews.run()
    await app.settle()
    [review] = [m for m in app.slack.messages[LEADS] if "SLA review for 2026-Q4" in m.text]
    assert (
        "• Content requests: *25%* on time (1 of 4 settled) · 1 declined · median 9 h 30 min of working time to "
        "delivery"
    ) in text_of(review.blocks)


async def test_no_request_settled_is_a_dash(start_app: StartApp) -> None:
    app = await started(start_app)
    assert "*Content requests kept (marketing)*\n— on time (0 of 0 settled)" in await slash(app, "/funnel", "")
    await ask(app)
    assert "— on time (0 of 0 settled) · 1 open" in await slash(app, "/funnel", "")


async def test_sla_shows_the_content_request_term_on_marketings_side(start_app: StartApp) -> None:
    app = await started(start_app, sla={"accept": {"target": "30m"}, "content_request": {"target": "3d"}})
    shown = await slash(app, "/sla", "")
    marketing = shown[shown.index("Marketing commits") :]
    assert "*Content requests* answered within" in marketing and "marketing's manager" in marketing
    await ask(app)
    [request] = await requests(app)
    assert request.target_seconds == 3 * 8 * 3600  # three working days of 8 hours


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ({"target": "0s"}, "sla.content_request.target"),
        ({"target": "soon"}, "sla.content_request.target"),
        ({"warn_at": "150%"}, "sla.content_request.warn_at"),
        ({"escalate": [{"after": "2h", "notify": "manager"}, {"after": "1h", "notify": "owner"}]},
         "sla.content_request.escalate"),
        ({"escalate": [{"after": "1h", "notify": "nobody"}]}, "sla.content_request.escalate[0].notify"),
        ({"speed": "fast"}, "sla.content_request.speed"),
    ],
)  # fmt: skip
def test_a_bad_content_request_term_is_named_by_its_key(body: dict[str, object], key: str) -> None:
    from tests.conftest import team_config

    with pytest.raises(ConfigError) as raised:
        team_config(sla={"content_request": body})
    assert raised.value.key == key
