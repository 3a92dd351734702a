"""[insight]: the thresholds behind `/funnel quality`'s MQL bar recommendation (bot/insight/bar.py).

    [insight]
    min_accept_rate = "25%"   # a band of low scorers sales accepts less often than this is worth cutting…
    max_won_share = "5%"      # …if it brought at most this share of the won revenue

Both are percentages above 0 % and at most 100 %.
"""

from __future__ import annotations

from pydantic import Field

from bot.config.fields import Frozen, Percent


class InsightConfig(Frozen):
    min_accept_rate: Percent = Field(default="25%", validate_default=True)
    max_won_share: Percent = Field(default="5%", validate_default=True)
