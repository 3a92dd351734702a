"""The CRMs' settings from the environment: each bad one is named, and no secret shows in `repr`."""

from __future__ import annotations

import pytest

from bot.config.settings import Settings
from bot.errors import ConfigError
from tests.config.test_config import GOOD_ENV


@pytest.mark.parametrize(
    ("env", "key", "problem"),
    [
        ({"HUBSPOT_ACCESS_TOKEN": "0a1b2c3d-legacy-key"}, "HUBSPOT_ACCESS_TOKEN", "starting with 'pat-'"),
        ({"HUBSPOT_API_URL": "api.hubapi.com"}, "HUBSPOT_API_URL", "not an http(s) URL"),
        ({"SALESFORCE_CLIENT_SECRET": "s"}, "SALESFORCE_INSTANCE_URL", "is not set"),
        (
            {"SALESFORCE_CLIENT_SECRET": "s", "SALESFORCE_INSTANCE_URL": "https://acme.my.salesforce.com"},
            "SALESFORCE_CLIENT_ID",
            "is not set",
        ),
        ({"SALESFORCE_INSTANCE_URL": "acme.my.salesforce.com"}, "SALESFORCE_INSTANCE_URL", "not an http(s) URL"),
        (  # the browser's address bar, copied: the API is at the domain's root
            {"SALESFORCE_INSTANCE_URL": "https://acme.lightning.force.com/lightning/page/home"},
            "SALESFORCE_INSTANCE_URL",
            "https://acme.my.salesforce.com",
        ),
        ({"SALESFORCE_INSTANCE_URL": "https://acme.my.salesforce.com/?x=1"}, "SALESFORCE_INSTANCE_URL", "address"),
        ({"PUBLIC_URL": "handoff.example.com"}, "PUBLIC_URL", "not an http(s) URL"),
        ({"PUBLIC_URL": "x" * 5000}, "PUBLIC_URL", "…"),  # a huge value is cut short, not echoed whole
    ],
)
def test_each_bad_crm_setting_is_named(env: dict[str, str], key: str, problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({**GOOD_ENV, **env})
    assert caught.value.key == key
    assert problem in caught.value.problem
    assert len(str(caught.value)) < 300


def test_the_crms_are_written_to_only_with_their_credentials() -> None:
    assert Settings.from_env(GOOD_ENV).writeback.crms == frozenset()
    both = Settings.from_env({
        **GOOD_ENV, "HUBSPOT_ACCESS_TOKEN": "pat-na1-abc", "SALESFORCE_INSTANCE_URL": "https://acme.my.salesforce.com/",
        "SALESFORCE_CLIENT_ID": "3MVG9", "SALESFORCE_CLIENT_SECRET": "sf-secret",
    })  # fmt: skip
    assert both.writeback.crms == frozenset({"hubspot", "salesforce"})
    assert both.writeback.salesforce_instance_url == "https://acme.my.salesforce.com"
    assert both.writeback.hubspot_api_url == "https://api.hubapi.com/"


def test_repr_shows_no_crm_secret() -> None:
    secrets = {
        "HUBSPOT_ACCESS_TOKEN": "pat-na1-hub-secret-777",
        "HUBSPOT_CLIENT_SECRET": "hub-client-secret-888",
        "SALESFORCE_CLIENT_SECRET": "sf-client-secret-999",
        "SALESFORCE_OUTBOUND_TOKEN": "sf-outbound-token-000",
        "SALESFORCE_INSTANCE_URL": "https://acme.my.salesforce.com",
        "SALESFORCE_CLIENT_ID": "3MVG9",
    }
    shown = repr(Settings.from_env({**GOOD_ENV, **secrets}))
    for name in (
        "HUBSPOT_ACCESS_TOKEN",
        "HUBSPOT_CLIENT_SECRET",
        "SALESFORCE_CLIENT_SECRET",
        "SALESFORCE_OUTBOUND_TOKEN",
    ):
        assert secrets[name] not in shown
    assert "acme.my.salesforce.com" in shown
