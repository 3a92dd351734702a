"""[sla.content_request] is a term of the agreement added after versions were stored: a version stored without it
runs on its default, a restart on an unchanged team file records no edit, and an edit of the term in the team
file is recorded as a new version that new requests run on."""

from __future__ import annotations

from sqlalchemy import select, update

from storage.models import AgreementVersion
from tests.conftest import Harness, StartApp
from tests.content_requests.helpers import ask, requests, started


async def _drop_the_section(app: Harness) -> None:
    async with app.svc.db.session() as session:
        row = (await session.scalars(select(AgreementVersion))).one()
        terms = {k: v for k, v in row.terms.items() if k != "content_request"}
        file_terms = {k: v for k, v in row.file_terms.items() if k != "content_request"}
        await session.execute(update(AgreementVersion).values(terms=terms, file_terms=file_terms))


async def versions(app: Harness) -> list[AgreementVersion]:
    async with app.svc.db.session() as session:
        return list(await session.scalars(select(AgreementVersion).order_by(AgreementVersion.version)))


async def test_a_version_stored_before_the_term_records_no_edit_on_restart(start_app: StartApp) -> None:
    first = await started(start_app)
    await _drop_the_section(first)  # as a version stored before [sla.content_request] existed
    second = await started(start_app)
    await second.settle()
    assert [v.version for v in await versions(second)] == [1]
    await ask(second)
    [request] = await requests(second)
    assert (request.agreement_version, request.target_seconds) == (1, 2 * 8 * 3600)  # the default: 2 working days

    edited = await started(start_app, sla={"content_request": {"target": "1d"}})
    await edited.settle()
    stored = await versions(edited)
    assert [v.version for v in stored] == [1, 2]
    assert stored[1].changes == [{"term": "content_request.target", "before": "2d", "after": "1d"}]
    await ask(edited, "Another")
    [_, second_request] = await requests(edited)
    assert (second_request.agreement_version, second_request.target_seconds) == (2, 8 * 3600)
