"""Build the conversation engine from settings: Partner Center client, recognizer, roles, audit, directory."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from botbuilder.core import Storage

import dialogs.ops  # noqa: F401  (fills the registry)
from bot.config import Settings
from dialogs.approvals import ApprovalService, ApprovalSettings
from dialogs.directory import DirectoryCache
from dialogs.engine import Engine
from dialogs.files import FileService, FileSettings, file_sources
from dialogs.jobs import JobService, JobSettings, job_kinds
from dialogs.notifications import NotificationStore
from dialogs.ops import purchases
from dialogs.policy import AuditSink, RolePolicy
from dialogs.registry import Registry, registry
from dialogs.uploads import UploadStore
from intents.llm_tools import ToolSpec
from partner_center import PartnerCenterClient
from partner_center.auth import StaticTokenProvider, provider_from_env
from partner_center.transport import DEFAULT_GRAPH_URL, DEFAULT_PARTNER_API_URL

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
    env = settings.env
    extra: dict[str, object] = {}
    if not isinstance(credential, StaticTokenProvider):
        # The Partner API and Graph want tokens of their own audience (api.md §23.0).
        extra = {"partner_api_credential": provider_from_env(env, resource=DEFAULT_PARTNER_API_URL),
                 "graph_credential": provider_from_env(env, resource=DEFAULT_GRAPH_URL)}
    raw = str(env.get("PARTNERBOT_READ_SHARE_SECONDS") or "").strip()
    try:
        window = float(raw) if raw else 10.0
    except ValueError:
        raise ValueError(f"PARTNERBOT_READ_SHARE_SECONDS must be a number of seconds, not {raw!r}") from None
    return PartnerCenterClient(url, credential, partner_api_url=env.get("PARTNER_API_URL") or None,
                               graph_url=env.get("GRAPH_URL") or None, shared_read_window=max(0.0, window),
                               **extra)  # type: ignore[arg-type]


def build_llm_tools(operations: Registry | None = None) -> list[ToolSpec]:
    """One tool per available operation: contract summary as description, the registry's parameter schema."""
    from intents.contract import load_intents

    contract = load_intents()
    tools = []
    for op in operations if operations is not None else registry:
        if not op.available:
            continue
        spec = contract.get(op.id)
        description = (spec.summary if spec else "") or op.summary or op.id
        tools.append(ToolSpec.for_intent(op.id, description, op.json_schema(),
                                         {p.name: p.slot_name for p in op.params}))
    return tools


def build_recognizer(settings: Settings, *, operations: Registry | None = None):
    """Offline only (PARTNERBOT_LLM=off, the default), or the LLM first with the offline recognizer as fallback."""
    from intents.offline import OfflineRecognizer

    recognizer = OfflineRecognizer()
    recognizer.warm_up()  # train or load the model now, not on the first user's turn
    if not settings.llm.enabled:
        return recognizer
    from intents.chain import FallbackRecognizer
    from intents.llm import LlmRecognizer

    config = settings.llm
    llm = LlmRecognizer(config.client_factory(), build_llm_tools(operations), model=config.model,
                        timeout_s=config.timeout_s, temperature=config.temperature)
    llm.warm_up()
    log.info("LLM recognizer on (%s, model %s, %d tools, about %d tokens of tools)", config.mode, config.model,
             len(llm.tools), llm.tool_tokens)
    # The LLM keeps its own budget; the chain's limit is only a backstop above it.
    return FallbackRecognizer([llm, recognizer], timeout_s=config.timeout_s + 5)


def build_engine(settings: Settings, *, client: PartnerCenterClient | None = None,
                 audit: AuditSink | None = None, storage: Storage | None = None) -> Engine:
    """The engine; its audit log lives in `storage` (the app's bot storage) or in storage made from settings."""
    from bot.audit import StorageAuditLog
    from bot.roles import load_roles
    from bot.storage import make_storage

    client = client or build_client(settings)
    roles = load_roles(settings.roles_file or None)
    storage = storage if storage is not None else make_storage(settings)
    audit = audit or StorageAuditLog(storage)
    jobs = build_jobs(settings, client)
    jobs.audit = audit
    return Engine(
        registry,
        client,
        build_recognizer(settings),
        roles=roles,
        audit=audit,
        directory=DirectoryCache(client),
        purchases=build_approvals(settings, client, roles, audit),
        jobs=jobs,
        files=FileService(client, file_sources, settings=FileSettings.from_env(dict(settings.env))),
        uploads=UploadStore(storage),
        notifications=NotificationStore(storage),
    )


def build_jobs(settings: Settings, client: PartnerCenterClient) -> JobService:
    """Background jobs; bound to the app's storage and proactive notifier when the bot app attaches it."""
    from bot.jobs import bind

    return JobService(client, job_kinds, settings=JobSettings.from_env(dict(settings.env)), binder=bind)


def uses_sandbox_limits(settings: Settings, client: PartnerCenterClient) -> bool:
    """The integration sandbox's caps apply to the local sandbox, or when PARTNERBOT_SANDBOX_LIMITS says so."""
    flag = str(settings.env.get("PARTNERBOT_SANDBOX_LIMITS") or "").strip().lower()
    if flag:
        return flag in ("1", "true", "yes", "on")
    host = urlsplit(client.base_url).hostname or ""
    return host in ("127.0.0.1", "localhost", "::1")


def build_approvals(settings: Settings, client: PartnerCenterClient, roles: RolePolicy,
                    audit: AuditSink) -> ApprovalService:
    """The purchase approval workflow; it gets its storage and channel when the bot app attaches its notifier."""
    from bot.approvals import bind

    purchases.configure(sandbox_limits=uses_sandbox_limits(settings, client))
    return ApprovalService(registry, client, roles, settings=ApprovalSettings.from_env(settings.env), audit=audit,
                           binder=bind)
