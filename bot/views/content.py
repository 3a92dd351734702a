"""The content library as people see it: `/content`'s private answer (each asset with Share to a lead, Open, Copy
link, and Expire for marketing and managers), the add modal and the share modal. Every stored text is escaped here;
an asset's URL only ever goes in a URL button or a code span (links in mrkdwn are refused)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

from bot.content.assets import ITEM_MAX, KINDS, STAGES, TITLE_MAX, URL_MAX
from bot.content.ids import ADD_MODAL_IDS, SHARE_MODAL_IDS, ContentAction
from bot.content.search import SearchQuery
from bot.content.service import Found
from bot.lifecycle.stages import LIFECYCLE, Stage
from message_templates import Renderer, inline, mrkdwn
from message_templates.wording import mention
from storage.content_models import ContentAsset
from storage.models import Lead

USAGE: Final = (
    "*/content* searches marketing's content library and answers privately.\n"
    "• `/content battle card retail`: assets matching those words, best first (case and accents do not matter; "
    "the last word may be the start of one)\n"
    "• `/content`: the newest assets and the most shared\n"
    "• `/content add`: add an asset (marketing and managers)\n"
    "• `/content request`: ask marketing for content, on its own clock (sales)\n"
    "• `/content help`: this help\n"
    "Each result offers *Share to a lead* (posts it in the lead's thread and on its timeline), *Open* and "
    "*Copy link*; marketing and managers also see *Expire*."
)


@dataclass(frozen=True)
class AssetCard:
    asset_id: int
    text: str  # mrkdwn, escaped
    url: str
    can_expire: bool


@dataclass(frozen=True)
class ContentAnswer:
    heading: str  # mrkdwn, escaped
    sections: list[tuple[str, list[AssetCard]]] = field(default_factory=list)
    empty: str | None = None


def card(asset: ContentAsset, *, can_expire: bool, shares: int | None = None) -> AssetCard:
    about = [KINDS.get(asset.kind, inline(asset.kind, 20))]
    if asset.stage:
        about.append(STAGES.get(asset.stage, inline(asset.stage, 20)))
    if asset.industries:
        about.append(", ".join(inline(str(i), ITEM_MAX) for i in asset.industries[:10]))
    lines = [f"*{inline(asset.title, TITLE_MAX)}*", " · ".join(about)]
    if asset.tags:
        lines.append("Tags: " + ", ".join(inline(str(t), ITEM_MAX) for t in asset.tags[:20]))
    owner = f"Owner {mention(asset.owner)}" if asset.owner else "No owner"
    expiry = f"expires {asset.expires_on:%b %-d, %Y}" if asset.expires_on else "no expiry date"
    shared = "" if shares is None else f" · shared {shares} time{'s' if shares != 1 else ''}"
    lines.append(f"{owner} · {expiry}{shared}")
    return AssetCard(asset.id, "\n".join(lines)[:2900], asset.url, can_expire)


def search_answer(query: SearchQuery, found: Found, *, can_expire: bool) -> ContentAnswer:
    asked = inline(query.shown, 200)
    if not query.words:  # only punctuation, emoji or symbols: an empty _italic_ would show as "__"
        return ContentAnswer("🔎 Nothing to search for: use letters or digits.",
                             empty="`/content` alone shows the newest assets.")  # fmt: skip
    if not found.assets:
        return ContentAnswer(f"🔎 Nothing in the library matches _{asked}_.",
                             empty="Try fewer words, or `/content` for the newest assets.")  # fmt: skip
    some = "" if found.every_word else " (no asset has every word: these have some)"
    cards = [card(a, can_expire=can_expire) for a in found.assets]
    return ContentAnswer(f"🔎 Best matches for _{asked}_{some}", [("", cards)])


def browse_answer(
    newest: list[ContentAsset], shared: list[tuple[ContentAsset, int]], *, can_expire: bool
) -> ContentAnswer:
    if not newest:
        return ContentAnswer("📚 The content library is empty.", empty="Marketing adds assets with `/content add`.")
    sections = [("*Newest*", [card(a, can_expire=can_expire) for a in newest])]
    if shared:
        sections.append(("*Most shared*", [card(a, can_expire=can_expire, shares=n) for a, n in shared]))
    return ContentAnswer("📚 The content library: search it with `/content` and a few words", sections)


def results_message(renderer: Renderer, answer: ContentAnswer) -> dict[str, Any]:
    return renderer.render("ephemeral/content_results.json.j2", answer=answer, actions=ContentAction)


def link_text(asset: ContentAsset) -> str:
    """Copy link's private answer: the URL as text (a code span, never a link: the Open button is the link)."""
    return f"🔗 *{inline(asset.title, TITLE_MAX)}*\n`{mrkdwn(asset.url, URL_MAX + 500)}`"


def add_modal(renderer: Renderer, *, user_id: str, today: date, metadata: str) -> dict[str, Any]:
    return renderer.render(
        "modals/content_add.json.j2", ids=ADD_MODAL_IDS, kinds=KINDS, stages=STAGES, owner=user_id,
        earliest=today.isoformat(), metadata=metadata,
    )  # fmt: skip


def lead_option(lead: Lead, user_id: str) -> dict[str, str]:
    who = " · ".join(p for p in (lead.company, lead.name) if p) or f"Lead #{lead.id}"
    stage = LIFECYCLE[Stage(lead.stage)].title if lead.stage in set(Stage) else lead.stage
    mine = ", yours" if lead.owner == user_id else ""
    return {"text": f"{who} ({stage}{mine})", "value": str(lead.id)}


def share_modal(
    renderer: Renderer, asset: ContentAsset, leads: list[Lead], *, user_id: str, metadata: str
) -> dict[str, Any]:
    options = [lead_option(lead, user_id) for lead in leads]
    return renderer.render("modals/content_share.json.j2", ids=SHARE_MODAL_IDS, title=asset.title,
                           options=options, metadata=metadata)  # fmt: skip
