"""The built-in demo team used by the sandbox when no team file exists."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.config.team_file import HandoffConfig, parse_config

LEADS_CHANNEL = "C0LEADS001"
REPS = {"U0REP00001": "Riley Rep", "U0REP00002": "Sam Seller"}
MANAGERS = {"U0MGR00001": "Morgan Manager"}
MARKETERS = {"U0MKT00001": "Casey Campaigns"}
PEOPLE = {**REPS, **MANAGERS, **MARKETERS}


def demo_config() -> HandoffConfig:
    today = datetime.now(ZoneInfo("America/Chicago")).date()
    return parse_config(
        {
            "timezone": "America/Chicago",
            "slack": {"leads_channel": LEADS_CHANNEL},
            "team": {
                "sales": list(REPS),
                "managers": list(MANAGERS),
                "marketing": list(MARKETERS),
                # Morgan also manages Casey: a late content request Casey took escalates to Morgan.
                "manager_of": {**{rep: "U0MGR00001" for rep in REPS}, "U0MKT00001": "U0MGR00001"},
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
                # /content request: marketing's clock, around the clock so the demo shows it at any hour.
                "content_request": {"target": "10m", "warn_at": "50%", "business_hours": False},
            },
            # On the marketing calendar from today: its launch is announced at the first check in business hours,
            # and /campaigns lists it. Assets tagged "winter-webinar" (/content add) are attached to the launch.
            "campaigns": {
                "winter-webinar": {
                    "owner": "U0MKT00001",
                    "name": "Winter Ops Webinar",
                    "starts": today,
                    "ends": today + timedelta(days=13),
                    "summary": "Ops leaders who watched: lead with the audit checklist, not pricing.",
                }
            },
            "scheduler": {"sla_check_interval": "5s"},
        },
        source="demo team",
    )
