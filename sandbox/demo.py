"""The built-in demo team used by the sandbox when no team file exists."""

from __future__ import annotations

from bot.config.team_file import HandoffConfig, parse_config

LEADS_CHANNEL = "C0LEADS001"
REPS = {"U0REP00001": "Riley Rep", "U0REP00002": "Sam Seller"}
MANAGERS = {"U0MGR00001": "Morgan Manager"}
MARKETERS = {"U0MKT00001": "Casey Campaigns"}
PEOPLE = {**REPS, **MANAGERS, **MARKETERS}


def demo_config() -> HandoffConfig:
    return parse_config(
        {
            "timezone": "America/Chicago",
            "slack": {"leads_channel": LEADS_CHANNEL},
            "team": {
                "sales": list(REPS),
                "managers": list(MANAGERS),
                "marketing": list(MARKETERS),
                "manager_of": {rep: "U0MGR00001" for rep in REPS},
                # The two who approve a change to the agreement (/sla propose): the sales manager and the marketer.
                "sales_head": "U0MGR00001",
                "marketing_head": "U0MKT00001",
            },
            # Short targets so a newcomer sees a heads-up and an escalation within minutes.
            "sla": {
                "accept": {
                    "target": "2m",
                    "warn_at": "50%",
                    "escalate": [{"after": "0s", "notify": "manager"}, {"after": "3m", "notify": "channel"}],
                },
                "first_touch": {"target": "5m", "warn_at": "60%", "escalate": [{"after": "0s", "notify": "manager"}]},
                "mql_volume": {"monthly_target": 120, "min_accept_rate": "60%"},
            },
            "scheduler": {"sla_check_interval": "5s"},
        },
        source="demo team",
    )
