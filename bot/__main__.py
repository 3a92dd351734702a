"""`python -m bot` runs the app (what the Procfile starts)."""

from bot.cli import main

raise SystemExit(main(["run"]))
