"""The action, block and callback ids of the content library's buttons and modals (beside bot/ids.py, which holds
the lead's and the clocks'): the presenters render them, handlers/content_actions.py matches on them."""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class ContentAction(StrEnum):
    SHARE = "content_share"  # a search result's Share to a lead: the value is the asset's id
    COPY_LINK = "content_copy_link"  # the link as text to copy, privately
    OPEN = "content_open"  # a URL button: Slack opens the asset, the app only acks
    EXPIRE = "content_expire"  # marketing's and managers' Expire now
    SHARE_LEAD = "content_share_lead_select"
    TITLE = "content_title_input"
    KIND = "content_kind_select"
    URL = "content_url_input"
    STAGE = "content_stage_select"
    INDUSTRIES = "content_industries_input"
    TAGS = "content_tags_input"
    OWNER = "content_owner_select"
    EXPIRES = "content_expires_date"


class ContentCallback(StrEnum):
    ADD = "content_add_modal"
    SHARE = "content_share_modal"


FIELDS: Final = ("title", "kind", "url", "stage", "industries", "tags", "owner", "expires")
ADD_BLOCKS: Final = {field: f"content_{field}" for field in FIELDS}
"""The add modal's block for each field a UserError names (bot/content/assets.read_asset's field names)."""
ADD_ACTIONS: Final = {field: ContentAction[field.upper()] for field in FIELDS}
SHARE_BLOCK: Final = "content_share_lead"
ADD_MODAL_IDS: Final = {
    "callback": ContentCallback.ADD,
    **{f"{f}_block": b for f, b in ADD_BLOCKS.items()},
    **{f"{f}_action": str(a) for f, a in ADD_ACTIONS.items()},
}
SHARE_MODAL_IDS: Final = {
    "callback": ContentCallback.SHARE,
    "lead_block": SHARE_BLOCK,
    "lead_action": ContentAction.SHARE_LEAD,
}
