"""Guard: every public method of every client operation group is called by at least one contract test, so a
method added to partner_center/ without a test against the sandbox fails here."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from partner_center import PartnerCenterClient
from partner_center.auth import StaticTokenProvider
from partner_center.operations import Operations


async def _client_methods() -> set[str]:
    client = PartnerCenterClient(credential=StaticTokenProvider("unused"))
    await client.close()
    methods = set()
    for group_name, group in vars(client).items():
        if not isinstance(group, Operations):
            continue
        for name, _member in inspect.getmembers(type(group), inspect.isfunction):
            if not name.startswith("_"):
                methods.add(f"{group_name}.{name}")
    return methods


def _called_in_contract_tests() -> set[str]:
    here = Path(__file__).parent
    text = "\n".join(p.read_text() for p in here.glob("test_contract_*.py") if p.name != Path(__file__).name)
    return set(re.findall(r"\.(\w+\.\w+)\(", text))


async def test_every_client_method_has_a_contract_test() -> None:
    methods = await _client_methods()
    assert len(methods) >= 50  # sanity: the introspection found the operation groups
    missing = sorted(methods - _called_in_contract_tests())
    assert not missing, f"client methods without a contract test: {missing}"
