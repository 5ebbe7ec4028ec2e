"""A loopback stand-in for the Teams channel: a tiny Bot Connector endpoint plus Teams-shaped activities.

With an empty app id the adapter sends its replies, without a token, to the activity's ``serviceUrl``; pointing
that at `LocalConnector` lets `partnerbot chat` and the HTTP tests receive what the bot says. The connector
implements the subset of the Bot Connector REST API a bot uses (send, reply, update, delete, create
conversation, members) and records every call.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from partner_center import clock

LOCAL_TENANT_ID = "00000000-0000-4000-8000-00000000c5b0"
BOT_ACCOUNT = {"id": "28:partnerbot-local", "name": "PartnerBot"}


@dataclass(frozen=True)
class Identity:
    """A chat user as Teams describes them: channel id (29:...), Entra object id and display name."""

    name: str
    aad_object_id: str
    channel_user_id: str = ""

    @property
    def account(self) -> dict[str, str]:
        return {"id": self.channel_user_id or f"29:{self.aad_object_id}", "name": self.name,
                "aadObjectId": self.aad_object_id}


@dataclass
class ConnectorCall:
    """One request the bot made to the connector."""

    operation: str  # send | reply | update | delete | create_conversation
    conversation_id: str
    activity_id: str | None  # the id the bot replied to / updated / deleted, from the path
    activity: dict[str, Any] = field(default_factory=dict)  # the body (with the assigned "id")

    @property
    def type(self) -> str | None:
        return self.activity.get("type")

    @property
    def text(self) -> str | None:
        return self.activity.get("text")

    @property
    def cards(self) -> list[dict[str, Any]]:
        return [a.get("content") or {} for a in self.activity.get("attachments") or []
                if a.get("contentType") == "application/vnd.microsoft.card.adaptive"]


_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+)$")
KEEP_UPLOAD_BYTES = 8 * 1024 * 1024  # uploads up to this size keep their bytes for assertions


@dataclass
class Upload:
    """A file uploaded through the consent flow: size, fragments, SHA-256 (and the bytes when small)."""

    id: str
    total: int
    received: int = 0
    fragments: int = 0
    content: bytearray = field(default_factory=bytearray)
    _digest: Any = field(default_factory=hashlib.sha256, repr=False)

    def add(self, body: bytes) -> None:
        self.received += len(body)
        self.fragments += 1
        self._digest.update(body)
        if self.total <= KEEP_UPLOAD_BYTES:
            self.content += body

    @property
    def sha256(self) -> str:
        return self._digest.hexdigest()


class LocalConnector:
    """Run with `await start()` (binds 127.0.0.1:0 unless told otherwise); `service_url` ends with a slash."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0,
                 on_call: Callable[[ConnectorCall], None] | None = None) -> None:
        self.host, self.port = host, port
        self.calls: list[ConnectorCall] = []
        self.on_call = on_call
        self._consumed = 0
        self._changed = asyncio.Condition()
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.uploads: dict[str, Upload] = {}

    @property
    def service_url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    def app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024 * 1024)  # upload session fragments are up to 60 MiB
        base = "/v3/conversations"
        app.router.add_post(base, self._create_conversation)
        app.router.add_post(base + "/{cid}/activities", self._send)
        app.router.add_post(base + "/{cid}/activities/{aid}", self._reply)
        app.router.add_put(base + "/{cid}/activities/{aid}", self._update)
        app.router.add_delete(base + "/{cid}/activities/{aid}", self._delete)
        app.router.add_get(base + "/{cid}/members", self._members)
        app.router.add_get(base + "/{cid}/members/{mid}", self._member)
        app.router.add_put("/upload/{uid}", self._upload)
        return app

    async def start(self) -> str:
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self.service_url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> LocalConnector:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # --- waiting for what the bot sent ---------------------------------------------------------

    async def next(self, n: int = 1, timeout: float = 5.0) -> list[ConnectorCall]:  # noqa: ASYNC109
        """The next `n` calls not yet returned by `next`, waiting up to `timeout` seconds for them."""
        async def ready() -> None:
            async with self._changed:
                await self._changed.wait_for(lambda: len(self.calls) - self._consumed >= n)

        try:
            await asyncio.wait_for(ready(), timeout)
        except TimeoutError:
            got = self.calls[self._consumed:]
            raise TimeoutError(f"expected {n} connector call(s) within {timeout}s, got {len(got)}: "
                               f"{[(c.operation, c.text) for c in got]}") from None
        calls = self.calls[self._consumed:self._consumed + n]
        self._consumed += n
        return calls

    def pending(self) -> list[ConnectorCall]:
        """Calls received but not yet returned by `next` (and marks them consumed)."""
        calls = self.calls[self._consumed:]
        self._consumed = len(self.calls)
        return calls

    # --- handlers ----------------------------------------------------------------------------------

    async def _record(self, call: ConnectorCall) -> None:
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()
        if self.on_call is not None:
            self.on_call(call)

    async def _body(self, request: web.Request) -> dict[str, Any]:
        try:
            body = await request.json()
        except ValueError:
            raise web.HTTPBadRequest(text='{"error": "invalid JSON"}', content_type="application/json") from None
        return body if isinstance(body, dict) else {}

    def _new_id(self) -> str:
        return f"local-{next(self._ids)}"

    async def _send(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        body["id"] = self._new_id()
        await self._record(ConnectorCall("send", request.match_info["cid"], None, body))
        return web.json_response({"id": body["id"]})

    async def _reply(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        body["id"] = self._new_id()
        await self._record(ConnectorCall("reply", request.match_info["cid"], request.match_info["aid"], body))
        return web.json_response({"id": body["id"]})

    async def _update(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        aid = request.match_info["aid"]
        body["id"] = aid
        await self._record(ConnectorCall("update", request.match_info["cid"], aid, body))
        return web.json_response({"id": aid})

    async def _delete(self, request: web.Request) -> web.Response:
        await self._record(ConnectorCall("delete", request.match_info["cid"], request.match_info["aid"], {}))
        return web.Response(status=200)

    async def _create_conversation(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        cid = f"a:local-{uuid.uuid4().hex[:12]}"
        first = body.get("activity")
        activity_id = None
        if isinstance(first, dict):
            activity_id = first["id"] = self._new_id()
        await self._record(ConnectorCall("create_conversation", cid, activity_id, body))
        return web.json_response({"id": cid, "serviceUrl": self.service_url, "activityId": activity_id})

    def upload_info(self, name: str, file_type: str = "pdf") -> dict[str, Any]:
        """What Teams puts in a fileConsent/invoke accept: an upload session URL (here, on this connector)."""
        uid = uuid.uuid4().hex
        return {"name": name, "uploadUrl": f"{self.service_url}upload/{uid}",
                "contentUrl": f"https://contoso-my.sharepoint.com/personal/files/{name}",
                "uniqueId": uid, "fileType": file_type}

    async def _upload(self, request: web.Request) -> web.Response:
        """A OneDrive upload session: PUT fragments with Content-Range "bytes a-b/total", in order."""
        uid = request.match_info["uid"]
        match = _RANGE.match(request.headers.get("Content-Range", ""))
        if not match:
            return web.json_response({"error": {"code": "invalidRange"}}, status=400)
        start, end, total = (int(g) for g in match.groups())
        upload = self.uploads.setdefault(uid, Upload(uid, total))
        body = await request.read()
        if start != upload.received or end - start + 1 != len(body) or total != upload.total or end >= total:
            return web.json_response({"error": {"code": "invalidRange"}}, status=416)
        upload.add(body)
        if upload.received < total:
            return web.json_response({"nextExpectedRanges": [f"{upload.received}-"]}, status=202)
        await self._record(ConnectorCall("upload", "", uid, {"size": total, "fragments": upload.fragments}))
        return web.json_response({"id": uid, "size": total}, status=201)

    async def _members(self, request: web.Request) -> web.Response:
        return web.json_response([])

    async def _member(self, request: web.Request) -> web.Response:
        mid = request.match_info["mid"]
        return web.json_response({"id": mid, "name": "", "aadObjectId": mid.removeprefix("29:")})


# --- Teams-shaped activities -----------------------------------------------------------------------


def _now() -> str:
    return clock.now().isoformat(timespec="milliseconds").replace("+00:00", "Z")


def base_activity(kind: str, *, service_url: str, user: Identity, conversation_id: str,
                  conversation_type: str = "personal", locale: str = "en-US",
                  tenant_id: str = LOCAL_TENANT_ID) -> dict[str, Any]:
    """The envelope Teams puts around every activity it sends to a bot."""
    return {
        "type": kind,
        "id": f"1{uuid.uuid4().int % 10**12:012d}",
        "timestamp": _now(),
        "localTimestamp": _now(),
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": user.account,
        "conversation": {"id": conversation_id, "conversationType": conversation_type, "tenantId": tenant_id,
                         **({"isGroup": True} if conversation_type != "personal" else {})},
        "recipient": dict(BOT_ACCOUNT),
        "locale": locale,
        "entities": [{"type": "clientInfo", "locale": locale, "platform": "Web"}],
        "channelData": {"tenant": {"id": tenant_id}},
    }


def message_activity(text: str | None, **envelope: Any) -> dict[str, Any]:
    activity = base_activity("message", **envelope)
    activity["textFormat"] = "plain"
    if text is not None:
        activity["text"] = text
    return activity


def submit_activity(value: dict[str, Any], *, reply_to_id: str | None = None, **envelope: Any) -> dict[str, Any]:
    """What Teams sends for an Action.Submit: a message with `value` and no text."""
    activity = base_activity("message", **envelope)
    activity["value"] = value
    activity["channelData"]["postBack"] = True
    if reply_to_id:
        activity["replyToId"] = reply_to_id
    return activity


def invoke_activity(verb: str, data: dict[str, Any] | None = None, *, trigger: str = "manual",
                    reply_to_id: str | None = None, **envelope: Any) -> dict[str, Any]:
    """What Teams sends for an Action.Execute click (trigger manual) or a card refresh (automatic)."""
    activity = base_activity("invoke", **envelope)
    activity["name"] = "adaptiveCard/action"
    activity["value"] = {"action": {"type": "Action.Execute", "verb": verb, "data": data or {}},
                         "trigger": trigger}
    if reply_to_id:
        activity["replyToId"] = reply_to_id
    return activity


def members_added_activity(members: list[dict[str, Any]], **envelope: Any) -> dict[str, Any]:
    activity = base_activity("conversationUpdate", **envelope)
    activity["membersAdded"] = members
    activity["channelData"]["eventType"] = "teamMemberAdded"
    return activity


def installation_update_activity(action: str = "add", **envelope: Any) -> dict[str, Any]:
    activity = base_activity("installationUpdate", **envelope)
    activity["action"] = action
    return activity


def file_consent_activity(action: str, context: dict[str, Any], upload_info: dict[str, Any] | None = None,
                          **envelope: Any) -> dict[str, Any]:
    """What Teams sends when the user accepts or declines a FileConsentCard."""
    activity = base_activity("invoke", **envelope)
    activity["name"] = "fileConsent/invoke"
    activity["value"] = {"type": "fileUpload", "action": action, "context": context,
                         **({"uploadInfo": upload_info} if upload_info else {})}
    return activity

