"""Content requests (issue 16): sales asks marketing for content with `/content request`; marketing takes it,
delivers it (an asset of the library, or a URL that joins the library) or declines it with a reason, on its own
clock ([sla.content_request], bot/content/request_clock.py).

Every change is one transaction, and Slack hears of it only through the outbox: the request's post in
`[content] requests_channel` (default: the leads channel) is re-rendered from state; DMs (heads-up, escalation,
delivery, decline) are queued with the change that caused them. A state change is claimed on the row (locked), so
a double click, a stale button or two marketers taking one request at once: exactly one wins."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from bot.agreement.registry import Agreements
from bot.clock import Clock
from bot.config.fields import GROUP_ID
from bot.config.team import Team
from bot.config.team_file import HandoffConfig
from bot.content import request_clock as clocks
from bot.content.assets import CONTROL, AssetInput, read_kind, read_title, read_url
from bot.content.library import add_asset
from bot.delivery import outbox_kinds as kinds
from bot.errors import Conflict, Forbidden, NotFound, UserError
from bot.ids import record_id
from bot.lifecycle.stages import OPEN
from storage import content_requests as store
from storage.content_models import ContentAsset, ContentRequest
from storage.db import Database
from storage.models import Lead
from storage.outbox import Outgoing, enqueue_many

log = logging.getLogger(__name__)

NEED_MAX: Final = 2000
REASON_MAX: Final = 1000
LEADS_SHOWN: Final = 100  # a static select holds at most 100 options
ASSETS_SHOWN: Final = 100
DAYS_AHEAD: Final = 366
ANSWERED: Final = ("delivered", "declined")


def _text(raw: str, field: str, what: str, most: int) -> str:
    if "\x00" in raw:
        raise UserError(f"The {what} holds a NUL character: type it again.", field=field)
    text = CONTROL.sub(" ", raw).strip()
    if not text:
        raise UserError(f"Say {what}.", field=field)
    if len(text) > most:
        raise UserError(f"Keep it to {most} characters (it has {len(text)}).", field=field)
    return text


class ContentRequests:
    def __init__(self, db: Database, team: Team, clock: Clock, agreements: Agreements, *, batch: int = 200) -> None:
        self._db = db
        self._team = team
        self._clock = clock
        self._agreements = agreements
        self.batch = batch

    @property
    def config(self) -> HandoffConfig:
        return self._team.config

    def today(self) -> date:
        return self._clock.now().astimezone(self.config.tz).date()

    # --- who may do what ---------------------------------------------------------------------------------------

    async def check_can_request(self, user_id: str) -> list[Lead]:
        """Sales (reps and managers) ask; the open leads a rep owns are offered in the modal."""
        if not (await self._team.is_sales(user_id) or await self._team.is_manager(user_id)):
            raise Forbidden("Only sales (reps and managers) can request content: marketing answers requests.")
        async with self._db.reading() as session:
            return await store.open_leads_of(session, owner=user_id, stages=OPEN, limit=LEADS_SHOWN)

    async def _check_marketing(self, user_id: str, what: str) -> None:
        if not await self._team.is_marketing(user_id):
            raise Forbidden(f"Only marketing can {what} a content request.")

    # --- asking ------------------------------------------------------------------------------------------------

    async def submit(self, user_id: str, need: str, lead: str, wanted_by: str) -> ContentRequest:
        await self.check_can_request(user_id)
        text = _text(need, "need", "what is needed", NEED_MAX)
        by = self._wanted_by(wanted_by)
        now = self._clock.now()
        async with self._db.session() as session:
            lead_id = await self._lead_of(session, lead, user_id)
            version, sla = await self._agreements.in_force(session)
            request = ContentRequest(
                need=text, lead_id=lead_id, wanted_by=by, requested_by=user_id, requested_at=now, state="open",
                agreement_version=version,
            )  # fmt: skip
            clocks.start(request, self.config, sla.content_request, now)
            store.add(session, request)
            await session.flush()
            await enqueue_many(session=session, rows=[kinds.content_request(request.id)], now=now)
        return request

    def _wanted_by(self, text: str) -> date | None:
        text = text.strip()
        if not text:
            return None
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise UserError("Pick a date, or leave it empty.", field="wanted_by") from None
        today = self.today()
        if day < today:
            raise UserError(f"{day.isoformat()} has passed: pick today or a later day.", field="wanted_by")
        if day > today + timedelta(days=DAYS_AHEAD):
            raise UserError("Pick a day within a year.", field="wanted_by")
        return day

    @staticmethod
    async def _lead_of(session: AsyncSession, text: str, user_id: str) -> int | None:
        text = text.strip()
        if not text:
            return None
        if (lead_id := record_id(text)) is None:
            raise UserError("Pick one of your open leads, or leave it empty.", field="lead")
        lead = await store.lead(session, lead_id)
        if lead is None or lead.stage not in OPEN:
            raise UserError("That lead is no longer open: pick another, or leave it empty.", field="lead")
        if lead.owner is not None and lead.owner != user_id:  # the modal offers only the person's own leads
            raise UserError("Pick one of your open leads, or leave it empty.", field="lead")
        return lead.id

    # --- answering ---------------------------------------------------------------------------------------------

    async def _claim(self, session: AsyncSession, request_id: int) -> ContentRequest:
        request = await store.get(session, request_id, for_update=True)
        if request is None:
            raise NotFound("This content request no longer exists.")
        if request.state in ANSWERED:
            who = request.delivered_by or request.declined_by
            raise Conflict(f"This request was already {request.state} by {{who}}.", people={"who": who})
        return request

    async def take(self, request_id: int, user_id: str) -> str:
        await self._check_marketing(user_id, "take")
        now = self._clock.now()
        async with self._db.session() as session:
            request = await self._claim(session, request_id)
            if request.taken_by:
                if request.taken_by == user_id:
                    return "You already took this request."
                raise Conflict("{who} already took this request.", people={"who": request.taken_by})
            request.state, request.taken_by, request.taken_at = "taken", user_id, now
            await enqueue_many(session=session, rows=[kinds.content_request(request.id)], now=now)
        return "You took the request: deliver it with Delivered… on its post."

    async def check_can_answer(self, request_id: int, user_id: str, what: str) -> ContentRequest:
        """Before the Delivered… or Decline… modal opens (and again on its submission)."""
        await self._check_marketing(user_id, what)
        async with self._db.session() as session:
            return await self._claim(session, request_id)

    async def assets(self) -> list[ContentAsset]:
        async with self._db.reading() as session:
            return await store.recent_assets(session, today=self.today(), limit=ASSETS_SHOWN)

    async def deliver(self, request_id: int, user_id: str, *, asset: str, url: str, title: str, kind: str) -> None:
        """An asset of the library, or a URL (added to the library, and announced, when it is new: then with its
        title and kind)."""
        await self._check_marketing(user_id, "deliver")
        now = self._clock.now()
        link = read_url(url) if url.strip() else None
        if link is None and not asset.strip():
            raise UserError("Pick an asset of the library, or give its URL.", field="asset")
        async with self._db.session() as session:
            request = await self._claim(session, request_id)
            found = await self._asset(session, link, asset, title, kind, user_id, now)
            clocks.stop(request, self.config, now, cancel=False)
            request.state, request.delivered_by, request.delivered_at = "delivered", user_id, now
            request.asset_id, request.delivered_url = found.id, found.url
            request.taken_by = request.taken_by or user_id
            request.taken_at = request.taken_at or now
            rows = [kinds.content_request(request.id), kinds.content_request(request.id, request.requested_by,
                                                                             "delivered")]  # fmt: skip
            if request.lead_id is not None:  # the lead's thread hears what was made for it
                rows.append(kinds.content_request(request.id, "lead", "lead_delivered"))
            await enqueue_many(session=session, rows=rows, now=now)

    async def _asset(
        self, session: AsyncSession, link: str | None, asset: str, title: str, kind: str, user_id: str, now: datetime
    ) -> ContentAsset:
        if link is not None:
            known = await store.asset_by_url(session, link)
            if known is not None and known.expired_at is None:
                return known
            given = AssetInput(title=read_title(title), kind=read_kind(kind or "other"), url=link)
            return (await add_asset(session, self.config, given, actor=user_id, now=now))[0]
        number = record_id(asset.strip())
        picked = await store.asset(session, number) if number is not None else None
        expiry = picked.expires_on if picked is not None else None
        if picked is None or picked.expired_at is not None or (expiry is not None and expiry <= self.today()):
            raise UserError("That asset is no longer in the library: pick another.", field="asset")
        return picked

    async def decline(self, request_id: int, user_id: str, reason: str) -> None:
        await self._check_marketing(user_id, "decline")
        why = _text(reason, "reason", "why", REASON_MAX)
        now = self._clock.now()
        async with self._db.session() as session:
            request = await self._claim(session, request_id)
            clocks.stop(request, self.config, now, cancel=True)
            request.state, request.declined_by, request.declined_at, request.decline_reason = (
                "declined",
                user_id,
                now,
                why,
            )
            rows = [kinds.content_request(request.id), kinds.content_request(request.id, request.requested_by,
                                                                             "declined")]  # fmt: skip
            await enqueue_many(session=session, rows=rows, now=now)

    # --- the clock ---------------------------------------------------------------------------------------------

    async def sweep(self) -> int:
        """Claim every request whose clock has something due; fire each heads-up and escalation step once."""
        now = self._clock.now()
        async with self._db.reading() as session:
            terms = await self._agreements.load_all(session)
        groups = await self._groups([e for t in terms for e in (s.notify for s in t.content_request.escalate)])
        async with self._db.session() as session:
            due = await store.claim_due(session, now=now, limit=self.batch)
            await self._agreements.load(session, {r.agreement_version for r in due})
            rows: list[Outgoing] = []
            for request in due:
                cfg = self._agreements.sla(request.agreement_version).content_request
                fires = clocks.advance(request, self.config, cfg, now)
                for fire in fires:
                    event = "warn" if fire.kind == "warn" else f"breach{fire.step}"
                    for person in clocks.recipients(self.config, request, fire, groups):
                        to = "thread" if person == clocks.CHANNEL else person
                        rows.append(kinds.content_request(request.id, to, event))
                if fires:
                    rows.append(kinds.content_request(request.id))
            await enqueue_many(session=session, rows=rows, now=now)
        if due:
            log.info("content request sweep: %d requests, %d messages", len(due), len(rows))
        return len(due)

    async def _groups(self, notify: list[str]) -> dict[str, frozenset[str]]:
        wanted = {e for e in [*notify, *self.config.team.marketing] if GROUP_ID.match(e)}
        return {group: await self._team.members(group) for group in sorted(wanted)}

    # --- reporting ---------------------------------------------------------------------------------------------

    async def compliance(self, start: datetime, end: datetime) -> clocks.Compliance:
        async with self._db.reading() as session:
            return clocks.compliance(await store.requested_between(session, start=start, end=end), self._clock.now())
