"""LLM settings (PARTNERBOT_LLM & co.), the recognizer chain the wiring picks, and the tools built from the registry."""

from __future__ import annotations

import re

import pytest
from jsonschema import Draft202012Validator

from bot.config import Settings, SettingsError
from bot.wiring import build_llm_tools, build_recognizer
from dialogs.registry import registry
from intents.chain import FallbackRecognizer
from intents.contract import load_intents
from intents.llm import LlmRecognizer
from intents.llm_client import DEFAULT_TIMEOUT_S, LlmConfig, LlmConfigError
from intents.llm_tools import ToolSpec, check_unique, compact_schema, estimate_tokens, tool_name
from intents.offline import OfflineRecognizer

SECRET = "sk-very-secret-value-123"


def test_off_by_default():
    config = LlmConfig.from_env({})
    assert not config.enabled and config.timeout_s == DEFAULT_TIMEOUT_S == 3.0
    assert not Settings.from_env({}, env_file=None).llm.enabled


def test_openai_settings_and_secret_not_in_repr():
    env = {"PARTNERBOT_LLM": "OpenAI", "OPENAI_API_KEY": SECRET, "OPENAI_MODEL": "gpt-4.1-mini",
           "OPENAI_BASE_URL": "http://127.0.0.1:9/v1", "PARTNERBOT_LLM_TIMEOUT_S": "1.5"}
    config = LlmConfig.from_env(env)
    assert (config.mode, config.model, config.base_url, config.timeout_s) == (
        "openai", "gpt-4.1-mini", "http://127.0.0.1:9/v1", 1.5)
    settings = Settings.from_env(env, env_file=None)
    assert settings.llm == config
    assert SECRET not in repr(config) and SECRET not in repr(settings)


def test_compatible_server_without_key():
    config = LlmConfig.from_env({"PARTNERBOT_LLM": "openai", "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"})
    assert config.api_key and config.model


def test_azure_settings():
    config = LlmConfig.from_env({"PARTNERBOT_LLM": "azure", "AZURE_OPENAI_ENDPOINT": "https://x.openai.azure.com",
                                 "AZURE_OPENAI_API_KEY": SECRET, "AZURE_OPENAI_DEPLOYMENT": "pb"})
    assert (config.mode, config.model, config.api_version) == ("azure", "pb", "2024-10-21")
    assert SECRET not in repr(config)


@pytest.mark.parametrize(("env", "named"), [
    ({"PARTNERBOT_LLM": "claude"}, "PARTNERBOT_LLM"),
    ({"PARTNERBOT_LLM": "openai"}, "OPENAI_API_KEY"),
    ({"PARTNERBOT_LLM": "azure", "AZURE_OPENAI_API_KEY": SECRET}, "AZURE_OPENAI_ENDPOINT"),
    ({"PARTNERBOT_LLM": "azure", "AZURE_OPENAI_ENDPOINT": "https://x", "AZURE_OPENAI_API_KEY": SECRET},
     "AZURE_OPENAI_DEPLOYMENT"),
    ({"PARTNERBOT_LLM": "openai", "OPENAI_API_KEY": SECRET, "PARTNERBOT_LLM_TIMEOUT_S": "soon"},
     "PARTNERBOT_LLM_TIMEOUT_S"),
    ({"PARTNERBOT_LLM": "openai", "OPENAI_API_KEY": SECRET, "PARTNERBOT_LLM_TIMEOUT_S": "0"},
     "PARTNERBOT_LLM_TIMEOUT_S"),
])
def test_bad_settings_name_the_variable_not_the_secret(env, named):
    with pytest.raises(LlmConfigError) as caught:
        LlmConfig.from_env(env)
    assert named in str(caught.value) and SECRET not in str(caught.value)
    with pytest.raises(SettingsError, match=named):
        Settings.from_env(env, env_file=None)


def test_temperature_can_be_left_to_the_model():
    env = {"PARTNERBOT_LLM": "openai", "OPENAI_API_KEY": "k", "PARTNERBOT_LLM_TEMPERATURE": "default"}
    assert LlmConfig.from_env(env).temperature is None


def test_wiring_picks_the_chain():
    assert isinstance(build_recognizer(Settings()), OfflineRecognizer)
    llm = LlmConfig(mode="openai", base_url="http://127.0.0.1:9/v1", api_key="k", model="m", timeout_s=2.0)
    chain = build_recognizer(Settings(llm=llm))
    assert isinstance(chain, FallbackRecognizer)
    first, last = chain._recognizers  # noqa: SLF001 - the order is what this test is about
    assert isinstance(first, LlmRecognizer) and isinstance(last, OfflineRecognizer)
    assert first.timeout_s == 2.0 and first.model == "m"


def test_one_tool_per_available_operation_with_the_registry_schema():
    tools = build_llm_tools()
    available = [op for op in registry if op.available]
    assert [t.intent for t in tools] == [op.id for op in available]
    contract = load_intents()
    for tool, op in zip(tools, available, strict=True):
        assert re.fullmatch(r"[A-Za-z0-9_-]{1,64}", tool.name)
        assert tool.parameters == op.json_schema()
        Draft202012Validator.check_schema(dict(tool.parameters))
        assert tool.description == contract[op.id].summary[:100] or tool.description.endswith("…")
        for param in op.params:
            assert tool.slot_for(param.name) == param.slot_name
    assert len({t.name for t in tools}) == len(tools)


def test_tools_stay_small():
    tools = build_llm_tools()
    payload = [t.to_openai() for t in tools]
    per_tool = estimate_tokens(payload) / len(tools)
    assert per_tool < 90, per_tool  # ~126 tools would still be well under 12k tokens
    assert all(len(t.description) <= 100 for t in tools)
    assert "maxLength" not in str(payload)


def test_tool_names_and_collisions():
    assert tool_name("subscriptions.change_quantity") == "subscriptions__change_quantity"
    assert tool_name("none") == "none"
    with pytest.raises(ValueError):
        tool_name("x" * 70)
    schema = {"type": "object", "properties": {}}
    with pytest.raises(ValueError, match="share the name"):
        check_unique([ToolSpec("a.b", "a__b", "", schema), ToolSpec("a__b", "a__b", "", schema)])


def test_compact_schema_keeps_what_the_model_needs():
    schema = {"type": "object", "properties": {"q": {"type": "integer", "minimum": 1},
                                               "t": {"type": "string", "minLength": 1, "maxLength": 300}},
              "required": [], "additionalProperties": False}
    assert compact_schema(schema) == {"type": "object", "properties": {"q": {"type": "integer", "minimum": 1},
                                                                       "t": {"type": "string"}},
                                      "additionalProperties": False}
