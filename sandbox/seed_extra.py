"""Deterministic seed data for users/roles/licences, billing and service requests (plugged into seed.py).

Everything is derived from the base seed (customers, their subscriptions and the catalog prices), so
licence assignments never exceed a SKU's seats, invoices bill exactly the seeded subscriptions, and the same
seed gives the same data. Per-customer data shrinks for large tenants counts (N > 1000) to keep seeding fast.
"""

from __future__ import annotations

import random
import unicodedata
from datetime import UTC, datetime, timedelta
from functools import cache
from types import SimpleNamespace
from typing import Any

from sandbox import catalog_data as cat
from sandbox import money_data as money
from sandbox.envelope import iso, new_guid, parse_iso
from sandbox.routes.billing import INVOICE_KIND, LINE_KIND, PROVIDERS, invoice_detail, line_key
from sandbox.routes.support import NEVER, SR_KIND, SUPPORT_TOPICS, new_sr_id, partner_organization
from sandbox.routes.users import DIRECTORY_ROLES, GLOBAL_ADMIN_ROLE, USER_KIND, license_sku_for
from sandbox.seed import SeedContext, register_seeder

LARGE = 1000
_ID_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # above this many customers, seed less per customer

FIRST_NAMES = [
    "Aisha", "Alejandro", "Amelia", "Anders", "Aryan", "Beatriz", "Camille", "Carlos", "Chen", "Chloe",
    "Daniel", "Divya", "Elif", "Emma", "Fatima", "Felix", "Grace", "Hannah", "Hiroshi", "Ines", "Isabella",
    "Jakub", "James", "Javier", "Jin", "Johanna", "Kai", "Kavya", "Lars", "Leila", "Liam", "Lucas", "Maria",
    "Mei", "Mohammed", "Nadia", "Noah", "Olivia", "Oscar", "Pablo", "Priya", "Rafael", "Rania", "Ravi",
    "Sakura", "Samuel", "Sara", "Sofia", "Sophie", "Thomas", "Tomasz", "Valentina", "William", "Yara", "Yuki",
    "Zanele", "Zoë", "Ngozi", "Mateus", "Ingrid",
]
LAST_NAMES = [
    "Abebe", "Andersen", "Bakker", "Bernard", "Brown", "Carvalho", "Chen", "Costa", "Dubois", "Fernández",
    "Fischer", "García", "Gonzalez", "Hansen", "Hernandez", "Ito", "Jansen", "Johnson", "Kim", "Kowalski",
    "Kumar", "Lee", "Martin", "Martínez", "Meyer", "Moreau", "Müller", "Murphy", "Nakamura", "Nguyen",
    "Novak", "O'Brien", "Okafor", "Olsen", "Patel", "Pereira", "Petrov", "Rossi", "Sato", "Schmidt",
    "Silva", "Singh", "Smith", "Suzuki", "Tanaka", "Taylor", "Van der Berg", "Wagner", "Walker", "Wang",
    "Weber", "Williams", "Wilson", "Yamamoto", "Zhang", "Lindqvist", "Haddad", "Mensah", "Rahman", "Ortiz",
]
_HELPER_ROLES = [r for r, _ in DIRECTORY_ROLES[1:6]]  # user admin, helpdesk, billing, service support, exchange


@cache
def _ascii(text: str) -> str:
    """Mail-safe local part from a name: strip accents, keep letters/digits."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


def _usage_location(customer: dict[str, Any]) -> str:
    return str(customer.get("companyProfile", {}).get("address", {}).get("country") or "US").upper()


# ---- users, roles, licences -----------------------------------------------------------------------------

@register_seeder
def seed_users(ctx: SeedContext) -> None:
    """3-12 users per customer (3-4 when large), admin first; ~10 % soft-deleted; licences within seats."""
    rng = ctx.rng
    large = len(ctx.customers) > LARGE
    for customer in ctx.customers:
        cid = customer["id"]
        domain = customer["companyProfile"]["domain"]
        created = parse_iso(customer["_created"])
        count = 3 if large else rng.randint(3, 12)
        location = _usage_location(customer)
        billing = customer.get("billingProfile", {})
        taken: set[str] = set()
        users: list[dict[str, Any]] = []
        for n in range(count):
            if n == 0:
                first, last = billing.get("firstName") or "Admin", billing.get("lastName") or "User"
                alias = "admin"
            else:
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                alias = f"{_ascii(first)}.{_ascii(last)}"
            base, k = alias, 1
            while alias in taken:
                k += 1
                alias = f"{base}{k}"
            taken.add(alias)
            when = created + timedelta(days=rng.randint(0, max(1, (ctx.now - created).days - 1)),
                                       seconds=rng.randint(0, 86399)) if n else created
            user = {
                "id": new_guid(rng), "usageLocation": location, "userPrincipalName": f"{alias}@{domain}",
                "firstName": first, "lastName": last, "displayName": f"{first} {last}", "immutableId": None,
                "phoneNumber": None, "lastDirectorySyncTime": None, "userDomainType": "none", "state": "active",
                "_created": iso(when), "_licenses": {}, "_roles": [GLOBAL_ADMIN_ROLE] if n == 0 else [],
            }
            if n > 0 and rng.random() < 0.1:
                user["state"] = "inactive"
                user["softDeletionTime"] = iso(ctx.now - timedelta(days=rng.randint(1, 25),
                                                                    seconds=rng.randint(0, 86399)))
            users.append(user)
        active = [u for u in users if u["state"] == "active"]
        helpers = active[1:]
        if helpers and rng.random() < 0.6:
            rng.choice(helpers)["_roles"].append(rng.choice(_HELPER_ROLES))
        _assign_seeded_licenses(ctx.subscriptions.get(cid, []), active, rng)
        for user in users:
            ctx.add(USER_KIND, user["id"], user, cid, user["userPrincipalName"], user["state"])


def _assign_seeded_licenses(subs: list[dict[str, Any]], active: list[dict[str, Any]],
                            rng: random.Random) -> None:
    """Give each licence SKU to some active users, never more than its active seats."""
    seats: dict[str, int] = {}
    for sub in subs:
        sku = license_sku_for(sub)
        if sku is not None and sub.get("status") == "active":
            seats[sku["id"]] = seats.get(sku["id"], 0) + int(sub.get("quantity") or 0)
    for sku_id, units in seats.items():
        if not active or units <= 0:
            continue
        wanted = rng.randint((len(active) + 1) // 2, len(active))
        for user in rng.sample(active, k=min(units, wanted)):
            user["_licenses"][sku_id] = {"excludedPlans": []}


# ---- billing --------------------------------------------------------------------------------------------

def _month_start(dt: datetime) -> datetime:
    return datetime(dt.year, dt.month, 1, tzinfo=UTC)


def _add_months(dt: datetime, months: int) -> datetime:
    y, m = divmod(dt.month - 1 + months, 12)
    return datetime(dt.year + y, m + 1, 1, tzinfo=UTC)


def _charge_months(term: str, cycle: str) -> int | None:
    """How many months one charge covers (None = one-time purchase, 0 = not billed)."""
    if cycle == "one_time":
        return None
    if cycle == "none":
        return 0  # trials
    if cycle == "annual":
        return 12
    if cycle == "triennial":
        return 36
    return 1


class _InvoiceBuilder:
    """Collects line items of one invoice and the totals."""

    def __init__(self, ctx: SeedContext, invoice_id: str, invoice_type: str, start: datetime,
                 end: datetime, date: datetime) -> None:
        self.ctx, self.id, self.type = ctx, invoice_id, invoice_type
        self.start, self.end, self.date = start, end, date
        self.start_iso, self.end_iso = iso(start), iso(end)
        self.counts: dict[str, int] = {}
        self.total = 0.0

    def add(self, provider: str, line_type: str, item: dict[str, Any], amount: float) -> None:
        key = line_key(provider, line_type)
        n = self.counts.get(key, 0)
        self.counts[key] = n + 1
        self.total += amount
        self.ctx.add(LINE_KIND, f"{key}:{n:07d}", item, self.id, key)

    def document(self, paid: float, payments: list[dict[str, Any]]) -> dict[str, Any]:
        total = round(self.total, 2)
        details = [invoice_detail(self.type, self.id, *key.split(":")) for key in sorted(self.counts)]
        return {
            "id": self.id, "invoiceDate": iso(self.date).replace(".000Z", "Z"),
            "billingPeriodStartDate": iso(self.start).replace(".000Z", "Z"),
            "billingPeriodEndDate": iso(self.end).replace(".000Z", "Z"),
            "totalCharges": total, "paidAmount": round(min(paid, total), 2), "currencyCode": "USD",
            "currencySymbol": "$", "pdfDownloadLink": f"/invoices/{self.id}/documents/statement",
            "taxReceipts": [], "invoiceDetails": details, "amendments": [], "documentType": "invoice",
            "amendsOf": None, "invoiceType": self.type,
            "links": {"self": {"uri": f"/invoices/{self.type}-{self.id}", "method": "GET", "headers": []}},
            "attributes": {"objectType": "Invoice"},
            "_payments": payments,
        }


def _customer_fields(ctx: SeedContext, customer: dict[str, Any]) -> dict[str, Any]:
    """Line-item fields that only depend on the customer (computed once per customer, not per line)."""
    profile = customer["companyProfile"]
    return {"partnerId": ctx.config.partner_tenant_id, "customerId": customer["id"],
            "customerName": profile["companyName"], "customerDomainName": profile["domain"],
            "customerCountry": profile.get("address", {}).get("country")}


@cache
def _item_fields(offer_id: str) -> tuple[cat.CatalogItem, dict[str, Any]] | None:
    """Catalog ids of an offer, computed once (availability ids are hashed on every property access)."""
    item = cat.by_offer_id(offer_id)
    if item is None:
        return None
    return item, {"productId": item.product_id, "skuId": item.sku_id, "availabilityId": item.availability_id,
                  "productName": item.title, "skuName": item.display_title, "publisherName": item.publisher}


@register_seeder
def seed_billing(ctx: SeedContext) -> None:
    """~12 monthly invoices (3, then 1, for large N): Recurring (legacy licence-based, provider office) and OneTime
    (new commerce, software, Azure plan consumption) built from the seeded subscriptions and catalog prices."""
    rng = ctx.rng
    n = len(ctx.customers)
    months = 12 if n <= LARGE else (3 if n <= 3 * LARGE else 1)
    this_month = _month_start(ctx.now)
    # an invoice is issued 7 days after its month ends, so during the first 7 days of a month the newest issued
    # one is for two months back: the `months` invoices always end at the newest issued one, the only unpaid one
    if this_month + timedelta(days=7) > ctx.now:
        this_month = _add_months(this_month, -1)
    customers = {c["id"]: (c, _customer_fields(ctx, c)) for c in ctx.customers}
    next_g = 24135 + rng.randint(0, 5000)
    invoices: list[dict[str, Any]] = []
    for back in range(months, 0, -1):
        start = _add_months(this_month, -back)
        end = _add_months(this_month, -back + 1) - timedelta(seconds=1)
        date = end + timedelta(days=7, seconds=1)
        if date > ctx.now:
            continue
        recurring = _InvoiceBuilder(ctx, "D0" + "".join(rng.choice(_ID_CHARS) for _ in range(8)), "Recurring",
                                    start, end, date)
        onetime = _InvoiceBuilder(ctx, f"G{next_g:09d}", "OneTime", start, end, date)
        next_g += 1
        for cid, subs in ctx.subscriptions.items():
            customer, fields = customers[cid]
            for sub in subs:
                _bill_subscription(ctx, rng, customer, fields, sub, recurring, onetime)
        next_date = _add_months(this_month, -back + 2) + timedelta(days=7)  # when the following month is billed
        paid_all = next_date <= ctx.now  # everything but the latest issued invoices is paid
        for builder in (recurring, onetime):
            if not builder.counts:
                continue
            total = round(builder.total, 2)
            paid = total if paid_all else 0.0
            payments = [{"date": iso(builder.date + timedelta(days=25)), "amount": total}] if paid_all else []
            invoices.append(builder.document(paid, payments))
    for invoice in invoices:
        ctx.add(INVOICE_KIND, invoice["id"], invoice, "", invoice["invoiceDate"])


def _bill_subscription(ctx: SeedContext, rng: random.Random, customer: dict[str, Any], fields: dict[str, Any],
                       sub: dict[str, Any], recurring: _InvoiceBuilder, onetime: _InvoiceBuilder) -> None:
    """Bill one subscription for the invoices' month if its billing cycle charges in that month."""
    found = _item_fields(sub.get("offerId", ""))
    if found is None or sub.get("status") not in {"active", "suspended"}:
        return
    item, item_fields = found
    start = onetime.start
    created_iso = sub["creationDate"]
    created = parse_iso(created_iso)
    if created > onetime.end:
        return
    term, cycle = sub.get("termDuration") or "", sub.get("billingCycle") or "monthly"
    every = _charge_months(term, cycle)
    months_since = (start.year - created.year) * 12 + start.month - created.month
    first = months_since == 0
    if every == 0 or (every is None and not first) or (every and months_since % every != 0):
        return
    if item.product_type == "Azure":
        _bill_azure(ctx, rng, fields, sub, onetime)
        return
    qty = int(sub.get("quantity") or 1)
    unit = round(item.unit_price(term, cycle) * (every or 1), 2)
    subtotal = round(unit * qty, 2)
    charge_start = created_iso if first else onetime.start_iso
    base = {**fields, "subscriptionId": sub["id"], "orderId": sub.get("orderId"), "mpnId": ctx.config.partner_mpn_id,
            "subscriptionStartDate": created_iso, "subscriptionEndDate": sub.get("commitmentEndDate"),
            "chargeStartDate": charge_start, "chargeEndDate": onetime.end_iso, "unitPrice": unit, "quantity": qty,
            "subtotal": subtotal, "totalForCustomer": subtotal, "currency": "USD",
            "invoiceLineItemType": "billing_line_items"}
    if item.is_legacy:
        line = {
            **base, "tier2MpnId": None, "syndicationPartnerSubscriptionNumber": None, "offerId": item.offer_id,
            "durableOfferId": item.offer_id, "offerName": item.display_title,
            "domainName": fields["customerDomainName"],
            "billingCycleType": cycle.capitalize(), "subscriptionName": sub.get("friendlyName"),
            "subscriptionDescription": item.display_title,
            "chargeType": "Activation fee" if first else "Cycle fee", "amount": subtotal, "totalOtherDiscount": 0,
            "tax": 0, "billingProvider": "office", "attributes": {"objectType": "LicenseBasedLineItem"},
        }
        recurring.add("office", "billinglineitems", line, subtotal)
        return
    line = {
        **base, **item_fields, "invoiceNumber": onetime.id, "resellerMpnId": None, "orderDate": created_iso,
        "chargeType": "new" if first else "cycleCharge", "effectiveUnitPrice": unit, "unitType": sub.get("unitType"),
        "taxTotal": 0, "publisherId": None, "subscriptionDescription": sub.get("friendlyName"),
        "termAndBillingCycle": f"{term or 'None'} {cycle}", "alternateId": sub.get("orderId"),
        "priceAdjustmentDescription": "", "discountDetails": "", "pricingCurrency": "USD",
        "pcToBCExchangeRate": 1, "pcToBCExchangeRateDate": onetime.start_iso, "billableQuantity": qty,
        "meterDescription": "", "billingFrequency": "" if every is None else cycle.capitalize(),
        "reservationOrderId": None, "promotionId": None, "billingProvider": PROVIDERS["onetime"],
        "attributes": {"objectType": "OneTimeInvoiceLineItem"},
    }
    onetime.add("onetime", "billinglineitems", line, subtotal)


def _bill_azure(ctx: SeedContext, rng: random.Random, fields: dict[str, Any], sub: dict[str, Any],
                onetime: _InvoiceBuilder) -> None:
    """Azure plan consumption of one billing period as billed daily-rated usage lines, one per meter: the sum of
    the plan's daily meter quantities (sandbox.money_data), so daily utilization adds up to the invoice."""
    start, end = onetime.start.date(), (onetime.end + timedelta(seconds=1)).date()
    end = min(end, getattr(onetime, "usage_end", end))
    totals = money.meter_totals(sub["id"], money.usage_days(sub, start, end))
    for meter in money.METERS:
        if meter.id not in totals:
            continue
        qty = totals[meter.id]
        total = money.wire_money(money.line_cost(meter, qty))
        line = {
            **fields, "subscriptionId": sub["id"], "orderId": sub.get("orderId"),
            "invoiceNumber": onetime.id, "mpnId": ctx.config.partner_mpn_id, "resellerMpnId": None,
            "productId": money.AZURE_PLAN_PRODUCT_ID, "skuId": "0001", "availabilityId": None,
            "skuName": "Azure plan", "productName": "Azure plan", "publisherName": "Microsoft", "publisherId": None,
            "subscriptionDescription": "Azure plan", "chargeStartDate": onetime.start_iso,
            "chargeEndDate": onetime.end_iso, "usageDate": onetime.end_iso,
            "meterType": meter.unit, "meterCategory": meter.category, "meterId": meter.id,
            "meterSubCategory": meter.subcategory, "meterName": meter.name, "meterRegion": meter.region,
            "unitOfMeasure": meter.unit, "resourceLocation": "westus2", "consumedService": meter.service,
            "resourceGroup": "rg-prod",
            "resourceUri": f"/subscriptions/{sub.get('entitlementId') or sub['id']}/resourceGroups/rg-prod",
            "chargeType": "new", "unitPrice": float(meter.price), "quantity": money.wire_qty(qty),
            "unitType": meter.unit, "billingPreTaxTotal": total, "billingCurrency": "USD",
            "pricingPreTaxTotal": total, "pricingCurrency": "USD", "entitlementId": sub.get("entitlementId"),
            "entitlementDescription": "Azure subscription 1", "pcToBCExchangeRate": 1,
            "pcToBCExchangeRateDate": onetime.start_iso, "effectiveUnitPrice": float(meter.price),
            "rateOfPartnerEarnedCredit": 0, "hasPartnerEarnedCredit": False,
            "invoiceLineItemType": "usage_line_items", "billingProvider": PROVIDERS["onetime"],
            "attributes": {"objectType": "DailyRatedUsageLineItem"},
        }
        onetime.add("onetime", "usagelineitems", line, total)


class _Collector:
    """Duck-typed _InvoiceBuilder that keeps the lines instead of storing them (unbilled periods)."""

    def __init__(self, config: Any, start: datetime, end: datetime, usage_end: Any) -> None:
        self.ctx = SimpleNamespace(config=config)
        self.id, self.type = "", "OneTime"
        self.start, self.end, self.usage_end = start, end, usage_end
        self.start_iso, self.end_iso = iso(start), iso(end)
        self.lines: list[tuple[str, str, dict[str, Any], float]] = []

    def add(self, provider: str, line_type: str, item: dict[str, Any], amount: float) -> None:
        self.lines.append((provider, line_type, item, amount))


def period_lines(config: Any, customer: dict[str, Any], subs: list[dict[str, Any]], start: datetime,
                 end: datetime, usage_end: Any) -> list[tuple[str, str, dict[str, Any], float]]:
    """One customer's new-commerce charges for the billing period [start, end] as the seeder bills them
    (licence charges due in the period; Azure consumption up to the day `usage_end`, exclusive): the unbilled
    lines of a running or not yet invoiced period (api.md §12 B6, §25 R2). Legacy (office) charges excluded."""
    collector = _Collector(config, start, end, usage_end)
    fields = _customer_fields(collector.ctx, customer)  # type: ignore[arg-type]
    recurring = _Collector(config, start, end, usage_end)
    for sub in subs:
        _bill_subscription(collector.ctx, random.Random(0), customer, fields, sub,  # type: ignore[arg-type]
                           recurring, collector)  # type: ignore[arg-type]
    for _, _, item, _ in collector.lines:
        item["invoiceNumber"] = ""
    return collector.lines


# ---- service requests -----------------------------------------------------------------------------------

_SR_TEMPLATES = [
    (32444672, "Cannot assign licences to new users", "Licence assignment fails with a quota error although "
     "the subscription shows free seats.", "moderate"),
    (32444671, "Invoice shows duplicate charges", "The latest invoice contains two cycle charges for the same "
     "subscription.", "moderate"),
    (32444673, "Order stuck in pending", "An order placed yesterday is still pending; the customer is waiting.",
     "critical"),
    (32444675, "Mailboxes not receiving external mail", "Since this morning external senders get NDRs.",
     "critical"),
    (32444678, "Domain verification keeps failing", "The TXT record is published but verification fails.",
     "minimal"),
    (32444676, "Azure quota increase for D-series VMs", "Please raise the regional vCPU quota to 100.",
     "minimal"),
    (32444677, "API returns 500 when listing subscriptions", "Intermittent 500 errors from the subscriptions "
     "endpoint for one customer.", "moderate"),
]
_NOTES = ["Thanks for contacting Microsoft support. An engineer has been assigned.",
          "We collected the logs you asked for; see the attached trace ids.",
          "The issue is mitigated on our side; please confirm it is resolved for your customer.",
          "Customer confirms the problem still occurs for two users.",
          "Root cause identified; a fix is rolling out over the next 24 hours."]


@register_seeder
def seed_service_requests(ctx: SeedContext) -> None:
    """Service requests in varied states with notes: ~30 % of customers (5 % when large) + a few partner ones."""
    rng = ctx.rng
    share = 0.05 if len(ctx.customers) > LARGE else 0.3
    org = partner_organization(ctx.config.partner_tenant_id)
    contact = {"organization": org, "contactId": new_guid(rng), "firstName": "Sandbox", "lastName": "Admin",
               "email": "admin@sandboxpartner.onmicrosoft.com", "phoneNumber": "4255550101"}
    topics = {t[0]: t for t in SUPPORT_TOPICS}
    targets: list[dict[str, Any] | None] = [None, None, None]
    targets += [c for c in ctx.customers if rng.random() < share]
    used: set[str] = set()
    for index, customer in enumerate(targets):
        topic_id, title, text, severity = rng.choice(_SR_TEMPLATES)
        topic = topics[topic_id]
        created = ctx.now - timedelta(days=rng.randint(0, 120), seconds=rng.randint(0, 86399))
        status = (["open", "attention_needed", "closed"][index] if index < 3
                  else rng.choices(["open", "attention_needed", "closed"], weights=[45, 15, 40])[0])
        notes = []
        when = created
        for _ in range(rng.randint(0, 3)):
            when = min(ctx.now, when + timedelta(hours=rng.randint(2, 72)))
            notes.append({"createdByName": rng.choice(["Microsoft Support", "Sandbox Admin"]),
                          "createdDate": iso(when), "text": rng.choice(_NOTES)})
        sr_id = new_sr_id(rng)
        while sr_id in used:
            sr_id = new_sr_id(rng)
        used.add(sr_id)
        if customer is not None:
            title = f"{title} ({customer['companyProfile']['companyName']})"
        sr = {
            "title": title, "description": text, "severity": severity, "supportTopicId": str(topic_id),
            "supportTopicName": topic[1], "id": sr_id, "status": status, "organization": org,
            "primaryContact": contact, "lastUpdatedBy": contact, "productName": topic[3],
            "productId": str(topic_id), "createdDate": iso(created), "lastModifiedDate": iso(when),
            "lastClosedDate": iso(when) if status == "closed" else NEVER, "fileLinks": [], "notes": notes,
            "countryCode": "US", "attributes": {"objectType": "ServiceRequest"},
            "_customerId": customer["id"] if customer else "", "_agentLocale": "en-US",
        }
        ctx.add(SR_KIND, sr_id, sr, "", status, sr["_customerId"])


import sandbox.seed_accounts  # noqa: E402,F401  (registers the account-chores seeder)
import sandbox.seed_devices  # noqa: E402,F401  (Windows Autopilot, api.md §19)
import sandbox.seed_gdap  # noqa: E402,F401  (GDAP relationships, api.md §26)
import sandbox.seed_referrals  # noqa: E402,F401  (co-sell referrals, api.md §14)
