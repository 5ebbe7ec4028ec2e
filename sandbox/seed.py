"""Deterministic seed data: customers with realistic names/addresses, 1-5 subscriptions each over the static
catalog, and the orders that bought them. Same `seed` -> same data.

Other areas add their own data per customer with an extra seeder:

    from sandbox.seed import SeedContext, register_seeder

    @register_seeder
    def seed_users(ctx: SeedContext) -> None:
        for customer in ctx.customers:
            ctx.add("user", user_id, body, scope=customer["id"])

`generate()` imports `sandbox.seed_extra` (if present) so its decorators run, then calls every registered seeder
after the base data, each with its own deterministic RNG, inside the same transaction.
"""

from __future__ import annotations

import importlib
import json
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from partner_center import clock
from sandbox import catalog_data as cat
from sandbox.commerce import (
    customer_doc,
    new_etag,
    order_doc,
    order_line,
    parent_ok,
    roll_terms,
    subscription_doc,
)
from sandbox.config import SandboxConfig
from sandbox.envelope import new_guid, new_hex, parse_iso
from sandbox.store import Store

NAMED_COMPANIES = [
    "Contoso Ltd", "Contoso Pharma", "Fabrikam Inc", "Northwind Traders", "Litware Inc", "Wingtip Toys",
    "Adventure Works Cycles", "Tailspin Toys", "Woodgrove Bank", "Coho Winery", "Alpine Ski House",
    "Blue Yonder Airlines", "City Power & Light", "Fourth Coffee", "Graphic Design Institute",
    "Humongous Insurance", "Lucerne Publishing", "Margie's Travel", "Proseware Inc", "Southridge Video",
    "Trey Research", "VanArsdel Ltd", "Wide World Importers", "A. Datum Corporation", "Consolidated Messenger",
    "First Up Consultants", "Relecloud", "School of Fine Art", "Lamna Healthcare", "Bellows College",
    "Best For You Organics", "Munson's Pickles and Preserves", "Nod Publishers", "Tailwind Traders",
    "Northwind Health", "Fincher Architects", "Boulder Innovations", "Datum Realty", "Olympia Fitness",
    "Contoso Electronics",
]
_ADJ = ["Blue", "Northern", "Silver", "Bright", "Granite", "Harbor", "Maple", "Summit", "Pioneer", "Cedar",
        "Golden", "Iron", "Crystal", "Evergreen", "Riverside", "Sunset", "Atlas", "Coastal", "Prairie", "Lakeside"]
_NOUN = ["Logistics", "Dental", "Analytics", "Bakery", "Engineering", "Consulting", "Media", "Foods", "Legal",
         "Robotics", "Outfitters", "Clinics", "Builders", "Partners", "Studios", "Energy", "Farms", "Labs",
         "Motors", "Travel"]
_SUFFIX = ["Ltd", "Inc", "GmbH", "LLC", "Group", "Co", "AG", "BV", "SA", "Pty"]
_FIRST = ["Ada", "Ben", "Chloe", "Dev", "Elena", "Farah", "Gus", "Hana", "Ivan", "Jia", "Kofi", "Lena", "Mateo",
          "Nora", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tara", "Uma", "Victor", "Wen", "Yusuf", "Zoe"]
_LAST = ["Lovelace", "Okafor", "Schmidt", "Dubois", "Tanaka", "Silva", "Nguyen", "Kowalski", "Jensen", "Rossi",
         "Patel", "Garcia", "Murphy", "Andersson", "Novak", "Haddad", "Fischer", "Moreau", "Costa", "Brown"]
# country, culture, language, (city, state, postal code, street)
_COUNTRIES = [
    ("US", "en-US", "en", [("Redmond", "WA", "98052", "1 Microsoft Way"),
                          ("Austin", "TX", "78701", "500 Congress Ave"),
                          ("Chicago", "IL", "60601", "233 S Wacker Dr"),
                          ("Boston", "MA", "02110", "100 Federal St")]),
    ("GB", "en-GB", "en", [("London", "", "EC1A 1BB", "10 Aldersgate St"),
                          ("Manchester", "", "M1 1AE", "1 Piccadilly")]),
    ("DE", "de-DE", "de", [("Berlin", "", "10115", "Invalidenstrasse 5"), ("Munich", "", "80331", "Marienplatz 8")]),
    ("FR", "fr-FR", "fr", [("Paris", "", "75002", "12 Rue de la Paix"), ("Lyon", "", "69002", "5 Place Bellecour")]),
    ("NL", "nl-NL", "nl", [("Amsterdam", "", "1012 JS", "Dam 1"), ("Utrecht", "", "3511 LX", "Oudegracht 150")]),
    ("CA", "en-CA", "en", [("Toronto", "ON", "M5H 2N2", "100 King St W"),
                          ("Vancouver", "BC", "V6C 1T2", "200 Burrard St")]),
    ("AU", "en-AU", "en", [("Sydney", "NS", "2000", "1 Martin Pl"), ("Melbourne", "VI", "3000", "200 Collins St")]),
    ("IE", "en-IE", "en", [("Dublin", "", "D02 X285", "1 Grand Canal Sq")]),
    ("SE", "sv-SE", "sv", [("Stockholm", "", "111 52", "Kungsgatan 10")]),
    ("ES", "es-ES", "es", [("Madrid", "", "28013", "Gran Via 28")]),
    ("IT", "it-IT", "it", [("Milan", "", "20121", "Via Manzoni 5")]),
    ("DK", "da-DK", "da", [("Copenhagen", "", "1050", "Kongens Nytorv 2")]),
]

# fixed starter portfolios for the names the demo and the docs talk about: (catalog title/sku, qty, age in days)
_PORTFOLIOS: dict[str, list[tuple[str, int, int]]] = {
    "Contoso Ltd": [("Microsoft 365 Business Premium", 20, 3), ("Microsoft Teams Essentials", 10, 200),
                    ("Microsoft 365 E3", 15, 120),
                    ("Microsoft Teams Audio Conferencing with dial-out to USA/CAN", 5, 2)],
    "Contoso Pharma": [("Microsoft 365 E5", 12, 45), ("Power BI Pro", 8, 5)],
    "Fabrikam Inc": [("Microsoft 365 Business Premium", 15, 90), ("Exchange Online (Plan 1)", 10, 4),
                     ("Azure plan", 1, 300)],
    "Northwind Traders": [("Microsoft 365 Business Basic", 12, 30), ("Microsoft 365 Copilot", 3, 1)],
    "Litware Inc": [("Office 365 E3", 10, 400), ("Microsoft Teams Premium", 5, 6)],
    "Wingtip Toys": [("Microsoft 365 Business Standard", 8, 60), ("Microsoft Defender for Business", 8, 2)],
    "Adventure Works Cycles": [("Dynamics 365 Sales Enterprise", 5, 150), ("Microsoft 365 E3", 25, 10),
                               ("Visio Plan 2", 3, 3), ("legacy:Exchange Online (Plan 1)", 10, 500)],
    "Tailspin Toys": [("Microsoft 365 Business Premium Trial", 25, 5), ("Project Plan 3", 2, 20)],
}

ExtraSeeder = Callable[["SeedContext"], None]
_EXTRA_SEEDERS: list[ExtraSeeder] = []


def register_seeder(fn: ExtraSeeder) -> ExtraSeeder:
    """Register a function called with a SeedContext after the base data is generated (idempotent)."""
    if all(existing.__qualname__ != fn.__qualname__ or existing.__module__ != fn.__module__
           for existing in _EXTRA_SEEDERS):
        _EXTRA_SEEDERS.append(fn)
    return fn


@dataclass
class SeedContext:
    """What an extra seeder gets: the base data and a buffered writer."""

    store: Store
    rng: random.Random
    now: datetime
    config: SandboxConfig
    customers: list[dict[str, Any]]  # full customer documents
    subscriptions: dict[str, list[dict[str, Any]]]  # customer id -> subscription documents
    orders: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    _pending: dict[str, list[tuple]] = field(default_factory=dict)
    written: int = 0

    def add(self, kind: str, id: str, body: dict[str, Any], scope: str = "",
            k1: str | None = None, k2: str | None = None) -> None:
        self._pending.setdefault(kind, []).append((id, body, scope, k1, k2))

    def flush(self) -> None:
        for kind, rows in self._pending.items():
            self.written += self.store.put_many(kind, rows)
        self._pending.clear()


@dataclass
class SeedReport:
    customers: int
    documents: int
    seconds: float


_LEGAL_SUFFIXES = {"ltd", "inc", "llc", "gmbh", "co", "corporation", "ag", "bv", "sa", "pty", "group"}


def _domain_prefix(name: str, taken: set[str]) -> str:
    words = name.split()
    while len(words) > 1 and re.sub(r"[^a-z]", "", words[-1].lower()) in _LEGAL_SUFFIXES:
        words.pop()
    base = re.sub(r"[^a-z0-9]", "", "".join(words).lower())[:24] or "tenant"
    prefix, n = base, 1
    while prefix in taken:
        n += 1
        prefix = f"{base}{n}"
    taken.add(prefix)
    return prefix


def company_names(count: int, rng: random.Random) -> list[str]:
    names = list(NAMED_COMPANIES[:count])
    seen = set(names)
    while len(names) < count:
        name = f"{rng.choice(_ADJ)} {rng.choice(_NOUN)} {rng.choice(_SUFFIX)}"
        if name in seen:
            name = f"{name} {len(names)}"
        seen.add(name)
        names.append(name)
    return names


def _item_by_title(title: str) -> cat.CatalogItem:
    legacy = title.startswith("legacy:")
    title = title.removeprefix("legacy:")
    for item in cat.ITEMS:
        if item.display_title == title and item.is_legacy == legacy:
            return item
    raise KeyError(title)


def _random_portfolio(rng: random.Random) -> list[tuple[cat.CatalogItem, int, int]]:
    bases = [i for i in cat.ITEMS if not i.is_addon and not i.is_trial and i.product_type != "Software"]
    count = rng.choices([1, 2, 3, 4, 5], weights=[25, 30, 25, 12, 8])[0]
    picks: list[cat.CatalogItem] = []
    for item in rng.sample(bases, k=min(count, len(bases))):
        picks.append(item)
    if rng.random() < 0.05:
        picks[-1] = _item_by_title("Microsoft 365 Business Premium Trial")
    out = []
    for item in picks:
        qty = rng.randint(max(1, item.min_qty), min(25, item.max_qty))
        age = rng.choice([1, 2, 4, 6]) if rng.random() < 0.15 else rng.randint(8, 700)
        out.append((item, qty, age))
    # maybe an add-on on top of a compatible base
    if len(out) < 5 and rng.random() < 0.2:
        for addon in (i for i in cat.ITEMS if i.is_addon):
            parents = [p for p in out if parent_ok(addon, p[0])]
            if parents:
                out.append((addon, min(parents[0][1], rng.randint(1, 10)), rng.randint(1, parents[0][2])))
                break
    return out


def _pick_term(item: cat.CatalogItem, rng: random.Random) -> tuple[str, str]:
    return rng.choice(item.terms)


def generate(store: Store, customers: int = 40, seed: int = 42,
             config: SandboxConfig | None = None, now: datetime | None = None) -> SeedReport:
    """Seed a (fresh) store: `customers` customers with subscriptions and orders, then extra seeders."""
    started = time.perf_counter()
    config = config or SandboxConfig()
    rng = random.Random(seed)
    now = now or clock.now()
    taken: set[str] = set()
    ctx = SeedContext(store=store, rng=rng, now=now, config=config, customers=[], subscriptions={})
    with store.transaction():
        for index, name in enumerate(company_names(customers, rng)):
            cid = new_guid(rng)
            country, culture, language, places = _COUNTRIES[0 if index < 8 else rng.randrange(len(_COUNTRIES))]
            city, state, postal, street = rng.choice(places)
            first, last = rng.choice(_FIRST), rng.choice(_LAST)
            prefix = _domain_prefix(name, taken)
            domain = f"{prefix}.onmicrosoft.com"
            created = now - timedelta(days=rng.randint(30, 1500), seconds=rng.randint(0, 86399))
            address = {"country": country, "region": None, "city": city, "state": state or None,
                       "addressLine1": street, "addressLine2": "", "postalCode": postal,
                       "phoneNumber": f"+1425555{rng.randint(1000, 9999)}"}
            customer = customer_doc(
                customer_id=cid, company_name=name, domain=domain, email=f"billing@{prefix}.example",
                culture=culture, language=language, address=address, first_name=first, last_name=last,
                created=created, commerce_id=new_guid(rng), billing_id=new_hex(rng, 32), etag=new_etag(rng))
            ctx.customers.append(customer)
            ctx.add("customer", cid, customer, "", name, domain)
            _seed_subscriptions(ctx, customer, name, rng, now)
        ctx.flush()
        _run_extra_seeders(ctx, seed)
        ctx.flush()
        store.set_meta("seeded", json.dumps({"customers": customers, "seed": seed}))
    return SeedReport(customers=len(ctx.customers), documents=ctx.written,
                      seconds=time.perf_counter() - started)


def _seed_subscriptions(ctx: SeedContext, customer: dict, name: str, rng: random.Random, now: datetime) -> None:
    cid = customer["id"]
    if name in _PORTFOLIOS:
        plan = [(_item_by_title(t), q, age) for t, q, age in _PORTFOLIOS[name]]
    else:
        plan = _random_portfolio(rng)
    subs: list[dict] = []
    orders: list[dict] = []
    for item, qty, age in plan:
        term, cycle = _pick_term(item, rng)
        if item.is_nce and ("P1Y", "monthly") in item.terms and rng.random() < 0.6:
            term, cycle = "P1Y", "monthly"
        created = max(now - timedelta(days=age, seconds=rng.randint(0, 3600)),
                      parse_iso(customer["_created"]) + timedelta(hours=1))
        parent = next((s for s in subs if item.is_addon and parent_ok(item, cat.by_offer_id(s["offerId"]))), None)
        status = "active"
        if item.is_trial:
            status = "active"
        elif rng.random() < 0.06 and name not in _PORTFOLIOS:
            status = "suspended"
        sid, oid = new_guid(rng), new_hex(rng, 12)
        sub = subscription_doc(item, customer_id=cid, subscription_id=sid, quantity=qty, term=term, cycle=cycle,
                               created=created, order_id=oid, status=status,
                               parent_id=parent["id"] if parent else None, etag=new_etag(rng))
        roll_terms(sub, now)
        subs.append(sub)
        line = order_line(item, number=0, quantity=qty, term=term, friendly_name=sub["friendlyName"],
                          subscription_id=sid, parent_id=parent["id"] if parent else None)
        order = order_doc(customer_id=cid, order_id=oid, billing_cycle=cycle if cycle != "none" else "monthly",
                          lines=[line], created=created)
        orders.append(order)
        ctx.add("subscription", sid, sub, cid, sub["offerName"])
        ctx.add("order", oid, order, cid)
    ctx.subscriptions[cid] = subs
    ctx.orders[cid] = orders


EXTRA_SEED_MODULES = ("sandbox.seed_extra", "sandbox.seed_commerce")


def _run_extra_seeders(ctx: SeedContext, seed: int) -> None:
    for module in EXTRA_SEED_MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
    for fn in list(_EXTRA_SEEDERS):
        ctx.rng = random.Random(f"{seed}:{fn.__module__}.{fn.__qualname__}")
        fn(ctx)
        ctx.flush()
