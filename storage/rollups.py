"""/funnel's rollup, kept current in the transaction of every change and rebuilt from the leads on demand.

Four tables (storage/models.py) hold, per UTC day of `received_at` × source × campaign × score band, what the report
counts: the cohort's counts and sums, its reject reasons, its SLA clocks by clock and state, and (per day only) an
exact histogram of its times to accept and to first contact. A change adds a lead's contribution (`add_leads`,
`add_clocks`) or, for a lead that changes, takes it away first and adds it back after (`recount`). Every statement
is set-based: one INSERT … SELECT … GROUP BY … ON CONFLICT DO UPDATE per table for the whole set of leads, computed
by the same expressions the full scan of `storage.metrics` uses, so the two agree by construction.

The caller owns the transaction: these flush, never commit.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Collection
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Date, Executable, bindparam, case, delete, func, literal, select, true, union_all
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from storage.metrics import dimension_column, duration_of, measures, whole_seconds
from storage.models import (
    Base,
    FunnelDay,
    FunnelDayClock,
    FunnelDayDuration,
    FunnelDayReason,
    Lead,
    SlaTimer,
    table_of,
)

TABLES: tuple[type[Base], ...] = (FunnelDay, FunnelDayReason, FunnelDayClock, FunnelDayDuration)
KEY = ("day", "source", "campaign", "band")
MEASURED = tuple(measures())  # FunnelDay's columns beside its key
WHICH = ("accept", "contact")


class UtcDay(FunctionElement[date]):
    """The UTC date of a stored (naive UTC) time."""

    type = Date()
    inherit_cache = True
    name = "utc_day"


@compiles(UtcDay, "sqlite")
def _utc_day_sqlite(element: UtcDay, compiler: Any, **kw: Any) -> str:
    return f"date({compiler.process(list(element.clauses)[0], **kw)})"


@compiles(UtcDay, "postgresql")
def _utc_day_postgresql(element: UtcDay, compiler: Any, **kw: Any) -> str:
    return f"CAST({compiler.process(list(element.clauses)[0], **kw)} AS DATE)"


def lead_key() -> list[ColumnElement[Any]]:
    """A lead's place in the rollup: its UTC day and its dimensions as the report names them."""
    return [
        UtcDay(Lead.received_at).label("day"),
        dimension_column("source").label("source"),
        dimension_column("campaign").label("campaign"),
        dimension_column("band").label("band"),
    ]


def _signed(expression: ColumnElement[Any], sign: int) -> ColumnElement[Any]:
    return expression if sign > 0 else -expression


def _upsert(dialect: str, model: type[Base], columns: list[str], rows: Any, keys: list[str]) -> Executable:
    """INSERT the grouped `rows` into `model`, adding them to the rows already there."""
    table = table_of(model)
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(table).from_select(columns, rows)
    added = [c for c in columns if c not in keys]
    return statement.on_conflict_do_update(
        index_elements=keys, set_={c: table.c[c] + statement.excluded[c] for c in added}
    )


def lead_statements(dialect: str, chosen: ColumnElement[bool], sign: int) -> list[Executable]:
    """Add (`sign` 1) or take away (-1) the contribution of the leads `chosen` to the counts, the reject reasons
    and the duration histogram. (SQLite wants a WHERE in an INSERT … SELECT with ON CONFLICT: each has one.)"""
    return [_upsert(dialect, *spec) for spec in lead_specs(chosen, sign)]


Spec = tuple[type[Base], list[str], Any, list[str]]  # the table, its columns, the grouped rows for them, the key


def lead_specs(chosen: ColumnElement[bool], sign: int = 1) -> list[Spec]:
    """The contribution of the leads `chosen` to the counts, the reasons and the durations, as grouped rows."""
    key = lead_key()
    every = measures()
    days = select(*key, *(_signed(every[name], sign) for name in MEASURED)).where(chosen).group_by(*key)
    reasons = (
        select(*key, Lead.reject_reason, _signed(func.count(), sign))
        .where(chosen, Lead.reject_reason.is_not(None))
        .group_by(*key, Lead.reject_reason)
    )
    return [
        (FunnelDay, [*KEY, *MEASURED], days, list(KEY)),
        (FunnelDayReason, [*KEY, "reason", "n"], reasons, [*KEY, "reason"]),
        times_spec(chosen, sign, WHICH),
    ]


OCTAVES = range(3, 41)  # seconds below 8 have a bucket each; then four per octave, up to 2**41 s
LAST_BUCKET = 8 + 4 * len(OCTAVES)


def bucket_of(seconds: ColumnElement[int]) -> ColumnElement[int]:
    """The bucket of a whole number of seconds: itself below 8, then a quarter of an octave each (8-9, 10-11, …,
    14-15, 16-19, …), so a bucket never holds more than a fifth of the values above its start."""
    steps = [(seconds < 2 ** (k + 1), 4 * (k - 3) + 4 + seconds // 2 ** (k - 2)) for k in OCTAVES]
    return case((seconds < 8, seconds), *steps, else_=LAST_BUCKET)


def bucket_range(bucket: int) -> tuple[int, int | None]:
    """The seconds [low, high) a bucket holds (high None: no end)."""
    if bucket < 8:
        return bucket, bucket + 1
    if bucket >= LAST_BUCKET:
        return 2 ** (OCTAVES[-1] + 1), None
    k, sub = 3 + (bucket - 8) // 4, (bucket - 8) % 4
    return (4 + sub) * 2 ** (k - 2), (5 + sub) * 2 ** (k - 2)


def times_statement(dialect: str, chosen: ColumnElement[bool], sign: int, which: Collection[str]) -> Executable:
    """Add or take away the durations (`which` of "accept", "contact") of the leads `chosen` to the histogram."""
    return _upsert(dialect, *times_spec(chosen, sign, which))


def times_spec(chosen: ColumnElement[bool], sign: int, which: Collection[str]) -> Spec:
    """The durations of the leads `chosen`: the exact seconds, and from those (computed once) the buckets."""
    parts = []
    for name in which:
        seconds, present = duration_of(name)
        whole, day = whole_seconds(seconds), UtcDay(Lead.received_at)
        parts.append(
            select(day.label("day"), literal(name).label("which"), whole.label("seconds"),
                   _signed(func.count(), sign).label("n")).where(chosen, present).group_by(day, whole)
        )  # fmt: skip
    exact = union_all(*parts).cte("exact")
    bucket = bucket_of(exact.c.seconds)
    buckets = select(exact.c.day, exact.c.which + "/bucket", bucket, func.sum(exact.c.n)).group_by(
        exact.c.day, exact.c.which, bucket
    )
    both = union_all(select(exact), buckets).subquery()
    columns = ["day", "which", "seconds", "n"]
    return FunnelDayDuration, columns, select(both).where(true()), columns[:3]


def clock_statement(dialect: str, chosen: ColumnElement[bool], sign: int) -> Executable:
    """Add or take away the SLA clocks `chosen` (a condition on sla_timers or on their leads)."""
    return _upsert(dialect, *clock_spec(chosen, sign))


def clock_spec(chosen: ColumnElement[bool], sign: int = 1) -> Spec:
    key = lead_key()
    clocks = (
        select(*key, SlaTimer.clock, SlaTimer.state, _signed(func.count(), sign))
        .select_from(Lead)
        .join(SlaTimer, SlaTimer.lead_id == Lead.id)
        .where(chosen)
        .group_by(*key, SlaTimer.clock, SlaTimer.state)
    )
    return FunnelDayClock, [*KEY, "clock", "state", "n"], clocks, [*KEY, "clock", "state"]


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


IDS = "rollup_ids"  # the one parameter of the statements below: the ids they count


@functools.cache
def _for_ids(kind: str, dialect: str, sign: int, which: str = "") -> list[Executable]:
    """The upkeep statements for chosen ids, built once per dialect and sign (building one costs ~10 ms: the
    duration buckets are a long CASE), with the ids one expanding parameter, so SQLAlchemy's compiled cache serves
    every later call."""
    if kind in ("leads", "new_leads"):
        statements = lead_statements(dialect, Lead.id.in_(bindparam(IDS, expanding=True)), sign)
        return statements[:1] if kind == "new_leads" else statements  # the counts; then reasons and durations
    if kind == "timers":
        return [clock_statement(dialect, SlaTimer.id.in_(bindparam(IDS, expanding=True)), sign)]
    if kind == "lead_clocks":
        return [clock_statement(dialect, Lead.id.in_(bindparam(IDS, expanding=True)), sign)]
    return [times_statement(dialect, Lead.id.in_(bindparam(IDS, expanding=True)), sign, [which])]


async def _count(session: AsyncSession, kind: str, ids: Collection[int], sign: int, which: str = "") -> None:
    for statement in _for_ids(kind, _dialect(session), sign, which):
        await session.execute(statement, {IDS: list(ids)})


async def add_leads(
    *, session: AsyncSession, lead_ids: Collection[int], sign: int = 1, just_received: bool = False
) -> None:
    """Count these leads in (or, with `sign` -1, out of) the rollup: three statements however many leads. Leads
    `just_received` (new MQLs, no history) have no reject reason and no durations yet: only their counts go in."""
    if lead_ids:
        await session.flush()
        await _count(session, "new_leads" if just_received else "leads", lead_ids, sign)


async def add_clocks(
    *, session: AsyncSession, timer_ids: Collection[int] = (), lead_ids: Collection[int] = (), sign: int = 1
) -> None:
    """Count these clocks (by id, or every clock of these leads) in, or with `sign` -1 out of, the rollup."""
    if timer_ids or lead_ids:
        await session.flush()  # the ORM's changes to the clocks first
    if timer_ids:
        await _count(session, "timers", timer_ids, sign)
    if lead_ids:
        await _count(session, "lead_clocks", lead_ids, sign)


async def add_times(*, session: AsyncSession, lead_ids: Collection[int], which: str, sign: int = 1) -> None:
    """Count only the time to accept (`which="accept"`) or to first contact of these leads in or out."""
    if lead_ids:
        await session.flush()
        await _count(session, "times", lead_ids, sign, which)


Counted = list[dict[tuple[Any, ...], list[Any]]]  # per spec: key → the measures


@dataclass
class Snapshot:
    """What some leads or clocks contribute now, to compare with what they contribute after a change."""

    specs: list[Spec]
    before: Counted


async def _read(session: AsyncSession, specs: list[Spec]) -> Counted:
    await session.flush()
    out: Counted = []
    for _, _, rows, keys in specs:
        out.append({tuple(r[: len(keys)]): list(r[len(keys) :]) for r in await session.execute(rows)})
    return out


async def snapshot(
    *, session: AsyncSession, lead_ids: Collection[int] = (), timer_ids: Collection[int] = ()
) -> Snapshot:
    """Read (without writing) what these leads and their clocks, or these clocks, count now."""
    specs: list[Spec] = []
    if lead_ids:
        chosen = Lead.id.in_(sorted(set(lead_ids)))
        specs += [*lead_specs(chosen), clock_spec(chosen)]
    if timer_ids:
        specs.append(clock_spec(SlaTimer.id.in_(sorted(set(timer_ids)))))
    return Snapshot(specs, await _read(session, specs))


async def settle(*, session: AsyncSession, before: Snapshot) -> None:
    """Write the difference between what was counted in `before` and what the same leads or clocks count now:
    one executemany upsert per table that changed. The rollup's rows are written (and, on PostgreSQL, locked)
    only here, at the end of the change, so changes of leads of the same day queue on them only briefly."""
    after = await _read(session, before.specs)
    dialect = _dialect(session)
    for (model, columns, _, keys), old, new in zip(before.specs, before.before, after, strict=True):
        rows = []
        for key in old.keys() | new.keys():
            width = len(columns) - len(keys)
            delta = [b - a for a, b in zip(old.get(key, [0] * width), new.get(key, [0] * width), strict=True)]
            if any(delta):
                values = [
                    float(d) if name == "days_to_won_sum" else int(d)
                    for name, d in zip(columns[len(keys) :], delta, strict=True)
                ]
                rows.append(dict(zip(columns, [*key, *values], strict=True)))
        if rows:
            table = table_of(model)
            insert = (pg_insert if dialect == "postgresql" else sqlite_insert)(table)
            added = {c: table.c[c] + insert.excluded[c] for c in columns[len(keys) :]}
            await session.execute(insert.on_conflict_do_update(index_elements=keys, set_=added), rows)


@asynccontextmanager
async def recount(*, session: AsyncSession, lead_ids: Collection[int]) -> AsyncIterator[None]:
    """Around a change of these leads (and their clocks): what they count is read before and the difference
    written after. On PostgreSQL the leads and their clocks are locked first, so what is read is what a concurrent
    change left, and no other change slips in between (SQLite's transactions already run one at a time)."""
    ids = sorted(set(lead_ids))
    if _dialect(session) == "postgresql":
        await session.execute(select(Lead.id).where(Lead.id.in_(ids)).order_by(Lead.id).with_for_update())
        await session.execute(
            select(SlaTimer.id).where(SlaTimer.lead_id.in_(ids)).order_by(SlaTimer.id).with_for_update()
        )
    before = await snapshot(session=session, lead_ids=ids)
    yield
    await settle(session=session, before=before)


@dataclass(frozen=True)
class Rebuilt:
    leads: int
    clocks: int
    rows: dict[str, int]  # table: rows now in it


def rebuild_statements(dialect: str) -> list[Executable]:
    """Empty the rollup and count every lead and clock into it again."""
    return [
        *(delete(table_of(model)) for model in TABLES),
        *lead_statements(dialect, true(), 1),
        clock_statement(dialect, true(), 1),
    ]


async def rebuild(*, session: AsyncSession) -> Rebuilt:
    for statement in rebuild_statements(_dialect(session)):
        await session.execute(statement)
    leads = await session.scalar(select(func.count()).select_from(Lead))
    clocks = await session.scalar(select(func.count()).select_from(SlaTimer))
    rows = {}
    for model in TABLES:
        rows[str(model.__tablename__)] = int(await session.scalar(select(func.count()).select_from(model)) or 0)
    return Rebuilt(int(leads or 0), int(clocks or 0), rows)
