"""The action, block and callback ids of content requests' buttons and modals (beside bot/ids.py)."""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class RequestAction(StrEnum):
    TAKE = "content_request_take"  # the value of each button is the request's id
    DELIVER = "content_request_deliver"
    DECLINE = "content_request_decline"
    OPEN_LINK = "content_request_open_link"  # a URL button: Slack sends the click, nothing to do
    NEED = "content_request_need_input"
    LEAD = "content_request_lead_input"
    WANTED_BY = "content_request_wanted_by_input"
    ASSET = "content_request_asset_input"
    URL = "content_request_url_input"
    TITLE = "content_request_title_input"
    KIND = "content_request_kind_input"
    REASON = "content_request_reason_input"


class RequestCallback(StrEnum):
    REQUEST = "content_request_modal"
    DELIVER = "content_request_deliver_modal"
    DECLINE = "content_request_decline_modal"


REQUEST_BLOCKS: Final = {"need": "content_request_need", "lead": "content_request_lead",
                         "wanted_by": "content_request_wanted_by"}  # fmt: skip
DELIVER_BLOCKS: Final = {"asset": "content_request_asset", "url": "content_request_url",
                         "title": "content_request_title", "kind": "content_request_kind"}  # fmt: skip
DECLINE_BLOCKS: Final = {"reason": "content_request_reason"}
"""The modal's block for each field a UserError names."""
