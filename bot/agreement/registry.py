"""The agreement in force, and every earlier version, as the SLA configuration each lead's clocks run on.

Versions live in `agreement_versions` and are never edited, so each is cached once read. The version in force is
the newest, read inside the caller's transaction (intake stamps it on the lead it stores), so every replica agrees
on it without being told. The team file's [sla.*] tables seed version 1; a start-up whose file says otherwise than
at the last start records the edit as a new version, on top of the one in force, and the channel hears of it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config.agreement import Change, Terms, diff, flatten, sla_with, terms_of, with_changes, with_defaults
from bot.config.team_file import HandoffConfig, SlaConfig
from bot.delivery import outbox_kinds as kinds
from message_templates import terms as words
from storage import agreements as store
from storage.db import Database
from storage.models import AgreementVersion
from storage.outbox import Outgoing

log = logging.getLogger(__name__)

FIRST = 1


@dataclass(frozen=True)
class Adopted:
    """What start-up did with the team file's terms: seeded version 1, recorded an edit, or nothing."""

    version: int
    changes: tuple[Change, ...]
    seeded: bool


class Agreements:
    def __init__(self, db: Database, config: HandoffConfig, clock: Clock) -> None:
        self._db = db
        self._config = config
        self._clock = clock
        self._sla: dict[int, SlaConfig] = {}

    @property
    def file_sla(self) -> SlaConfig:
        return self._config.sla

    def sla(self, version: int | None) -> SlaConfig:
        """The SLA a lead of `version` runs on (None: version 1, leads stored before versions). A version not read
        yet in this process (made by another replica since) must be `load`ed first; until then the team file's."""
        found = self._sla.get(version or FIRST)
        if found is None:
            log.warning("agreement version %s is not loaded: using the team file's terms", version)
            return self.file_sla
        return found

    def _remember(self, row: AgreementVersion) -> SlaConfig:
        sla = self._sla.get(row.version)
        if sla is None:
            sla = self._sla[row.version] = sla_with(self.file_sla, row.terms, source=f"agreement version {row.version}")
        return sla

    async def load(self, session: AsyncSession, versions: Iterable[int | None]) -> None:
        """Read the versions not cached yet (a sweep calls it with its timers' versions)."""
        for number in {v or FIRST for v in versions} - set(self._sla):
            row = await store.version(session, number)
            if row is not None:
                self._remember(row)

    async def load_all(self, session: AsyncSession) -> list[SlaConfig]:
        """Every version's SLA, read where this process has not yet (the sweep expands their escalations' groups)."""
        await self.load(session, range(FIRST, (await store.newest_number(session) or FIRST) + 1))
        return list(self._sla.values())

    async def in_force(self, session: AsyncSession) -> tuple[int, SlaConfig]:
        """The version in force now and its SLA, read in the caller's transaction: its number, and its terms only
        the first time this process meets it (every intake asks; versions never change once stored)."""
        number = await store.newest_number(session)
        if number is None:  # not adopted yet (start-up does it first): the team file's terms are version 1
            return FIRST, self.file_sla
        await self.load(session, [number])
        return number, self.sla(number)

    async def sla_now(self) -> SlaConfig:
        """The SLA of the version in force, read in a transaction of its own (reports and reviews)."""
        async with self._db.reading() as session:
            return (await self.in_force(session))[1]

    async def adopt_file(self) -> Adopted:
        """At start-up: seed version 1 from the team file, or record an edit of its terms as a new version (the
        terms it changed, applied to the version in force). Two processes starting at once: one records it."""
        for _ in range(3):
            try:
                async with self._db.session() as session:
                    return await self._adopt(session)
            except IntegrityError:  # another process recorded the same version first: look again
                continue
        raise RuntimeError("could not record the team file's agreement terms")

    async def _adopt(self, session: AsyncSession) -> Adopted:
        now, file_terms = self._clock.now(), terms_of(self.file_sla)
        newest = await store.newest(session)
        if newest is None:
            row = store.add_version(
                session, number=FIRST, terms=file_terms, file_terms=file_terms, changes=[], source="team_file", at=now
            )
            await session.flush()
            self._remember(row)
            return Adopted(FIRST, (), seeded=True)
        edited = {c.term: c.after for c in diff(with_defaults(newest.file_terms), file_terms)}
        if not edited:
            self._remember(newest)
            return Adopted(newest.version, (), seeded=False)
        terms = _edited(with_defaults(newest.terms), file_terms, edited)
        changes = tuple(diff(with_defaults(newest.terms), terms))
        number = newest.version + 1
        row = store.add_version(
            session,
            number=number,
            terms=terms,
            file_terms=file_terms,
            changes=[c.as_dict() for c in changes],
            source="team_file",
            at=now,
        )
        await session.flush()
        self._remember(row)
        await kinds.announce_once(
            session, file_edit_announcement(number, changes), mark=f"agreement:v{number}", now=now
        )
        return Adopted(number, changes, seeded=False)


def file_edit_announcement(number: int, changes: Iterable[Change]) -> Outgoing:
    """The leads channel hears that an edit of the team file changed the agreement, and what it changed."""
    lines = [f"*Version {number} is in force* for the leads arriving from now on; earlier leads keep their terms."]
    lines += [f"• {words.change(c.term, c.before, c.after)}" for c in changes]
    footer = "Changed in the team file · /sla shows the agreement, /sla history every version"
    return kinds.announcement(f"agreement:v{number}", "📜 The agreement changed in the team file", lines[:40], footer)


def _edited(in_force: Terms, file_terms: Terms, edited: dict[str, object]) -> Terms:
    """The version in force with the terms the file changed: a section the file added or dropped whole is taken
    whole, as the file has it."""
    whole = {term for term in edited if "." not in term}
    terms = {s: (file_terms.get(s) if s in whole else body) for s, body in in_force.items()}
    by_term = {
        t: v for t, v in flatten(file_terms).items() if t in edited and "." in t and t.split(".")[0] not in whole
    }
    return with_changes(terms, by_term)
