"""`handoff import`: backfilled history runs on the version of the agreement in force when each lead was received
(version 1 for anything older than the first version); new leads on the version in force. The import stores every
row whatever its score: it is the team's record, not a marketing platform's new MQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from tests.agreement.helpers import record_version
from tests.config.test_config import GOOD_ENV, ROOT, run_handoff
from tests.conftest import START, StartApp
from tests.databases import fetch

CSV = """external_id,email,name,received_at,stage,owner,decided_at,amount,reason,score
old-1,old@example.com,Old,2026-10-02 10:00,mql,,,,,5
new-1,new@example.com,New,2026-11-30 10:00,mql,,,,,5
now-1,now@example.com,Now,,,,,,,90
"""


async def test_backfilled_leads_run_on_the_version_in_force_when_they_arrived(
    tmp_path: Path, db_url: str, start_app: StartApp
) -> None:
    app = await start_app()  # version 1 from the team file, at START (2026-11-23)
    version = await record_version(app, {"accept.target": "10m"}, at=START + timedelta(hours=1))
    (tmp_path / "handoff.toml").write_text((ROOT / "handoff.example.toml").read_text())
    (tmp_path / "leads.csv").write_text(CSV)

    # in a thread: a subprocess blocking the app's loop would hold whatever transaction the app had open
    env = {**GOOD_ENV, "DATABASE_URL": db_url}
    result = await asyncio.to_thread(run_handoff, tmp_path, env, "import", "leads.csv", "--no-post")

    assert result.returncode == 0, result.stderr
    rows = await fetch(db_url, "SELECT external_id, agreement_version FROM leads ORDER BY external_id")
    assert [(str(e), int(str(v))) for e, v in rows] == [("new-1", version), ("now-1", version), ("old-1", 1)]
