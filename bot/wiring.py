"""Build the conversation engine from settings: Partner Center client, recognizer, roles, audit, directory."""

from __future__ import annotations

import logging

import dialogs.ops  # noqa: F401  (fills the registry)
from bot.config import Settings
from dialogs.directory import DirectoryCache
from dialogs.engine import Engine
from dialogs.policy import AuditSink, MemoryAudit
from dialogs.registry import registry
from partner_center import PartnerCenterClient
from partner_center.auth import StaticTokenProvider, provider_from_env

log = logging.getLogger(__name__)

SANDBOX_URL = "http://127.0.0.1:8089"


def build_client(settings: Settings) -> PartnerCenterClient:
    """The Partner Center client: the sandbox dev token when given, else the msal settings, else the sandbox."""
    if settings.partner_center_dev_token:
        credential = StaticTokenProvider(settings.partner_center_dev_token)
        url = settings.partner_center_url or SANDBOX_URL
    elif settings.partner_center_url and "127.0.0.1" not in settings.partner_center_url and (
            "localhost" not in settings.partner_center_url):
        credential = provider_from_env(settings.env)
        url = settings.partner_center_url
    elif settings.env.get("PARTNER_CENTER_CLIENT_ID"):
        credential = provider_from_env(settings.env)
        url = settings.partner_center_url or "https://api.partnercenter.microsoft.com"
    else:
        credential = StaticTokenProvider("sandbox-dev-token")
        url = settings.partner_center_url or SANDBOX_URL
    return PartnerCenterClient(url, credential)


def build_recognizer(settings: Settings):
    from intents.offline import OfflineRecognizer

    recognizer = OfflineRecognizer()
    recognizer.warm_up()  # train or load the model now, not on the first user's turn
    return recognizer


def build_engine(settings: Settings, *, client: PartnerCenterClient | None = None,
                 audit: AuditSink | None = None) -> Engine:
    from bot.roles import load_roles

    client = client or build_client(settings)
    return Engine(
        registry,
        client,
        build_recognizer(settings),
        roles=load_roles(settings.roles_file or None),
        audit=audit or MemoryAudit(),
        directory=DirectoryCache(client),
    )
