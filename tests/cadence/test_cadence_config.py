"""[sla.follow_up] in the team file: what it accepts, and each bad value stops start-up naming its key."""

from __future__ import annotations

import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.config.team_file import parse_config
from bot.errors import ConfigError
from tests.config.test_config import GOOD_ENV, ROOT, good_team, run_handoff


def with_cadence(**follow_up: Any) -> dict[str, Any]:
    return {**good_team(), "sla": {"follow_up": follow_up}}


def test_a_cadence_is_a_clock_with_the_managers_told_by_default() -> None:
    config = parse_config(with_cadence(attempts=3, within="5d", business_hours=True))

    cadence = config.sla.follow_up
    assert cadence is not None and (cadence.attempts, cadence.within) == (3, timedelta(days=5))
    clock = config.sla.clocks()["follow_up"]
    assert (clock.target, clock.business_hours) == (timedelta(days=5), True)
    assert [(s.after, s.notify) for s in clock.escalate] == [(timedelta(0), "manager")]
    assert "follow_up" not in parse_config(good_team()).sla.clocks()  # off unless set


def test_the_example_file_documents_the_cadence_and_it_works_as_written() -> None:
    config = parse_config(tomllib.loads((ROOT / "handoff.example.toml").read_text()))
    cadence = config.sla.follow_up
    assert cadence is not None and (cadence.attempts, cadence.within, cadence.business_hours) == (
        3, timedelta(days=5), True
    )  # fmt: skip
    assert cadence.means_no_response("No decision / went dark") and not cadence.means_no_response("No budget")


@pytest.mark.parametrize(
    ("follow_up", "key", "problem"),
    [
        ({"within": "5d"}, "sla.follow_up.attempts", "is required"),
        ({"attempts": 3}, "sla.follow_up.within", "is required"),
        ({"attempts": 0, "within": "5d"}, "sla.follow_up.attempts", "greater than or equal to 1"),
        ({"attempts": 21, "within": "5d"}, "sla.follow_up.attempts", "less than or equal to 20"),
        ({"attempts": 10**30, "within": "5d"}, "sla.follow_up.attempts", "less than or equal to 20"),
        ({"attempts": -3, "within": "5d"}, "sla.follow_up.attempts", "greater than or equal to 1"),
        ({"attempts": True, "within": "5d"}, "sla.follow_up.attempts", "valid integer"),
        ({"attempts": "3", "within": "5d"}, "sla.follow_up.attempts", "valid integer"),
        ({"attempts": 2.5, "within": "5d"}, "sla.follow_up.attempts", "valid integer"),
        ({"attempts": 3, "within": "five days"}, "sla.follow_up.within", "is not a duration"),
        ({"attempts": 3, "within": "0s"}, "sla.follow_up.within", "longer than 0s"),
        ({"attempts": 3, "within": "99999999d"}, "sla.follow_up.within", "at most 366d"),
        ({"attempts": 3, "within": 5}, "sla.follow_up.within", "write it as a string"),
        ({"attempts": 3, "within": "5d\x00"}, "sla.follow_up.within", "is not a duration"),
        ({"attempts": 3, "within": "5d", "warn_at": "100%"}, "sla.follow_up.warn_at", "below 100%"),
        (
            {
                "attempts": 3,
                "within": "5d",
                "escalate": [{"after": "1h", "notify": "manager"}, {"after": "0s", "notify": "owner"}],
            },
            "sla.follow_up.escalate",
            "list the steps in order",
        ),  # fmt: skip
        (
            {"attempts": 3, "within": "5d", "escalate": [{"after": "0s", "notify": "the boss"}]},
            "sla.follow_up.escalate[0].notify",
            "is not a notify target",
        ),  # fmt: skip
        (
            {"attempts": 3, "within": "5d", "escalate": [{"after": "-1h", "notify": "manager"}]},
            "sla.follow_up.escalate[0].after",
            "is not a duration",
        ),  # fmt: skip
        (
            {"attempts": 3, "within": "5d", "no_response_reasons": ["Ghosted us"]},
            "sla.follow_up.no_response_reasons",
            "'Ghosted us' is not one of the [lost] reasons",
        ),  # fmt: skip
        ({"attempts": 3, "within": "5d", "cadence": "daily"}, "sla.follow_up.cadence", "is not a known setting"),
    ],
)
def test_each_bad_value_is_named(follow_up: dict[str, Any], key: str, problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(with_cadence(**follow_up))
    assert caught.value.key == key
    assert problem in caught.value.problem


def test_start_up_with_a_bad_cadence_is_one_line_naming_the_key(tmp_path: Path) -> None:
    team = '[slack]\nleads_channel = "C0LEADS001"\n[team]\nsales = ["U0REP00001"]\nmanagers = ["U0MGR00001"]\n'
    (tmp_path / "handoff.toml").write_text(team + '[sla.follow_up]\nattempts = 50\nwithin = "5d"\n')

    result = run_handoff(tmp_path, GOOD_ENV, "run")

    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("handoff: cannot start: sla.follow_up.attempts: Input should be less than or equal to 20")
