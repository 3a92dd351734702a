"""/content add: only marketing and managers open the modal or get a submission stored; each bad field is answered
under its own block; the same URL twice (even at once) ends in one asset; a new asset is announced with Open."""

from __future__ import annotations

import asyncio
import json

import pytest
from sqlalchemy import func, select

from bot.content.assets import AssetInput
from bot.content.ids import ADD_BLOCKS, ContentCallback
from storage.content_models import ContentAsset
from tests.conftest import LEADS, MANAGER, MARKETER, REP1, Harness
from tests.content.helpers import add_values, content, last_view, submit_add

GOOD = {"title": "ROI calculator", "kind": "roi_calculator", "url": "https://x.example.com/roi"}


async def count_assets(app: Harness) -> int:
    async with app.svc.db.session() as session:
        return int(await session.scalar(select(func.count(ContentAsset.id))) or 0)


async def test_marketing_and_managers_open_the_add_modal_and_others_are_refused(app: Harness) -> None:
    await content(app, "add", MARKETER)
    assert last_view(app)["callback_id"] == ContentCallback.ADD
    await content(app, "add", MANAGER)
    assert len(app.slack.calls_to("views.open")) == 2
    _, responses = await content(app, "add", REP1)
    assert len(app.slack.calls_to("views.open")) == 2
    assert "Only marketing and managers" in responses[0]["text"]


async def test_a_submission_by_someone_who_may_not_add_is_refused_and_stores_nothing(app: Harness) -> None:
    answer = await submit_add(app, REP1, **GOOD)
    assert answer["response_action"] == "errors"
    assert "Only marketing and managers" in next(iter(answer["errors"].values()))
    assert await count_assets(app) == 0


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("title", "", "title"),
        ("title", "x" * 3000, "at most 200"),
        ("title", "bad\x00title", "NUL"),
        ("kind", "webinar", "Unknown kind"),
        ("url", "not a url", "URL"),
        ("url", "javascript:alert(1)", "http(s)"),
        ("url", "https://x.example.com/" + "a" * 3000, "at most 2000"),
        ("stage", "nirvana", "Unknown stage"),
        ("tags", ", ".join(f"t{i}" for i in range(30)), "at most 20"),
        ("industries", "y" * 60, "at most 50"),
        ("owner", "not-a-user", "Slack user id"),
        ("expires", "2020-01-01", "not after today"),
        ("expires", "9999-12-31", "at most 5 years"),
        ("expires", "12/31/2027", "YYYY-MM-DD"),
    ],
)
async def test_each_bad_field_is_answered_under_its_block(app: Harness, field: str, value: str, says: str) -> None:
    answer = await submit_add(app, MARKETER, **{**GOOD, field: value})
    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == [ADD_BLOCKS[field]]
    assert says in answer["errors"][ADD_BLOCKS[field]]
    assert await count_assets(app) == 0


async def test_the_same_url_updates_the_asset_and_is_announced_once(app: Harness) -> None:
    assert await submit_add(app, MARKETER, **GOOD, tags="pricing") == {}
    assert await submit_add(app, MANAGER, **{**GOOD, "title": "ROI calculator v2"}) == {}
    async with app.svc.db.session() as session:
        titles = list(await session.scalars(select(ContentAsset.title)))
    assert titles == ["ROI calculator v2"]
    announced = [m for m in app.slack.messages.get(LEADS, []) if "New in the content library" in m.text]
    assert len(announced) == 1
    confirmations = [json.dumps(c.args) for c in app.slack.calls_to("chat.postEphemeral")]
    assert any("Added" in c for c in confirmations) and any("Updated" in c for c in confirmations)


async def test_concurrent_adds_of_the_same_url_end_in_one_asset(app: Harness) -> None:
    asset = AssetInput(title="Same link", kind="deck", url="https://x.example.com/same")
    results = await asyncio.gather(*(app.svc.library.store(asset, actor=MARKETER) for _ in range(4)))
    await app.settle()
    assert sum(created for _, created in results) == 1
    assert len({row.id for row, _ in results}) == 1
    assert await count_assets(app) == 1


async def test_a_forged_add_submission_with_unknown_options_changes_nothing(app: Harness) -> None:
    values = add_values(**GOOD)
    values[ADD_BLOCKS["kind"]] = {"content_kind_select": {"selected_option": {"value": "<!channel>"}}}
    status, answer = await app.submit(ContentCallback.ADD, MARKETER, "<forged>", values)
    assert status == 200 and json.loads(answer)["response_action"] == "errors"
    assert await count_assets(app) == 0
