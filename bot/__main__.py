"""`python -m bot` runs the app (what the Procfile's `web` starts); `python -m bot worker` the Procfile's worker."""

import sys

from bot.cli import main

raise SystemExit(main(sys.argv[1:] or ["run"]))
