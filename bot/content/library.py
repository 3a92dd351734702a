"""Adding to the library, the one write path every way an asset arrives goes through: the `/content add` modal,
`handoff content import`, a delivered content request. A new asset is announced to sales in
`[content] announce_channel` (default: the leads channel) by the outbox, in the transaction that stores it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config.team_file import HandoffConfig
from bot.content.assets import KINDS, STAGES, AssetInput, search_text
from bot.content.ids import ContentAction
from bot.delivery import outbox_kinds as kinds
from message_templates import inline, mrkdwn
from message_templates.wording import mention
from storage import content as store
from storage.content_models import ContentAsset
from storage.outbox import Outgoing, enqueue_many

OPEN_ACTION = ContentAction.OPEN


async def add_asset(
    session: AsyncSession, config: HandoffConfig, asset: AssetInput, *, actor: str, now: datetime
) -> tuple[ContentAsset, bool]:
    """Store `asset` (a new one, or the one with its URL brought up to date) in the caller's transaction; a new one
    is announced. True when it is new."""
    stored, created = await store.upsert_asset(session=session, row=row_of(asset), actor=actor, now=now)
    if created:
        await enqueue_many(session=session, rows=[announcement(config, stored, actor)], now=now)
    return stored, created


async def add_assets(
    session: AsyncSession,
    config: HandoffConfig,
    assets: Sequence[AssetInput],
    *,
    actor: str,
    now: datetime,
    announce: bool = True,
) -> list[tuple[ContentAsset, bool]]:
    """`add_asset` for an import's batch, in the caller's transaction: the new ones announced (unless not)."""
    stored = await store.upsert_assets(session=session, rows=[row_of(a) for a in assets], actor=actor, now=now)
    news = {asset.id: asset for asset, created in stored if created}
    if announce and news:
        await enqueue_many(session=session, rows=[announcement(config, a, actor) for a in news.values()], now=now)
    return stored


def row_of(asset: AssetInput) -> store.AssetRow:
    return store.AssetRow(
        title=asset.title,
        kind=asset.kind,
        url=asset.url,
        stage=asset.stage,
        industries=list(asset.industries),
        tags=list(asset.tags),
        owner=asset.owner,
        expires_on=asset.expires_on,
        search_text=search_text(asset),
    )


def announcement(config: HandoffConfig, asset: ContentAsset, actor: str) -> Outgoing:
    """ "New in the library": what it is, for which stage and industries, the link, and how to find it again."""
    facts = [KINDS.get(asset.kind, asset.kind)]
    if asset.stage:
        facts.append(f"for {STAGES.get(asset.stage, asset.stage)}")
    if asset.industries:
        facts.append(", ".join(inline(i, 50) for i in asset.industries))
    lines = [f"*{inline(asset.title, 200)}*", " · ".join(facts)]
    if asset.tags:
        lines.append("Tags: " + ", ".join(inline(t, 50) for t in asset.tags))
    who = "the import" if actor == "import" else mention(actor)  # `handoff content import` is nobody in Slack
    word = asset.title.split()[0].replace("`", "")  # a backtick would close the code span
    footer = f"Added by {who} · find it again with `/content {mrkdwn(word, 40)}`"
    channel = config.content.announce_channel or config.slack.leads_channel
    link = {"text": "Open", "action_id": OPEN_ACTION, "url": asset.url}  # a link cannot go in mrkdwn: a URL button
    return kinds.announcement(
        f"content_asset:{asset.id}", "📚 New in the content library", lines, footer, channel, link=link
    )
