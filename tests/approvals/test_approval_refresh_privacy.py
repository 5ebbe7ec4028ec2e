"""An approval card's `refresh` answers any request id it is given: details go only to the requester and to
approvers; anyone else (here a viewer) gets a short notice and nothing of the request (issue 11)."""

from __future__ import annotations

import json

from tests.approvals.conftest import BLAKE, VIC
from tests.support.botapp import DANA


async def test_refresh_shows_the_request_only_to_its_requester_and_approvers(world):
    record = await world.request(DANA, "buy 3 Teams Essentials for Northwind Traders, 1 month")
    for who in (DANA, BLAKE):
        card = json.dumps(await world.click(who, "refresh", record.id, record.version, trigger="automatic"))
        assert "Northwind Traders" in card and "Teams Essentials" in card
    card = await world.click(VIC, "refresh", record.id, record.version, trigger="automatic")
    shown = json.dumps(card)
    assert "Only the requester and approvers can see this approval request." in shown
    assert "Northwind" not in shown and "Teams Essentials" not in shown and "14.40" not in shown
