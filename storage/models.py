"""SQLAlchemy 2 models. Every stored time is UTC; `UTCDateTime` hands back aware datetimes on every database."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    TypeDecorator,
    false,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Stage(StrEnum):
    """The values a lead's `stage` column holds. What may follow what is bot/lifecycle/stages.py's table."""

    MQL = "mql"
    SAL = "sal"
    SQL = "sql"
    OPPORTUNITY = "opportunity"
    WON = "won"
    LOST = "lost"
    REJECTED = "rejected"
    RECYCLED = "recycled"


# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit key.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, returns aware UTC; refuses naive input so local times cannot sneak in."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON(), list[Any]: JSON()}


def table_of(model: type[Base]) -> Table:
    """A model's Core table, for executemany inserts that skip the ORM's per-row bookkeeping (about 5x faster for a
    batch of 100 rows; the sweep and intake write many rows they never read back)."""
    return cast(Table, model.__table__)


class Lead(Base):
    __tablename__ = "leads"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(200), unique=True)
    email: Mapped[str | None] = mapped_column(String(320))
    name: Mapped[str | None] = mapped_column(String(200))
    company: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str | None] = mapped_column(String(100), index=True)
    campaign: Mapped[str | None] = mapped_column(String(200))
    score: Mapped[int | None]
    activity: Mapped[list[Any]] = mapped_column(default=list)
    stage: Mapped[str] = mapped_column(String(20), default=Stage.MQL)
    owner: Mapped[str | None] = mapped_column(String(32))
    received_at: Mapped[datetime]
    posted_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(32))
    reject_reason: Mapped[str | None] = mapped_column(String(100))
    reject_note: Mapped[str | None] = mapped_column(Text)
    slack_channel: Mapped[str | None] = mapped_column(String(32))
    slack_ts: Mapped[str | None] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(default=1)
    # When the lead first reached each later step (kept when it moves on, so the funnel counts every step it passed)
    contacted_at: Mapped[datetime | None]
    sql_at: Mapped[datetime | None]
    opportunity_at: Mapped[datetime | None]
    won_at: Mapped[datetime | None]
    lost_at: Mapped[datetime | None]
    recycled_at: Mapped[datetime | None]
    lost_reason: Mapped[str | None] = mapped_column(String(100))
    amount_cents: Mapped[int | None] = mapped_column(BigInteger)  # opportunity amount, then the won amount
    # Imported with --no-post or as history: never posted to the channel (no "New MQL", no accept clock), whatever
    # happens to it later; a win is still celebrated.
    quiet: Mapped[bool] = mapped_column(default=False, server_default=false())
    # None: an MQL marketing sent. "win": a deal celebrated with /win that no lead matched (won, never an MQL).
    origin: Mapped[str | None] = mapped_column(String(20))
    # The CRM record the lead came from ("hubspot" or "salesforce", and its id there): outcomes are written back to
    # it, and the CRM's later messages about it (a deal's, an opportunity's stage) find the lead by it.
    crm: Mapped[str | None] = mapped_column(String(20))
    crm_id: Mapped[str | None] = mapped_column(String(64))
    # Routing ([routing] mode other than "claim"): the rep the lead is offered to until someone accepts it (None:
    # anyone in sales may claim it), and since when (the accept clock runs for them from then).
    assignee: Mapped[str | None] = mapped_column(String(32))
    assigned_at: Mapped[datetime | None]
    # The version of the agreement (agreement_versions) in force when the lead arrived: its clocks run on its terms.
    # None for leads stored before the agreement was versioned: they run on version 1.
    agreement_version: Mapped[int | None]

    __table_args__ = (
        Index("ix_leads_received_at", "received_at"),
        Index("ix_leads_slack_post", "slack_ts", "slack_channel"),  # the leads one (batch) message shows
        Index("ix_leads_email", "email"),  # a known person under a new external_id
        Index("ix_leads_crm_record", "crm", "crm_id"),
        Index("ix_leads_assignee", "assignee"),
    )


class LeadEvent(Base):
    """Append-only timeline: what happened to a lead, who did it, when. Metrics and audits read it."""

    __tablename__ = "lead_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime]
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)

    __table_args__ = (Index("ix_lead_events_lead_at", "lead_id", "at"), Index("ix_lead_events_kind_at", "kind", "at"))


class OutboxMessage(Base):
    """Something Slack must hear about. Rows say *what* to bring up to date; the worker renders current state."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(200))
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        # The worker's only read: pending rows by due time. Delivered and dead rows fall out of the index.
        Index(
            "ix_outbox_pending",
            "next_attempt_at",
            sqlite_where=text("delivered_at IS NULL AND failed_at IS NULL"),
            postgresql_where=text("delivered_at IS NULL AND failed_at IS NULL"),
        ),
        Index("ix_outbox_key", "key"),
    )


class SlaTimer(Base):
    """One SLA clock of one lead. The sweep reads only rows whose `next_at` has come, through a partial index, so
    its cost follows the number of due steps, not the number of leads. `stopped_at IS NULL` while it runs."""

    __tablename__ = "sla_timers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"))
    clock: Mapped[str] = mapped_column(String(20))
    owner: Mapped[str | None] = mapped_column(String(32))  # who was on the hook when it started
    business_hours: Mapped[bool] = mapped_column(default=False)
    target_seconds: Mapped[int]
    started_at: Mapped[datetime]
    warn_at: Mapped[datetime | None]
    due_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(12), default="running")  # running, breached, met, missed, cancelled
    warned_at: Mapped[datetime | None]
    breached_at: Mapped[datetime | None]
    steps_fired: Mapped[int] = mapped_column(default=0)
    snoozed_until: Mapped[datetime | None]
    snoozed_by: Mapped[str | None] = mapped_column(String(32))
    snoozes: Mapped[int] = mapped_column(default=0, server_default="0")  # how often this clock was snoozed
    next_at: Mapped[datetime | None]  # when the sweep must look at it next; NULL once nothing is left to do
    stopped_at: Mapped[datetime | None]
    elapsed_seconds: Mapped[int | None]  # counted time (working time if business_hours) from start to stop
    agreement_version: Mapped[int | None]  # the lead's version of the agreement (None: version 1), for reports

    __table_args__ = (
        Index(
            "ix_sla_timers_next_at",
            "next_at",
            sqlite_where=text("next_at IS NOT NULL"),
            postgresql_where=text("next_at IS NOT NULL"),
        ),
        # At most one running clock of each kind per lead: starting twice is impossible, not just unlikely.
        Index(
            "ux_sla_timers_active",
            "lead_id",
            "clock",
            unique=True,
            sqlite_where=text("stopped_at IS NULL"),
            postgresql_where=text("stopped_at IS NULL"),
        ),
        # by lead, and covering for the funnel's per-clock compliance (no table read per lead)
        Index("ix_sla_timers_lead_clock_state", "lead_id", "clock", "state"),
        Index("ix_sla_timers_clock_started", "clock", "started_at"),
    )


class SlaNotice(Base):
    """One Slack message about SLA clocks: a DM to a person (grouping every lead of one sweep) or a reply in a
    lead's thread. Re-rendered from current state, so acting on a lead updates every alarm already sent."""

    __tablename__ = "sla_notices"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # warn, breach, snooze_over, nudge
    recipient: Mapped[str] = mapped_column(String(32))  # a user id (DM) or a channel id (thread reply)
    thread_ts: Mapped[str | None] = mapped_column(String(32))
    actor: Mapped[str | None] = mapped_column(String(32))  # who nudged, for nudges
    # a DM Slack refused for good, told in the channel instead: whom it was for, and Slack's answer
    meant_for: Mapped[str | None] = mapped_column(String(32))
    refused: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    slack_channel: Mapped[str | None] = mapped_column(String(32))
    slack_ts: Mapped[str | None] = mapped_column(String(32))


class SlaNoticeItem(Base):
    __tablename__ = "sla_notice_items"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("sla_notices.id", ondelete="CASCADE"))
    timer_id: Mapped[int] = mapped_column(ForeignKey("sla_timers.id", ondelete="CASCADE"))
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"))
    step: Mapped[int | None]

    __table_args__ = (Index("ix_sla_notice_items_notice", "notice_id"), Index("ix_sla_notice_items_lead", "lead_id"))


class JobMark(Base):
    """A scheduled announcement that has been made ("mql_pace:behind:2026-11"): the unique key makes each happen
    once however many replicas run the job, because the mark and the outbox row commit together."""

    __tablename__ = "job_marks"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    at: Mapped[datetime]


class Spend(Base):
    """Marketing spend per month and source, for cost per MQL and acquisition cost. Money is kept in cents."""

    __tablename__ = "spend"

    month: Mapped[date] = mapped_column(Date, primary_key=True)  # the first day of the month
    source: Mapped[str] = mapped_column(String(100), primary_key=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime]
    updated_by: Mapped[str | None] = mapped_column(String(64))


# --- /funnel's rollup: kept current by every write path in the transaction of the change, rebuilt by
# `handoff db rebuild-rollups` (storage/rollups.py). A row's day is the UTC date of its leads' `received_at`; the
# dimensions are stored as the report shows them ('unknown', 'no campaign', the band's label), so no key is NULL.


class FunnelDay(Base):
    """The cohort's counts and sums per UTC day × source × campaign × score band (`storage.metrics.MEASURES`)."""

    __tablename__ = "funnel_days"
    __table_args__ = {"sqlite_with_rowid": False}  # stored in key order: a range of days is one read

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    source: Mapped[str] = mapped_column(String(100), primary_key=True)
    campaign: Mapped[str] = mapped_column(String(200), primary_key=True)
    band: Mapped[str] = mapped_column(String(20), primary_key=True)
    leads: Mapped[int] = mapped_column(BigInteger)  # rows of any origin: the group exists while this is above 0
    mqls: Mapped[int] = mapped_column(BigInteger)
    accepted: Mapped[int] = mapped_column(BigInteger)
    rejected: Mapped[int] = mapped_column(BigInteger)
    sqls: Mapped[int] = mapped_column(BigInteger)
    opportunities: Mapped[int] = mapped_column(BigInteger)
    won: Mapped[int] = mapped_column(BigInteger)
    lost: Mapped[int] = mapped_column(BigInteger)
    won_cents: Mapped[int] = mapped_column(BigInteger)
    pipeline_cents: Mapped[int] = mapped_column(BigInteger)
    days_to_won_sum: Mapped[float] = mapped_column(Double)  # seconds, despite the name (as `Counts` has it)
    cohort_won: Mapped[int] = mapped_column(BigInteger)
    repeats: Mapped[int] = mapped_column(BigInteger)


class FunnelDayReason(Base):
    """Rejected leads per UTC day × source × campaign × band × reason."""

    __tablename__ = "funnel_day_reasons"
    __table_args__ = {"sqlite_with_rowid": False}  # stored in key order: a range of days is one read

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    source: Mapped[str] = mapped_column(String(100), primary_key=True)
    campaign: Mapped[str] = mapped_column(String(200), primary_key=True)
    band: Mapped[str] = mapped_column(String(20), primary_key=True)
    reason: Mapped[str] = mapped_column(String(100), primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger)


class FunnelDayClock(Base):
    """The SLA clocks of the cohort's leads per UTC day (of the lead's `received_at`) × dimensions × clock × state."""

    __tablename__ = "funnel_day_clocks"
    __table_args__ = {"sqlite_with_rowid": False}  # stored in key order: a range of days is one read

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    source: Mapped[str] = mapped_column(String(100), primary_key=True)
    campaign: Mapped[str] = mapped_column(String(200), primary_key=True)
    band: Mapped[str] = mapped_column(String(20), primary_key=True)
    clock: Mapped[str] = mapped_column(String(20), primary_key=True)
    state: Mapped[str] = mapped_column(String(12), primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger)


class FunnelDayDuration(Base):
    """An exact histogram of the cohort's durations per UTC day: how many accepted leads took `seconds` (whole,
    rounded as the report rounds them) to accept (`which="accept"`) or from accept to first contact ("contact"),
    and the same counted in coarse buckets, a quarter of an octave wide (`which="accept/bucket"`, `seconds` the
    bucket's number, see `storage.rollups.bucket_of`). The median and the 90th percentile are found in the few
    buckets first, then in the exact seconds of the one or two buckets they fall in."""

    __tablename__ = "funnel_day_durations"
    __table_args__ = {"sqlite_with_rowid": False}  # stored in key order: a range of days is one read

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    which: Mapped[str] = mapped_column(String(20), primary_key=True)
    seconds: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger)


class RoutingTurn(Base):
    """A rep's standing in one routing pool's rotation (the pool's key names its reps), shared by every replica and
    kept across restarts: `credit` is what the rotation owes the rep, in units of 1/`scale` of a lead."""

    __tablename__ = "routing_turns"

    pool: Mapped[str] = mapped_column(String(200), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    credit: Mapped[int] = mapped_column(BigInteger, default=0)
    assigned: Mapped[int] = mapped_column(BigInteger, default=0)  # leads given to the rep in this pool
    updated_at: Mapped[datetime]


class AwayRep(Base):
    """A rep who is out (`/handoff away`, App Home): no new leads, and their open leads' alarms go to their manager.
    `until` None: until they say `/handoff back`."""

    __tablename__ = "away_reps"

    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    since: Mapped[datetime]
    until: Mapped[datetime | None]
    set_by: Mapped[str] = mapped_column(String(32))


class ContactAttempt(Base):
    """One logged attempt to reach an accepted lead ([sla.follow_up]): a connected or replied one is the first
    contact; the others count toward the attempts sales promised."""

    __tablename__ = "contact_attempts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    actor: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(20))  # call, email, linkedin, meeting, other
    outcome: Mapped[str] = mapped_column(String(20))  # connected, replied, voicemail, no_answer, bounced
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime]
    assets: Mapped[list[Any] | None]  # the ids of the content assets used (storage/content_models.py), if named


class AgreementVersion(Base):
    """One version of the agreement between sales and marketing: every SLA term and the MQL definition, as the team
    file's [sla.*] tables write them (`terms`, bot/config/agreement.py), with what changed from the version before
    (`changes`), who approved it and when it took effect. Versions are never edited: a change is a new version."""

    __tablename__ = "agreement_versions"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    terms: Mapped[dict[str, Any]]
    changes: Mapped[list[Any]] = mapped_column(default=list)  # [{"term": "accept.target", "before": .., "after": ..}]
    # The team file's terms when this version was recorded (carried from version to version): a start-up whose file
    # says otherwise records the edit, term by term, as a new version on top of the one in force.
    file_terms: Mapped[dict[str, Any]]
    source: Mapped[str] = mapped_column(String(20))  # "team_file" (seeded or edited there) or "proposal"
    proposal_id: Mapped[int | None] = mapped_column(BigInteger)
    approved_by: Mapped[list[Any]] = mapped_column(default=list)  # user ids; empty for the team file
    rationale: Mapped[str | None] = mapped_column(Text)
    effective_at: Mapped[datetime]


class AgreementProposal(Base):
    """A proposed change to the agreement (`/sla propose`, the quarterly review's button): it takes effect when both
    heads approve, as a new AgreementVersion; declined with a reason, or expired after 7 days, it changes nothing."""

    __tablename__ = "agreement_proposals"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    proposer: Mapped[str] = mapped_column(String(32))
    base_version: Mapped[int] = mapped_column(Integer)
    changes: Mapped[dict[str, Any]]  # term path -> proposed value, as the team file writes it ("accept.target": "20m")
    rationale: Mapped[str] = mapped_column(Text)
    origin: Mapped[str] = mapped_column(String(20), default="command")  # "command" or "review"
    state: Mapped[str] = mapped_column(String(12), default="open")  # open, approved, declined, expired
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    sales_approved_by: Mapped[str | None] = mapped_column(String(32))
    sales_approved_at: Mapped[datetime | None]
    marketing_approved_by: Mapped[str | None] = mapped_column(String(32))
    marketing_approved_at: Mapped[datetime | None]
    declined_by: Mapped[str | None] = mapped_column(String(32))
    decline_reason: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None]
    version: Mapped[int | None]  # the version it became
    slack_channel: Mapped[str | None] = mapped_column(String(32))  # its post in the leads channel
    slack_ts: Mapped[str | None] = mapped_column(String(32))

    __table_args__ = (Index("ix_agreement_proposals_state_expires", "state", "expires_at"),)


class AgreementTermLock(Base):
    """The terms an open proposal touches, one row each: the primary key refuses a second open proposal touching
    the same term, however many processes race. Deleted when the proposal closes."""

    __tablename__ = "agreement_term_locks"

    term: Mapped[str] = mapped_column(String(100), primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("agreement_proposals.id", ondelete="CASCADE"))


class AgreementProposalDm(Base):
    """Where a proposal's DM to one head landed (the channel post is the proposal's own slack_channel/ts), so the
    outbox updates it in place when the proposal is approved, declined or expires."""

    __tablename__ = "agreement_proposal_dms"

    proposal_id: Mapped[int] = mapped_column(ForeignKey("agreement_proposals.id", ondelete="CASCADE"), primary_key=True)
    recipient: Mapped[str] = mapped_column(String(32), primary_key=True)
    slack_channel: Mapped[str] = mapped_column(String(32))
    slack_ts: Mapped[str] = mapped_column(String(32))


# The content library's tables live in a module of their own; importing it here puts them in Base.metadata.
from storage.content_models import ContentAsset as ContentAsset  # noqa: E402
from storage.content_models import ContentRequest as ContentRequest  # noqa: E402
from storage.content_models import ContentShare as ContentShare  # noqa: E402
