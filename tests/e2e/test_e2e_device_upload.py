"""Uploading Windows Autopilot devices from Teams (issue 16): a CSV attached to a message (Teams' file download
info attachment, fetched from a loopback "file host") or pasted rows -> a preview naming the rows left out ->
confirmation -> a Partner Center upload that finishes later (a job) -> the result card, across a bot restart.
Bad files (no header, too large, not CSV, nothing valid) get a specific answer and change nothing."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import web

from bot import local_channel as lc
from bot.attachments import TEAMS_FILE
from bot.local_channel import LocalConnector
from bot.storage_sqlite import SqliteStorage
from tests.e2e.e2e_support import DANA, Bot, SandboxThread, facts
from tests.jobs.test_jobs_e2e import fast, finish_operation, operations, proactive

HEADER = "Device Serial Number,Windows Product ID,Hardware Hash,Group Tag"


def device_csv(rows: int, bad: dict[int, str]) -> bytes:
    """`rows` devices (serial + hash); data row n (1-based) replaced by bad[n]. File row = data row + 1."""
    lines = [HEADER]
    for n in range(1, rows + 1):
        lines.append(bad.get(n, f"SER{n:05d},,T0FBQUFBQUFB{n:06d}ZGV2aWNlaGFzaA==,Sales"))
    return ("\r\n".join(lines) + "\r\n").encode()


class FileHost:
    """Stands in for the SharePoint download URL Teams puts in a file attachment (loopback only)."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def __aenter__(self) -> FileHost:
        app = web.Application()

        async def serve(request: web.Request) -> web.Response:
            data = self.files.get(request.match_info["name"])
            return web.Response(body=data, content_type="text/csv") if data is not None else web.Response(status=404)

        app.router.add_get("/files/{name}", serve)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/files"
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner:
            await self._runner.cleanup()


async def attach(bot: Bot, host: FileHost, text: str | None, name: str, data: bytes):
    host.files[name] = data
    activity = lc.message_activity(text, **bot.app.envelope(DANA))
    activity["attachments"] = [{"contentType": TEAMS_FILE, "name": name.rsplit(".", 1)[0],
                                "content": {"downloadUrl": f"{host.url}/{name}", "uniqueId": name,
                                            "fileType": name.rsplit(".", 1)[-1]}}]
    status, body = await bot.app.post(activity)
    return bot._seen(status, body, False)


async def _devices(sandbox: SandboxThread, batch: str) -> list[dict]:
    customer = await sandbox.customer("Contoso Ltd")
    path = f"/v1/customers/{customer['id']}/deviceBatches/{batch}/devices"
    try:
        return (await sandbox.get_json(path, size=100))["items"] if batch else []
    except Exception:  # the batch does not exist (404)
        return []


async def _all_devices(sandbox: SandboxThread, batch: str) -> int:
    customer = await sandbox.customer("Contoso Ltd")
    batches = (await sandbox.get_json(f"/v1/customers/{customer['id']}/deviceBatches"))["items"]
    return next((b["devicesCount"] for b in batches if b["id"] == batch), 0)


async def test_500_rows_with_3_bad_ones_preview_confirm_restart_and_497_devices(sandbox: SandboxThread, tmp_path):
    await operations(sandbox, pollsUntilDone=10_000, retryAfterSeconds=0)
    bad = {11: "SER00002,,T0FBQUFBQUFBZHVwbGljYXRl,Sales",   # file row 12: serial of row 3 again
           199: ",,,Sales",                                  # file row 200: nothing that identifies it
           400: "SER00400,,,Sales"}                          # file row 401: a serial alone is not enough
    data = device_csv(500, bad)
    path = tmp_path / "state.db"
    storage = SqliteStorage(path)
    first = fast(Bot(sandbox.url, storage=storage), lease=0.5)
    async with FileHost() as host:
        await first.__aenter__()
        try:
            asked = await attach(first, host, "upload these devices to contoso in a new batch Spring laptops",
                                 "spring.csv", data)
            shown = facts(asked.card)
            assert shown["Customer"] == "Contoso Ltd"
            assert shown["Devices to upload"] == "497"
            assert shown["Rows left out"].startswith("3: ")
            assert "row 12: serial number repeated (SER00002 (row 3))" in shown["Rows left out"]
            assert "row 200: needs a hardware hash" in shown["Rows left out"]
            assert "row 401: needs a hardware hash" in shown["Rows left out"]
            assert asked.buttons == ["Confirm", "Cancel"]
            assert await _all_devices(sandbox, "Spring laptops") == 0, "nothing is uploaded before confirming"
            started = await first.click("Confirm")
            assert "Uploading 497 devices to Spring laptops for Contoso Ltd" in started.screen
            await asyncio.sleep(0.3)
        finally:
            await first.__aexit__(None, None, None)  # the bot goes away while Partner Center works
            storage.close()
    port = first.app.connector.port
    await finish_operation(sandbox, "device_upload")
    storage = SqliteStorage(path)
    second = fast(Bot(sandbox.url, storage=storage), lease=0.5)
    second.app.connector = LocalConnector(port=port)
    try:
        async with second:
            done = await proactive(second.app.connector)
            assert "497 devices added to Spring laptops; 0 could not be added." in done.screen
            await asyncio.sleep(0.5)
            assert second.app.connector.pending() == [], "announced exactly once"
    finally:
        storage.close()
    assert await _all_devices(sandbox, "Spring laptops") == 497


@pytest.fixture
async def bot(sandbox: SandboxThread):
    async with Bot(sandbox.url) as bot:
        yield bot


@pytest.mark.parametrize(("name", "data", "expected"), [
    ("nohead.csv", b"SER1,,HASH1\r\nSER2,,HASH2\r\n", "has no header row naming the device columns"),
    ("huge.csv", HEADER.encode() + b"\r\n" + b"X" * (20 * 1024 * 1024), "is larger than 5 MB"),
    ("devices.xlsx", b"PK\x03\x04 not a csv", "is not a CSV file"),
    ("onlybad.csv", b"Device Serial Number,Windows Product ID,Hardware Hash\r\nSER1,,\r\n",
     "No row of onlybad.csv can be uploaded: row 2: needs a hardware hash"),
])
async def test_bad_files_get_a_specific_answer_and_change_nothing(bot: Bot, sandbox: SandboxThread, name, data,
                                                                   expected):
    async with FileHost() as host:
        before = await _all_devices(sandbox, "Sales laptops")
        seen = await attach(bot, host, "upload these devices to contoso batch Sales laptops", name, data)
        assert expected in seen.screen, seen.screen
        assert "Confirm" not in seen.buttons
        assert await _all_devices(sandbox, "Sales laptops") == before


async def test_pasted_rows_into_an_existing_batch(bot: Bot, sandbox: SandboxThread):
    await operations(sandbox, pollsUntilDone=0, retryAfterSeconds=0)
    before = await _all_devices(sandbox, "Sales laptops")
    text = ("upload devices to contoso batch Sales laptops\n"
            "Serial Number,Manufacturer,Model\nPASTE-0001,Dell Inc.,Latitude 7450\nPASTE-0002,HP,EliteBook 840")
    asked = await bot.say(text)
    shown = facts(asked.card)
    assert shown["Devices to upload"] == "2" and shown["Device batch"] == "Sales laptops (existing batch)"
    await bot.click("Cancel")
    assert await _all_devices(sandbox, "Sales laptops") == before
