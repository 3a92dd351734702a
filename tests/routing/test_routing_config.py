"""[routing] in the team file: start-up stops with the key named for anyone outside team.sales, a weight of zero or
below, an unknown rule key, and hostile values."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bot.config.team_file import parse_config
from bot.errors import ConfigError

REP1, REP2, OUTSIDER = "U0REP00001", "U0REP00002", "U0OUTSIDE1"


def team(routing: dict[str, Any], sales: list[str] | None = None) -> dict[str, Any]:
    return {
        "slack": {"leads_channel": "C0LEADS001"},
        "team": {"sales": sales or [REP1, REP2], "managers": ["U0MGR00001"]},
        "routing": routing,
    }


def test_the_default_is_claim_mode() -> None:
    config = parse_config(team({}))
    assert (config.routing.mode, config.routing.routes, config.routing.pool) == ("claim", False, ())


def test_a_full_routing_section_parses() -> None:
    routing = parse_config(team({
        "mode": "weighted", "pool": [REP1, REP2], "weights": {REP1: 3}, "max_open": 25, "reassign_unaccepted": True,
        "rules": [{"source": "partner", "assign": [REP2]}, {"min_score": 80, "max_score": 100, "assign": [REP1]}],
    })).routing  # fmt: skip
    assert (routing.weight(REP1), routing.weight(REP2), routing.max_open) == (3, 1, 25)
    assert routing.rules[0].matches(source=" Partner ", campaign=None, score=None, email=None)
    assert not routing.rules[1].matches(source=None, campaign=None, score=None, email=None)  # unscored


BAD: list[tuple[Callable[[], dict[str, Any]], str, str]] = [
    (lambda: team({"mode": "random"}), "routing.mode", "round_robin"),
    (lambda: team({"pool": [REP1, OUTSIDER]}), "routing.pool[1]", "not in team.sales"),
    (lambda: team({"weights": {OUTSIDER: 2}}), f"routing.weights.{OUTSIDER}", "not in team.sales"),
    (lambda: team({"weights": {REP1: 0}}), f"routing.weights.{REP1}", "greater than 0"),
    (lambda: team({"weights": {REP1: -3}}), f"routing.weights.{REP1}", "greater than 0"),
    (lambda: team({"weights": {REP1: 10**30}}), f"routing.weights.{REP1}", "less than or equal to 1000"),
    (lambda: team({"weights": {REP1: "2"}}), f"routing.weights.{REP1}", "valid integer"),
    (lambda: team({"weights": {"bob": 2}}), "routing.weights.bob", "not a Slack user id"),
    (lambda: team({"rules": [{"source": "x", "assign": [OUTSIDER]}]}), "routing.rules[0].assign[0]", "not in team"),
    (lambda: team({"rules": [{"source": "x", "colour": "red", "assign": [REP1]}]}), "routing.rules[0].colour",
     "not a known setting"),
    (lambda: team({"rules": [{"assign": [REP1]}]}), "routing.rules[0]", "at least one of source"),
    (lambda: team({"rules": [{"source": "x", "assign": []}]}), "routing.rules[0].assign", "at least 1"),
    (lambda: team({"rules": [{"min_score": 90, "max_score": 10, "assign": [REP1]}]}), "routing.rules[0]", "above"),
    (lambda: team({"rules": [{"min_score": 10**20, "assign": [REP1]}]}), "routing.rules[0].min_score", "100"),
    (lambda: team({"rules": [{"email_domain": "a\x00b.com", "assign": [REP1]}]}), "routing.rules[0].email_domain",
     "pattern"),
    (lambda: team({"max_open": 0}), "routing.max_open", "greater than 0"),
    (lambda: team({"reassign": True}), "routing.reassign", "not a known setting"),
]  # fmt: skip


@pytest.mark.parametrize(("data", "key", "problem"), BAD)
def test_each_bad_routing_setting_stops_start_up_naming_the_key(
    data: Callable[[], dict[str, Any]], key: str, problem: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(data())
    assert caught.value.key == key
    assert problem in caught.value.problem


def test_with_a_user_group_in_sales_a_user_not_listed_by_itself_is_checked_when_routing() -> None:
    config = parse_config(team({"pool": [REP1, OUTSIDER]}, sales=[REP1, "S0SALESGRP"]))
    assert config.routing.pool == (REP1, OUTSIDER)  # may be a member of the group: only Slack knows
