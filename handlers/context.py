"""What every listener gets from Bolt's context, and the answers they share.

One global middleware (`provide`) puts the running app's services into each request's context, so listeners are
plain module-level functions: they take what Bolt injects (`ack`, `body`, `respond`, `context`…) and read their
dependencies with `services(context)`, instead of closing over them at registration.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, cast

from slack_bolt.async_app import AsyncBoltContext, AsyncRespond

from bot.app.background import Tell
from bot.app.services import Services

SERVICES = "handoff_services"
Listener = Callable[..., Awaitable[Any]]


def provide(svc: Services) -> Listener:
    """The global middleware: every listener's context carries `svc`."""

    async def provide_services(context: AsyncBoltContext, next: Callable[[], Awaitable[Any]]) -> Any:
        context[SERVICES] = svc
        return await next()

    return provide_services


def named_like(listener: Listener, work: Callable[..., Any]) -> Listener:
    """`listener`, carrying the name and doc of the `work` it runs. Bolt reads a listener's parameters to inject
    them and follows `__wrapped__`, so functools.wraps would hide the listener's own parameters."""
    listener.__name__, listener.__qualname__, listener.__doc__ = work.__name__, work.__qualname__, work.__doc__
    return listener


def services(context: AsyncBoltContext) -> Services:
    return cast(Services, context[SERVICES])


def ephemeral(svc: Services, respond: AsyncRespond) -> Tell:
    """An answer beside the message or command, seen only by the person."""

    async def tell(text: str) -> None:
        await respond(response_type="ephemeral", replace_original=False, **svc.renderer.notice(text))

    return tell


async def open_modal(svc: Services, trigger_id: str, template: str, **context: Any) -> None:
    # views.open is the one direct Slack call a listener makes: the trigger_id dies 3 s after the click.
    await svc.client.views_open(trigger_id=trigger_id, view=svc.renderer.render(template, **context))
