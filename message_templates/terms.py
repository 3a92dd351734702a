"""The agreement's terms in words, for people: "Accept target 30 min → 20 min", "score ≥ 80: 10 min", "manager at
once, then <@U…> at 2 h", "not tracked".

Pure functions of a version's stored terms (the team file's [sla.*] as JSON, bot/config/agreement.py), so the
domain words an announcement the same way /sla words a term. Every text a person wrote is escaped.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from message_templates import mrkdwn
from message_templates.wording import humanize, mention, percent

UNSET = "not tracked"
DURATION = re.compile(r"(\d+)([dhms])")
UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
GROUP = re.compile(r"^S[A-Z0-9]{2,}$")
SECTIONS = {
    "accept": "Accept",
    "first_touch": "First contact",
    "follow_up": "Follow-up cadence",
    "mql_volume": "MQL volume",
    "mql": "MQL definition",
    "content_request": "Content request",
}
KEYS = {
    "target": "target",
    "warn_at": "heads-up at",
    "business_hours": "in working time",
    "escalate": "escalation",
    "bands": "score bands",
    "attempts": "attempts",
    "within": "window",
    "no_response_reasons": "no-response reasons",
    "monthly_target": "monthly target",
    "min_accept_rate": "acceptance floor",
    "min_score": "score bar",
    "rule": "rule",
}
DURATIONS = frozenset({"target", "within", "after"})
PERCENTS = frozenset({"warn_at", "min_accept_rate"})


def duration(text: Any) -> str:
    """ "1h30m" (as the team file writes it) → "1 h 30 min"; anything else shown as written, escaped."""
    if isinstance(text, str) and (parts := DURATION.findall(text)) and "".join(n + u for n, u in parts) == text:
        return humanize(timedelta(seconds=sum(int(n) * UNITS[u] for n, u in parts)))
    return mrkdwn(str(text), 100)


def notify(who: Any) -> str:
    """Who an escalation step tells: a role, a person, a user group, or the words the file wrote."""
    text = str(who)
    if text in ("manager", "owner", "channel"):
        return {"manager": "manager", "owner": "owner", "channel": "the channel"}[text]
    if GROUP.match(text):
        return f"<!subteam^{text}>"
    return mention(text)


def chain(steps: Any) -> str:
    """ "manager at once, then <@U1> at 2 h" """
    if not isinstance(steps, list) or not steps:
        return "nobody"
    said = []
    for step in steps[:10]:
        after = step.get("after") if isinstance(step, dict) else None
        at = "at once" if after in (None, "0s") else f"at {duration(after)}"
        said.append(f"{notify(step.get('notify') if isinstance(step, dict) else step)} {at}")
    return ", then ".join(said) + (f", and {len(steps) - 10} more" if len(steps) > 10 else "")


def bands(rows: Any) -> str:
    """ "score ≥ 80: 10 min; score ≥ 50: 20 min" """
    if not isinstance(rows, list) or not rows:
        return "none"
    return "; ".join(
        f"score ≥ {row.get('min_score')}: {duration(row.get('target'))}" for row in rows[:10] if isinstance(row, dict)
    )


def value(key: str, item: Any) -> str:
    """One term's value in words (`key` is the term's last part: "target", "escalate", …)."""
    if item is None:
        return UNSET
    if key in DURATIONS:
        return duration(item)
    if key in PERCENTS and isinstance(item, int | float):
        return percent(float(item))
    if key == "escalate":
        return chain(item)
    if key == "bands":
        return bands(item)
    if key == "business_hours":
        return "yes" if item else "no (around the clock)"
    if key == "rule":
        return f"“{mrkdwn(str(item), 300)}”"
    if isinstance(item, list):
        return ", ".join(mrkdwn(str(part), 80) for part in item[:20]) or "none"
    if isinstance(item, dict):  # a whole section: its headline
        return section(item)
    return mrkdwn(str(item), 100)


def section(body: dict[str, Any]) -> str:
    """A whole clock or table in one phrase: "30 min" (a clock's target), or its terms."""
    if "target" in body:
        return duration(body["target"])
    if "within" in body:
        return f"{body.get('attempts')} attempts in {duration(body['within'])}"
    return ", ".join(f"{KEYS.get(k, k)} {value(k, v)}" for k, v in body.items() if v is not None) or UNSET


def label(term: str) -> str:
    """ "accept.target" → "Accept target"; "mql" → "MQL definition"."""
    head, _, key = term.partition(".")
    name = SECTIONS.get(head, mrkdwn(head, 40))
    return f"{name} {KEYS.get(key, mrkdwn(key, 40))}" if key else name


def change(term: str, before: Any, after: Any) -> str:
    """ "Accept target: 30 min → 20 min" """
    key = term.rpartition(".")[2]
    return f"{label(term)}: {value(key, before)} → {value(key, after)}"


def clock_terms(body: Any) -> str:
    """A clock's terms in one line: "30 min · heads-up at 75% · working time · escalates to manager at once ·
    score ≥ 80: 10 min"; "not tracked" when the version does not set it."""
    if not isinstance(body, dict):
        return UNSET
    if "within" in body:  # the follow-up cadence
        said = [f"{body.get('attempts')} attempts within {duration(body['within'])}"]
    else:
        said = [duration(body.get("target"))]
    if body.get("warn_at"):
        said.append(f"heads-up at {value('warn_at', body['warn_at'])}")
    if body.get("business_hours"):
        said.append("working time")
    if body.get("escalate"):
        said.append(f"escalates to {chain(body['escalate'])}")
    if body.get("bands"):
        said.append(bands(body["bands"]))
    return " · ".join(said)
