"""`/funnel quality` on backfilled history (`handoff import` with stages and dates): the leads count in the tables
and the bar, but not in speed to lead, since their first contact was never tracked in Handoff.

October 2026, by hand: 30 leads scoring 20, all rejected (20 "No budget or authority", 10 a hostile reason), in the
campaign "Spring & <Promo>"; 10 scoring 80, won $5,000 each. Below 25…80: the 30, 0 % accepted, $0: qualifies.
Below 85…100: 10 of 40 = 25 % accepted, not fewer than 25 %: fails. T = 25: 30 of 40 MQLs = −75 %, not thin.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.config.test_config import GOOD_ENV, ROOT, run_handoff
from tests.conftest import StartApp, team_config
from tests.insight.test_quality_command import answers, section
from tests.reports.test_funnel import funnel
from tests.views.test_templates import assert_inert

HEADER = "external_id,email,name,company,source,campaign,score,received_at,stage,owner,decided_at,amount,reason\n"
HOSTILE_REASON = "<!here> & *x*"


def history_csv() -> str:
    rows = []
    for i in range(30):
        reason = HOSTILE_REASON if i < 10 else "No budget or authority"
        rows.append(f'r-{i},r{i}@example.com,R{i},Co,ads,"Spring & <Promo>",20,2026-10-05 10:00,rejected,'
                    f'U0REP00001,2026-10-06 10:00,,"{reason}"')  # fmt: skip
    for i in range(10):
        rows.append(
            f"w-{i},w{i}@example.com,W{i},Co,webinar,,80,2026-10-07 10:00,won,U0REP00001,2026-10-09 10:00,5000,"
        )
    return HEADER + "\n".join(rows) + "\n"


async def test_backfilled_history_counts_in_the_bar_but_not_in_speed_to_lead(
    tmp_path: Path, db_url: str, start_app: StartApp
) -> None:
    (tmp_path / "handoff.toml").write_text((ROOT / "handoff.example.toml").read_text())
    (tmp_path / "leads.csv").write_text(history_csv())
    result = run_handoff(tmp_path, {**GOOD_ENV, "DATABASE_URL": db_url}, "import", "leads.csv")
    assert result.returncode == 0, result.stderr
    assert "40 imported" in " ".join(result.stderr.split())

    app = await start_app(team_config())
    await funnel(app, "quality 2026-10")
    await app.settle()

    [reply] = answers(app)
    assert section(reply, "quality:summary") == (
        "*All MQLs* — 40 MQLs · 25% accepted (10 of 40) · win rate 100% (10 of 10) · $50,000"
    )
    assert section(reply, "quality:bar").startswith(
        "*The MQL bar*\n💡 Raise the MQL bar to 25: −75 % of MQLs, −0 % of won revenue (30 leads below it, 0 % "
        "accepted).\nCurrent bar: 0"
    )
    assert section(reply, "quality:table4") == (
        "*Top rejection reasons by campaign*\n• *Spring &amp; &lt;Promo&gt;* — 30 rejected: No budget or authority "
        "(20) · &lt;!here&gt; &amp; *x* (10)"
    )
    assert section(reply, "quality:speed") == (
        "*Speed to lead* (accepted leads, by time from arrival to first contact)\n"
        "No accepted lead to measure (history imported with its stage is not counted)."
    )
    assert "<!here>" not in json.dumps(reply)
    assert_inert(reply)
