"""Which OpenAI-compatible endpoint the LLM recognizer talks to, read from the environment.

PARTNERBOT_LLM=off|openai|azure. `openai` covers OpenAI itself and any OpenAI-compatible server (OPENAI_BASE_URL);
`azure` uses an Azure OpenAI deployment. Keys stay out of `repr` and out of every error message.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

LLM_MODES = ("off", "openai", "azure")
DEFAULT_MODEL = "gpt-4o-mini"
DEFAULT_API_VERSION = "2024-10-21"
DEFAULT_TIMEOUT_S = 3.0
OPENAI_URL = "https://api.openai.com/v1"
# A key is required by the client library even when a local compatible server ignores it.
_PLACEHOLDER_KEY = "not-needed"


class LlmConfigError(ValueError):
    """An LLM setting is missing or invalid; the message names the variable, never its value if secret."""


@dataclass(frozen=True)
class LlmConfig:
    mode: str = "off"
    timeout_s: float = DEFAULT_TIMEOUT_S
    model: str = DEFAULT_MODEL  # for azure: the deployment name
    base_url: str = ""
    api_key: str = field(default="", repr=False)
    azure_endpoint: str = ""
    api_version: str = DEFAULT_API_VERSION
    temperature: float | None = 0.0

    @property
    def enabled(self) -> bool:
        return self.mode != "off"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> LlmConfig:
        def get(name: str, default: str = "") -> str:
            return (env.get(name) or default).strip()

        mode = get("PARTNERBOT_LLM", "off").lower() or "off"
        if mode not in LLM_MODES:
            raise LlmConfigError(f"PARTNERBOT_LLM must be one of {', '.join(LLM_MODES)}, not {mode!r}")
        timeout_s = _positive_float(get("PARTNERBOT_LLM_TIMEOUT_S"), "PARTNERBOT_LLM_TIMEOUT_S", DEFAULT_TIMEOUT_S)
        temperature_text = get("PARTNERBOT_LLM_TEMPERATURE", "0")
        temperature = None if temperature_text.lower() in {"", "none", "default"} else _number(
            temperature_text, "PARTNERBOT_LLM_TEMPERATURE")
        if mode == "azure":
            missing = [n for n in ("AZURE_OPENAI_ENDPOINT", "AZURE_OPENAI_API_KEY", "AZURE_OPENAI_DEPLOYMENT")
                       if not get(n)]
            if missing:
                raise LlmConfigError(f"PARTNERBOT_LLM=azure needs {', '.join(missing)}")
            return cls(mode, timeout_s, get("AZURE_OPENAI_DEPLOYMENT"), "", get("AZURE_OPENAI_API_KEY"),
                       get("AZURE_OPENAI_ENDPOINT"), get("OPENAI_API_VERSION", DEFAULT_API_VERSION), temperature)
        if mode == "openai":
            base_url = get("OPENAI_BASE_URL")
            api_key = get("OPENAI_API_KEY")
            if not api_key and not base_url:
                raise LlmConfigError("PARTNERBOT_LLM=openai needs OPENAI_API_KEY (or OPENAI_BASE_URL for a "
                                     "compatible server without keys)")
            return cls(mode, timeout_s, get("OPENAI_MODEL", DEFAULT_MODEL), base_url, api_key or _PLACEHOLDER_KEY,
                       temperature=temperature)
        return cls("off", timeout_s, temperature=temperature)

    def client_factory(self) -> Callable[[], Any]:
        """A callable that builds the async client on first use (no network at construction)."""
        if not self.enabled:
            raise LlmConfigError("PARTNERBOT_LLM is off")
        config = self

        def build() -> Any:
            import openai

            # No retries: the recognizer has a small time budget and a fallback; a retry would only eat it.
            if config.mode == "azure":
                return openai.AsyncAzureOpenAI(azure_endpoint=config.azure_endpoint, api_key=config.api_key,
                                               azure_deployment=config.model, api_version=config.api_version,
                                               max_retries=0, timeout=config.timeout_s)
            return openai.AsyncOpenAI(api_key=config.api_key, base_url=config.base_url or OPENAI_URL,
                                      max_retries=0, timeout=config.timeout_s)

        return build


def _number(text: str, name: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise LlmConfigError(f"{name} must be a number, not {text!r}") from None


def _positive_float(text: str, name: str, default: float) -> float:
    if not text:
        return default
    value = _number(text, name)
    if not 0 < value <= 120:
        raise LlmConfigError(f"{name} must be between 0 and 120 seconds, not {text!r}")
    return value
