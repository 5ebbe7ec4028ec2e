"""Run the real bot app (`bot.server.create_app`) on 127.0.0.1:<free port> and talk to it like Teams does.

    async with BotApp(engine=FakeEngine()) as bot:
        status, _ = await bot.send_text("show Contoso")
        [reply] = await bot.connector.next(1)

Activities carry channelId msteams, serviceUrl = the local connector, `from` with aadObjectId, a personal
conversation, the bot as recipient and a locale. Replies arrive at `bot.connector`; invoke answers come back
in the HTTP response.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from aiohttp import web
from botbuilder.core import MemoryStorage, Storage

from bot import local_channel as lc
from bot.chat import DEMO_USERS
from bot.config import Settings
from bot.local_channel import BOT_ACCOUNT, Identity, LocalConnector
from bot.server import HANDLER, create_app
from dialogs.turn import ConversationEngine

DANA: Identity = DEMO_USERS["dana"]
AVERY: Identity = DEMO_USERS["avery"]


class BotApp:
    def __init__(self, engine: ConversationEngine, *, storage: Storage | None = None,
                 settings: Settings | None = None, conversation_id: str = "a:personal-dana",
                 hold_after: float | None = None, **app_options: Any) -> None:
        self.engine = engine
        self.storage = storage if storage is not None else MemoryStorage()
        self.settings = settings or Settings(storage_kind="memory")
        self.conversation_id = conversation_id
        # Tests wait for every answer within the request (a loaded machine must not turn a turn into a held one);
        # tests of held turns set a limit (bot/handler.py hold_after).
        self.hold_after = hold_after
        self.app_options = app_options  # create_app's keyword options (authenticator, connector_auth)
        self.connector = LocalConnector()
        self.app: web.Application | None = None
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> BotApp:
        await self.connector.start()
        self.app = create_app(self.settings, engine=self.engine, storage=self.storage, **self.app_options)
        self.app[HANDLER].hold_after = self.hold_after
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = self._runner.addresses[0][1]
        self._session = aiohttp.ClientSession()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._session:
            await self._session.close()
        if self._runner:
            await self._runner.cleanup()
        await self.connector.stop()

    # --- raw HTTP ------------------------------------------------------------------------------------

    async def post_raw(self, data: bytes | str, content_type: str = "application/json") -> tuple[int, Any]:
        assert self._session is not None
        async with self._session.post(f"{self.url}/api/messages", data=data,
                                      headers={"Content-Type": content_type}) as resp:
            return resp.status, await _body(resp)

    async def post(self, activity: dict[str, Any], headers: dict[str, str] | None = None) -> tuple[int, Any]:
        assert self._session is not None
        async with self._session.post(f"{self.url}/api/messages", json=activity, headers=headers) as resp:
            return resp.status, await _body(resp)

    async def get(self, path: str) -> tuple[int, Any]:
        assert self._session is not None
        async with self._session.get(f"{self.url}{path}") as resp:
            return resp.status, await _body(resp)

    # --- Teams-shaped activities ---------------------------------------------------------------------

    def envelope(self, user: Identity = DANA, **overrides: Any) -> dict[str, Any]:
        env: dict[str, Any] = {"service_url": self.connector.service_url, "user": user,
                               "conversation_id": self.conversation_id}
        env.update(overrides)
        return env

    async def send_text(self, text: str | None, user: Identity = DANA, **overrides: Any) -> tuple[int, Any]:
        return await self.post(lc.message_activity(text, **self.envelope(user, **overrides)))

    async def submit(self, value: dict[str, Any], user: Identity = DANA, **overrides: Any) -> tuple[int, Any]:
        return await self.post(lc.submit_activity(value, **self.envelope(user, **overrides)))

    async def invoke(self, verb: str, data: dict[str, Any] | None = None, user: Identity = DANA,
                     **overrides: Any) -> tuple[int, Any]:
        return await self.post(lc.invoke_activity(verb, data, **self.envelope(user, **overrides)))

    async def members_added(self, members: list[dict[str, Any]] | None = None, user: Identity = DANA,
                            **overrides: Any) -> tuple[int, Any]:
        members = members if members is not None else [dict(BOT_ACCOUNT)]
        return await self.post(lc.members_added_activity(members, **self.envelope(user, **overrides)))

    async def install(self, user: Identity = DANA, action: str = "add", **overrides: Any) -> tuple[int, Any]:
        return await self.post(lc.installation_update_activity(action, **self.envelope(user, **overrides)))


async def _body(resp: aiohttp.ClientResponse) -> Any:
    text = await resp.text()
    if "json" in (resp.content_type or ""):
        import json

        return json.loads(text) if text else None
    return text
