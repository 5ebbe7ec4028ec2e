"""put_reference with the handler's memo: an unchanged reference is not read again for MEMO_SECONDS, and any
change (another user in the conversation, a new service URL, time passing) goes to storage as before."""

from __future__ import annotations

from botbuilder.core import MemoryStorage
from botbuilder.schema import ChannelAccount, ConversationAccount, ConversationReference

from bot import references


class CountingStorage(MemoryStorage):
    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    async def read(self, keys):
        self.reads += 1
        return await super().read(keys)


def _reference(user: str, service_url: str = "https://smba.example/") -> ConversationReference:
    return ConversationReference(channel_id="msteams", service_url=service_url, user=ChannelAccount(id=user),
                                 bot=ChannelAccount(id="bot"), conversation=ConversationAccount(id="a:group"))


async def test_an_unchanged_reference_is_read_once_per_memo_period(monkeypatch):
    storage, memo = CountingStorage(), {}
    now = [1000.0]
    monkeypatch.setattr(references.time, "monotonic", lambda: now[0])
    assert await references.put_reference(storage, _reference("u1"), "u1", memo=memo) is True
    assert await references.put_reference(storage, _reference("u1"), "u1", memo=memo) is False
    assert storage.reads == 1
    now[0] += references.MEMO_SECONDS + 1
    assert await references.put_reference(storage, _reference("u1"), "u1", memo=memo) is False
    assert storage.reads == 2, "after the memo period the stored reference is checked again"


async def test_another_user_or_a_new_service_url_is_written():
    storage, memo = CountingStorage(), {}
    await references.put_reference(storage, _reference("u1"), "u1", memo=memo)
    assert await references.put_reference(storage, _reference("u2"), "u2", memo=memo) is True
    assert (await references.get_reference(storage, "a:group")).user.id == "u2"
    assert await references.put_reference(storage, _reference("u2", "https://moved.example/"), "u2", memo=memo)
    assert (await references.get_reference(storage, "a:group")).service_url == "https://moved.example/"
    assert [r.user.id for r in await references.list_user_references(storage, "u1")] == ["u1"]
