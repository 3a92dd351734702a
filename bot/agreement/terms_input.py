"""The terms a proposal may change, as a person types them into the proposal modal, and as people read them.

Each field shows the term in force ("30m", "75%", 3, the rule's words). What is submitted is what is proposed:
a field left as it was changes nothing; a field emptied drops an optional term (a heads-up, the monthly target, the
acceptance floor, the rule), and is refused for a term the agreement needs (a clock's target, the score bar). A
clock the agreement does not track yet (no [sla.first_touch]) shows empty fields: left empty it stays untracked,
filled in it starts being tracked. Everything is then validated as the team file is (bot/config/agreement.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.config.agreement import Terms, flatten, sla_with, terms_of, with_changes
from bot.config.business_time import parse_duration
from bot.config.team_file import SlaConfig
from bot.errors import ConfigError, UserError
from message_templates import mrkdwn
from message_templates.wording import humanize, percent

COUNT = re.compile(r"[0-9]{1,9}")
MOST_TYPED = 40  # a duration or percentage longer than this is not one (the modal's inputs allow as much)
RATIONALE_MOST = 2000


@dataclass(frozen=True)
class TermField:
    term: str  # "accept.target"
    label: str
    kind: str  # duration, percent, count, text
    hint: str
    required: bool = False  # within a section the agreement tracks

    @property
    def section(self) -> str:
        return self.term.partition(".")[0]


FIELDS = (
    TermField("accept.target", "Accept target", "duration", 'How long sales has to accept an MQL, like "30m"', True),
    TermField("accept.warn_at", "Accept heads-up at", "percent", 'Share of the target, like "75%"'),
    TermField(
        "first_touch.target", "First-touch target", "duration", 'From acceptance to first contact, like "4h"', True
    ),  # fmt: skip
    TermField("follow_up.attempts", "Follow-up attempts", "count", "Contact attempts per accepted lead, 1 to 20", True),
    TermField(
        "follow_up.within", "Follow-up within", "duration", 'For those attempts, from acceptance, like "5d"', True
    ),  # fmt: skip
    TermField("mql_volume.monthly_target", "Monthly MQL target", "count", "MQLs marketing delivers each month"),
    TermField(
        "mql_volume.min_accept_rate", "Acceptance-rate floor", "percent", 'Share of MQLs sales accepts, like "60%"'
    ),
    TermField("mql.min_score", "MQL score bar", "count", "A lead scoring below it is not an MQL, 0 to 100", True),
    TermField("mql.rule", "MQL rule", "text", "The rest of the definition, in words (up to 300 characters)"),
)
BY_TERM = {field.term: field for field in FIELDS}
RATIONALE = "rationale"


def shown(field: TermField, value: Any) -> str:
    """A term's value as its field shows it (and as it is typed)."""
    if value is None:
        return ""
    if field.kind == "percent" and isinstance(value, float):
        return f"{value * 100:g}%"
    return str(value)


def initial_values(terms: Terms, prefill: dict[str, object] | None = None) -> dict[str, str]:
    """What each field shows: the term in force, or what `prefill` proposes for it."""
    flat = flatten(terms)
    return {f.term: shown(f, (prefill or {}).get(f.term, flat.get(f.term))) for f in FIELDS}


def _typed(field: TermField, text: str, tracked: bool) -> Any:
    if "\x00" in text:
        raise UserError("This holds a NUL character: type it again.", field=field.term)
    text = text.strip()
    if not text:
        if field.required and tracked:
            raise UserError("Required: the agreement has this term (fill it in to keep it).", field=field.term)
        return None
    if field.kind == "count":
        if not COUNT.fullmatch(text):
            raise UserError("Write a whole number, like 3.", field=field.term)
        return int(text)
    if field.kind in ("duration", "percent") and len(text) > MOST_TYPED:
        raise UserError(f"{field.hint}: this is too long to be one.", field=field.term)
    return text


def field_of(error: ConfigError, touched: list[str]) -> str:
    """The modal field a team-file error names ("sla.accept.target"); a key of a whole section, its first field
    the person changed."""
    key = error.key.removeprefix("sla.")
    for field in FIELDS:
        if key == field.term or key.startswith(field.term + "."):
            return field.term
    section = key.partition(".")[0]
    return next((t for t in touched if t.startswith(section + ".")), touched[0] if touched else FIELDS[0].term)


def proposed_changes(base: SlaConfig, in_force: Terms, entered: dict[str, str]) -> dict[str, Any]:
    """The terms a submission changes, {term: value as the team file writes it}, validated as the team file is; a
    UserError naming the field otherwise. `entered` is every field's text (a term it leaves out is unchanged)."""
    shown_now = initial_values(in_force)
    typed: dict[str, Any] = {}
    for term, text in entered.items():
        field = BY_TERM.get(term)
        if field is None or text.strip() == shown_now[term]:
            continue
        value = _typed(field, text, isinstance(in_force.get(field.section), dict))
        if value is not None or isinstance(in_force.get(field.section), dict):
            typed[term] = value
    try:
        valid = sla_with(base, with_changes(in_force, typed), source="the proposal")
    except ConfigError as exc:
        raise UserError(
            f"{exc.problem} ({exc.key}, as the team file would say)", field=field_of(exc, list(typed))
        ) from None
    after, before = flatten(terms_of(valid)), flatten(in_force)
    changes = {f.term: after.get(f.term) for f in FIELDS if after.get(f.term) != before.get(f.term)}
    if not changes:
        raise UserError("Change at least one term: every field still says what the agreement says.", field="")
    return changes


def check_rationale(text: str) -> str:
    if "\x00" in text:
        raise UserError("The rationale holds a NUL character: type it again.", field=RATIONALE)
    text = text.strip()
    if not text:
        raise UserError("Say why: both heads and the channel read it.", field=RATIONALE)
    if len(text) > RATIONALE_MOST:
        raise UserError(f"Keep the rationale to {RATIONALE_MOST} characters (it has {len(text)}).", field=RATIONALE)
    return text


def read(value: Any, field: TermField | None) -> str:
    """A term's value as people read it, escaped mrkdwn: "30 min", "75%", "3", "_not set_"."""
    if value is None:
        return "_not set_"
    kind = field.kind if field else ""
    if kind == "duration" and isinstance(value, str):
        try:
            return humanize(parse_duration(value))
        except ValueError:
            return mrkdwn(value, 100)
    if kind == "percent" and isinstance(value, float):
        return percent(value)
    if kind == "text":
        return f"“{mrkdwn(value, 400)}”"
    return mrkdwn(value if not isinstance(value, dict | list) else "(set)", 100)


def change_line(term: str, before: Any, after: Any) -> str:
    """ "*Accept target*: 30 min → 20 min" (escaped mrkdwn)."""
    field = BY_TERM.get(term)
    label = field.label if field else mrkdwn(term.replace("_", " ").replace(".", " "), 100)
    return f"*{label}*: {read(before, field)} → {read(after, field)}"


def change_lines(in_force: Terms, changes: dict[str, Any]) -> list[str]:
    before = flatten(in_force)
    return [change_line(term, before.get(term), value) for term, value in changes.items()]
