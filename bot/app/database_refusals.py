"""The answer to a request the database refused for now: 503 with Retry-After, on every HTTP route."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from storage.unavailable import unavailable

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
RETRY_AFTER = "5"  # seconds: a held lock is usually gone by then; a read-only database is not, and says so again


@web.middleware
async def database_unavailable(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A database that refuses for now (read-only, locked past the wait, unreachable) is 503 with Retry-After, not
    a 500: each request is one transaction, so nothing was changed, and the caller may simply send it again."""
    try:
        return await handler(request)
    except (SQLAlchemyError, OSError) as exc:
        if (reason := unavailable(exc)) is None:
            raise
    resource = request.match_info.route.resource
    route = resource.canonical if resource is not None else "unmatched"  # the pattern: ids stay out of the log
    log.warning("%s %s answered 503: %s", request.method, route, reason)
    return web.json_response(
        {"error": "database_unavailable", "message": f"{reason}; nothing was changed, try again later"},
        status=503,
        headers={"Retry-After": RETRY_AFTER},
    )
