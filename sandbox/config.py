"""Sandbox configuration: one dataclass, filled from arguments or SANDBOX_* environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields

DEV_TOKEN = "sandbox-dev-token"
PARTNER_TENANT_ID = "9e2b5f0c-6a4d-4c1e-8f3b-2d7a1c5e0b94"
PARTNER_MPN_ID = "4851537"


@dataclass
class FaultSettings:
    """Fault injection knobs; all zero means a well-behaved service. Changeable at run time via /_sandbox/faults."""

    latency_ms: int = 0
    rate_429: float = 0.0
    rate_5xx: float = 0.0
    drop_after_mutation_rate: float = 0.0
    drop_next_mutations: int = 0
    rate_limit_per_min: int = 0  # 0 = unlimited; the real service documents 500/min per tenant
    seed: int = 0

    def to_wire(self) -> dict:
        return {
            "latencyMs": self.latency_ms,
            "rate429": self.rate_429,
            "rate5xx": self.rate_5xx,
            "dropAfterMutationRate": self.drop_after_mutation_rate,
            "dropNextMutations": self.drop_next_mutations,
            "rateLimitPerMin": self.rate_limit_per_min,
            "seed": self.seed,
        }


@dataclass
class SandboxConfig:
    """Everything the emulator needs; defaults give a fast, fault-free, in-memory sandbox."""

    db_path: str = ":memory:"
    host: str = "127.0.0.1"
    port: int = 8089
    seed: int = 42
    customers: int = 40  # customers to seed into a fresh database (0 = empty)
    dev_token: str = DEV_TOKEN  # static App+User token
    app_only_tokens: tuple[str, ...] = ()  # extra static tokens that act as app-only
    # client_credentials clients accepted by POST /{tenant}/oauth2/v2.0/token (id -> secret)
    clients: dict[str, str] = field(default_factory=lambda: {"sandbox-client": "sandbox-secret"})
    token_lifetime_s: int = 3600
    partner_tenant_id: str = PARTNER_TENANT_ID
    partner_mpn_id: str = PARTNER_MPN_ID
    faults: FaultSettings = field(default_factory=FaultSettings)
    provisioning_delay_s: float = 0.0  # orders stay `pending` this long (0 = completed at once)
    checkout_delay_ms: int = 0  # time a checkout holds its cart (to observe 409 800064)
    repeat_checkout_error: bool = False  # True: second checkout -> 400 800065 instead of the stored result
    max_body_bytes: int = 1024 * 1024
    admin_enabled: bool = True  # /_sandbox/* test endpoints
    # sandbox limits (documented integration-sandbox caps)
    max_customers: int = 75
    max_subscriptions_per_customer: int = 5
    max_licenses_per_subscription: int = 25
    # money (api.md §25): reconciliation exports finish this long after the POST (sandbox clock); files split at
    # this many lines
    recon_delay_s: float = 0.0
    # §26.7 rule 9: user/licence/role calls need a GDAP role on the customer (403 900150 without one)
    gdap_enforced: bool = False
    # §26.1: the docs don't list filterable properties; False answers any G1 $filter with 400 (client falls back)
    gdap_filter_supported: bool = True
    recon_retry_after_s: int = 10  # Retry-After of a running export (at most; less when it finishes sooner)
    recon_lines_per_blob: int = 50_000
    blob_dir: str = ""  # where export files are written ("" = a temporary directory per app)
    recon_v1_retired: bool = False  # True: v1 unbilled lines (§12 B6) refuse new-commerce periods from 2026-03
    # Graph tokens -> scopes; a token listed without PartnerBilling.Read.All gets 403 accessDenied (§25.6 rule 1)
    graph_scopes: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def __repr__(self) -> str:  # never print secrets or tokens
        shown = {f.name: getattr(self, f.name) for f in fields(self)
                 if f.name not in {"dev_token", "app_only_tokens", "clients", "graph_scopes"}}
        return f"SandboxConfig({shown})"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides) -> SandboxConfig:
        """Defaults <- SANDBOX_* environment variables <- explicit overrides."""
        env = dict(os.environ if env is None else env)
        cfg = cls(**overrides)
        faults = cfg.faults
        ints = {"SANDBOX_LATENCY_MS": "latency_ms", "SANDBOX_RATE_LIMIT_PER_MIN": "rate_limit_per_min"}
        floats = {"SANDBOX_429_RATE": "rate_429", "SANDBOX_5XX_RATE": "rate_5xx",
                  "SANDBOX_DROP_AFTER_MUTATION_RATE": "drop_after_mutation_rate"}
        for name, attr in ints.items():
            if env.get(name):
                setattr(faults, attr, int(env[name]))
        for name, attr in floats.items():
            if env.get(name):
                setattr(faults, attr, float(env[name]))
        if env.get("SANDBOX_SEED") and "seed" not in overrides:
            cfg.seed = int(env["SANDBOX_SEED"])
        faults.seed = cfg.seed
        if env.get("SANDBOX_PROVISIONING_DELAY_S") and "provisioning_delay_s" not in overrides:
            cfg.provisioning_delay_s = float(env["SANDBOX_PROVISIONING_DELAY_S"])
        if env.get("SANDBOX_RECON_DELAY_S") and "recon_delay_s" not in overrides:
            cfg.recon_delay_s = float(env["SANDBOX_RECON_DELAY_S"])
        return cfg
