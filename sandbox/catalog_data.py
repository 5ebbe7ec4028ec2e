"""The emulator's static catalog: ~30 real-looking Microsoft offers (products -> SKUs -> availabilities, plus a
few legacy GUID offers). Prices are USD per licence per month (P1Y monthly list price) unless stated.

Ids look like the real ones (12-char product ids, `0001` SKUs, catalog item id `PRODUCT:SKU:AVAILABILITY`) but
are the sandbox's own and must not be relied on against production.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cache, cached_property

# (termDuration, billingCycle) combinations
MONTHLY_ONLY = (("P1M", "monthly"),)
NCE_TERMS = (("P1M", "monthly"), ("P1Y", "monthly"), ("P1Y", "annual"))
NCE_TERMS_3Y = NCE_TERMS + (("P3Y", "annual"), ("P3Y", "triennial"))
ANNUAL_ONLY = (("P1Y", "monthly"), ("P1Y", "annual"))
TRIAL_TERMS = (("P1M", "none"),)
ONE_TIME = (("", "one_time"),)
AZURE_TERMS = (("", "monthly"),)
LEGACY_TERMS = (("P1M", "monthly"), ("P1Y", "monthly"), ("P1Y", "annual"))


@dataclass(frozen=True)
class CatalogItem:
    product_id: str
    title: str
    price: float  # list price per unit for P1Y/monthly (P1M costs 20 % more; annual/3y billed up front)
    product_type: str = "OnlineServicesNCE"  # OnlineServicesNCE | Azure | Software | OnlineServices (legacy)
    sku_id: str = "0001"
    sku_title: str = ""
    description: str = ""
    min_qty: int = 1
    max_qty: int = 10000
    terms: tuple[tuple[str, str], ...] = NCE_TERMS
    addon_of: tuple[str, ...] = ()  # product ids (or legacy offer ids) this add-on needs as parent
    is_trial: bool = False
    legacy_offer_id: str = ""  # legacy license-based offers (Offers API) use a GUID offer id
    unit_type: str = "Licenses"
    billing_type: str = "license"
    publisher: str = "Microsoft Corporation"
    category: str = "Productivity"
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @cached_property
    def availability_id(self) -> str:
        digest = hashlib.sha1(f"{self.product_id}:{self.sku_id}".encode()).hexdigest().upper()
        alphabet = "0123456789BCDFGHJKLMNPQRSTVWXZ"
        tail = "".join(alphabet[int(digest[i:i + 2], 16) % len(alphabet)] for i in range(0, 8, 2))
        return self.product_id[:8] + tail

    @cached_property
    def catalog_item_id(self) -> str:
        return f"{self.product_id}:{self.sku_id}:{self.availability_id}"

    @cached_property
    def offer_id(self) -> str:
        """What a subscription's `offerId` holds: legacy GUID or the NCE catalog item id."""
        return self.legacy_offer_id or self.catalog_item_id

    @property
    def is_legacy(self) -> bool:
        return bool(self.legacy_offer_id)

    @property
    def is_nce(self) -> bool:
        return self.product_type == "OnlineServicesNCE"

    @property
    def is_addon(self) -> bool:
        return bool(self.addon_of)

    @property
    def display_title(self) -> str:
        return self.sku_title or self.title

    def unit_price(self, term: str, cycle: str) -> float:
        if self.is_trial:
            return 0.0
        if term == "P1M":
            return round(self.price * 1.2, 2)
        return self.price


_PHONE_PARENTS = ("CFQ7TTC0LH18", "CFQ7TTC0LDPB", "CFQ7TTC0LCHC", "CFQ7TTC0LFLX", "CFQ7TTC0LF8Q", "CFQ7TTC0LF8R",
                  "CFQ7TTC0LGZT")

ITEMS: tuple[CatalogItem, ...] = (
    CatalogItem("CFQ7TTC0LH18", "Microsoft 365 Business Basic", 6.00, max_qty=300,
                description="Teams, web and mobile Office apps, 1 TB OneDrive and business email."),
    CatalogItem("CFQ7TTC0LDPB", "Microsoft 365 Business Standard", 12.50, max_qty=300,
                description="Everything in Business Basic plus desktop Office apps and webinars."),
    CatalogItem("CFQ7TTC0LCHC", "Microsoft 365 Business Premium", 22.00, max_qty=300,
                description="Business Standard plus advanced security and device management."),
    CatalogItem("CFQ7TTC0LCHC", "Microsoft 365 Business Premium", 0.0, sku_id="0002",
                sku_title="Microsoft 365 Business Premium Trial", min_qty=25, max_qty=25, terms=TRIAL_TERMS,
                is_trial=True, description="One-month trial of Microsoft 365 Business Premium (25 licences)."),
    CatalogItem("CFQ7TTC0LFLX", "Microsoft 365 E3", 36.00, terms=NCE_TERMS_3Y,
                description="Enterprise productivity, security and compliance."),
    CatalogItem("CFQ7TTC0LFLZ", "Microsoft 365 E5", 57.00, terms=NCE_TERMS_3Y,
                description="Microsoft 365 E3 plus advanced security, analytics and Teams Phone."),
    CatalogItem("CFQ7TTC0LGZT", "Microsoft 365 F3", 8.00, description="For frontline workers."),
    CatalogItem("CFQ7TTC0LF8Q", "Office 365 E1", 10.00, description="Web versions of Office apps, email, Teams."),
    CatalogItem("CFQ7TTC0LF8R", "Office 365 E3", 23.00, terms=NCE_TERMS_3Y,
                description="Office apps, email, file storage and Teams."),
    CatalogItem("CFQ7TTC0LH16", "Exchange Online (Plan 1)", 4.00, category="Email",
                description="Business email with a 50 GB mailbox."),
    CatalogItem("CFQ7TTC0LH0R", "Exchange Online (Plan 2)", 8.00, category="Email",
                description="Business email with a 100 GB mailbox and unlimited archive."),
    CatalogItem("CFQ7TTC0LH1P", "Microsoft 365 Apps for business", 8.25, max_qty=300,
                description="Desktop Office apps and 1 TB of OneDrive storage."),
    CatalogItem("CFQ7TTC0RM8K", "Microsoft Teams Essentials", 4.00, max_qty=300, category="Collaboration",
                description="Meetings, chat and file sharing for small businesses."),
    CatalogItem("CFQ7TTC0RM8W", "Microsoft Teams Premium", 10.00, category="Collaboration",
                description="Intelligent recaps, live translations and advanced meeting protection."),
    CatalogItem("CFQ7TTC0MM8R", "Microsoft 365 Copilot", 30.00, terms=ANNUAL_ONLY + (("P3Y", "annual"),),
                category="AI", description="AI assistant in Word, Excel, PowerPoint, Outlook and Teams."),
    CatalogItem("CFQ7TTC0LHVK", "Dynamics 365 Sales Enterprise", 105.00, terms=ANNUAL_ONLY + (("P1M", "monthly"),),
                category="Business applications", description="Sales force automation and pipeline insights."),
    CatalogItem("CFQ7TTC0L3PB", "Power BI Pro", 14.00, category="Analytics",
                description="Self-service analytics and report sharing."),
    CatalogItem("CFQ7TTC0LHXM", "Power Automate Premium", 15.00, category="Business applications",
                description="Cloud flows, desktop flows and process mining."),
    CatalogItem("CFQ7TTC0HD33", "Visio Plan 2", 15.00, category="Productivity",
                description="Professional diagramming with the Visio desktop app."),
    CatalogItem("CFQ7TTC0HDB0", "Project Plan 3", 30.00, category="Productivity",
                description="Project management with the Project desktop client."),
    CatalogItem("CFQ7TTC0MBMD", "Microsoft Defender for Business", 3.00, max_qty=300, category="Security",
                description="Endpoint security for businesses with up to 300 employees."),
    CatalogItem("CFQ7TTC0LCH4", "Microsoft Intune Plan 1", 8.00, category="Security",
                description="Mobile device and application management."),
    CatalogItem("CFQ7TTC0LFK5", "Microsoft Entra ID P1", 6.00, category="Identity",
                description="Conditional Access, self-service password reset, hybrid identity."),
    CatalogItem("CFQ7TTC0J1FV", "Windows 365 Business", 31.00, max_qty=300, sku_title="Windows 365 Business 2 vCPU, "
                "4 GB, 128 GB", category="Windows", description="Cloud PC for small businesses."),
    CatalogItem("CFQ7TTC0LHSF", "Microsoft Teams Phone Standard", 8.00, addon_of=_PHONE_PARENTS,
                category="Collaboration", description="Cloud phone system for Microsoft 365 (add-on)."),
    CatalogItem("CFQ7TTC0LHSB", "Microsoft Teams Audio Conferencing with dial-out to USA/CAN", 4.00,
                addon_of=_PHONE_PARENTS + ("CFQ7TTC0LFLZ",), category="Collaboration",
                description="Dial-in and dial-out numbers for Teams meetings (add-on)."),
    CatalogItem("DZH318Z0BPS6", "Azure plan", 0.0, product_type="Azure", min_qty=1, max_qty=1, terms=AZURE_TERMS,
                unit_type="Usage-based", billing_type="usage", category="Azure",
                description="Pay-as-you-go Azure consumption billed monthly in arrears."),
    CatalogItem("DG7GMGF0D5RK", "Windows Server 2022 Standard", 1069.00, product_type="Software",
                sku_title="Windows Server 2022 Standard - 16 Core License Pack", max_qty=100, terms=ONE_TIME,
                unit_type="License(s)", category="Software", description="Perpetual licence, 16 cores."),
    CatalogItem("DG7GMGF0FKZV", "SQL Server 2022 Standard", 3945.00, product_type="Software",
                sku_title="SQL Server 2022 Standard - 2 Core License Pack", max_qty=100, terms=ONE_TIME,
                unit_type="License(s)", category="Software", description="Perpetual licence, 2 cores."),
    # legacy license-based offers (Offers API, GUID ids)
    CatalogItem("LEGACY-O365E3", "Office 365 E3", 20.00, product_type="OnlineServices",
                legacy_offer_id="796B6B5F-613C-4E24-A17C-EBA730D49C02", terms=LEGACY_TERMS,
                description="Office 365 E3 (legacy licence-based offer)."),
    CatalogItem("LEGACY-EXO1", "Exchange Online (Plan 1)", 4.00, product_type="OnlineServices",
                legacy_offer_id="195416C1-3447-423A-B37B-EE59A99A19C4", terms=LEGACY_TERMS, category="Email",
                description="Exchange Online (Plan 1) (legacy licence-based offer)."),
    CatalogItem("LEGACY-M365BP", "Microsoft 365 Business Premium", 20.00, product_type="OnlineServices",
                legacy_offer_id="031C9E47-4802-4248-838E-778FB1D2CC05", max_qty=300, terms=LEGACY_TERMS,
                description="Microsoft 365 Business Premium (legacy licence-based offer)."),
    CatalogItem("LEGACY-AUDIOCONF", "Audio Conferencing", 4.00, product_type="OnlineServices",
                legacy_offer_id="0F5B471A-08EF-4E69-ABB0-BB4D43F7B36B", terms=LEGACY_TERMS,
                addon_of=("796B6B5F-613C-4E24-A17C-EBA730D49C02", "031C9E47-4802-4248-838E-778FB1D2CC05"),
                category="Collaboration", description="Audio Conferencing add-on (legacy licence-based offer)."),
)


@cache
def _by_offer() -> dict[str, CatalogItem]:
    return {item.offer_id.lower(): item for item in ITEMS}


def by_offer_id(offer_id: str) -> CatalogItem | None:
    """Catalog item by subscription offerId / cart catalogItemId (case-insensitive)."""
    return _by_offer().get((offer_id or "").strip().lower())


def products() -> list[CatalogItem]:
    """Modern-catalog items (one entry per product: its first SKU)."""
    seen: dict[str, CatalogItem] = {}
    for item in ITEMS:
        if not item.is_legacy and item.product_id not in seen:
            seen[item.product_id] = item
    return list(seen.values())


def skus_of(product_id: str) -> list[CatalogItem]:
    return [i for i in ITEMS if not i.is_legacy and i.product_id.lower() == product_id.lower()]


def legacy_offers() -> list[CatalogItem]:
    return [i for i in ITEMS if i.is_legacy]


def by_catalog_item(product_id: str, sku_id: str) -> CatalogItem | None:
    """The modern-catalog item of a product and SKU (case-insensitive), as scheduled instructions name it."""
    product, sku = (product_id or "").strip().lower(), (sku_id or "").strip().lower()
    return next((i for i in ITEMS if not i.is_legacy and i.product_id.lower() == product
                 and i.sku_id.lower() == sku), None)
