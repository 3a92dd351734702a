"""How a request's dates read: a date in another year than today's carries its year (asked on New Year's Eve,
wanted and due in January), a date this year does not."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.conftest import StartApp, text_of
from tests.content_requests.helpers import ask, post, requests, started

NEW_YEARS_EVE = datetime(2026, 12, 31, 15, 0, tzinfo=UTC)  # a Thursday, 09:00 in Chicago


async def test_a_request_wanted_and_due_next_year_says_the_year(start_app: StartApp) -> None:
    app = await started(start_app)
    app.clock.set(NEW_YEARS_EVE)
    assert await ask(app, "A deck for the January kick-off", wanted_by="2027-01-08") == {}
    [request] = await requests(app)
    assert request.due_at.year == 2027
    blocks = text_of(post(app, request.id).blocks)
    assert "wanted by Fri Jan 8 2027" in blocks
    assert f"due {request.due_at.astimezone(app.svc.config.tz):%a %b} {request.due_at.day} 2027, " in blocks


async def test_a_request_this_year_reads_without_the_year(start_app: StartApp) -> None:
    app = await started(start_app)
    assert await ask(app, "A one-pager", wanted_by="2026-11-30") == {}
    [request] = await requests(app)
    blocks = text_of(post(app, request.id).blocks)
    assert "wanted by Mon Nov 30 ·" in blocks or "wanted by Mon Nov 30\n" in blocks
    assert "2026" not in blocks
