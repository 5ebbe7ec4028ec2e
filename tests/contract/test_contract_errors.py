"""Every error code the sandbox emits, reached through the client, arrives as the right typed error with the
code, the description, the correlation id the call used and the request id the sandbox echoed — and the failed
call changed nothing (no audit record, checked per row).

Codes not reachable through a client method (the client always sends a token, never sends a body to
`POST /v1/customers/{id}/orders` because it has no direct-order method, and cannot make the sandbox crash) are
covered over raw HTTP by the sandbox's own tests: 401 800001 (tests/sandbox/test_sandbox_framework.py), 400 800004
(tests/sandbox/test_sandbox_carts_orders.py::test_direct_order_validation), unexpected 500
(test_sandbox_framework.py::test_unexpected_exception_is_500_shape_a_with_correlation_id). Gateway shape C 429/503
are in test_contract_retries.py.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
import pytest_asyncio
from contract_helpers import (
    APP_ONLY_TOKEN,
    FastSleep,
    RecordingTransport,
    audit_total,
    customer_named,
    make_client,
    new_customer_body,
    set_faults,
    state,
)

from partner_center import PartnerCenterClient, errors
from sandbox import catalog_data as cat
from sandbox.server import RunningSandbox

pytestmark = pytest.mark.asyncio(loop_scope="module")

GHOST = "00000000-0000-4000-8000-000000000000"
PASSWORD = "Tr1cky-Passw0rd!"
BUSINESS_BASIC = next(i for i in cat.ITEMS if i.title == "Microsoft 365 Business Basic").catalog_item_id
WINDOWS_SERVER = next(i for i in cat.ITEMS if i.title == "Windows Server 2022 Standard").catalog_item_id
LEGACY_O365 = next(i for i in cat.ITEMS if i.legacy_offer_id and i.title == "Office 365 E3").legacy_offer_id
PREMIUM = next(i for i in cat.ITEMS if i.title == "Microsoft 365 Business Premium")


@dataclass
class Ctx:
    running: RunningSandbox
    wire: RecordingTransport
    pc: PartnerCenterClient
    ids: dict[str, Any]


def _line(catalog_item_id: str, quantity: int, **extra: Any) -> dict[str, Any]:
    return {"catalogItemId": catalog_item_id, "quantity": quantity, "billingCycle": "monthly",
            "termDuration": "P1Y", **extra}


async def _sub(pc: PartnerCenterClient, cid: str, offer: str, parent: bool = False) -> Any:
    subs = await pc.subscriptions.list(cid).to_list()
    return next(s for s in subs if s.offer_name == offer and (s.parent_subscription_id is not None) == parent)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def ctx(shared_sandbox: RunningSandbox) -> AsyncIterator[Ctx]:
    """Puts the sandbox into the states some errors need (suspended, deleted, ordered cart, ...) once."""
    wire = RecordingTransport()
    async with make_client(shared_sandbox, wire, FastSleep()) as pc:
        ids: dict[str, Any] = {}
        fabrikam = await customer_named(pc, "Fabrikam Inc")
        contoso = await customer_named(pc, "Contoso Ltd")
        litware = await customer_named(pc, "Litware Inc")
        pharma = await customer_named(pc, "Contoso Pharma")
        adventure = await customer_named(pc, "Adventure Works Cycles")
        tailspin = await customer_named(pc, "Tailspin Toys")
        ids.update(fabrikam=fabrikam.id, fabrikam_domain=fabrikam.domain, contoso=contoso.id,
                   contoso_domain=contoso.domain, litware=litware.id, pharma=pharma.id, adventure=adventure.id,
                   tailspin=tailspin.id)
        ids["old_nce"] = (await _sub(pc, fabrikam.id, "Microsoft 365 Business Premium")).id  # 90 days old
        ids["azure"] = (await _sub(pc, fabrikam.id, "Azure plan")).id
        exo = await _sub(pc, fabrikam.id, "Exchange Online (Plan 1)")
        ids["deleted"] = (await pc.subscriptions.cancel(fabrikam.id, exo.id)).id
        base = await _sub(pc, contoso.id, "Microsoft 365 Business Premium")
        ids["addon"] = (await _sub(pc, contoso.id, "Microsoft Teams Audio Conferencing with dial-out to USA/CAN",
                                   parent=True)).id
        ids["suspended"] = (await pc.subscriptions.suspend(contoso.id, base.id)).id  # cascades to the add-on
        ids["teams"] = (await _sub(pc, contoso.id, "Microsoft Teams Essentials")).id
        ids["legacy"] = (await _sub(pc, adventure.id, "Exchange Online (Plan 1)")).id
        ids["trial"] = (await _sub(pc, tailspin.id, "Microsoft 365 Business Premium Trial")).id
        store = state(shared_sandbox).store
        for key, offer, status in (("expired", "Power BI Pro", "expired"), ("pending", "Microsoft 365 E5", "pending")):
            doc = store.get("subscription", (await _sub(pc, pharma.id, offer)).id, pharma.id)
            doc["status"] = status  # states the sandbox only reaches with time/provisioning; set directly
            store.put("subscription", doc["id"], doc, pharma.id, doc["offerName"])
            ids[key] = doc["id"]
        ordered = await pc.carts.create(litware.id, [_line(BUSINESS_BASIC, 1),
                                                     _line(WINDOWS_SERVER, 1, billingCycle="one_time",
                                                           termDuration=None)])
        result = await pc.carts.checkout(litware.id, ordered.id)
        ids["ordered_cart"] = ordered.id
        software = next(o for o in result.orders if o.line_items[0].offer_id == WINDOWS_SERVER)
        ids["nce_order"] = next(o for o in result.orders if o.id != software.id).id
        ids["cancelled_order"] = (await pc.orders.cancel(litware.id, software.id)).id
        ids["bad_cart"] = (await pc.carts.create(litware.id, [{"catalogItemId": LEGACY_O365, "quantity": 1}])).id
        profile = await pc.customers.get_billing_profile(litware.id)
        ids["stale_etag"] = profile.etag
        changed = dict(profile.to_wire(), email="ap@litware.example")
        ids["profile"] = (await pc.customers.update_billing_profile(litware.id, changed,
                                                                    etag=profile.etag)).to_wire()
        assert ids["profile"]["attributes"]["etag"] != ids["stale_etag"]
        ids["user_upn"] = f"taken@{contoso.domain}"
        await pc.users.create(contoso.id, {"userPrincipalName": ids["user_upn"], "displayName": "Taken",
                                           "usageLocation": "US", "passwordProfile": {"password": PASSWORD}})
        yield Ctx(shared_sandbox, wire, pc, ids)


Call = Callable[[PartnerCenterClient, dict[str, Any], str], Awaitable[Any]]


def _raw(method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Call:
    """A request through the client's own pipeline for shapes no operation method can produce."""
    async def call(pc: PartnerCenterClient, ids: dict[str, Any], corr: str) -> Any:
        return await pc._pipeline.request(method, path.format(**ids), json_body=body, headers=headers,
                                          correlation_id=corr)
    return call


def _customer(**changes: Any) -> dict[str, Any]:
    body = new_customer_body("errorcase")
    for key, value in changes.items():
        if key == "country":
            body["billingProfile"]["defaultAddress"]["country"] = value
        elif key == "reg":
            body["companyProfile"]["organizationRegistrationNumber"] = value
        else:
            body[key] = value
    return body


# (id, call, error class, HTTP status, code)
ROWS: list[tuple[str, Call, type[errors.PartnerCenterError], int, int]] = [
    # 404s: one per resource kind
    ("customer 60003", lambda pc, i, c: pc.customers.get(GHOST, correlation_id=c), errors.NotFoundError, 404, 60003),
    ("subscription 20003", lambda pc, i, c: pc.subscriptions.get(i["fabrikam"], GHOST, correlation_id=c),
     errors.NotFoundError, 404, 20003),
    ("order 20000", lambda pc, i, c: pc.orders.get(i["fabrikam"], "nosuchorder", correlation_id=c),
     errors.NotFoundError, 404, 20000),
    ("subscriptions by unknown order 20000",
     lambda pc, i, c: pc.subscriptions.list_by_order(i["fabrikam"], "nosuchorder", correlation_id=c).to_list(),
     errors.NotFoundError, 404, 20000),
    ("cart 800008", lambda pc, i, c: pc.carts.get(i["fabrikam"], GHOST, correlation_id=c),
     errors.NotFoundError, 404, 800008),
    ("user 60002", lambda pc, i, c: pc.users.get(i["fabrikam"], GHOST, correlation_id=c),
     errors.NotFoundError, 404, 60002),
    ("product 400013", lambda pc, i, c: pc.catalog.get_product("NOSUCHPRODUCT", correlation_id=c),
     errors.NotFoundError, 404, 400013),
    ("sku 400018", lambda pc, i, c: pc.catalog.get_sku(PREMIUM.product_id, "9999", correlation_id=c),
     errors.NotFoundError, 404, 400018),
    ("availability 400019",
     lambda pc, i, c: pc.catalog.get_availability(PREMIUM.product_id, "0001", "NOPE", correlation_id=c),
     errors.NotFoundError, 404, 400019),
    ("invoice 1000", lambda pc, i, c: pc.invoices.get("D0000NOPE", correlation_id=c), errors.NotFoundError, 404, 1000),
    ("service request 1000", lambda pc, i, c: pc.service_requests.get("111111111111111", correlation_id=c),
     errors.NotFoundError, 404, 1000),
    ("unknown route shape C", _raw("GET", "/v1/nowhere/{fabrikam}"), errors.NotFoundError, 404, None),
    ("wrong method shape C", _raw("DELETE", "/v1/products"), errors.PartnerCenterError, 405, None),
    # catalog 403s and bad query input
    ("targetView 400036", lambda pc, i, c: pc.catalog.list_products(target_view="Bogus", correlation_id=c).to_list(),
     errors.PermissionDeniedError, 403, 400036),
    ("targetSegment 400030",
     lambda pc, i, c: pc.catalog.list_products(target_segment="pirates", correlation_id=c).to_list(),
     errors.PermissionDeniedError, 403, 400030),
    ("country 800002", lambda pc, i, c: pc.catalog.list_offers("USA", correlation_id=c).to_list(),
     errors.BadRequestError, 400, 800002),
    ("negative size 800002", lambda pc, i, c: pc.customers.list(size=-1, correlation_id=c).to_list(),
     errors.BadRequestError, 400, 800002),
    # customers
    ("create without profiles 800002", lambda pc, i, c: pc.customers.create({}, correlation_id=c),
     errors.BadRequestError, 400, 800002),
    ("domain taken 600006",
     lambda pc, i, c: pc.customers.create(_customer(companyProfile={"domain": i["fabrikam_domain"]}),
                                          correlation_id=c), errors.ConflictError, 409, 600006),
    ("registration number missing 600049", lambda pc, i, c: pc.customers.create(_customer(country="PL"),
                                                                                correlation_id=c),
     errors.BadRequestError, 400, 600049),
    ("registration number format 600050",
     lambda pc, i, c: pc.customers.create(_customer(country="PL", reg="#!"), correlation_id=c),
     errors.BadRequestError, 400, 600050),
    ("registration phone 600051", lambda pc, i, c: pc.customers.create(_customer(country="PL", reg="PL-1234"),
                                                                       correlation_id=c),
     errors.BadRequestError, 400, 600051),
    ("registration not supported 600002",
     lambda pc, i, c: pc.customers.create(_customer(reg="12345"), correlation_id=c), errors.BadRequestError, 400,
     600002),
    ("stale billing etag 2055",
     lambda pc, i, c: pc.customers.update_billing_profile(i["litware"], i["profile"], etag=i["stale_etag"],
                                                          correlation_id=c), errors.BadRequestError, 400, 2055),
    ("billing PUT without If-Match 412", _raw("PUT", "/v1/customers/{litware}/profiles/billing", {"email": "x@y.z"}),
     errors.PreconditionFailedError, 412, 2055),
    # subscription PATCH rules
    ("quantity out of range 2002", lambda pc, i, c: pc.subscriptions.set_quantity(i["contoso"], i["teams"], 301,
                                                                                 correlation_id=c),
     errors.BadRequestError, 400, 2002),
    ("sandbox seat cap 800018", lambda pc, i, c: pc.subscriptions.set_quantity(i["contoso"], i["teams"], 26,
                                                                              correlation_id=c),
     errors.BadRequestError, 400, 800018),
    ("decrease outside window 900214",
     lambda pc, i, c: pc.subscriptions.set_quantity(i["fabrikam"], i["old_nce"], 14, correlation_id=c),
     errors.BadRequestError, 400, 900214),
    ("cancel outside window 900213", lambda pc, i, c: pc.subscriptions.cancel(i["fabrikam"], i["old_nce"],
                                                                              correlation_id=c),
     errors.BadRequestError, 400, 900213),
    ("seat change on Azure plan 800095",
     lambda pc, i, c: pc.subscriptions.set_quantity(i["fabrikam"], i["azure"], 2, correlation_id=c),
     errors.BadRequestError, 400, 800095),
    ("seat change on trial 800095", lambda pc, i, c: pc.subscriptions.set_quantity(i["tailspin"], i["trial"], 26,
                                                                                  correlation_id=c),
     errors.BadRequestError, 400, 800095),
    ("deleted 2011", lambda pc, i, c: pc.subscriptions.rename(i["fabrikam"], i["deleted"], "x", correlation_id=c),
     errors.BadRequestError, 400, 2011),
    ("suspended quantity 800091",
     lambda pc, i, c: pc.subscriptions.set_quantity(i["contoso"], i["suspended"], 21, correlation_id=c),
     errors.BadRequestError, 400, 800091),
    ("add-on with inactive parent 27009",
     lambda pc, i, c: pc.subscriptions.reactivate(i["contoso"], i["addon"], correlation_id=c),
     errors.ConflictError, 409, 27009),
    ("auto-renew legacy 800093",
     lambda pc, i, c: pc.subscriptions.set_auto_renew(i["adventure"], i["legacy"], False, correlation_id=c),
     errors.BadRequestError, 400, 800093),
    ("cancel legacy 800096", lambda pc, i, c: pc.subscriptions.cancel(i["adventure"], i["legacy"], correlation_id=c),
     errors.BadRequestError, 400, 800096),
    ("billing cycle via PATCH 2054",
     lambda pc, i, c: pc.subscriptions.update(i["contoso"], i["teams"], {"billingCycle": "annual"}, correlation_id=c),
     errors.BadRequestError, 400, 2054),
    ("term via PATCH 2006",
     lambda pc, i, c: pc.subscriptions.update(i["contoso"], i["teams"], {"termDuration": "P3Y"}, correlation_id=c),
     errors.BadRequestError, 400, 2006),
    ("expired 900277", lambda pc, i, c: pc.subscriptions.rename(i["pharma"], i["expired"], "x", correlation_id=c),
     errors.BadRequestError, 400, 900277),
    ("pending 800082", lambda pc, i, c: pc.subscriptions.rename(i["pharma"], i["pending"], "x", correlation_id=c),
     errors.ConflictError, 409, 800082),
    ("stale subscription If-Match 2055",
     _raw("PATCH", "/v1/customers/{contoso}/subscriptions/{teams}", {"friendlyName": "x"}, {"If-Match": '"stale"'}),
     errors.BadRequestError, 400, 2055),
    # carts and orders
    ("line ids 800071", lambda pc, i, c: pc.carts.create(i["litware"], [_line(BUSINESS_BASIC, 1, id=3)],
                                                         correlation_id=c), errors.BadRequestError, 400, 800071),
    ("cart quantity 900275", lambda pc, i, c: pc.carts.create(i["litware"], [_line(BUSINESS_BASIC, 301)],
                                                              correlation_id=c), errors.BadRequestError, 400, 900275),
    ("cart line errors 800009", lambda pc, i, c: pc.carts.checkout(i["litware"], i["bad_cart"], correlation_id=c),
     errors.BadRequestError, 400, 800009),
    ("update ordered cart 800065",
     lambda pc, i, c: pc.carts.update(i["litware"], i["ordered_cart"], {"lineItems": [_line(BUSINESS_BASIC, 2)]},
                                      correlation_id=c), errors.BadRequestError, 400, 800065),
    ("cancel cancelled order 800061",
     lambda pc, i, c: pc.orders.cancel(i["litware"], i["cancelled_order"], correlation_id=c),
     errors.BadRequestError, 400, 800061),
    ("cancel new-commerce order 800063",
     lambda pc, i, c: pc.orders.cancel(i["litware"], i["nce_order"], correlation_id=c),
     errors.BadRequestError, 400, 800063),
    # users, licences, service requests (3000 = invalid property in api.md §3.3)
    ("duplicate UPN 409 3000",
     lambda pc, i, c: pc.users.create(i["contoso"], {"userPrincipalName": i["user_upn"], "displayName": "Again",
                                                     "usageLocation": "US", "passwordProfile": {"password": PASSWORD}},
                                      correlation_id=c), errors.ConflictError, 409, 3000),
    ("foreign UPN domain 3000",
     lambda pc, i, c: pc.users.create(i["contoso"], {"userPrincipalName": "x@elsewhere.example", "displayName": "X",
                                                     "usageLocation": "US", "passwordProfile": {"password": PASSWORD}},
                                      correlation_id=c), errors.BadRequestError, 400, 3000),
    ("unsubscribed SKU 3000",
     lambda pc, i, c: _assign_unknown(pc, i, c), errors.BadRequestError, 400, 3000),
    ("unknown support topic 3000",
     lambda pc, i, c: pc.service_requests.create({"title": "t", "description": "d", "severity": "minimal",
                                                  "supportTopicId": "999"}, correlation_id=c),
     errors.BadRequestError, 400, 3000),
    ("unknown severity 800002",
     lambda pc, i, c: pc.service_requests.create({"title": "t", "description": "d", "severity": "apocalyptic",
                                                  "supportTopicId": "32444671"}, correlation_id=c),
     errors.BadRequestError, 400, 800002),
    ("SR update unknown 1000",
     lambda pc, i, c: pc.service_requests.update("111111111111111", {"status": "closed"}, correlation_id=c),
     errors.NotFoundError, 404, 1000),
    ("bad audit filter 800002",
     lambda pc, i, c: pc.audit.list(date(2024, 1, 1), filter={"Field": "Nope", "Value": "x", "Operator": "equals"},
                                    correlation_id=c).to_list(), errors.BadRequestError, 400, 800002),
]


async def _assign_unknown(pc: PartnerCenterClient, ids: dict[str, Any], corr: str) -> Any:
    users = await pc.users.list(ids["contoso"]).to_list()
    return await pc.licenses.assign(ids["contoso"], users[0].id, add_sku_ids=[GHOST], correlation_id=corr)


@pytest.mark.parametrize(("call", "cls", "status", "code"), [r[1:] for r in ROWS], ids=[r[0] for r in ROWS])
async def test_error_is_typed_with_code_description_and_ids(ctx: Ctx, call: Call, cls: type, status: int,
                                                            code: int | None) -> None:
    audits = audit_total(ctx.running)
    corr = f"contract-{uuid.uuid4()}"
    ctx.wire.clear()
    with pytest.raises(errors.PartnerCenterError) as caught:
        await call(ctx.pc, ctx.ids, corr)
    err = caught.value
    assert type(err) is cls and err.status == status and err.code == code
    assert err.description and err.plain()
    assert err.correlation_id == corr
    failing = ctx.wire.log[-1]
    assert failing.status == status and failing.echoed_correlation_id == corr
    assert err.request_id == failing.sent_request_id == failing.echoed_request_id
    assert len([e for e in ctx.wire.log if e.status == status]) == 1  # 4xx answers are never retried
    assert audit_total(ctx.running) == audits, "a failed call must change nothing"
    assert "sandbox-dev-token" not in str(err) and "sandbox-dev-token" not in repr(err)


async def test_bad_token_is_401_access_denied(ctx: Ctx) -> None:
    async with make_client(ctx.running, RecordingTransport(), FastSleep(), token="not-a-real-token") as bad:
        with pytest.raises(errors.AuthenticationError) as caught:
            await bad.customers.get(ctx.ids["fabrikam"], correlation_id="corr-401")
    assert caught.value.status == 401 and caught.value.code == 400 and caught.value.correlation_id == "corr-401"
    assert "not-a-real-token" not in str(caught.value)


async def test_app_only_token_on_app_user_operations_is_403_900329(ctx: Ctx) -> None:
    async with make_client(ctx.running, RecordingTransport(), FastSleep(), token=APP_ONLY_TOKEN) as app:
        assert (await app.customers.get(ctx.ids["fabrikam"])).id == ctx.ids["fabrikam"]  # allowed app-only
        for call in (app.users.list(ctx.ids["fabrikam"]).to_list(), app.service_requests.list().to_list(),
                     app.subscriptions.get_provisioning_status(ctx.ids["contoso"], ctx.ids["teams"]),
                     app.licenses.list_subscribed_skus(ctx.ids["fabrikam"]).to_list()):
            with pytest.raises(errors.PermissionDeniedError) as caught:
                await call
            assert caught.value.code == 900329


async def test_sandbox_customer_cap_is_800018(ctx: Ctx) -> None:
    store = state(ctx.running).store
    cap = state(ctx.running).config.max_customers
    created = []
    for n in range(cap - store.count("customer", "")):
        created.append(await ctx.pc.customers.create(new_customer_body(f"capfill{n}")))
    audits = audit_total(ctx.running)
    with pytest.raises(errors.BadRequestError) as caught:
        await ctx.pc.customers.create(new_customer_body("onetoomany"))
    assert caught.value.code == 800018 and audit_total(ctx.running) == audits
    for customer in created:
        await ctx.pc.customers.delete(customer.id)


async def test_repeat_checkout_knob_is_800065(ctx: Ctx) -> None:
    await set_faults(ctx.running, repeatCheckoutError=True)
    try:
        with pytest.raises(errors.BadRequestError) as caught:
            await ctx.pc.carts.checkout(ctx.ids["litware"], ctx.ids["ordered_cart"])
        assert caught.value.code == 800065
    finally:
        await set_faults(ctx.running, repeatCheckoutError=False)
