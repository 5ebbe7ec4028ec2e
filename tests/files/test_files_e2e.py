"""File results through the real bot: invoices.statement (a PDF streamed from the sandbox) delivered by a signed
download link in a group chat and by Teams' file consent flow in a personal chat (the local connector plays
Teams: it answers the upload session PUTs and receives the FileInfoCard)."""

from __future__ import annotations

import tracemalloc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import aiohttp
import pytest

from bot import local_channel as lc
from bot.server import FILES
from dialogs.files import FileRequest, FileStream, file_source
from dialogs.jobs import utc_now
from tests.e2e.e2e_support import AUTH, Bot, SandboxThread
from tests.support.botapp import AVERY, DANA

GROUP = "19:group-finance@thread.v2"


@pytest.fixture(scope="module")
def sandbox():
    sandbox = SandboxThread().start()
    try:
        yield sandbox
    finally:
        sandbox.stop()


class Clock:
    def __init__(self) -> None:
        self.now = utc_now()

    def __call__(self):
        return self.now


@asynccontextmanager
async def bot_in(sandbox: SandboxThread, **kwargs: Any) -> AsyncIterator[tuple[Bot, Clock]]:
    bot = Bot(sandbox.url, **kwargs)
    clock = Clock()
    bot.engine.files.clock = clock
    async with bot:  # no PARTNERBOT_PUBLIC_URL: links point where the turn's request arrived
        yield bot, clock


async def invoice_ids(sandbox: SandboxThread) -> list[str]:
    return [i["id"] for i in (await sandbox.get_json("/v1/invoices", size=5))["items"]]


async def statement_bytes(sandbox: SandboxThread, invoice_id: str) -> bytes:
    async with aiohttp.ClientSession() as http, http.get(
            f"{sandbox.url}/v1/invoices/{invoice_id}/documents/statement", headers=AUTH) as response:
        assert response.status == 200 and response.content_type == "application/pdf"
        return await response.read()


async def get(url: str) -> tuple[int, dict[str, str], bytes]:
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return response.status, dict(response.headers), await response.read()


def link_of(seen: Any) -> str:
    urls = [a["url"] for card in seen.cards for a in card.get("actions", []) if a.get("type") == "Action.OpenUrl"]
    assert len(urls) == 1, seen.screen
    return urls[0]


async def test_group_chat_gets_a_signed_link_that_downloads_the_statement_within_its_lifetime(sandbox):
    [invoice, *_] = await invoice_ids(sandbox)
    expected = await statement_bytes(sandbox, invoice)
    assert expected.startswith(b"%PDF-1.4") and expected.rstrip().endswith(b"%%EOF") and invoice.encode() in expected
    async with bot_in(sandbox, conversation_id=GROUP, conversation_type="groupChat") as (bot, clock):
        seen = await bot.say(f"statement for invoice {invoice}")
        assert f"Invoice_{invoice}.pdf" in seen.screen and "Download" in seen.buttons, seen.screen
        url = link_of(seen)
        assert url.startswith(f"{bot.app.url}/api/files/")

        status, headers, body = await get(url)
        assert status == 200 and body == expected
        assert headers["Content-Type"] == "application/pdf"
        assert headers["Content-Length"] == str(len(expected))
        assert f'filename="Invoice_{invoice}.pdf"' in headers["Content-Disposition"]
        assert headers["Cache-Control"] == "no-store"

        clock.now += timedelta(minutes=14)
        assert (await get(url))[0] == 200  # still valid near the end of its 15 minutes
        clock.now += timedelta(minutes=2)
        status, _, body = await get(url)
        assert status == 410 and invoice.encode() not in body and b"%PDF" not in body


async def test_tampered_and_foreign_links_are_refused_and_reveal_nothing(sandbox):
    first, second, *_ = await invoice_ids(sandbox)
    async with bot_in(sandbox, conversation_id=GROUP, conversation_type="groupChat") as (bot, clock):
        mine = link_of(await bot.say(f"statement for invoice {first}", DANA))
        theirs = link_of(await bot.say(f"statement for invoice {second}", AVERY))
        base, token = mine.rsplit("/", 1)
        offer_id, expires, signature = token.split(".")
        other_offer = theirs.rsplit("/", 1)[1].split(".")[0]
        flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
        attempts = {
            "signature changed": f"{offer_id}.{expires}.{flipped}",
            "lifetime extended": f"{offer_id}.{int(expires) + 3600}.{signature}",
            "another user's file with my signature": f"{other_offer}.{expires}.{signature}",
            "made-up offer": f"{'0' * 24}.{expires}.{signature}",
            "no signature": f"{offer_id}.{expires}",
            "path tricks": "..%2F..%2Fpartnerbot-state.db",
        }
        for what, forged in attempts.items():
            status, headers, body = await get(f"{base}/{forged}")
            assert status == 403, what
            assert b"%PDF" not in body and first.encode() not in body and second.encode() not in body, what
            assert "Content-Disposition" not in headers, what
        for listing in (f"{bot.app.url}/api/files/", f"{bot.app.url}/api/files"):
            assert (await get(listing))[0] == 404  # no directory listing
        clock.now += timedelta(hours=1)
        assert (await get(f"{base}/{offer_id}.{int(expires) + 3600}.{signature}"))[0] == 403  # not 410: forged
        assert (await get(theirs))[0] == 410


async def test_personal_chat_walks_the_file_consent_flow(sandbox):
    [invoice, *_] = await invoice_ids(sandbox)
    expected = await statement_bytes(sandbox, invoice)
    async with bot_in(sandbox) as (bot, _):
        seen = await bot.say(f"get me the pdf of invoice {invoice}")
        [call] = [m.call for m in seen.messages]
        [consent] = call.activity["attachments"]
        assert consent["contentType"] == "application/vnd.microsoft.teams.card.file.consent"
        assert consent["name"] == f"Invoice_{invoice}.pdf"
        assert consent["content"]["sizeInBytes"] == len(expected)
        assert consent["content"]["description"] == f"Statement of invoice {invoice} (PDF)"
        context = consent["content"]["acceptContext"]

        connector = bot.app.connector
        info = connector.upload_info(consent["name"])
        accept = lc.file_consent_activity("accept", context, info, **bot.app.envelope(DANA))
        status, _ = await bot.app.post(accept)
        assert status == 200
        await bot.app.app[FILES].drain()
        upload, posted = await connector.next(2)
        assert upload.operation == "upload" and connector.uploads[info["uniqueId"]].content == expected
        [card] = posted.activity["attachments"]
        assert card["contentType"] == "application/vnd.microsoft.teams.card.file.info"
        assert card["contentUrl"] == info["contentUrl"] and card["content"]["uniqueId"] == info["uniqueId"]

        # Teams retries the invoke: nothing is uploaded twice.
        again = lc.file_consent_activity("accept", context, connector.upload_info(consent["name"]),
                                         **bot.app.envelope(DANA))
        assert (await bot.app.post(again))[0] == 200
        await bot.app.app[FILES].drain()
        assert connector.pending() == [] and len(connector.uploads) == 1


async def test_declining_uploads_nothing_and_another_user_cannot_accept(sandbox):
    [invoice, *_] = await invoice_ids(sandbox)
    async with bot_in(sandbox) as (bot, _):
        seen = await bot.say(f"statement for invoice {invoice}")
        context = seen.messages[0].call.activity["attachments"][0]["content"]["declineContext"]
        connector = bot.app.connector

        stranger = lc.file_consent_activity("accept", context, connector.upload_info("x.pdf"),
                                            **bot.app.envelope(AVERY))
        assert (await bot.app.post(stranger))[0] == 200
        [said] = connector.pending()
        assert "no longer valid" in said.text

        decline = lc.file_consent_activity("decline", context, **bot.app.envelope(DANA))
        assert (await bot.app.post(decline))[0] == 200
        [said] = connector.pending()
        assert said.text == f"OK, I did not send Invoice_{invoice}.pdf."
        late = lc.file_consent_activity("accept", context, connector.upload_info("x.pdf"), **bot.app.envelope(DANA))
        await bot.app.post(late)
        await bot.app.app[FILES].drain()
        assert connector.uploads == {}
        [said] = connector.pending()
        assert "no longer valid" in said.text


async def test_an_unknown_invoice_is_explained_and_offers_nothing(sandbox):
    async with bot_in(sandbox, conversation_id=GROUP, conversation_type="groupChat") as (bot, _):
        seen = await bot.say("statement for invoice D0000NOSUCH")
        assert "Download" not in seen.buttons
        assert "There is no invoice D0000NOSUCH" in seen.screen, seen.screen


# ----------------------------------------------------------------------------------------------- big files

BIG = 64 * 1024 * 1024


@file_source("test.big")
@asynccontextmanager
async def big_source(client: Any, params: dict[str, Any]) -> AsyncIterator[FileStream]:
    async def chunks() -> AsyncIterator[bytes]:
        block = bytes(range(256)) * 256  # 64 KiB
        for _ in range(BIG // len(block)):
            yield block

    yield FileStream("application/gzip", BIG if params.get("sized") else None, chunks())


async def test_a_large_file_streams_through_link_and_upload_without_being_held_in_memory(sandbox):
    async with bot_in(sandbox, conversation_id=GROUP, conversation_type="groupChat") as (bot, _):
        files = bot.engine.files
        files.settings.base_url = bot.app.url  # as PARTNERBOT_PUBLIC_URL would (no turn here to take it from)
        tracemalloc.start()
        try:
            offer, payload = await files.offer(FileRequest("test.big", {"sized": False}, "export.json.gz"),
                                               user_id="u", conversation_id=GROUP, consent=False, locale="en-US")
            assert offer.size == BIG  # counted while streaming past, not stored
            received = 0
            async with aiohttp.ClientSession() as http, http.get(payload["link"]) as response:
                assert response.status == 200 and response.headers["Content-Length"] == str(BIG)
                async for chunk in response.content.iter_chunked(256 * 1024):
                    received += len(chunk)
            assert received == BIG
            _, download_peak = tracemalloc.get_traced_memory()
            tracemalloc.reset_peak()

            consent, _ = await files.offer(FileRequest("test.big", {"sized": True}, "export.json.gz"),
                                           user_id="u", conversation_id=GROUP, consent=True, locale="en-US")
            info = bot.app.connector.upload_info("export.json.gz")
            await bot.app.app[FILES].upload(consent, info["uploadUrl"])
            upload = bot.app.connector.uploads[info["uniqueId"]]
            assert upload.received == BIG and upload.fragments == -(-BIG // (12 * 320 * 1024))
            _, upload_peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        print(f"peak {download_peak / 1e6:.1f} MB (link), {upload_peak / 1e6:.1f} MB (upload) for {BIG / 1e6:.0f} MB")
        assert download_peak < 4 * 1024 * 1024, f"link: peak {download_peak / 1e6:.1f} MB"
        # One 3.75 MiB fragment in flight: joined by the bot, sent, and read (same process here) by the connector.
        assert upload_peak < 5 * 12 * 320 * 1024, f"upload: peak {upload_peak / 1e6:.1f} MB"


async def test_the_terminal_chat_shows_allow_and_decline_and_uploads_on_allow(sandbox):
    import asyncio

    from bot.chat import ChatSession, find_identity

    [invoice, *_] = await invoice_ids(sandbox)
    async with bot_in(sandbox) as (bot, _):
        out: list[str] = []

        async def no_questions(prompt: str) -> str | None:
            raise AssertionError(f"unexpected prompt {prompt!r}")

        chat = ChatSession(bot.app.url, find_identity("Dana (demo)"), ask=no_questions, out=out.append)
        await chat.start()
        try:
            out.clear()
            await chat.handle(f"statement for invoice {invoice}")
            assert any(f"[file: Invoice_{invoice}.pdf," in line for line in out), out
            titles = [c.action.title for c in chat.choices]
            assert titles == ["Allow", "Decline"]
            await chat.handle("1")
            await bot.app.app[FILES].drain()
            for _ in range(50):
                if any(f"[file in your OneDrive: Invoice_{invoice}.pdf]" in line for line in out):
                    break
                await asyncio.sleep(0.1)
            else:
                raise AssertionError(out)
            [upload] = chat.connector.uploads.values()
            assert upload.content.startswith(b"%PDF-")
        finally:
            await chat.close()
