"""Jinja2 templates that render Block Kit JSON, and the one renderer that loads them.

Every interpolated value goes through `|tojson`; lead text goes through `|mrkdwn(limit)` first (escape `&`, `<`, `>`
and clip to Slack's limit without cutting an entity) or `|plain(limit)` for plain_text objects.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jinja2

TEMPLATES = Path(__file__).parent
ELLIPSIS = "…"


def escape_mrkdwn(text: str) -> str:
    """Slack's three control characters, `&` first. Formatting marks (*, _, ~) only change style: left alone."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    """At most `limit` characters, ending in an ellipsis when cut."""
    text = " ".join(text.split()) if "\n" not in text else text
    return text if len(text) <= limit else text[: max(limit - 1, 0)].rstrip() + ELLIPSIS


def mrkdwn(value: Any, limit: int = 3000) -> str:
    """Escape for mrkdwn and clip so the *escaped* text fits `limit` (an `&amp;` counts five)."""
    if value is None:
        return ""
    text = str(value)
    escaped = escape_mrkdwn(text)
    if len(escaped) <= limit:
        return escaped
    out: list[str] = []
    size = 0
    for char in text:
        piece = escape_mrkdwn(char)
        if size + len(piece) > limit - 1:
            break
        out.append(piece)
        size += len(piece)
    return "".join(out).rstrip() + ELLIPSIS


def plain(value: Any, limit: int = 3000) -> str:
    return "" if value is None else clip(str(value), limit)


class Renderer:
    def __init__(self, directory: Path = TEMPLATES) -> None:
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(directory),
            undefined=jinja2.StrictUndefined,
            autoescape=False,  # JSON, not HTML: `tojson` does the quoting, `mrkdwn` the Slack escaping
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )
        self.env.filters["mrkdwn"] = mrkdwn
        self.env.filters["plain"] = plain
        self.env.policies["json.dumps_kwargs"] = {"ensure_ascii": False, "sort_keys": False}

    def render(self, name: str, **context: Any) -> dict[str, Any]:
        text = self.env.get_template(name).render(**context)
        try:
            result = json.loads(text)
        except json.JSONDecodeError as exc:  # a template bug, never user data: tojson quotes everything
            raise ValueError(f"template {name} rendered invalid JSON: {exc}\n{text}") from exc
        if not isinstance(result, dict):
            raise ValueError(f"template {name} must render a JSON object")
        return result

    def names(self) -> list[str]:
        return sorted(n for n in self.env.list_templates(extensions=["j2"]) if not n.startswith("_"))
