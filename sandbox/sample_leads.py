"""Realistic sample MQLs for the sandbox, as a marketing platform would POST them to /api/leads.

Deterministic: lead number ``n`` is always the same person, so a demo (or a screenshot) can be reproduced.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any, Final

FIRST: Final = (
    "Dana", "Priya", "Marcus", "Elena", "Tomás", "Aisha", "Kenji", "Olivia", "Noah", "Fatima", "Lukas", "Grace",
    "Mateo", "Hannah", "Ravi", "Chloe", "Samuel", "Ingrid", "Diego", "Mei",
)  # fmt: skip
LAST: Final = (
    "Buyer", "Raman", "Whitfield", "Kowalski", "Herrera", "Okafor", "Tanaka", "Brennan", "Schulz", "Haddad",
    "Lindqvist", "Moreau", "Castillo", "Nakamura", "Patel", "Dubois", "Osei", "Fischer", "Alvarez", "Chen",
)  # fmt: skip
COMPANIES: Final = (
    ("Globex", "globex.com"), ("Initech", "initech.io"), ("Umbrella Health", "umbrellahealth.com"),
    ("Stark Logistics", "starklogistics.com"), ("Wayne Analytics", "wayneanalytics.com"),
    ("Hooli Cloud", "hooli.cloud"), ("Vandelay Industries", "vandelay.com"), ("Acme Robotics", "acmerobotics.com"),
    ("Soylent Foods", "soylent.co"), ("Massive Dynamic", "massivedynamic.com"), ("Pied Piper", "piedpiper.com"),
    ("Cyberdyne Systems", "cyberdyne.ai"), ("Tyrell Biotech", "tyrell.bio"), ("Oscorp Energy", "oscorp.energy"),
    ("Wonka Confections", "wonka.co.uk"), ("Gringotts Capital", "gringotts.finance"),
)  # fmt: skip
TITLES: Final = (
    "VP of Sales", "Head of Revenue Operations", "Director of Marketing", "CTO", "Sales Operations Manager",
    "Chief Operating Officer", "Growth Lead", "IT Director", "Procurement Manager", "Founder & CEO",
)  # fmt: skip
# source -> (campaigns, activity that source typically brings)
SOURCES: Final[dict[str, tuple[tuple[str, ...], tuple[tuple[str, str], ...]]]] = {
    "webinar": (
        ("Q4 Pipeline Webinar", "RevOps Masterclass"),
        (("webinar_attended", "Stayed 52 of 60 minutes, asked 2 questions"), ("webinar_registered", "Registered")),
    ),
    "paid_search": (
        ("Brand Search", "Competitor Keywords"),
        (("ad_click", "Clicked 'lead routing software' ad"), ("page_view", "Viewed /pricing twice")),
    ),
    "content": (
        ("State of Handoffs 2026 report", "SLA Playbook ebook"),
        (("download", "Downloaded the SLA Playbook"), ("page_view", "Read 3 blog posts on lead scoring")),
    ),
    "event": (
        ("SaaStr booth", "RevOps Summit"),
        (("booth_visit", "Scanned at booth, wants a demo"), ("meeting_booked", "Booked a follow-up at the event")),
    ),
    "referral": (
        ("Customer referral program", "Partner referral"),
        (("referral", "Referred by an existing customer"), ("demo_request", "Asked for a demo for 12 seats")),
    ),
}
ALWAYS: Final = (("pricing_view", "Viewed the pricing page"), ("email_click", "Clicked the nurture email"))


def sample_lead(n: int, now: datetime, *, run: str = "") -> dict[str, Any]:
    """Lead number ``n`` (its details depend only on ``n``), with activity in the hours before ``now``. ``run``
    goes into the external id, so a sandbox restarted on the same database sends new leads."""
    rng = random.Random(n)
    first, last = rng.choice(FIRST), rng.choice(LAST)
    company, domain = rng.choice(COMPANIES)
    source = rng.choice(tuple(SOURCES))
    campaigns, typical = SOURCES[source]
    steps = [*rng.sample(typical, k=rng.randint(1, len(typical))), *rng.sample(ALWAYS, k=rng.randint(0, 1))]
    minutes = sorted(rng.sample(range(5, 72 * 60), k=len(steps)), reverse=True)
    activity = [
        {"at": (now - timedelta(minutes=m)).isoformat(timespec="seconds"), "kind": kind, "detail": detail}
        for m, (kind, detail) in zip(minutes, steps, strict=True)
    ]
    return {
        "external_id": f"sandbox-{run}-{n}" if run else f"sandbox-{n}",
        "email": f"{first}.{last}@{domain}".lower().replace("á", "a"),
        "name": f"{first} {last}",
        "company": company,
        "title": rng.choice(TITLES),
        "source": source,
        "campaign": rng.choice(campaigns),
        "score": rng.randint(42, 98),
        "activity": activity,
    }


def sample_leads(first: int, count: int, now: datetime, *, run: str = "") -> list[dict[str, Any]]:
    return [sample_lead(n, now, run=run) for n in range(first, first + count)]
