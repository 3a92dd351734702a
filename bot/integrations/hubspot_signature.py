"""HubSpot's v3 request signature (developers.hubspot.com, "Validating requests"): `X-HubSpot-Signature-v3` is
base64(HMAC-SHA256(client secret, method + URI + body + X-HubSpot-Request-Timestamp)), the timestamp in milliseconds
since the epoch, refused when more than 5 minutes old.

Only v3 is accepted. v1 (sha256(secret + body)) and v2 (sha256(secret + method + URI + body)) carry no timestamp,
so a request recorded once could be replayed for ever; HubSpot sends v3 with every workflow webhook.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import UTC, datetime, timedelta

SIGNATURE_HEADER = "X-HubSpot-Signature-v3"
TIMESTAMP_HEADER = "X-HubSpot-Request-Timestamp"
MAX_AGE = timedelta(minutes=5)
MAX_AHEAD = timedelta(minutes=5)
"""How far ahead of our clock a timestamp may be (HubSpot's clock, or ours, may be off a little). Further ahead is
refused as well: it would stay "fresh" long after it was recorded."""

TIMESTAMP = re.compile(r"[0-9]{1,13}")  # ASCII digits only (str.isdigit() also takes "²"); 13 reach the year 2286

# HubSpot: "decode any URL-encoded characters listed in the following table" before signing; the rest stay encoded.
DECODED = {"3A": ":", "2F": "/", "3F": "?", "40": "@", "21": "!", "24": "$", "27": "'", "28": "(", "29": ")",
           "2A": "*", "2C": ",", "3B": ";"}  # fmt: skip
ENCODED = re.compile(r"%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)", re.IGNORECASE)


def decode_uri(uri: str) -> str:
    """The URI as HubSpot signs it: the characters of HubSpot's table decoded (`%40` → `@`), every other escape (a
    space's `%20`, `%25`) left as it was sent."""
    return ENCODED.sub(lambda m: DECODED[m[1].upper()], uri)


def signed_uri(*, public_url: str, scheme: str, host: str, raw_path_qs: str) -> str:
    """The address HubSpot called: PUBLIC_URL (the app behind a proxy sees another scheme and host) or the request's
    own scheme and host, then the path and query exactly as they came over the wire, decoded by HubSpot's table."""
    base = public_url.rstrip("/") if public_url else f"{scheme}://{host}"
    return decode_uri(base + raw_path_qs)


def signature_v3(secret: str, *, method: str, uri: str, body: bytes, timestamp: str) -> str:
    """HubSpot's source string is UTF-8 text; the raw body's bytes are that text's encoding as HubSpot sent it."""
    message = method.upper().encode() + uri.encode() + body + timestamp.encode()
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


def signature_problem(
    secret: str,
    *,
    method: str,
    uri: str,
    body: bytes,
    timestamp: str | None,
    signature: str | None,
    now: datetime,
) -> str | None:
    """Why the request is not HubSpot's (for the 401's message: it names headers, never the secret), or None."""
    if not signature:
        return f"{SIGNATURE_HEADER} is missing: choose 'Include request signature in header' in the webhook action"
    if not timestamp:
        return f"{TIMESTAMP_HEADER} is missing"
    if not TIMESTAMP.fullmatch(timestamp.strip()):
        return f"{TIMESTAMP_HEADER} is not a time in milliseconds since 1970"
    sent = datetime.fromtimestamp(int(timestamp.strip()) / 1000, tz=UTC)  # 13 digits stay within the calendar
    if now - sent > MAX_AGE:
        return f"{TIMESTAMP_HEADER} is more than {MAX_AGE.seconds // 60} minutes old: a replay, or a clock far off"
    if sent - now > MAX_AHEAD:
        return f"{TIMESTAMP_HEADER} is more than {MAX_AHEAD.seconds // 60} minutes in the future: a clock far off"
    expected = signature_v3(secret, method=method, uri=uri, body=body, timestamp=timestamp.strip())
    if not hmac.compare_digest(expected.encode(), signature.strip().encode("utf-8", "replace")):
        return (
            f"{SIGNATURE_HEADER} does not match: another app's secret, a changed body, or another address (PUBLIC_URL)"
        )
    return None
