"""/content: a rep finds an asset (case- and accent-insensitive), shares it to a lead (its thread and its
timeline); best matches first; expired assets drop out; /content alone lists the newest and the most shared;
hostile queries never fail; and the search goes through the database's full-text index."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import text

from bot.content.ids import SHARE_BLOCK, ContentAction, ContentCallback
from bot.content.search import read_query
from bot.lifecycle.timeline import event_line
from storage import content_search
from tests.conftest import MANAGER, MARKETER, OUTSIDER, REP1, START, Harness, text_of
from tests.content.helpers import buttons, content, press, share, stored, submit_add, titles


async def test_a_rep_finds_an_asset_shares_it_to_a_lead_and_it_shows_in_the_thread_and_on_the_timeline(
    app: Harness,
) -> None:
    answer = await submit_add(app, title="Étude de cas: Café Logistique", kind="case_study",
                              url="https://cdn.example.com/cafe.pdf?a=1&b=2", stage="sql",
                              industries="Retail, Logistics", tags="pricing, ROI", owner=MARKETER)  # fmt: skip
    assert answer == {}
    announced = [m for m in app.slack.messages.get("C0LEADS001", []) if "New in the content library" in m.text]
    assert announced, "the new asset is announced in the leads channel"
    opens = [el for b in announced[0].blocks if b["type"] == "actions" for el in b["elements"]]
    assert opens[0]["url"] == "https://cdn.example.com/cafe.pdf?a=1&b=2"
    lead_id = await app.new_lead(name="Pat Prospect", company="Acme Foods")

    _, responses = await content(app, "ETUDE cafe", REP1)

    assert len(responses) == 1 and responses[0]["response_type"] == "ephemeral"
    assert titles(responses[0]) == ["Étude de cas: Café Logistique"]
    assert [b["url"] for b in buttons(responses[0], ContentAction.OPEN)] == ["https://cdn.example.com/cafe.pdf?a=1&b=2"]
    assert not buttons(responses[0], ContentAction.EXPIRE), "a rep may not expire assets"
    asset_id = int(buttons(responses[0], ContentAction.SHARE)[0]["value"])

    assert await share(app, REP1, asset_id, lead_id) == {}

    replies = await app.thread_replies(lead_id)
    assert len(replies) == 1 and "Étude de cas: Café Logistique" in text_of(replies[0].blocks)
    assert any(el.get("url") for b in replies[0].blocks if b["type"] == "actions" for el in b["elements"])
    events = [e for e in await app.events(lead_id) if e.kind == "content_shared"]
    assert len(events) == 1 and events[0].actor == REP1
    assert event_line(events[0]) == f"📎 <@{REP1}> shared Étude de cas: Café Logistique from the content library"
    rows = await app_rows(app, "SELECT asset_id, lead_id, shared_by FROM content_shares")
    assert rows == [(asset_id, lead_id, REP1)]

    copied = await press(app, REP1, ContentAction.COPY_LINK, str(asset_id))
    assert "`https://cdn.example.com/cafe.pdf?a=1&amp;b=2`" in copied[0]["blocks"][0]["text"]["text"]


async def app_rows(app: Harness, sql: str) -> list[tuple[object, ...]]:
    async with app.svc.db.session() as session:
        return [tuple(r) for r in (await session.execute(text(sql))).all()]


async def test_best_matches_come_first_and_the_last_word_matches_as_a_prefix(app: Harness) -> None:
    await stored(app, "Retail pricing one-pager", "https://x.example.com/1", kind="one_pager", tags=("pricing",))
    await stored(app, "Battle card: Acme vs Globex", "https://x.example.com/2", kind="battle_card",
                 tags=("competitor", "pricing"), industries=("Retail",))  # fmt: skip
    await stored(app, "Security whitepaper", "https://x.example.com/3", kind="other")

    _, responses = await content(app, "battle retail")
    assert titles(responses[0]) == ["Battle card: Acme vs Globex"]  # the only one with every word
    _, responses = await content(app, "batt")
    assert titles(responses[0]) == ["Battle card: Acme vs Globex"]
    _, responses = await content(app, "battle whitepaper")  # no asset has both: those with either
    assert set(titles(responses[0])) == {"Battle card: Acme vs Globex", "Security whitepaper"}
    _, responses = await content(app, "nothing-like-this")
    assert titles(responses[0]) == [] and "Nothing in the library matches" in responses[0]["text"]


async def test_expired_assets_drop_out_of_search(app: Harness) -> None:
    today = START.date()
    await stored(
        app, "Old webinar deck", "https://x.example.com/old", kind="deck", expires_on=today + timedelta(days=2)
    )
    by_hand = await stored(app, "Retired deck", "https://x.example.com/retired", kind="deck")
    await stored(app, "Current deck", "https://x.example.com/new", kind="deck")

    refused = await press(app, REP1, ContentAction.EXPIRE, str(by_hand))
    assert "Only marketing and managers" in refused[0]["text"]
    _, responses = await content(app, "deck", MARKETER)
    assert buttons(responses[0], ContentAction.EXPIRE)
    said = await press(app, MARKETER, ContentAction.EXPIRE, str(by_hand))
    assert "has expired" in said[0]["text"]
    _, responses = await content(app, "deck")
    assert set(titles(responses[0])) == {"Old webinar deck", "Current deck"}

    app.clock.set(START + timedelta(days=2, hours=10))  # its expiry day in Chicago
    _, responses = await content(app, "deck")
    assert titles(responses[0]) == ["Current deck"]
    _, responses = await content(app, "")
    assert titles(responses[0]) == ["Current deck"]


async def test_content_alone_shows_the_newest_and_the_most_shared(app: Harness) -> None:
    first = await stored(app, "First asset", "https://x.example.com/a")
    app.clock.advance(timedelta(minutes=5))
    await stored(app, "Second asset", "https://x.example.com/b")
    lead_id = await app.new_lead(name="Sam", company="Beta")
    await share(app, REP1, first, lead_id)
    await share(app, MANAGER, first, lead_id)

    _, responses = await content(app, "")

    blocks = responses[0]["blocks"]
    assert titles(responses[0]) == ["Second asset", "First asset", "First asset"]
    assert any("*Most shared*" in (b.get("text") or {}).get("text", "") for b in blocks)
    assert "shared 2 times" in text_of(blocks)


async def test_only_sales_and_managers_may_share(app: Harness) -> None:
    asset_id = await stored(app, "A case study", "https://x.example.com/cs")
    await app.new_lead(name="Lee", company="Gamma")
    refused = await press(app, OUTSIDER, ContentAction.SHARE, str(asset_id))
    assert "Only sales and managers" in refused[0]["text"]


HOSTILE = ['"', '""', "*", "NEAR", "NEAR(a b)", "a - b", "-x", "(", ")", "a:b", "^x", "title:x", "\x00", "AND OR NOT",
           "x" * 10_000, "é" * 3000, "'; DROP TABLE content_assets; --", "\\", "{x}", "💥", "a'b", "&|!:*"]  # fmt: skip


async def test_hostile_search_text_never_errors(app: Harness) -> None:
    await stored(app, "NEAR and far: the case study", "https://x.example.com/near", tags=("x",))
    for query in HOSTILE:
        ack, responses = await content(app, query)
        assert ack == {} or ack.get("response_type") == "ephemeral", query
        assert len(responses) == 1 and responses[0]["response_type"] == "ephemeral", query
        assert responses[0]["text"].startswith("🔎"), (query, responses[0]["text"])  # results, not an error
    _, responses = await content(app, 'near" OR "x')  # quotes are not syntax: every word must match
    assert titles(responses[0]) == ["NEAR and far: the case study"]


async def test_search_uses_the_full_text_index(app: Harness) -> None:
    await stored(app, "Indexed asset", "https://x.example.com/i")
    query = read_query("indexed")
    async with app.svc.db.session() as session:
        dialect = session.get_bind().dialect.name
        found = await content_search.search(session=session, words=query.words, prefix=True, any_word=False,
                                            today=START.date(), limit=5)  # fmt: skip
        assert [a.title for a in found] == ["Indexed asset"]
        if dialect == "sqlite":
            sql = "EXPLAIN QUERY PLAN SELECT rowid FROM content_assets_fts WHERE content_assets_fts MATCH :q"
            plan = " ".join(str(r[-1]) for r in (await session.execute(text(sql), {"q": '"indexed"*'})).all())
            assert "content_assets_fts" in plan and "VIRTUAL TABLE" in plan
        else:
            await session.execute(text("SET LOCAL enable_seqscan = off"))
            sql = ("EXPLAIN SELECT id FROM content_assets WHERE to_tsvector('simple', search_text) "
                   "@@ to_tsquery('simple', :q)")  # fmt: skip
            plan = " ".join(str(r[0]) for r in (await session.execute(text(sql), {"q": "'indexed':*"})).all())
            assert "ix_content_assets_search" in plan


async def test_forged_and_stale_buttons_and_share_submissions_change_nothing(app: Harness) -> None:
    asset_id = await stored(app, "A deck", "https://x.example.com/d", kind="deck")
    lead_id = await app.new_lead(name="Kim", company="Delta")
    for value in ("abc", "0", "-1", "9" * 30, "\x00"):
        said = await press(app, REP1, ContentAction.SHARE, value)
        assert "older version" in said[0]["text"]
    gone = await press(app, REP1, ContentAction.COPY_LINK, "987654")
    assert "no longer in the library" in gone[0]["text"]

    values = {
        SHARE_BLOCK: {ContentAction.SHARE_LEAD: {"type": "static_select", "selected_option": {"value": "424242"}}}
    }
    status, answer = await app.submit(ContentCallback.SHARE, REP1, str(asset_id), values)
    assert status == 200 and list(json.loads(answer)["errors"]) == [SHARE_BLOCK]
    values = {
        SHARE_BLOCK: {ContentAction.SHARE_LEAD: {"type": "static_select", "selected_option": {"value": str(lead_id)}}}
    }
    status, answer = await app.submit(ContentCallback.SHARE, OUTSIDER, str(asset_id), values)  # forged by an outsider
    assert status == 200 and "Only sales and managers" in json.loads(answer)["errors"][SHARE_BLOCK]
    await press(app, MARKETER, ContentAction.EXPIRE, str(asset_id))
    status, answer = await app.submit(ContentCallback.SHARE, REP1, str(asset_id), values)  # expired meanwhile
    assert status == 200 and "has expired" in json.loads(answer)["errors"][SHARE_BLOCK]
    await app.settle()
    assert await app.thread_replies(lead_id) == []
    assert [e for e in await app.events(lead_id) if e.kind == "content_shared"] == []
