"""Intake skips cleaning free text (NULs, lone surrogates) only for a body that cannot hold any: whatever the body,
when `nothing_to_clean` says so, the leads are exactly those validation with cleaning makes."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.lifecycle.intake_input import InvalidLeads, clean_text, nothing_to_clean, parse_leads

texts = st.text(max_size=12) | st.sampled_from(["\x00", "\ud800", "a\udfffb", "é", "\\u0000", " x ", ""])
leads = st.fixed_dictionaries(
    {"external_id": texts | st.integers(0, 99)},
    optional={field: texts for field in ("email", "name", "company", "title", "source", "campaign")},
)
encodings = st.sampled_from(["ascii-escaped", "utf-8", "utf-16", "utf-32"])


def encode(body: Any, encoding: str) -> bytes:
    """The body as a platform may send it: json.loads takes every one of these."""
    if encoding == "ascii-escaped":
        return json.dumps(body).encode()
    return json.dumps(body, ensure_ascii=False).encode(encoding, "surrogatepass")


def strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in [k, *strings(v)]]
    return [s for v in value for s in strings(v)] if isinstance(value, list) else []


def parsed(body: Any, *, clean: bool) -> Any:
    try:
        leads, _ = parse_leads(body, clean=clean)
    except InvalidLeads as exc:
        return exc.errors
    return [lead.model_dump() for lead in leads]


@settings(max_examples=500, derandomize=True, deadline=None)
@given(body=st.lists(leads, min_size=1, max_size=3) | leads, encoding=encodings)
def test_a_body_with_nothing_to_clean_parses_the_same_without_cleaning(body: Any, encoding: str) -> None:
    raw = encode(body, encoding)
    if nothing_to_clean(raw):
        assert all(clean_text(s) == s for s in strings(json.loads(raw)))
        assert parsed(json.loads(raw), clean=False) == parsed(json.loads(raw), clean=True)


def test_only_a_body_that_can_hold_no_nul_or_lone_surrogate_skips_cleaning() -> None:
    assert nothing_to_clean(json.dumps([{"external_id": "hs-1", "name": "Dana Buyer"}]).encode())
    for body in ({"name": "a\x00b"}, {"name": "\ud800"}, {"name": "é"}):  # each written as a \u escape
        assert not nothing_to_clean(json.dumps(body).encode())
    assert not nothing_to_clean('{"name": "\ud800"}'.encode("utf-8", "surrogatepass"))  # json.loads decodes it
    assert not nothing_to_clean('{"name": "x"}'.encode("utf-16"))
    assert nothing_to_clean('{"name": "Zoë"}'.encode())  # plain UTF-8 is fine
