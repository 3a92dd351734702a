"""[content]: where the content library speaks (issue 16).

    [content]
    announce_channel = "C0SALES01"   # new assets are announced here (default: the leads channel)
    requests_channel = "C0MKTG001"   # sales' content requests are posted here, marketing's channel (default: leads)
    expiry_notice = "7d"             # an asset's owner is told this long before it expires

The clock of a content request is an agreement term, [sla.content_request].
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import field_validator

from bot.config.fields import ChannelId, Duration, Frozen


class ContentConfig(Frozen):
    announce_channel: ChannelId | None = None
    requests_channel: ChannelId | None = None
    expiry_notice: Duration = timedelta(days=7)

    @field_validator("expiry_notice")
    @classmethod
    def _sensible(cls, value: timedelta) -> timedelta:
        if not timedelta(hours=1) <= value <= timedelta(days=90):
            raise ValueError("must be between 1h and 90d")
        return value
