"""[campaigns.<key>] in the team file: dates in order and in sensible years, a plain summary of at most 500
characters, unknown keys named: each problem is a ConfigError naming its key."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from bot.errors import ConfigError
from tests.calendar.helpers import WEBINAR, config


@pytest.mark.parametrize(
    ("changes", "key", "message"),
    [
        ({"ends": date(2026, 11, 1)}, "campaigns.q4", "ends (2026-11-01) is before starts (2026-11-23)"),
        ({"starts": date(1900, 1, 1), "ends": None}, "campaigns.q4.starts", "not a year between 2000 and 2100"),
        ({"ends": date(2999, 1, 1)}, "campaigns.q4.ends", "not a year between 2000 and 2100"),
        ({"starts": "yesterday"}, "campaigns.q4.starts", "date"),
        ({"summary": "x" * 501}, "campaigns.q4.summary", "at most 500 characters (this one is 501)"),
        ({"summary": "nul\x00byte"}, "campaigns.q4.summary", "control character"),
        ({"start": date(2026, 11, 23)}, "campaigns.q4.start", "is not a known setting"),
        ({"owner": "not-a-user"}, "campaigns.q4.owner", ""),
        ({"starts": None}, "campaigns.q4", "ends needs starts"),
    ],
)
def test_a_bad_campaign_is_a_config_error_naming_its_key(changes: dict[str, Any], key: str, message: str) -> None:
    campaign = {k: v for k, v in {**WEBINAR, **changes}.items() if v is not None}
    with pytest.raises(ConfigError) as error:
        config(q4=campaign)
    assert error.value.key == key
    assert message in str(error.value)


def test_a_good_campaign_reads_its_dates_and_folds_its_summary_onto_one_line() -> None:
    parsed = config(q4={**WEBINAR, "summary": "  two\n lines  "}).campaigns["q4"]
    assert (parsed.starts, parsed.last_day, parsed.summary) == (date(2026, 11, 23), date(2026, 12, 4), "two lines")
    assert config(q4={"owner": WEBINAR["owner"]}).campaigns["q4"].last_day is None  # only an owner, as before
