"""What each outbox row kind means in Web API calls. Renders from current state at delivery time."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.clock import Clock
from bot.config.team_file import HandoffConfig, SlaConfig
from bot.delivery import outbox_kinds as kinds
from bot.delivery.content_request_posts import ContentRequestPosts
from bot.delivery.crm import CrmWrites
from bot.delivery.feedback import FeedbackSender
from bot.delivery.outbox_kinds import ANNOUNCEMENT, CRM_WRITE, FEEDBACK, LEAD_POST, SLA_NOTICE, WIN_POST, notice_id_of
from bot.delivery.outbox_kinds import lead_post as lead_post_row
from bot.delivery.outbox_kinds import sla_notice as notice_row
from bot.delivery.pacing import Pacer
from bot.delivery.proposal_posts import ProposalPosts
from bot.delivery.worker import GiveUp, retry_after
from bot.lifecycle.leads import LeadService
from bot.lifecycle.wins import win_card
from bot.views.posts import LeadPosts, load_facts
from bot.views.sla_cards import alarm_view
from message_templates import Renderer
from storage import attempts as attempt_queries
from storage import leads as lead_queries
from storage import sla as sla_queries
from storage.db import Database
from storage.models import SlaNotice
from storage.outbox import Claimed, enqueue_many
from storage.sla import NoticeItem

log = logging.getLogger(__name__)

MARKER_EVENT = "handoff_delivery"
LOOKBACK = timedelta(days=1)
BURST_WINDOW = timedelta(minutes=1)
LOOKUP_PAGES = 10
LOOKUP_REFUSALS = ("missing_scope", "not_in_channel", "channel_not_found", "unknown_method")
"""What Slack answers when the duplicate lookup cannot run: an install made before the history scopes, a private
channel the bot reads no history of, a Slack that does not offer the method. (`/metrics` starts these at 0.)"""
UNREACHABLE = frozenset({"user_not_found", "channel_not_found", "cannot_dm_bot", "user_disabled", "is_archived",
                         "not_in_channel", "messages_tab_disabled", "restricted_action"})  # fmt: skip
"""What Slack answers, for good, to a DM to a person it will not let the bot reach: someone who left (or never
existed), a bot, a person who turned the app's Messages tab off, a DM the workspace's policy forbids."""


class SlackDelivery:
    def __init__(
        self,
        db: Database,
        client: AsyncWebClient,
        renderer: Renderer,
        config: HandoffConfig,
        clock: Clock,
        leads: LeadService,
        feedback: FeedbackSender | None = None,
        crm: CrmWrites | None = None,
        pacer: Pacer | None = None,
        on_lookup_skipped: Callable[[str], None] | None = None,
        terms: Callable[[int | None], SlaConfig] | None = None,
    ) -> None:
        self._db = db
        self._terms = terms or (lambda version: config.sla)  # the SLA of an agreement version, once loaded
        self._on_lookup_skipped = on_lookup_skipped or (lambda reason: None)
        self._warned: set[tuple[str, str]] = set()  # (channel, reason) already logged
        self._pacer = pacer or Pacer(config.slack.posts_per_second, config.slack.post_burst)
        self._client = client
        self._renderer = renderer
        self._posts = LeadPosts(renderer, config)
        self._config = config
        self._clock = clock
        self._leads = leads
        self._feedback = feedback
        self._crm = crm
        self._proposals = ProposalPosts(db, renderer, config)
        self._content_requests = ContentRequestPosts(db, renderer, config, clock)

    async def __call__(self, row: Claimed) -> None:
        if row.kind == LEAD_POST and row.lead_id is not None:
            await self.lead_post(row, row.lead_id)
        elif row.kind == SLA_NOTICE:
            await self.sla_notice(row, notice_id_of(row.key))
        elif row.kind == ANNOUNCEMENT:
            await self.announcement(row, row.payload)
        elif row.kind == WIN_POST and row.lead_id is not None:
            await self.win_post(row, row.lead_id)
        elif row.kind == kinds.PROPOSAL_POST:
            await self._proposals(row, self._show)
        elif row.kind == kinds.CONTENT_REQUEST:
            await self._content_requests(row, self._show)
        elif row.kind == FEEDBACK:
            if self._feedback is None:
                raise ValueError("a feedback delivery is queued but no [feedback] webhook_url is configured")
            # the key: unique, the same on every retry
            await self._feedback(row.payload, delivery_id=row.key, queued_at=row.created_at)
        elif row.kind == CRM_WRITE:
            if self._crm is None:
                raise GiveUp("a CRM write-back is queued but no CRM's API credentials are set any more")
            await self._crm(row)
        else:
            raise ValueError(f"unknown outbox kind {row.kind!r}")

    async def plan(self, rows: list[Claimed]) -> list[list[Claimed]]:
        """One delivery per row, except in a burst: when more MQLs than `batch_when_over` arrived within the last
        minute, the claimed first posts of leads go out together, `batch_size` to a compact batch message."""
        singles = [[row] for row in rows]
        over, size = self._config.slack.batch_when_over, self._config.slack.batch_size
        posts = {row.lead_id: row for row in rows if row.kind == LEAD_POST and row.lead_id is not None}
        if not over or len(posts) < 2:
            return singles
        async with self._db.reading() as session:  # the count first: most claims come outside a burst
            recent = await lead_queries.received_since(session=session, since=self._clock.now() - BURST_WINDOW)
            if recent <= over:
                return singles
            leads = await lead_queries.leads_by_ids(session=session, ids=list(posts))
        unposted = [posts[lead.id] for lead in leads if lead.slack_ts is None]
        if len(unposted) < 2:
            return singles
        unposted.sort(key=lambda row: row.id)
        chunks = {chunk[0].id: chunk for chunk in (unposted[i : i + size] for i in range(0, len(unposted), size))}
        batched = {row.id for row in unposted}
        return [
            chunks[row.id] if row.id in chunks else [row] for row in rows if row.id in chunks or row.id not in batched
        ]

    async def many(self, rows: list[Claimed]) -> None:
        """A burst's first posts as one batch message, each lead with its own buttons; every lead's accept clock
        starts when the batch goes out, exactly as when it goes out alone."""
        await self._first_post(rows, batch=True)

    async def _first_post(self, rows: list[Claimed], *, batch: bool) -> None:
        """Post leads for the first time: one lead's post, or a burst's batch message. The accept clock starts when
        the post goes out, so it is planned at that moment, shown on the post, and started at the same moment once
        Slack has taken it: the deadline the post states is the one the clock runs to, outside business hours too.
        A post an earlier attempt made (found by its marker, see `_post_once`) was rendered back then: its clocks
        start now, and it is queued for an update that shows them."""
        rendered: list[tuple[datetime, set[int]]] = []

        async def render(rest: list[Claimed]) -> dict[str, Any]:
            at = self._clock.now()
            rendered.append((at, {r.id for r in rest}))
            async with self._db.reading() as session:
                leads = await lead_queries.leads_by_ids(session=session, ids=[r.lead_id for r in rest if r.lead_id])
                facts = await load_facts(session, leads)
                await self._leads.load_terms(session, leads)
            for lead in leads:
                if planned := self._leads.clocks_on_post(lead, at):
                    facts[lead.id] = replace(facts[lead.id], timers=[*facts[lead.id].timers, *planned])
            return self._posts.message(leads, facts, now=at, batch=batch)

        landed = await self._post_once(rows, channel=self._config.slack.leads_channel, render=render)
        now = self._clock.now()
        sent_at, sent = rendered[0] if rendered else (now, set())
        stale: dict[tuple[str, str], int] = {}  # a post made by an earlier attempt: one lead of it to refresh
        posts: dict[tuple[str, str, datetime], list[int]] = {}  # where and when: the leads it shows
        for row in rows:
            if row.lead_id is not None:
                posts.setdefault((*landed[row.id], sent_at if row.id in sent else now), []).append(row.lead_id)
                if row.id not in sent:
                    stale.setdefault(landed[row.id], row.lead_id)
        async with self._db.session() as session:
            for (channel, ts, at), lead_ids in posts.items():
                await self._leads.posted(session, lead_ids, channel=channel, ts=ts, at=at)
            if stale:
                await enqueue_many(session=session, rows=[lead_post_row(i) for i in stale.values()], now=now)

    async def _post(
        self, row: Claimed, *, channel: str, message: dict[str, Any], thread_ts: str | None = None
    ) -> tuple[str, str]:
        async def fixed(_rows: list[Claimed]) -> dict[str, Any]:
            return message

        return (await self._post_once([row], channel=channel, render=fixed, thread_ts=thread_ts))[row.id]

    async def _post_once(
        self,
        rows: list[Claimed],
        *,
        channel: str,
        render: Callable[[list[Claimed]], Awaitable[dict[str, Any]]],
        thread_ts: str | None = None,
    ) -> dict[int, tuple[str, str]]:
        """Post what `render` makes of `rows`, once: where each row landed, {row id: (channel, ts)}.

        Every post carries its rows' ids as message metadata. When an earlier attempt's outcome is unknown (the
        process died, or the connection dropped, after Slack took the post) a row is claimed again, and the
        conversation is searched for that marker first: rows found there are not posted twice."""
        landed = (
            await self._earlier_posts(rows, channel=channel, thread_ts=thread_ts)
            if any(row.attempts > 1 for row in rows)
            else {}
        )
        for row_id, where in landed.items():
            log.info("outbox %s was posted by an earlier attempt (%s/%s); not posting it again", row_id, *where)
        rest = [row for row in rows if row.id not in landed]
        if not rest:
            return landed
        extra: dict[str, Any] = {"thread_ts": thread_ts} if thread_ts else {}
        message = await render(rest)  # rendering reads the database: take the slot after it, right before sending
        await self._pacer.slot(channel)
        try:
            response = await self._client.chat_postMessage(
                channel=channel,
                unfurl_links=False,
                unfurl_media=False,
                metadata={"event_type": MARKER_EVENT, "event_payload": {"outbox_ids": [r.id for r in rest]}},
                **extra,
                **message,
            )
        except SlackApiError as exc:
            if exc.response.status_code == 429:
                self._pacer.close_for(channel, retry_after(exc))
            raise
        where = str(response["channel"]), str(response["ts"])
        return {**landed, **{row.id: where for row in rest}}

    async def _earlier_posts(
        self, rows: list[Claimed], *, channel: str, thread_ts: str | None
    ) -> dict[int, tuple[str, str]]:
        """`_find_posted`, or nothing found when Slack refuses the lookup. The lookup only avoids a rare duplicate:
        a lead posted twice is better than a lead never posted, so a refusal (a missing history scope, a channel the
        bot is not in, any error) means posting without it: warned once per channel and reason, counted each time."""
        try:
            return await self._find_posted(rows, channel=channel, thread_ts=thread_ts)
        except (SlackClientError, aiohttp.ClientError, TimeoutError) as exc:
            reason = _refusal(exc)
        self._on_lookup_skipped(reason)
        if (channel, reason) not in self._warned:
            self._warned.add((channel, reason))
            log.warning(
                "cannot look for earlier posts in %s (%s): posting retries there without the duplicate check, so a "
                "post Slack took before an error may show twice. Grant channels:history, groups:history and "
                "im:history and invite the bot to the channel to restore it.",
                channel,
                reason,
            )
        return {}

    async def _find_posted(
        self, rows: list[Claimed], *, channel: str, thread_ts: str | None = None
    ) -> dict[int, tuple[str, str]]:
        """Where earlier attempts posted these rows: {row id: (channel, ts)}, for those found."""
        wanted = {row.id for row in rows}
        if channel[:1] in ("U", "W"):  # a DM addressed by user id: history is read from the IM channel
            opened = await self._client.conversations_open(users=channel)
            channel = str(opened["channel"]["id"])
        oldest = f"{(self._clock.now() - LOOKBACK).timestamp():.6f}"
        found: dict[int, tuple[str, str]] = {}
        cursor: str | None = None
        for _ in range(LOOKUP_PAGES):
            args: dict[str, Any] = {"channel": channel, "oldest": oldest, "limit": 200, "include_all_metadata": True}
            if cursor:
                args["cursor"] = cursor
            page = await (
                self._client.conversations_replies(ts=thread_ts, **args)
                if thread_ts
                else self._client.conversations_history(**args)
            )
            for message in page.get("messages") or []:
                meta = message.get("metadata") or {}
                if meta.get("event_type") == MARKER_EVENT:
                    for row_id in set((meta.get("event_payload") or {}).get("outbox_ids") or ()) & wanted:
                        found[row_id] = (channel, str(message["ts"]))
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor or len(found) == len(wanted):
                break
        return found

    async def _show(
        self,
        row: Claimed,
        *,
        at: tuple[str | None, str | None],
        message: dict[str, Any],
        post_to: str,
        thread_ts: str | None = None,
        broadcast: bool = False,
    ) -> tuple[str, str] | None:
        """Update the message already at `at`; post a new one if there is none (or it was deleted in Slack), with
        `broadcast` a thread reply also sent to the channel. Returns where a new message landed, None when an
        existing one was updated."""
        channel, ts = at
        if channel and ts:
            try:
                await self._client.chat_update(channel=channel, ts=ts, **message)
                return None
            except SlackApiError as exc:
                if exc.response.get("error") != "message_not_found":
                    raise
                log.warning("message %s/%s was deleted in Slack; posting it again", channel, ts)
        if broadcast and thread_ts:
            message = {**message, "reply_broadcast": True}
        return await self._post(row, channel=post_to, message=message, thread_ts=thread_ts)

    async def lead_post(self, row: Claimed, lead_id: int) -> None:
        """Post the lead to the leads channel the first time (its accept clock starts when it goes out); update that
        same post on every later change. A lead posted in a burst's batch message re-renders the whole batch."""
        async with self._db.reading() as session:
            lead = await lead_queries.get_lead(session=session, lead_id=lead_id)
            if lead is None:
                return  # deleted since: nothing left to show
            if lead.quiet and lead.slack_ts is None:
                return  # imported with --no-post or as history: never posted (a row queued before it was quiet)
            channel, ts = lead.slack_channel, lead.slack_ts
            if channel and ts:
                shown = await lead_queries.leads_on_post(session=session, channel=channel, ts=ts)
                facts = await load_facts(session, shown)
        if not (channel and ts):
            await self._first_post([row], batch=False)
            return
        message = self._posts.message(shown, facts, now=self._clock.now())
        landed = await self._show(row, at=(channel, ts), message=message, post_to=channel)
        if landed is not None:
            async with self._db.session() as session:
                await lead_queries.move_post(session=session, lead_id=lead_id, channel=landed[0], ts=landed[1])

    async def sla_notice(self, row: Claimed, notice_id: int) -> None:
        async with self._db.session() as session:
            loaded = await sla_queries.load_notice(session=session, notice_id=notice_id)
            if loaded is None:
                return
            notice, items = loaded
            cadences = [item.timer for item in items if item.timer.clock == "follow_up"]
            attempts = await attempt_queries.counts_in_windows(session=session, timers=cadences)
            await self._leads.load_terms(session, [item.lead for item in items])
            view = alarm_view(
                notice, items, config=self._config, now=self._clock.now(), attempts=attempts, terms=self._terms
            )
        message = self._renderer.render("dm/sla_alarm.json.j2", view=view)
        try:
            landed = await self._show(
                row,
                at=(notice.slack_channel, notice.slack_ts),
                message=message,
                post_to=notice.recipient,
                thread_ts=notice.thread_ts,
                # a thread nobody follows: unless the sales user groups are mentioned, the channel sees the reply too
                broadcast=notice.meant_for is not None or self._config.sla.unowned_notify != "group",
            )
        except SlackApiError as exc:
            await self._redirect_undeliverable(notice, items, exc)
            raise  # the DM itself failed for good: logged and counted like every permanent failure
        if landed is not None:
            async with self._db.session() as session:
                await sla_queries.record_notice_post(
                    session=session, notice_id=notice_id, channel=landed[0], ts=landed[1]
                )

    async def _redirect_undeliverable(self, notice: SlaNotice, items: list[NoticeItem], exc: SlackApiError) -> None:
        """An alarm DMed to someone Slack will never let the bot reach would ring for nobody: it goes to the lead's
        thread instead (for several leads, the leads channel), saying whom it was meant for, as a row of its own."""
        error = str(exc.response.get("error") or "")
        if not notice.recipient.startswith(("U", "W")) or notice.slack_ts or error not in UNREACHABLE:
            return
        leads = {item.lead.id: item.lead for item in items}
        lead = next(iter(leads.values())) if len(leads) == 1 else None
        channel = (lead.slack_channel if lead else None) or self._config.slack.leads_channel
        thread_ts = lead.slack_ts if lead is not None else None
        async with self._db.session() as session:
            if await sla_queries.redirect_notice(
                session=session, notice_id=notice.id, recipient=notice.recipient, channel=channel,
                thread_ts=thread_ts, refused=error,
            ):  # fmt: skip
                await enqueue_many(session=session, rows=[notice_row(notice.id)], now=self._clock.now())
        log.warning("Slack will not let Handoff DM %s (%s): SLA alarm %d goes to %s", notice.recipient, error,
                    notice.id, channel)  # fmt: skip

    async def win_post(self, row: Claimed, lead_id: int) -> None:
        async with self._db.reading() as session:
            lead = await lead_queries.get_lead(session=session, lead_id=lead_id)
        if lead is None:
            return
        message = self._renderer.render("channel/win.json.j2", card=win_card(lead, self._config))
        await self._post(
            row, channel=self._config.slack.wins_channel or self._config.slack.leads_channel, message=message
        )

    async def announcement(self, row: Claimed, payload: dict[str, Any]) -> None:
        """A one-off channel post whose content was fixed when it was queued (figures as of that moment)."""
        message = self._renderer.render(
            "channel/announcement.json.j2",
            title=payload["title"],
            lines=payload["lines"],
            footer=payload["footer"],
            button=payload.get("button"),
            link=payload.get("link"),
            links=payload.get("links") or [],
        )
        channel = str(payload.get("channel") or self._config.slack.leads_channel)
        await self._post(row, channel=channel, message=message, thread_ts=payload.get("thread_ts"))


def _refusal(exc: Exception) -> str:
    """A short, bounded reason for a failed lookup: Slack's error code, or the kind of failure."""
    if isinstance(exc, SlackApiError):
        status = exc.response.status_code
        if status == 429:
            return "ratelimited"
        if status >= 500:
            return f"http_{status}"
        return str(exc.response.get("error") or f"http_{status}")
    return "network" if isinstance(exc, (aiohttp.ClientError, TimeoutError)) else type(exc).__name__
