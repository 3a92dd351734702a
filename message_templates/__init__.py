"""Jinja2 templates that render Block Kit JSON, and the one renderer that loads them.

Every interpolated value goes through `|tojson`; lead text goes through `|mrkdwn(limit)` first (escape `&`, `<`, `>`
and clip to Slack's limit without cutting an entity) or `|plain(limit)` for plain_text objects; mrkdwn a presenter
already escaped is clipped with `|cut(limit)`.

The renderer then secures what Slack will parse, whatever a template or presenter forgot: the top-level `text` and
every mrkdwn text object may hold only the markup the app writes itself (mentions, channel links, user groups) and the
three entities; anything else is escaped (and logged: a strict renderer refuses it instead). Every mrkdwn object is
`verbatim` unless the template says otherwise, so Slack never turns a URL or a `#channel` in lead text into a link;
the app's own `<@U…>` / `<#C…>` markup still works under `verbatim`.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).parent
ELLIPSIS = "…"
# What Slack may parse as markup in our output: the app's mentions, channel links and user groups, and the entities.
APP_MARKUP = re.compile(r"<@[UW][A-Z0-9]+>|<#[CG][A-Z0-9]+>|<!subteam\^S[A-Z0-9]+>|&(?:amp|lt|gt);")
MENTION = re.compile(r"<@([UW][A-Z0-9]+)>")


class UnescapedMarkup(ValueError):
    """A rendered string Slack parses held markup the app did not write (a strict renderer raises this)."""


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


def inline(value: Any, limit: int = 3000) -> str:
    """`mrkdwn` on one line: a name shown inside a line (a source, a campaign, a reason) cannot start a line of its
    own, which would read as one more row of the table it is in."""
    return mrkdwn(None if value is None else " ".join(str(value).split()), limit)


def cut(text: str, limit: int = 3000) -> str:
    """Already-escaped mrkdwn clipped to `limit`, never through an entity or a mention."""
    if len(text) <= limit:
        return text
    head = text[: max(limit - 1, 0)]
    for opener, closer in (("&", ";"), ("<", ">")):
        at = head.rfind(opener)
        if at != -1 and closer not in head[at:]:
            head = head[:at]
    return head.rstrip() + ELLIPSIS


def plain(value: Any, limit: int = 3000) -> str:
    return "" if value is None else clip(str(value), limit)


def secure(text: str) -> str:
    """`text` with everything but the app's own markup and entities escaped: idempotent on escaped mrkdwn."""
    out: list[str] = []
    at = 0
    for match in APP_MARKUP.finditer(text):
        out.append(escape_mrkdwn(text[at : match.start()]))
        out.append(match.group())
        at = match.end()
    out.append(escape_mrkdwn(text[at:]))
    return "".join(out)


def as_plain(text: str, names: Mapping[str, str] | None = None) -> str:
    """mrkdwn as a person reads it in a plain-text place (a modal error, an API answer, a terminal): mentions become
    names (the id when the name is unknown), channel links and groups their ids, entities their characters, `code`
    marks are dropped."""
    known = names or {}
    text = MENTION.sub(lambda m: known.get(m.group(1)) or m.group(1), text)
    text = re.sub(r"<#([CG][A-Z0-9]+)>", r"#\1", text)
    text = re.sub(r"<!subteam\^(S[A-Z0-9]+)>", r"@\1", text)
    text = re.sub(r"`([^`\n]+)`", r"\1", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def mentioned(text: str) -> list[str]:
    """The user ids mentioned in mrkdwn `text`, in order, once each."""
    return list(dict.fromkeys(MENTION.findall(text)))


class Renderer:
    def __init__(self, directory: Path = TEMPLATES, *, strict: bool = False) -> None:
        self.strict = strict
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
        self.env.filters["cut"] = cut
        self.env.policies["json.dumps_kwargs"] = {"ensure_ascii": False, "sort_keys": False}

    def render(self, name: str, **context: Any) -> dict[str, Any]:
        text = self.env.get_template(name).render(**context)
        try:
            result = json.loads(text)
        except json.JSONDecodeError as exc:  # a template bug, never user data: tojson quotes everything
            raise ValueError(f"template {name} rendered invalid JSON: {exc}\n{text}") from exc
        if not isinstance(result, dict):
            raise ValueError(f"template {name} must render a JSON object")
        if result.get("type") not in ("modal", "home"):  # a message: its `text` is parsed as mrkdwn
            if not isinstance(result.get("text"), str) or not result["text"]:
                raise ValueError(f"template {name} must give a message its fallback `text`")
            result["text"] = self._secured(result["text"], name, "text")
        self._secure_objects(result, name, "")
        return result

    def _secure_objects(self, node: Any, name: str, path: str) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
                node["text"] = self._secured(node["text"], name, path)
                node.setdefault("verbatim", True)
            for key, value in node.items():
                self._secure_objects(value, name, f"{path}/{key}")
        elif isinstance(node, list):
            for index, item in enumerate(node):
                self._secure_objects(item, name, f"{path}/{index}")

    def _secured(self, text: str, name: str, path: str) -> str:
        safe = secure(text)
        if safe != text:
            if self.strict:
                raise UnescapedMarkup(f"template {name}: unescaped text at {path}: {text[:200]!r}")
            log.error("template %s: escaped unescaped text at %s (a presenter forgot |mrkdwn)", name, path)
        return safe

    def notice(self, text: str) -> dict[str, Any]:
        """A short answer to one person (a refusal, "crunching…", an error with its reference) as a message."""
        return self.render("ephemeral/notice.json.j2", text=text)

    def names(self) -> list[str]:
        return sorted(n for n in self.env.list_templates(extensions=["j2"]) if not n.startswith("_"))
