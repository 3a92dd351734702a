"""What one process does, by its role (`HANDOFF_ROLE`, or the `handoff worker` command).

`all` (the default) is the whole app in one process. `web` answers Slack and the intake API and queues what Slack
must hear, but delivers nothing and runs no scheduler: a `worker` process, on the same database, runs the outbox
worker and the scheduler and answers only /healthz, /readyz and /metrics. Every claim is made in the database, so
any number of either may run.
"""

from __future__ import annotations

WORKER_POLL = 0.2
"""Seconds between a worker process's looks at the outbox. A commit in this process wakes its worker at once
(`Database.wake_after_enqueue`); rows a web process queued are found by this poll."""


def answers_requests(role: str) -> bool:
    """/slack/events and the HTTP APIs (intake, stage moves)."""
    return role != "worker"


def delivers(role: str) -> bool:
    """The outbox worker and the scheduler (SLA sweep, pacing checks and reviews, the digest, pruning)."""
    return role != "web"


def poll_seconds(role: str) -> float:
    """A process that shares the work with web processes looks often; one on its own is woken by its commits."""
    return WORKER_POLL if role == "worker" else 1.0


def describe(role: str) -> str:
    """How the ready line says what this process does."""
    return {
        "all": "answers Slack and delivers",
        "web": "answers Slack; a `handoff worker` delivers",
        "worker": "delivers and runs the scheduler; answers no Slack requests",
    }[role]
