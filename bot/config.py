"""Bot settings from the environment (and an optional `.env` file), read once at start-up.

The variable names are the ones Azure Bot Service and the Teams Toolkit use (`MicrosoftAppId`, ...), so the same
App Service configuration works unchanged. Secrets are kept out of `repr` and never logged.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

STORAGE_KINDS = ("sqlite", "memory", "blob")
APP_TYPES = ("MultiTenant", "SingleTenant", "UserAssignedMSI")
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 3978


class SettingsError(ValueError):
    """A configuration value is invalid; the message names the variable, never a secret value."""


def read_env_file(path: str | Path) -> dict[str, str]:
    """Parse a `.env` file: KEY=VALUE lines, `#` comments, optional `export` and surrounding quotes."""
    values: dict[str, str] = {}
    file = Path(path)
    if not file.is_file():
        return values
    for raw in file.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        if line.startswith("export "):
            line = line[len("export "):].lstrip()
        key, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        values[key.strip()] = value
    return values


@dataclass(frozen=True)
class Settings:
    app_id: str = ""
    app_password: str = field(default="", repr=False)
    app_type: str = "MultiTenant"
    app_tenant_id: str = ""
    partner_center_url: str = ""
    partner_center_dev_token: str = field(default="", repr=False)
    state_path: str = "./partnerbot-state.db"
    storage_kind: str = "sqlite"
    roles_file: str = ""
    log_level: str = "INFO"
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    # The merged environment (.env below os.environ), for components with their own variables
    # (e.g. partner_center.auth). Hidden from repr because it holds secrets.
    env: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    @property
    def auth_enabled(self) -> bool:
        """Without an app id the bot runs in local anonymous mode (Agents Playground, tests, `partnerbot chat`)."""
        return bool(self.app_id)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, env_file: str | Path | None = ".env") -> Settings:
        """Defaults <- `.env` file <- process environment."""
        merged: dict[str, str] = read_env_file(env_file) if env_file else {}
        merged.update(os.environ if environ is None else environ)

        def get(name: str, default: str = "") -> str:
            return merged.get(name, default).strip()

        storage_kind = get("PARTNERBOT_STORAGE", "sqlite").lower()
        if storage_kind not in STORAGE_KINDS:
            raise SettingsError(f"PARTNERBOT_STORAGE must be one of {', '.join(STORAGE_KINDS)}, not {storage_kind!r}")
        app_type = get("MicrosoftAppType", "MultiTenant") or "MultiTenant"
        canonical = {t.lower(): t for t in APP_TYPES}
        if app_type.lower() not in canonical:
            raise SettingsError(f"MicrosoftAppType must be one of {', '.join(APP_TYPES)}, not {app_type!r}")
        port_text = get("PARTNERBOT_PORT") or get("PORT") or str(DEFAULT_PORT)
        try:
            port = int(port_text)
        except ValueError:
            raise SettingsError(f"PARTNERBOT_PORT must be a number, not {port_text!r}") from None
        if not 0 <= port <= 65535:
            raise SettingsError(f"PARTNERBOT_PORT out of range: {port}")
        return cls(
            app_id=get("MicrosoftAppId"),
            app_password=get("MicrosoftAppPassword"),
            app_type=canonical[app_type.lower()],
            app_tenant_id=get("MicrosoftAppTenantId"),
            partner_center_url=get("PARTNER_CENTER_URL"),
            partner_center_dev_token=get("PARTNER_CENTER_DEV_TOKEN"),
            state_path=get("PARTNERBOT_STATE") or "./partnerbot-state.db",
            storage_kind=storage_kind,
            roles_file=get("PARTNERBOT_ROLES_FILE"),
            log_level=(get("PARTNERBOT_LOG_LEVEL") or "INFO").upper(),
            host=get("PARTNERBOT_HOST") or DEFAULT_HOST,
            port=port,
            env=merged,
        )

    def bot_auth_configuration(self) -> SimpleNamespace:
        """The attribute bag `ConfigurationBotFrameworkAuthentication` reads (APP_ID, APP_PASSWORD, ...)."""
        return _AuthConfig(
            APP_ID=self.app_id or None,
            APP_PASSWORD=self.app_password or None,
            APP_TYPE=self.app_type if self.app_id else "MultiTenant",  # anonymous local mode needs no tenant
            APP_TENANTID=self.app_tenant_id or None,
        )


class _AuthConfig(SimpleNamespace):
    def __repr__(self) -> str:  # SimpleNamespace would print the password
        return f"_AuthConfig(APP_ID={getattr(self, 'APP_ID', None)!r}, APP_TYPE={getattr(self, 'APP_TYPE', None)!r})"
