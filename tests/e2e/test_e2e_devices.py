"""HTTP end-to-end: Windows Autopilot through the bot (api.md §19) — policies (list, create with a name that
exists refused, update settings, delete refused while devices are assigned, delete), batches with their upload
status, devices of a batch, device delete; for changes the sandbox after confirm and after decline."""

from __future__ import annotations

import pytest

from tests.e2e.e2e_support import Bot, SandboxThread, facts
from tests.e2e.test_e2e_changes import change_rows


@pytest.fixture
async def bot(sandbox: SandboxThread):
    async with Bot(sandbox.url) as bot:
        yield bot


async def _policies(sandbox: SandboxThread, name: str = "Contoso Ltd") -> list[dict]:
    customer = await sandbox.customer(name)
    return (await sandbox.get_json(f"/v1/customers/{customer['id']}/policies"))["items"]


async def _devices(sandbox: SandboxThread, batch: str, name: str = "Contoso Ltd") -> list[dict]:
    customer = await sandbox.customer(name)
    return (await sandbox.get_json(f"/v1/customers/{customer['id']}/deviceBatches/{batch}/devices"))["items"]


async def test_policies_and_batches_are_listed(bot: Bot, sandbox: SandboxThread):
    seen = await bot.say("show Contoso's autopilot policies")
    assert seen.title == "Device policies of Contoso Ltd"
    assert all(p["name"] in seen.screen and p["description"] in seen.screen for p in await _policies(sandbox))
    batches = await bot.say("list autopilot batches at contoso")
    assert batches.title == "Device batches of Contoso Ltd"
    assert batches.buttons == ["Sales laptops", "Warehouse tablets"]
    assert "Finished with errors" in batches.screen
    devices = await bot.click("Warehouse tablets")
    assert devices.title == "Devices in Warehouse tablets"
    assert set(devices.buttons) <= set() or all(d["serialNumber"] in devices.screen
                                                  for d in await _devices(sandbox, "Warehouse tablets"))


async def test_create_policy_then_a_name_that_exists_is_refused(bot: Bot, sandbox: SandboxThread):
    before = len(await _policies(sandbox))
    asked = await bot.say("create a device policy Lab PCs for contoso that skips the EULA")
    assert facts(asked.card)["Settings"] == "Skip the EULA page"
    await bot.click("Cancel")
    assert len(await _policies(sandbox)) == before
    await bot.say("create a device policy Lab PCs for contoso that skips the EULA")
    done = await bot.click("Confirm")
    assert 'Policy "Lab PCs" created for Contoso Ltd.' in done.screen
    created = [p for p in await _policies(sandbox) if p["name"] == "Lab PCs"]
    assert len(created) == 1 and created[0]["policySettings"] == ["skip_eula"]
    again = await bot.say("create a device policy Kiosk Mode for contoso")
    assert 'Contoso Ltd already has a policy named "Kiosk Mode"' in again.screen
    assert "Confirm" not in again.buttons and len(await _policies(sandbox)) == before + 1


async def test_update_policy_settings(bot: Bot, sandbox: SandboxThread):
    standard = next(p for p in await _policies(sandbox) if p["name"] == "Standard OOBE")
    asked = await bot.say("update the autopilot profile Standard OOBE at contoso to skip privacy settings and the EULA")
    await bot.click("Cancel")
    assert next(p for p in await _policies(sandbox) if p["id"] == standard["id"]) == standard, "declined: unchanged"
    asked = await bot.say("update the autopilot profile Standard OOBE at contoso to skip privacy settings and the EULA")
    assert change_rows(asked)["Settings"] == ["Remove OEM preinstalled apps, Skip OEM registration",
                                              "Skip privacy (express) settings, Skip the EULA page"]
    await bot.click("Confirm")
    after = next(p for p in await _policies(sandbox) if p["id"] == standard["id"])
    assert after["policySettings"] == ["skip_express_settings", "skip_eula"]


async def test_delete_policy_refused_while_assigned_then_deleted_when_free(bot: Bot, sandbox: SandboxThread):
    kiosk = next(p for p in await _policies(sandbox) if p["name"] == "Kiosk mode")
    refused = await bot.say("delete autopilot profile Kiosk mode at contoso")
    assert f"is still assigned to {kiosk['devicesAssigned']} devices, so it cannot be deleted" in refused.screen
    assert "Confirm" not in refused.buttons
    assert any(p["id"] == kiosk["id"] for p in await _policies(sandbox))
    await bot.say("create a device policy Temp for contoso")
    await bot.click("Confirm")
    asked = await bot.say("delete the Temp autopilot policy for contoso")
    assert "A deleted policy cannot be restored." in asked.screen
    await bot.click("Confirm")
    assert not any(p["name"] == "Temp" for p in await _policies(sandbox))


async def test_delete_a_device_by_serial(bot: Bot, sandbox: SandboxThread):
    device = (await _devices(sandbox, "Sales laptops"))[0]
    asked = await bot.say(f"remove device {device['serialNumber']} from contoso's autopilot batch Sales laptops")
    assert asked.title == device["serialNumber"]
    await bot.click("Cancel")
    assert any(d["id"] == device["id"] for d in await _devices(sandbox, "Sales laptops"))
    await bot.say(f"remove device {device['serialNumber']} from contoso's autopilot batch Sales laptops")
    done = await bot.click("Confirm")
    assert f"Device {device['serialNumber']} removed from Sales laptops." in done.screen
    assert not any(d["id"] == device["id"] for d in await _devices(sandbox, "Sales laptops"))
