"""The agreement's terms as data: what one version of the agreement between sales and marketing holds.

A version is every SLA term and the MQL definition, as the team file's [sla.*] tables write them:

    {"accept": {"target": "30m", "warn_at": 0.75, ...}, "first_touch": {...}, "follow_up": {...},
     "mql_volume": {"monthly_target": 120, "min_accept_rate": 0.6}, "mql": {"min_score": 40, "rule": "..."}}

A term is one leaf of that document, named by its path ("accept.target", "mql.min_score"); lists (escalation
chains, score bands) are one term each. The rest of [sla] (quarterly_review, max_snoozes, unowned_notify) is how
Handoff runs, not what the teams promised, and stays in the team file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from pydantic import ValidationError

from bot.config.business_time import format_duration
from bot.config.team_file import SlaConfig, config_error

TERM_SECTIONS = ("accept", "first_touch", "follow_up", "mql_volume", "mql", "content_request")
Terms = dict[str, Any]


@dataclass(frozen=True)
class Change:
    term: str  # "accept.target"
    before: Any  # as the team file writes it; None when the term was not set
    after: Any

    def as_dict(self) -> dict[str, Any]:
        return {"term": self.term, "before": self.before, "after": self.after}


def _plain(value: Any) -> Any:
    """A dumped model as TOML would write it: durations as "30m", tuples as lists."""
    if isinstance(value, timedelta):
        return format_duration(value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def terms_of(sla: SlaConfig) -> Terms:
    """The agreement's part of an [sla] section, JSON-ready (what `agreement_versions.terms` stores)."""
    dumped = sla.model_dump(include=set(TERM_SECTIONS), exclude_none=False)
    return {section: _plain(dumped.get(section)) for section in TERM_SECTIONS}


def with_defaults(terms: Terms) -> Terms:
    """A version stored before a section existed ([sla.content_request]) as it runs: that section at its default,
    so a start-up after an upgrade records no edit the team file did not make."""
    defaults = terms_of(SlaConfig())
    return {**terms, **{s: defaults[s] for s in TERM_SECTIONS if s not in terms}}


def sla_with(base: SlaConfig, terms: Terms, *, source: str = "the agreement") -> SlaConfig:
    """`base` (the team file's [sla]) running on `terms`: validated as the team file is, a ConfigError naming the key
    ("sla.accept.target") on the first problem."""
    data = base.model_dump(exclude=set(TERM_SECTIONS))
    data.update({section: terms.get(section) for section in TERM_SECTIONS if terms.get(section) is not None})
    try:
        return SlaConfig.model_validate(data)
    except ValidationError as exc:
        raise config_error(exc, source=source, prefix=("sla",)) from None


def flatten(terms: Terms) -> dict[str, Any]:
    """Every term by its path; a section that is not set is one term, None."""
    out: dict[str, Any] = {}
    for section in TERM_SECTIONS:
        body = terms.get(section)
        if not isinstance(body, dict):
            out[section] = None
            continue
        for key, value in body.items():
            out[f"{section}.{key}"] = value
    return out


def diff(before: Terms, after: Terms) -> list[Change]:
    """What changed from one version to the next, term by term, in the sections' order. A section set on one side
    only (a clock started or stopped being tracked) is one change, the whole section."""
    changes = []
    for section in TERM_SECTIONS:
        old, new = before.get(section), after.get(section)
        if not isinstance(old, dict) or not isinstance(new, dict):
            if (old is None) != (new is None):
                changes.append(Change(section, old, new))
            continue
        for key in dict.fromkeys([*old, *new]):
            if old.get(key) != new.get(key):
                changes.append(Change(f"{section}.{key}", old.get(key), new.get(key)))
    return changes


def with_changes(terms: Terms, changes: dict[str, Any]) -> Terms:
    """`terms` with each changed term set ("accept.target": "20m"); a section not set is created. Not validated:
    `sla_with` does that."""
    out = {section: (dict(body) if isinstance(body, dict) else body) for section, body in terms.items()}
    for path, value in changes.items():
        section, _, key = path.partition(".")
        if section not in TERM_SECTIONS or not key:
            raise ValueError(f"{path!r} is not a term of the agreement")
        body = out.get(section)
        if not isinstance(body, dict):
            body = out[section] = {}
        body[key] = value
    return out
