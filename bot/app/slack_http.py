"""The front door of `/slack/events`: a request reaches Bolt only when Slack signed it and it parses.

Bolt checks the signature itself, but only after it has decoded the body and parsed the timestamp, so a body that is
not UTF-8 or a timestamp of 5,000 digits was a 500 with a traceback, and it logs the whole body of every request
whose signature is wrong. Here the signature is checked first, on the raw bytes (slack_sdk's `SignatureVerifier`,
a constant-time comparison): a body that is not UTF-8 is answered 400 (Slack sends UTF-8, and the verifier
decodes it); an unsigned request is answered 401 and logged as one line without its body; a signed
body that is not a Slack payload is answered 400.
"""

from __future__ import annotations

import json
import logging
import re
from urllib.parse import parse_qs

from aiohttp import web
from slack_sdk.signature import SignatureVerifier

log = logging.getLogger(__name__)

TIMESTAMP = re.compile(r"[0-9]{1,12}")  # Unix seconds; ASCII digits only, so int() is cheap and cannot fail
SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")


def _bad(status: int, error: str) -> web.Response:
    return web.json_response({"ok": False, "error": error}, status=status)


def _is_slack_payload(text: str, content_type: str) -> bool:
    """Whether a signed body has the shape of one of Slack's requests (Bolt takes it from there)."""
    if content_type == "application/json":
        try:
            return isinstance(json.loads(text), dict)
        except (json.JSONDecodeError, RecursionError, ValueError):
            return False
    if not text:
        return False
    try:
        form = parse_qs(text, keep_blank_values=True, errors="strict", max_num_fields=1000)
    except (UnicodeDecodeError, ValueError):
        return False
    if "payload" not in form:
        return True  # a slash command or ssl_check
    try:
        return isinstance(json.loads(form["payload"][0]), dict)
    except (json.JSONDecodeError, RecursionError, ValueError):
        return False


class SlackGate:
    def __init__(self, signing_secret: str) -> None:
        self._verifier = SignatureVerifier(signing_secret)

    async def refuse(self, request: web.Request) -> web.Response | None:
        """The 401/400 to answer instead of handing the request to Bolt, or None when it may pass."""
        timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
        signature = request.headers.get("X-Slack-Signature", "")
        body = await request.read()
        if not TIMESTAMP.fullmatch(timestamp) or not SIGNATURE.fullmatch(signature):
            log.warning("refused a request to /slack/events: no valid signature headers (%d bytes)", len(body))
            return _bad(401, "invalid_signature")
        try:
            text = body.decode("utf-8")  # Slack sends UTF-8; the verifier decodes, so check before it does
        except UnicodeDecodeError:
            log.warning("refused a request to /slack/events: the body is not UTF-8 (%d bytes)", len(body))
            return _bad(400, "invalid_payload")
        if not self._verifier.is_valid(body=text, timestamp=timestamp, signature=signature):
            log.warning("refused a request to /slack/events: bad or stale signature (%d bytes)", len(body))
            return _bad(401, "invalid_signature")
        if not _is_slack_payload(text, request.content_type):
            log.warning("refused a signed request to /slack/events: not a Slack payload (%d bytes)", len(body))
            return _bad(400, "invalid_payload")
        return None
