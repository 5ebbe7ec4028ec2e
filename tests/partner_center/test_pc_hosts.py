"""The client's three hosts (api.md §23.0): base URLs derived from a local sandbox, production defaults, links."""

from __future__ import annotations

import pytest

from partner_center import PartnerCenterClient
from partner_center.auth import StaticTokenProvider
from partner_center.client import derived_urls


def test_a_local_sandbox_serves_all_three_hosts_on_one_port():
    assert derived_urls("http://127.0.0.1:8089/", None, None) == ("http://127.0.0.1:8089/partnerapi",
                                                                   "http://127.0.0.1:8089")
    assert derived_urls("http://localhost:9000", None, None) == ("http://localhost:9000/partnerapi",
                                                                 "http://localhost:9000")


def test_production_and_explicit_urls():
    assert derived_urls("https://api.partnercenter.microsoft.com", None, None) == (
        "https://api.partner.microsoft.com", "https://graph.microsoft.com")
    assert derived_urls("http://127.0.0.1:1", "https://p.example", "https://g.example") == (
        "https://p.example", "https://g.example")


@pytest.mark.asyncio
async def test_links_stay_on_their_host_and_keep_the_base_path():
    async with PartnerCenterClient("http://127.0.0.1:8089", StaticTokenProvider("t")) as client:
        partner_api, graph = client._partner_api, client._graph
        # An @odata.nextLink repeats the sandbox's /partnerapi prefix; the request path must not double it.
        assert partner_api.link_target(
            "http://127.0.0.1:8089/partnerapi/v1.0/engagements/referrals?$skip=10") == (
            "/v1.0/engagements/referrals?$skip=10")
        # Graph paths carry their own version; no Partner Center /v1 is added.
        assert graph.link_target("/v1.0/tenantRelationships/delegatedAdminRelationships?$skiptoken=x") == (
            "/v1.0/tenantRelationships/delegatedAdminRelationships?$skiptoken=x")
        # Another host's link is followed on our host only (the token never leaves it).
        assert graph.link_target("https://evil.example/v1.0/x") == "/v1.0/x"
        assert client._pipeline.link_target("/customers") == "/v1/customers"
