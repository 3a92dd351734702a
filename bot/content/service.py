"""The content library in Slack: search (`/content <words>`), the newest and most shared (`/content`), adding
(`/content add`), sharing an asset to a lead (its thread and its timeline), expiring one by hand, and telling an
owner before their asset expires. Each change is one transaction; Slack hears of it through the outbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.exc import IntegrityError

from bot.clock import Clock
from bot.config.team import Team
from bot.config.team_file import HandoffConfig
from bot.content.assets import KINDS, STAGES, AssetInput, read_asset
from bot.content.ids import ContentAction
from bot.content.library import add_asset
from bot.content.search import SearchQuery
from bot.delivery import outbox_kinds as kinds
from bot.errors import Forbidden, NotFound, UserError
from bot.lifecycle.stages import OPEN
from message_templates import inline
from message_templates.wording import mention
from storage import content_search as store
from storage import leads as lead_queries
from storage.content_models import ContentAsset
from storage.db import Database
from storage.models import Lead
from storage.outbox import enqueue_many

RESULTS = 10
BROWSE = 5
LEAD_CHOICES = 100  # a static select holds 100 options
SHARED = "content_shared"  # the lead_event kind of a share (bot/lifecycle/timeline.py shows it)
MAY_EDIT = "Only marketing and managers may add or expire assets in the content library."
MAY_SHARE = "Only sales and managers may share assets to a lead."


@dataclass(frozen=True)
class Found:
    """A search's answer: the assets, best first, and whether they match every word or only some."""

    assets: list[ContentAsset]
    every_word: bool


class ContentLibrary:
    def __init__(self, db: Database, config: HandoffConfig, team: Team, clock: Clock) -> None:
        self._db, self._config, self._team, self._clock = db, config, team, clock

    def today(self) -> date:
        return self._clock.now().astimezone(self._config.tz).date()

    async def may_edit(self, user_id: str) -> bool:
        return await self._team.is_marketing(user_id) or await self._team.is_manager(user_id)

    async def check_can_edit(self, user_id: str) -> None:
        if not await self.may_edit(user_id):
            raise Forbidden(MAY_EDIT)

    async def check_can_share(self, user_id: str) -> None:
        if not (await self._team.is_sales(user_id) or await self._team.is_manager(user_id)):
            raise Forbidden(MAY_SHARE)

    # --- reading ----------------------------------------------------------------------------------------------

    async def search(self, query: SearchQuery) -> Found:
        """Assets matching every word, best first; when none does, those matching any of them."""
        async with self._db.reading() as session:
            for any_word in (False, True) if len(query.words) > 1 else (False,):
                found = await store.search(session=session, words=query.words, prefix=query.prefix,
                                           any_word=any_word, today=self.today(), limit=RESULTS)  # fmt: skip
                if found:
                    return Found(found, every_word=not any_word)
        return Found([], every_word=True)

    async def browse(self) -> tuple[list[ContentAsset], list[tuple[ContentAsset, int]]]:
        """The newest live assets and the most shared ones."""
        async with self._db.reading() as session:
            newest = await store.newest(session=session, today=self.today(), limit=BROWSE)
            shared = await store.most_shared(session=session, today=self.today(), limit=BROWSE)
        return newest, shared

    async def asset(self, asset_id: int) -> ContentAsset:
        async with self._db.reading() as session:
            asset = await store.get_asset(session=session, asset_id=asset_id)
        if asset is None:
            raise NotFound("That asset is no longer in the library.")
        return asset

    async def share_choices(self, asset_id: int, user_id: str) -> tuple[ContentAsset, list[Lead]]:
        """For the Share modal: the asset (live) and the open leads with a post, the person's own first."""
        await self.check_can_share(user_id)
        asset = await self.asset(asset_id)
        self._check_live(asset)
        async with self._db.reading() as session:
            leads = await store.share_leads(session=session, stages=OPEN, first_for=user_id, limit=LEAD_CHOICES)
        if not leads:
            raise UserError("No open lead has a post in the leads channel yet: nothing to share it to.")
        return asset, leads

    def _check_live(self, asset: ContentAsset) -> None:
        if asset.expired_at is not None or (asset.expires_on is not None and asset.expires_on <= self.today()):
            raise UserError(f"*{inline(asset.title, 200)}* has expired: it is no longer shared.")

    # --- writing ----------------------------------------------------------------------------------------------

    async def add(self, fields: dict[str, str], user_id: str) -> tuple[ContentAsset, bool]:
        """Check and store an asset from the add modal (a UserError names the field); True when it is new. Two
        people adding the same URL at once end in one asset: the loser of the unique index finds the winner's."""
        await self.check_can_edit(user_id)
        asset = read_asset(fields, self.today(), default_owner=user_id)
        return await self.store(asset, actor=user_id)

    async def store(self, asset: AssetInput, *, actor: str) -> tuple[ContentAsset, bool]:
        for attempt in range(3):
            try:
                async with self._db.session() as session:
                    return await add_asset(session, self._config, asset, actor=actor, now=self._clock.now())
            except IntegrityError:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def share(self, asset_id: int, lead_id: int, user_id: str) -> str:
        """Post the asset in the lead's thread, put it on the lead's timeline and count the share: one
        transaction. The confirmation is the answer."""
        await self.check_can_share(user_id)
        now = self._clock.now()
        async with self._db.session() as session:
            asset = await store.get_asset(session=session, asset_id=asset_id)
            if asset is None:
                raise NotFound("That asset is no longer in the library.", field="lead")
            self._check_live(asset)
            lead = await lead_queries.get_lead(session=session, lead_id=lead_id, for_update=True)
            if lead is None or lead.slack_channel is None or lead.slack_ts is None:
                raise UserError("Pick a lead from the list: that one has no post to share it in.", field="lead")
            if lead.stage not in OPEN:  # the modal offers open leads only
                raise UserError("That lead is closed: pick an open one from the list.", field="lead")
            share = await store.add_share(session=session, asset_id=asset.id, lead_id=lead.id, by=user_id, at=now)
            await lead_queries.add_event(session=session, lead_id=lead.id, kind=SHARED, at=now, actor=user_id,
                                         asset_id=asset.id, title=asset.title)  # fmt: skip
            post = kinds.announcement(
                f"content_share:{share.id}", "📎 From the content library", facts(asset),
                f"Shared by {mention(user_id)}", lead.slack_channel, thread_ts=lead.slack_ts,
                link={"text": "Open", "action_id": ContentAction.OPEN, "url": asset.url},
            )  # fmt: skip
            await enqueue_many(session=session, rows=[post], now=now)
            who = inline(lead.company or lead.name or f"lead #{lead.id}", 100)
        return f"📎 Shared *{inline(asset.title, 200)}* in the thread of {who}; it is on the lead's timeline."

    async def expire(self, asset_id: int, user_id: str) -> str:
        await self.check_can_edit(user_id)
        async with self._db.session() as session:
            asset = await store.get_asset(session=session, asset_id=asset_id, for_update=True)
            if asset is None:
                raise NotFound("That asset is no longer in the library.")
            if asset.expired_at is None:
                asset.expired_at = asset.updated_at = self._clock.now()
            title = asset.title
        return f"🗄️ *{inline(title, 200)}* has expired: it no longer shows in `/content`."

    async def warn_expiring(self) -> int:
        """DM each owner once, `[content] expiry_notice` before their asset's expiry day; how many were told."""
        now, today = self._clock.now(), self.today()
        until = (now + self._config.content.expiry_notice).astimezone(self._config.tz).date()
        told = 0
        async with self._db.reading() as session:
            due = [(a.id, a.owner) for a in await store.expiring(session=session, today=today, until=until, limit=200)]
        for asset_id, owner in due:
            async with self._db.session() as session:
                asset = await store.get_asset(session=session, asset_id=asset_id)
                if asset is None or owner is None or asset.expires_on is None:
                    continue
                if not await store.mark_warned(session=session, asset_id=asset_id, at=now):
                    continue
                day = f"{asset.expires_on:%b %-d, %Y}"
                notice = kinds.announcement(
                    f"content_expiry:{asset_id}:{asset.expires_on.isoformat()}", "⏳ Your asset expires soon",
                    [*facts(asset), f"It drops out of `/content` on {day}. Give it a new expiry date "
                     "(`/content add` with the same URL) to keep it."],
                    "Content library", owner, link={"text": "Open", "action_id": ContentAction.OPEN, "url": asset.url},
                )  # fmt: skip
                await enqueue_many(session=session, rows=[notice], now=now)
                told += 1
        return told


def facts(asset: ContentAsset) -> list[str]:
    """An asset as announcement lines (mrkdwn, escaped): its title, then kind, stage and industries."""
    about = [KINDS.get(asset.kind, asset.kind)]
    if asset.stage:
        about.append(f"for {STAGES.get(asset.stage, asset.stage)}")
    if asset.industries:
        about.append(", ".join(inline(str(i), 50) for i in asset.industries))
    return [f"*{inline(asset.title, 200)}*", " · ".join(about)]
