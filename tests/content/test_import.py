"""`handoff content import library.csv`: good lines stored whole, bad ones listed with their line number and field,
an asset whose URL the library has is updated, a summary; hostile files (NUL bytes, huge cells, no header, bytes
that are not UTF-8, 10,000 rows) are answered, never a traceback."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from tests.config.test_config import GOOD_ENV, ROOT, run_handoff
from tests.databases import fetch

HEADER = "title,kind,url,stage,industries,tags,owner,expires\n"


def setup(tmp_path: Path, body: bytes | str) -> None:
    (tmp_path / "handoff.toml").write_text((ROOT / "handoff.example.toml").read_text())
    data = body.encode() if isinstance(body, str) else body
    (tmp_path / "library.csv").write_bytes(data)


async def test_good_lines_are_stored_bad_lines_listed_and_a_known_url_updated(tmp_path: Path, db_url: str) -> None:
    soon = (date.today() + timedelta(days=100)).isoformat()
    setup(tmp_path, HEADER
          + f"Retail case study,case_study,https://x.example.com/retail,sql,Retail;Logistics,pricing;roi,U0MKT00001,{soon}\n"
          + "No kind here,webinar,https://x.example.com/w,,,,,\n"
          + ",deck,https://x.example.com/untitled,,,,,\n"
          + "Bad link,deck,ftp://x.example.com/f,,,,,\n"
          + "Old,deck,https://x.example.com/old,,,,,2001-01-01\n"
          + "Battle card,Battle card,https://x.example.com/bc,Opportunity,,,,\n"
          + "Retail case study v2,case_study,https://x.example.com/retail,sql,Retail,,,\n")  # fmt: skip
    env = {**GOOD_ENV, "DATABASE_URL": db_url}

    result = run_handoff(tmp_path, env, "content", "import", "library.csv")

    assert result.returncode == 1, result.stderr
    assert "added 2, updated 1, bad 4" in result.stderr
    for line in ("line 3: kind: Unknown kind", "line 4: title: Give the asset a title", "line 5: url: Give an http(s)",
                 "line 6: expires: The expiry date 2001-01-01 is not after today"):  # fmt: skip
        assert line in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    rows = await fetch(db_url, "SELECT title, kind, stage FROM content_assets ORDER BY url")
    assert rows == [("Battle card", "battle_card", "opportunity"), ("Retail case study v2", "case_study", "sql")]
    announced = await fetch(db_url, "SELECT count(*) FROM outbox WHERE kind = 'announcement'")
    assert announced == [(2,)]  # the two new assets, not the updated one


async def test_hostile_files_are_answered_line_by_line(tmp_path: Path, db_url: str) -> None:
    body = (HEADER.encode() + b"Nul\x00title,deck,https://x.example.com/nul,,,,,\n"
            + b"Caf\xe9 latin-1,deck,https://x.example.com/latin,,,,,\n"
            + b"Huge," + b"d" * 200_000 + b",https://x.example.com/huge,,,,,\n"
            + b"Too,many,cells,a,b,c,d,e,f,g\n"
            + b"Fine deck,deck,https://x.example.com/fine,,,,,\n")  # fmt: skip
    setup(tmp_path, body)
    env = {**GOOD_ENV, "DATABASE_URL": db_url}

    result = run_handoff(tmp_path, env, "content", "import", "library.csv")

    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "added 1, updated 0, bad 4" in result.stderr, result.stderr
    assert "line 2: title: The title holds a NUL character" in result.stderr
    assert "line 3: title: not UTF-8 text" in result.stderr
    assert "line 5: row: 10 cells" in result.stderr
    assert await fetch(db_url, "SELECT title FROM content_assets") == [("Fine deck",)]


async def test_a_file_without_the_header_is_refused_whole(tmp_path: Path, db_url: str) -> None:
    setup(tmp_path, "Retail case study,case_study,https://x.example.com/retail\n")
    env = {**GOOD_ENV, "DATABASE_URL": db_url}
    result = run_handoff(tmp_path, env, "content", "import", "library.csv")
    assert result.returncode == 2, result.stderr
    assert "the header row lacks the column(s) title, kind, url" in result.stderr
    assert "Traceback" not in result.stderr
    empty = run_handoff(tmp_path, env, "content", "import", "missing.csv")
    assert empty.returncode == 2 and "no such file" in empty.stderr


async def test_ten_thousand_rows_import_with_a_progress_bar(tmp_path: Path, db_url: str) -> None:
    lines = "".join(f"Asset {i},deck,https://x.example.com/a/{i},,Retail,tag{i % 7},,\n" for i in range(10_000))
    setup(tmp_path, HEADER + lines)
    env = {**GOOD_ENV, "DATABASE_URL": db_url}
    result = run_handoff(tmp_path, env, "content", "import", "library.csv", "--no-announce")
    assert result.returncode == 0, result.stderr
    assert "added 10000, updated 0, bad 0" in result.stderr
    assert await fetch(db_url, "SELECT count(*) FROM outbox") == [(0,)]  # --no-announce: stored only
    assert "importing assets" in result.stderr
    assert await fetch(db_url, "SELECT count(*) FROM content_assets") == [(10_000,)]


def test_the_import_help_says_how_a_line_is_read_and_what_the_exit_codes_mean(tmp_path: Path) -> None:
    result = run_handoff(tmp_path, GOOD_ENV, "content", "import", "--help")

    assert result.returncode == 0, result.stderr
    text = " ".join(result.stdout.split())
    for said in ("title,kind,url,stage,industries,tags,owner,expires", "separated by \";\"", "YYYY-MM-DD",
                 "URL already in the library updates its asset", "--no-announce", "exit 1", "exit 2"):  # fmt: skip
        assert said in text, result.stdout
