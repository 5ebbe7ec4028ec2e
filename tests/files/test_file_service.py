"""FileService without HTTP: where consent applies, the signing secret, names, type and size checks."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from botbuilder.core import MemoryStorage
from botbuilder.schema import Activity, ConversationAccount

from bot.translate import supports_file_consent
from dialogs.files import FileRejected, FileRequest, FileService, FileSettings, FileSources, FileStream, safe_name


def activity(conversation_type: str = "personal", service_url: str = "https://smba.trafficmanager.net/amer/",
             channel: str = "msteams") -> Activity:
    return Activity(type="message", channel_id=channel, service_url=service_url,
                    conversation=ConversationAccount(id="c", conversation_type=conversation_type))


def test_file_consent_only_in_teams_personal_chats():
    assert supports_file_consent(activity())
    assert not supports_file_consent(activity("groupChat"))
    assert not supports_file_consent(activity("channel"))
    assert not supports_file_consent(activity(service_url="http://localhost:56150/_connector"))  # Playground
    assert not supports_file_consent(activity(channel="webchat"))


def sources(content_type: str = "application/pdf", size: int | None = 10) -> FileSources:
    registry = FileSources()

    @asynccontextmanager
    async def source(client: Any, params: dict[str, Any]) -> AsyncIterator[FileStream]:
        async def chunks() -> AsyncIterator[bytes]:
            yield b"0123456789"

        yield FileStream(content_type, size, chunks())

    registry.add("s", source)
    return registry


async def offer(service: FileService, user: str = "u1"):
    return await service.offer(FileRequest("s", {}, "../../etc/Invoice 1.pdf"), user_id=user, conversation_id="c",
                               consent=False, locale="en-US")


async def test_generated_secret_is_kept_in_storage_shared_and_never_logged(caplog):
    caplog.set_level(logging.DEBUG)
    storage = MemoryStorage()
    a, b = FileService(None, sources()), FileService(None, sources())
    a.bind(storage)
    b.bind(storage)
    first, payload = await offer(a)
    secret = await a.secret()
    assert len(secret) == 32 and await b.secret() == secret
    assert (await b.verify(payload["link"].rsplit("/", 1)[1])).status == 200  # another instance checks it
    assert secret.hex() not in caplog.text and payload["link"].rsplit(".", 1)[1] not in caplog.text
    assert "secret" not in repr(FileSettings(secret="s3cr3t")) and "s3cr3t" not in repr(FileSettings(secret="s3cr3t"))


async def test_configured_secret_signs_and_links_differ_per_user():
    storage = MemoryStorage()
    service = FileService(None, sources(), settings=FileSettings(secret="configured"))
    service.bind(storage)
    mine, my_link = await offer(service, "u1")
    theirs, their_link = await offer(service, "u2")
    assert await service.secret() == b"configured"
    assert my_link["link"].rsplit(".", 1)[1] != their_link["link"].rsplit(".", 1)[1]
    assert mine.name == "Invoice 1.pdf" and safe_name("a/b\\c<>.pdf") == "c_.pdf"


async def test_types_and_sizes_outside_the_rules_are_not_offered():
    for registry in (sources("text/html"), sources("application/x-msdownload")):
        service = FileService(None, registry)
        service.bind(MemoryStorage())
        with pytest.raises(FileRejected):
            await offer(service)
    small = FileService(None, sources(size=None), settings=FileSettings(max_bytes=5))
    small.bind(MemoryStorage())
    with pytest.raises(FileRejected):
        await offer(small)


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
async def test_instances_starting_together_agree_on_one_generated_secret(kind, tmp_path):
    import asyncio

    from bot.storage_sqlite import SqliteStorage

    storage = MemoryStorage() if kind == "memory" else SqliteStorage(tmp_path / "state.db")
    services = [FileService(None, sources()) for _ in range(5)]
    for service in services:
        service.bind(storage)
    found = await asyncio.gather(*(s.secret() for s in services))
    assert len(set(found)) == 1 and len(found[0]) == 32
    if kind == "sqlite":
        storage.close()


def test_links_point_at_the_public_url_or_where_the_request_arrived():
    from aiohttp.test_utils import make_mocked_request

    from bot.server import request_origin

    assert FileSettings.from_env({"PARTNERBOT_PUBLIC_URL": "https://bot.contoso.com/"}).base_url == \
        "https://bot.contoso.com"
    plain = make_mocked_request("POST", "/api/messages", headers={"Host": "partnerbot.azurewebsites.net"})
    assert request_origin(plain) == "http://partnerbot.azurewebsites.net"
    proxied = make_mocked_request("POST", "/api/messages", headers={"Host": "partnerbot.azurewebsites.net",
                                                                     "X-Forwarded-Proto": "https"})
    assert request_origin(proxied) == "https://partnerbot.azurewebsites.net"


async def test_offers_a_day_past_their_expiry_are_deleted():
    from datetime import timedelta

    from dialogs.jobs import utc_now

    class Clock:
        now = utc_now()

        def __call__(self):
            return self.now

    clock = Clock()
    service = FileService(None, sources(), clock=clock)
    service.bind(MemoryStorage())
    old, _ = await offer(service)
    clock.now += timedelta(hours=12)
    recent, _ = await offer(service)
    clock.now += timedelta(hours=13)  # old: expired 15 min after it was made, now over a day ago
    await offer(service)
    assert await service.load(old.id) is None
    assert await service.load(recent.id) is not None
