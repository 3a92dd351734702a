"""`[routing]` in the team file: who a new MQL is offered to. "claim" (the default) keeps today's behaviour, the
first rep to click Accept owns it; "round_robin" and "weighted" assign each new lead to one rep of a pool, in
turn, skipping reps who are away or at `max_open`; `[[routing.rules]]` send matching leads to their own reps.

Every person a pool, a rule or a weight names must be in `team.sales`; a problem is a `ConfigError` naming the key.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from bot.config.fields import GROUP_ID, USER_ID, Frozen, MemberId
from bot.errors import ConfigError

Weight = Annotated[int, Field(gt=0, le=1000, strict=True)]
CONDITIONS = ("source", "campaign", "min_score", "max_score", "email_domain")


class RoutingRule(Frozen):
    """A lead matching every condition given is routed among `assign` (first matching rule wins)."""

    source: str | None = Field(None, min_length=1, max_length=100)
    campaign: str | None = Field(None, min_length=1, max_length=200)
    min_score: int | None = Field(None, ge=0, le=100)
    max_score: int | None = Field(None, ge=0, le=100)
    email_domain: str | None = Field(None, min_length=1, max_length=255, pattern=r"^@?[A-Za-z0-9.-]+$")
    assign: tuple[MemberId, ...] = Field(min_length=1, max_length=200)

    @model_validator(mode="after")
    def _something_to_match(self) -> RoutingRule:
        if all(getattr(self, key) is None for key in CONDITIONS):
            raise ValueError(f"a rule needs at least one of {', '.join(CONDITIONS)}")
        if self.min_score is not None and self.max_score is not None and self.min_score > self.max_score:
            raise ValueError(f"min_score {self.min_score} is above max_score {self.max_score}")
        return self

    def matches(self, *, source: str | None, campaign: str | None, score: int | None, email: str | None) -> bool:
        def same(wanted: str | None, value: str | None) -> bool:
            return wanted is None or (value is not None and value.strip().casefold() == wanted.casefold())

        if not (same(self.source, source) and same(self.campaign, campaign)):
            return False
        if (self.min_score is not None or self.max_score is not None) and score is None:
            return False
        if self.min_score is not None and score is not None and score < self.min_score:
            return False
        if self.max_score is not None and score is not None and score > self.max_score:
            return False
        if self.email_domain is not None:
            domain = self.email_domain.removeprefix("@").casefold()
            return email is not None and email.strip().casefold().rpartition("@")[2] == domain
        return True


class RoutingConfig(Frozen):
    mode: Literal["claim", "round_robin", "weighted"] = "claim"
    pool: tuple[MemberId, ...] = ()  # empty: everyone in team.sales (user groups expand)
    weights: dict[str, Weight] = Field(default_factory=dict)  # weighted: shares of new leads (default 1)
    max_open: int | None = Field(None, gt=0, le=100_000)  # a rep with this many open leads is skipped
    reassign_unaccepted: bool = False
    rules: tuple[RoutingRule, ...] = Field((), max_length=100)

    @property
    def routes(self) -> bool:
        return self.mode != "claim"

    def weight(self, user_id: str) -> int:
        return self.weights.get(user_id, 1) if self.mode == "weighted" else 1


def check_routing(routing: RoutingConfig, sales: tuple[str, ...]) -> None:
    """Everyone routing names must be in `team.sales`. A user id is checked against the ids listed there; when
    team.sales lists a user group too, a user id not listed by itself may be one of its members, which only Slack
    knows: it is checked when leads are routed (someone outside sales is never assigned)."""
    listed = set(sales)
    groups = any(GROUP_ID.match(entry) for entry in sales)

    def check(key: str, entry: str) -> None:
        if entry in listed or (groups and not GROUP_ID.match(entry)):
            return
        raise ConfigError(key, f"{entry} is not in team.sales: routing assigns leads to sales reps only")

    for index, entry in enumerate(routing.pool):
        check(f"routing.pool[{index}]", entry)
    for user_id in routing.weights:
        if not USER_ID.match(user_id):
            raise ConfigError(f"routing.weights.{user_id}", f"{user_id!r} is not a Slack user id (U… or W…)")
        check(f"routing.weights.{user_id}", user_id)
    for number, rule in enumerate(routing.rules):
        for index, entry in enumerate(rule.assign):
            check(f"routing.rules[{number}].assign[{index}]", entry)
