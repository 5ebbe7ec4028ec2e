"""The HTTP side of file delivery (`dialogs.files`): the signed download route and the Teams file consent upload.

- GET /api/files/<token>: checks the token (403 for anything wrong, 410 for an expired genuine link, with a body
  that names nothing), opens the file's source and streams it with the declared type and length; a source whose
  type or size differs from the offer is cut off rather than delivered.
- fileConsent/invoke accept: PUTs the bytes to the upload URL Teams gives (in fragments with Content-Range, as
  OneDrive upload sessions take them, one fragment in memory at a time), then posts a FileInfoCard. Decline:
  nothing is uploaded.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import aiohttp
from aiohttp import web
from botbuilder.core import TurnContext
from botbuilder.schema.teams import FileConsentCardResponse

from bot.proactive import ProactiveNotifier
from bot.translate import activity_from_reply, user_from_account
from cards.text import t
from dialogs.files import FileOffer, FileRejected, FileService, file_info_attachment
from dialogs.turn import Reply

log = logging.getLogger(__name__)

# OneDrive upload sessions take fragments in multiples of 320 KiB (below 60 MiB): 12 x 320 KiB = 3.75 MiB.
FRAGMENT_BYTES = 12 * 320 * 1024
_FORBIDDEN = "This link is not valid."
_GONE = "This link has expired. Ask the bot for the file again."


class SizeMismatch(RuntimeError):
    """The source delivered more or fewer bytes than the offer declared."""


def _plain(status: int, message: str) -> web.Response:
    return web.Response(status=status, text=message, content_type="text/plain",
                        headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


def content_disposition(name: str) -> str:
    ascii_name = name.encode("ascii", "replace").decode("ascii").replace('"', "_").replace("?", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


async def counted(chunks: AsyncIterator[bytes], size: int) -> AsyncIterator[bytes]:
    """Pass chunks through, failing as soon as more than `size` bytes arrive (or fewer by the end)."""
    total = 0
    async for chunk in chunks:
        total += len(chunk)
        if total > size:
            raise SizeMismatch(f"source gave more than the {size} bytes offered")
        yield chunk
    if total != size:
        raise SizeMismatch(f"source gave {total} bytes, {size} offered")


async def fragments(chunks: AsyncIterator[bytes], fragment: int = FRAGMENT_BYTES) -> AsyncIterator[bytes]:
    """Regroup a stream into fragments of exactly `fragment` bytes (the last one shorter)."""
    parts: list[bytes] = []
    held = 0
    async for chunk in chunks:
        while chunk:
            take = chunk[:fragment - held]
            chunk = chunk[len(take):]
            parts.append(take)
            held += len(take)
            if held == fragment:
                piece, parts, held = b"".join(parts), [], 0
                yield piece
    if parts:
        yield b"".join(parts)


class FileDelivery:
    """Serves downloads and performs consent uploads for a `FileService` (the engine's)."""

    def __init__(self, files: FileService, notifier: ProactiveNotifier) -> None:
        self.files = files
        self.notifier = notifier
        self._session: aiohttp.ClientSession | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def close(self) -> None:
        await self.drain()
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None, sock_read=120))
        return self._session

    # --- signed links -------------------------------------------------------------------------------

    async def download(self, request: web.Request) -> web.StreamResponse:
        verdict = await self.files.verify(request.match_info.get("token", ""))
        if verdict.status == 410:
            return _plain(410, _GONE)
        if verdict.status != 200 or verdict.offer is None:
            log.info("file link refused (%s)", verdict.detail)  # the reason, never the token
            return _plain(403, _FORBIDDEN)
        offer = verdict.offer
        async with self.files.open(offer.source, offer.params) as stream:
            if stream.content_type != offer.content_type or (stream.size is not None and stream.size != offer.size):
                log.warning("file %s: the source no longer matches its offer; not delivered", offer.id)
                return _plain(403, _FORBIDDEN)
            response = web.StreamResponse(status=200, headers={
                "Content-Type": offer.content_type, "Content-Length": str(offer.size),
                "Content-Disposition": content_disposition(offer.name), "Cache-Control": "no-store",
                "X-Content-Type-Options": "nosniff"})
            await response.prepare(request)
            try:
                async for chunk in counted(stream.chunks, offer.size):
                    await response.write(chunk)
            except SizeMismatch:
                log.warning("file %s: source size changed mid-download; connection cut", offer.id)
                if request.transport is not None:
                    request.transport.close()
                return response
            await response.write_eof()
            return response

    # --- file consent -------------------------------------------------------------------------------

    async def on_consent(self, turn_context: TurnContext, answer: FileConsentCardResponse) -> None:
        """Accept: upload and post the FileInfoCard; decline: say so. A replayed invoke does nothing twice."""
        locale = turn_context.activity.locale or "en-US"
        context = answer.context if isinstance(answer.context, dict) else {}
        offer = await self.files.load(str(context.get("offer") or "")) if context.get("offer") else None
        user = user_from_account(turn_context.activity.from_property)
        if offer is None or offer.user_id != user.id or offer.delivery != "consent":
            await self._say(turn_context, t("files.consent.expired", locale))
            return
        if answer.action == "decline":
            if await self.files.mark(offer.id, "declined_at"):
                await self._say(turn_context, t("files.consent.declined", locale, name=offer.name))
            return
        if answer.action != "accept" or answer.upload_info is None or not answer.upload_info.upload_url:
            await self._say(turn_context, t("files.consent.expired", locale))
            return
        if self.files.clock().isoformat() >= offer.expires_at:
            await self._say(turn_context, t("files.consent.expired", locale))
            return
        if not await self.files.mark(offer.id, "uploaded_at"):
            if offer.declined_at or (await self.files.load(offer.id) or offer).declined_at:
                await self._say(turn_context, t("files.consent.expired", locale))
            return  # already accepted (a retried invoke): uploaded once
        # The invoke is answered at once (Teams waits ~15 s); the upload and the FileInfoCard follow.
        task = asyncio.get_running_loop().create_task(self._deliver(offer, answer.upload_info, locale))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver(self, offer: FileOffer, info: Any, locale: str) -> None:
        try:
            await self.upload(offer, info.upload_url)
        except (aiohttp.ClientError, SizeMismatch, FileRejected, TimeoutError) as exc:
            log.warning("file %s: upload failed (%s)", offer.id, type(exc).__name__)
            await self._post(offer, Reply(text=t("files.consent.failed", locale, name=offer.name)))
            return
        await self._post(offer, Reply(attachments=[file_info_attachment(
            info.name or offer.name, info.content_url or "", info.unique_id or "", info.file_type or "")]))

    async def _post(self, offer: FileOffer, reply: Reply) -> None:
        try:
            await self.notifier.send_to_conversation(offer.conversation_id, [reply])
        except Exception:  # noqa: BLE001 - nothing more to do than say it in the log
            log.warning("file %s: could not post to the conversation", offer.id, exc_info=True)

    async def drain(self) -> None:
        """Tests: wait for uploads in progress."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def upload(self, offer: FileOffer, upload_url: str) -> None:
        """PUT the file to Teams' upload URL in Content-Range fragments, streaming from the source."""
        async with self.files.open(offer.source, offer.params) as stream:
            if stream.content_type != offer.content_type:
                raise FileRejected("the source's content type changed since the offer")
            start = 0
            async for piece in fragments(counted(stream.chunks, offer.size)):
                end = start + len(piece) - 1
                headers = {"Content-Length": str(len(piece)),
                           "Content-Range": f"bytes {start}-{end}/{offer.size}"}
                async with self._http().put(upload_url, data=piece, headers=headers) as response:
                    if response.status not in (200, 201, 202):
                        raise aiohttp.ClientResponseError(response.request_info, (), status=response.status)
                start = end + 1

    async def _say(self, turn_context: TurnContext, text: str) -> None:
        await turn_context.send_activity(activity_from_reply(Reply(text=text)))


def mount(app: web.Application, delivery: FileDelivery) -> None:
    app.router.add_get("/api/files/{token}", delivery.download)

    async def close(_: Any) -> None:
        await delivery.close()

    app.on_cleanup.append(close)
