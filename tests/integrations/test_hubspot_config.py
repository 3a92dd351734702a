"""`[hubspot]` in the team file: each mistake stops start-up with the key's name."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from bot.app.factory import create_app
from bot.config.hubspot import HubSpotConfig, HubSpotSettings
from bot.config.settings import Settings
from bot.errors import ConfigError
from tests.conftest import team_config


@pytest.mark.parametrize(
    ("section", "key"),
    [
        ({"fieldz": {}}, "hubspot.fieldz"),
        ({"fields": {"titel": "jobtitle"}}, "hubspot.fields.titel"),
        ({"fields": {"title": "Job Title"}}, "hubspot.fields.title"),
        ({"fields": {"name": ["firstname", 7]}}, "hubspot.fields.name[1]"),
        ({"fields": {"score": 12}}, "hubspot.fields.score"),
        ({"portal_id": "my portal"}, "hubspot.portal_id"),
        ({"portal_id": -1}, "hubspot.portal_id"),
        ({"external_id_prefix": "x" * 51}, "hubspot.external_id_prefix"),
        ({"external_id_prefix": "hub\x00"}, "hubspot.external_id_prefix"),
        ({"stages": {"closedwon": 4}}, "hubspot.stages.closedwon"),
        ({"deal_contact": "the contact"}, "hubspot.deal_contact"),
    ],
)
def test_a_wrong_hubspot_setting_names_its_key(section: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigError) as raised:
        team_config(hubspot=section)
    assert raised.value.key == key, raised.value


@pytest.mark.parametrize("stage", ["sal", "mql", "rejected", "closed"])
async def test_a_stage_a_deal_cannot_move_a_lead_to_stops_start_up(stage: str) -> None:
    config = team_config(hubspot={"stages": {"qualifiedtobuy": "sql", "appointmentscheduled": stage}})
    settings = Settings(slack_bot_token="xoxb-1", slack_signing_secret="s", intake_token="t" * 16)
    with pytest.raises(ConfigError) as raised:
        await create_app(settings, config)
    assert raised.value.key == "hubspot.stages.appointmentscheduled"
    assert "sql, opportunity, won, lost, recycled" in raised.value.problem


def test_the_defaults_and_an_empty_string_switching_a_field_off() -> None:
    default = HubSpotConfig()
    assert default.external_id_prefix == "hubspot:" and default.stages == {} and default.portal_id is None
    assert (default.fields.name, default.fields.title, default.fields.score) == (
        ("firstname", "lastname"), "jobtitle", "hubspotscore",
    )  # fmt: skip
    config = team_config(hubspot={"fields": {"campaign": "", "name": "full_name"}, "portal_id": 62515})
    assert config.hubspot.fields.campaign is None and config.hubspot.fields.name == ("full_name",)
    assert config.hubspot.portal_id == 62515


def test_the_client_secret_comes_from_the_environment_and_never_shows() -> None:
    settings = HubSpotSettings.from_env({"HUBSPOT_CLIENT_SECRET": "  s3cr3t-value \n"})
    assert settings.client_secret == "s3cr3t-value"
    assert "s3cr3t" not in repr(settings)
    assert "s3cr3t" not in repr(
        Settings(slack_bot_token="x", slack_signing_secret="y", intake_token="z", hubspot=settings)
    )


def test_readmes_hubspot_section_is_a_valid_team_file_section() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    [block] = re.findall(r"```toml\n(\[hubspot\]\n.*?)```", readme, re.S)
    config = team_config(**tomllib.loads(block))
    assert config.hubspot.stages["closedwon"] == "won" and config.hubspot.portal_id == 62515
    assert config.hubspot == team_config(hubspot={"portal_id": 62515, "stages": config.hubspot.stages}).hubspot
