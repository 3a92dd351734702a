"""manifest.yml validates against Slack's own schema and matches what the app really handles; so does
manifest.socket.yml, its Socket Mode twin."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from handlers.commands import COMMANDS

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT.parent / "shared" / "data" / "slack-manifest-schema" / "manifest.schema.1.0.0.json"


@pytest.fixture
def manifest() -> dict[str, Any]:
    return dict(yaml.safe_load((ROOT / "manifest.yml").read_text()))


def load(name: str) -> dict[str, Any]:
    return dict(yaml.safe_load((ROOT / name).read_text()))


@pytest.mark.skipif(not SCHEMA.exists(), reason="Slack's manifest schema lives in ../shared, absent from this checkout")
@pytest.mark.parametrize("name", ["manifest.yml", "manifest.socket.yml"])
def test_manifest_validates_against_slacks_schema(name: str) -> None:
    manifest = load(name)
    schema = json.loads(SCHEMA.read_text())
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(manifest), key=lambda e: list(e.path))
    assert [f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors] == []


@pytest.mark.skipif(not SCHEMA.exists(), reason="Slack's manifest schema lives in ../shared, absent from this checkout")
def test_the_schema_check_catches_a_broken_manifest(manifest: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA.read_text())
    manifest["features"]["slash_commands"] = [{"command": "funnel", "description": "x"}]  # no leading slash
    assert list(jsonschema.Draft7Validator(schema).iter_errors(manifest))


def test_every_slack_url_is_the_one_bolt_endpoint(manifest: dict[str, Any]) -> None:
    urls = [manifest["settings"]["interactivity"]["request_url"]]
    urls += [c["url"] for c in manifest["features"].get("slash_commands", [])]
    if "event_subscriptions" in manifest["settings"]:
        urls.append(manifest["settings"]["event_subscriptions"]["request_url"])
    assert urls and all(u.endswith("/slack/events") for u in urls)


def test_scopes_are_the_minimal_set_the_code_uses(manifest: dict[str, Any]) -> None:
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == {
        "chat:write",
        "chat:write.public",
        "usergroups:read",
        "users:read",
        "commands",
        "files:write",
        "channels:history",
        "groups:history",
        "im:history",
        "im:write",
    }


def test_the_slash_commands_are_the_ones_the_app_registers(manifest: dict[str, Any]) -> None:
    registered = [command for command, _ in COMMANDS]
    declared = [c["command"] for c in manifest["features"]["slash_commands"]]
    assert declared == registered == ["/funnel", "/win", "/handoff", "/sla", "/content", "/campaigns"]


def test_the_events_subscribed_are_the_ones_the_app_handles(manifest: dict[str, Any]) -> None:
    assert manifest["settings"]["event_subscriptions"]["bot_events"] == ["app_home_opened"]
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True


def test_the_socket_mode_manifest_is_the_same_app_without_request_urls(manifest: dict[str, Any]) -> None:
    socket = load("manifest.socket.yml")
    assert socket["settings"]["socket_mode_enabled"] is True and manifest["settings"]["socket_mode_enabled"] is False
    assert "https://" not in (ROOT / "manifest.socket.yml").read_text().split("_metadata:", 1)[1]
    for command in manifest["features"]["slash_commands"]:
        del command["url"]
    del manifest["settings"]["interactivity"]["request_url"]
    del manifest["settings"]["event_subscriptions"]["request_url"]
    manifest["settings"]["socket_mode_enabled"] = True
    assert socket == manifest
