"""Settings from the environment and .env: defaults, precedence, validation, secrets kept out of repr."""

from __future__ import annotations

import pytest

from bot.config import Settings, SettingsError

SECRET = "s3cr3t-Value-Never-Printed"


def test_defaults_with_empty_environment(tmp_path):
    s = Settings.from_env({}, env_file=tmp_path / "missing.env")
    assert (s.app_id, s.storage_kind, s.state_path, s.host, s.port) == (
        "", "sqlite", "./partnerbot-state.db", "127.0.0.1", 3978)
    assert not s.auth_enabled


def test_env_file_below_process_environment(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text(
        "# comment\nexport MicrosoftAppId=from-file\nPARTNERBOT_STORAGE='memory'\n"
        f"MicrosoftAppPassword=\"{SECRET}\"\nPARTNERBOT_PORT=4000 # inline comment\n",
        encoding="utf-8",
    )
    s = Settings.from_env({"MicrosoftAppId": "from-env", "PARTNERBOT_LOG_LEVEL": "debug"}, env_file=env_file)
    assert s.app_id == "from-env" and s.auth_enabled
    assert s.storage_kind == "memory" and s.port == 4000 and s.log_level == "DEBUG"
    assert s.app_password == SECRET
    assert s.env["PARTNERBOT_STORAGE"] == "memory"


def test_secrets_not_in_repr():
    s = Settings.from_env({"MicrosoftAppId": "app", "MicrosoftAppPassword": SECRET,
                           "PARTNER_CENTER_DEV_TOKEN": SECRET}, env_file=None)
    assert SECRET not in repr(s)
    assert SECRET not in repr(s.bot_auth_configuration())
    assert s.bot_auth_configuration().APP_PASSWORD == SECRET


def test_anonymous_mode_ignores_single_tenant_type():
    s = Settings.from_env({"MicrosoftAppType": "SingleTenant"}, env_file=None)
    assert s.app_type == "SingleTenant"
    assert s.bot_auth_configuration().APP_TYPE == "MultiTenant"
    assert s.bot_auth_configuration().APP_ID is None


@pytest.mark.parametrize("env, word", [
    ({"PARTNERBOT_STORAGE": "redis"}, "PARTNERBOT_STORAGE"),
    ({"PARTNERBOT_PORT": "abc"}, "PARTNERBOT_PORT"),
    ({"PARTNERBOT_PORT": "70000"}, "PARTNERBOT_PORT"),
    ({"MicrosoftAppType": "Other"}, "MicrosoftAppType"),
])
def test_invalid_values(env, word):
    with pytest.raises(SettingsError, match=word):
        Settings.from_env(env, env_file=None)


def test_azure_port_fallback():
    assert Settings.from_env({"PORT": "8080"}, env_file=None).port == 8080
