"""Definition drift: the leads channel hears, once per source (and once per campaign) and month, when that source's
or campaign's acceptance rate this month falls more than 20 points below its trailing 90 days. Hand-computed:
November 2026's trailing window is Aug 3 – Oct 31 (the 90 days before Nov 1), December's Sep 2 – Nov 30."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.ids import Action
from bot.sla.drift import drift_key
from tests.conftest import LEADS, REP1, Harness, StartApp, team_config
from tests.reports.test_funnel import reject
from tests.sla.test_sla_reviews import announcements

OCT = datetime(2026, 10, 5, 15, tzinfo=UTC)
NOV = datetime(2026, 11, 10, 15, tzinfo=UTC)
LATE_NOV = datetime(2026, 11, 23, 15, tzinfo=UTC)
DEC = datetime(2026, 12, 14, 15, tzinfo=UTC)
HOSTILE = "Q4 <!channel> & <@U0MGR00001>"


async def batch(
    app: Harness, when: datetime, source: str, *, accepted: int, rejected: int, undecided: int = 0,
    campaign: str | None = None,
) -> None:  # fmt: skip
    """Leads of `source` received at `when` and decided there and then (`undecided` of them left open)."""
    app.clock.set(when)
    count = accepted + rejected + undecided
    body = [{"external_id": f"{source}-{when:%m%d}-{i}", "name": f"Lead {i}", "source": source,
             **({"campaign": campaign} if campaign else {})} for i in range(count)]  # fmt: skip
    status, answer = await app.post_leads(body)
    assert status == 201, answer
    await app.settle()
    ids = [int(row["id"]) for row in answer["leads"]]
    for lead_id in ids[:accepted]:
        assert (await app.click(Action.ACCEPT, lead_id, REP1))[0] == 200
    for lead_id in ids[accepted : accepted + rejected]:
        await reject(app, lead_id, "Bad contact data")
    await app.settle()


async def test_a_source_and_its_campaign_drifting_are_told_once_a_month(start_app: StartApp) -> None:
    app = await start_app(team_config())
    await batch(app, OCT, "webinar", accepted=15, rejected=5, campaign=HOSTILE)  # trailing: 75 %
    await batch(app, NOV, "webinar", accepted=5, rejected=5, undecided=3, campaign=HOSTILE)  # 50 %: 25 points down

    app.clock.set(LATE_NOV)
    posted = await app.svc.reviews.run()
    assert sorted(posted) == sorted([drift_key("source", "webinar", NOV.date()),
                                     drift_key("campaign", HOSTILE, NOV.date())])  # fmt: skip
    assert await app.svc.reviews.run() == []  # once a month, however often the check runs
    await app.settle()
    notes = announcements(app)
    assert len(notes) == 2
    [source] = [n for n in notes if "leads from" in n]
    assert (
        "Definition drift: leads from *webinar* were accepted 50% of the time this month (5 of 10), against 75% "
        "over the 90 days before (Aug 3 – Oct 31: 15 of 20). The two teams' definitions of an MQL may have drifted: "
        "review [sla.mql] together."
    ) in source
    [campaign] = [n for n in notes if "campaign" in n and "leads of" in n]
    assert "leads of the campaign *Q4 &lt;!channel&gt; &amp; &lt;@U0MGR00001&gt;*" in campaign
    [line] = [part for part in campaign.splitlines() if part.startswith("Definition drift: leads")]
    assert "<!channel>" not in line and "<@U0MGR00001>" not in line  # the header is plain text: never parsed
    [post] = [m for m in app.slack.messages[LEADS] if "Definition drift: campaign" in str(m.text)]
    assert "<!channel>" not in str(post.text) and "&lt;!channel&gt;" in str(post.text)  # the fallback `text`

    # December: still drifting (2 of 10 against Sep 2 – Nov 30's 20 of 30): told again, once
    await batch(app, DEC, "webinar", accepted=2, rejected=8)
    assert await app.svc.reviews.run() == [drift_key("source", "webinar", DEC.date())]
    assert await app.svc.reviews.run() == []
    await app.settle()
    assert "accepted 20% of the time this month (2 of 10), against 67% over the 90 days before (Sep 2 – Nov 30: " \
           "20 of 30)" in announcements(app)[-1]  # fmt: skip


async def test_exactly_20_points_down_is_no_drift(start_app: StartApp) -> None:
    """90 % → 70 %: exactly 20 points (where 0.9 - 0.7 in floating point is a hair over 0.2)."""
    app = await start_app(team_config())
    await batch(app, OCT, "partner", accepted=18, rejected=2)
    await batch(app, NOV, "partner", accepted=7, rejected=3)

    app.clock.set(LATE_NOV)
    assert await app.svc.reviews.run() == []

    await batch(app, LATE_NOV, "partner", accepted=0, rejected=1)  # 7 of 11: 26 points down
    assert await app.svc.reviews.run() == [drift_key("source", "partner", NOV.date())]


async def test_too_few_decided_in_either_window_is_no_drift(start_app: StartApp) -> None:
    app = await start_app(team_config())
    await batch(app, OCT, "thin", accepted=19, rejected=0)  # 19 decided before: one short
    await batch(app, NOV, "thin", accepted=0, rejected=10)
    await batch(app, OCT, "few", accepted=20, rejected=0)
    await batch(app, NOV, "few", accepted=0, rejected=9, undecided=6)  # 15 MQLs, but 9 decided: one short
    await batch(app, datetime(2026, 8, 2, 15, tzinfo=UTC), "old", accepted=20, rejected=0)  # before the 90 days
    await batch(app, NOV, "old", accepted=0, rejected=10)

    app.clock.set(LATE_NOV)
    assert await app.svc.reviews.run() == []

    await batch(app, LATE_NOV, "few", accepted=0, rejected=1)  # the tenth decision
    assert await app.svc.reviews.run() == [drift_key("source", "few", NOV.date())]


async def test_a_lead_without_a_source_or_campaign_is_no_source(start_app: StartApp) -> None:
    app = await start_app(team_config())
    await batch(app, OCT, "", accepted=20, rejected=0)
    await batch(app, NOV, "", accepted=0, rejected=10)

    app.clock.set(LATE_NOV)
    assert await app.svc.reviews.run() == []


async def test_a_newline_in_a_campaign_stays_inside_the_sentence(start_app: StartApp) -> None:
    """A campaign named "Q4\\n• *All good* …" would otherwise put a line of its own in the channel's note."""
    forged = "Q4\n• *All good: nothing drifted*"
    app = await start_app(team_config())
    await batch(app, OCT, "webinar", accepted=15, rejected=5, campaign=forged)
    await batch(app, NOV, "webinar", accepted=5, rejected=5, campaign=forged)
    app.clock.set(LATE_NOV)
    assert drift_key("campaign", forged, NOV.date()) in await app.svc.reviews.run()
    await app.settle()
    [campaign] = [n for n in announcements(app) if "leads of the campaign" in n]
    assert "leads of the campaign *Q4 • *All good: nothing drifted** were accepted 50% of the time" in campaign
    assert not [line for line in campaign.splitlines() if line.startswith("•")]
