"""Bot settings from the environment (and an optional `.env` file), read once at start-up.

The variable names are the ones Azure Bot Service and the Teams Toolkit use (`MicrosoftAppId`, ...), so the same
App Service configuration works unchanged. Secrets are kept out of `repr` and never logged.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

from intents.llm_client import LlmConfig, LlmConfigError

STORAGE_KINDS = ("sqlite", "memory", "blob")
APP_TYPES = ("MultiTenant", "SingleTenant", "UserAssignedMSI")
DEFAULT_CHANNELS = ("msteams",)
# Channel ids accepted only without an app id (development): the Agents Playground's other channel modes and the
# Bot Framework Emulator / Web Chat. `partnerbot chat` and the Playground's default send msteams.
DEVELOPMENT_CHANNELS = ("emulator", "webchat")
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 3978
# Azure container names: 3-63 characters, lowercase letters, digits and single hyphens, starting and ending
# with a letter or digit.
_CONTAINER_NAME = re.compile(r"^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$")


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
    # Azure Blob Storage (PARTNERBOT_STORAGE=blob): the connection string holds the account key.
    blob_connection_string: str = field(default="", repr=False)
    blob_container: str = ""
    log_level: str = "INFO"
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    # PARTNERBOT_CHANNELS: the channel ids whose activities are accepted (comma-separated; Teams by default)
    channels: tuple[str, ...] = DEFAULT_CHANNELS
    # PARTNERBOT_LLM and the OpenAI / Azure OpenAI variables; off by default (offline recognizer only).
    llm: LlmConfig = field(default_factory=LlmConfig)
    # The merged environment (.env below os.environ), for components with their own variables
    # (e.g. partner_center.auth). Hidden from repr because it holds secrets.
    env: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    @property
    def auth_enabled(self) -> bool:
        """Without an app id the bot runs in local anonymous mode (Agents Playground, tests, `partnerbot chat`)."""
        return bool(self.app_id)

    @property
    def allowed_channels(self) -> frozenset[str]:
        """The configured channels; without an app id also the development clients' channel ids."""
        extra = () if self.auth_enabled else DEVELOPMENT_CHANNELS
        return frozenset(self.channels) | frozenset(extra)

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
        blob_connection_string = get("PARTNERBOT_BLOB_CONNECTION_STRING")
        blob_container = get("PARTNERBOT_BLOB_CONTAINER")
        if storage_kind == "blob":
            check_blob_settings(blob_connection_string, blob_container)
        roles_file = get("PARTNERBOT_ROLES_FILE")
        if roles_file:
            check_roles_file(roles_file)
        app_type = get("MicrosoftAppType", "MultiTenant") or "MultiTenant"
        canonical = {t.lower(): t for t in APP_TYPES}
        if app_type.lower() not in canonical:
            raise SettingsError(f"MicrosoftAppType must be one of {', '.join(APP_TYPES)}, not {app_type!r}")
        try:
            llm = LlmConfig.from_env(merged)
        except LlmConfigError as exc:
            raise SettingsError(str(exc)) from None
        port_text = get("PARTNERBOT_PORT") or get("PORT") or str(DEFAULT_PORT)
        try:
            port = int(port_text)
        except ValueError:
            raise SettingsError(f"PARTNERBOT_PORT must be a number, not {port_text!r}") from None
        if not 0 <= port <= 65535:
            raise SettingsError(f"PARTNERBOT_PORT out of range: {port}")
        channels = tuple(c.strip() for c in get("PARTNERBOT_CHANNELS").split(",") if c.strip()) or DEFAULT_CHANNELS
        if any(not re.fullmatch(r"[a-z0-9_.-]{1,40}", c) for c in channels):
            raise SettingsError("PARTNERBOT_CHANNELS must be comma-separated channel ids such as msteams, "
                                f"not {get('PARTNERBOT_CHANNELS')!r}")
        return cls(
            app_id=get("MicrosoftAppId"),
            app_password=get("MicrosoftAppPassword"),
            app_type=canonical[app_type.lower()],
            app_tenant_id=get("MicrosoftAppTenantId"),
            partner_center_url=get("PARTNER_CENTER_URL"),
            partner_center_dev_token=get("PARTNER_CENTER_DEV_TOKEN"),
            state_path=get("PARTNERBOT_STATE") or "./partnerbot-state.db",
            storage_kind=storage_kind,
            roles_file=roles_file,
            blob_connection_string=blob_connection_string,
            blob_container=blob_container,
            log_level=(get("PARTNERBOT_LOG_LEVEL") or "INFO").upper(),
            host=get("PARTNERBOT_HOST") or DEFAULT_HOST,
            port=port,
            channels=channels,
            llm=llm,
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


def check_blob_settings(connection_string: str, container: str) -> None:
    """Refuse incomplete or malformed blob settings at start-up, naming the variable but never the key."""
    if not connection_string:
        raise SettingsError("PARTNERBOT_STORAGE=blob needs PARTNERBOT_BLOB_CONNECTION_STRING "
                            "(the storage account's connection string)")
    parts = {k.strip().lower() for k, _, v in (p.partition("=") for p in connection_string.split(";")) if v}
    if not ({"accountname", "accountkey"} <= parts or "sharedaccesssignature" in parts):
        raise SettingsError("PARTNERBOT_BLOB_CONNECTION_STRING must be an Azure Storage connection string "
                            "with AccountName and AccountKey (or SharedAccessSignature)")
    if not container:
        raise SettingsError("PARTNERBOT_STORAGE=blob needs PARTNERBOT_BLOB_CONTAINER (the container name)")
    if not _CONTAINER_NAME.match(container):
        raise SettingsError(f"PARTNERBOT_BLOB_CONTAINER {container!r} is not a valid container name: use 3-63 "
                            "lowercase letters, digits and single hyphens, starting with a letter or digit")


def check_roles_file(path: str) -> None:
    """Load the roles file once at start-up so a bad file stops the bot with a message naming the problem."""
    from bot.roles import RolesFileError, load_roles  # lazy: roles pull in the dialog layer

    try:
        load_roles(path)
    except RolesFileError as exc:
        raise SettingsError(f"PARTNERBOT_ROLES_FILE: {exc}") from None


class _AuthConfig(SimpleNamespace):
    def __repr__(self) -> str:  # SimpleNamespace would print the password
        return f"_AuthConfig(APP_ID={getattr(self, 'APP_ID', None)!r}, APP_TYPE={getattr(self, 'APP_TYPE', None)!r})"
