"""Money typed by a person: a bounded decimal string, read with a regular expression, never `Decimal("1e999990")`.

Digits, optionally grouped in thousands with commas, one decimal point and at most two decimals, an optional
leading `$`, and at most MAX_DOLLARS. The text is at most a few dozen characters before anything is computed."""

from __future__ import annotations

import re

from bot.errors import UserError

MAX_DOLLARS = 1_000_000_000_000
AMOUNT = re.compile(r"\$?\s*(?P<whole>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)?(?:\.(?P<cents>[0-9]{1,2}))?")
EXAMPLE = "write it like 1,250.00"


def parse_amount(text: str, *, field: str = "amount") -> int:
    """ "1,234.50", "$1234.5", "1234" → cents. Exponents, signs, more than two decimals, misplaced commas and
    amounts over MAX_DOLLARS are refused with a UserError naming `field`."""
    cleaned = (text or "").strip()
    shown = cleaned[:30] + ("…" if len(cleaned) > 30 else "")
    match = AMOUNT.fullmatch(cleaned) if len(cleaned) <= 30 else None
    if match is None and re.fullmatch(r"-?\$?\s*-?[0-9,]*(\.[0-9]+)?", cleaned) and any(c.isdigit() for c in cleaned):
        raise UserError(f"{shown!r} must be a positive amount with at most two decimals", field=field)
    if match is None or not (match["whole"] or match["cents"]):
        raise UserError(f"{shown!r} is not an amount: {EXAMPLE}", field=field)
    whole = int(match["whole"].replace(",", "")) if match["whole"] else 0
    cents = int((match["cents"] or "0").ljust(2, "0"))
    if whole * 100 + cents > MAX_DOLLARS * 100:
        raise UserError(f"{shown!r} is more than ${MAX_DOLLARS:,}: {EXAMPLE}", field=field)
    return whole * 100 + cents
