"""Files people send to the bot (a device CSV), kept in bot storage between the message and the confirmation.

A flow only holds the upload's id: the file itself can be megabytes and conversation state is read on every turn.
Items live under `uploads/<id>`, the id derived from the content and the user (the same file sent twice is one
item). They are small enough for one storage item (the bot refuses larger files at the edge) and are deleted when
the operation that used them ran.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class IncomingFile:
    """A file attached to a message, as the bot edge fetched it: content, or why it could not be taken."""

    name: str
    content_type: str = ""
    data: bytes | None = None
    error: str | None = None  # a catalog key under uploads.error.*


class UploadStore:
    def __init__(self, storage: Any) -> None:
        self.storage = storage

    @staticmethod
    def _key(upload_id: str) -> str:
        return f"uploads/{upload_id}"

    async def put(self, user_id: str, name: str, data: bytes) -> str:
        upload_id = hashlib.sha256(user_id.encode() + b"\0" + data).hexdigest()[:24]
        await self.storage.write({self._key(upload_id): {"user": user_id, "name": name[:200],
                                                         "data": base64.b64encode(data).decode("ascii"),
                                                         "e_tag": "*"}})
        return upload_id

    async def get(self, upload_id: str, user_id: str) -> tuple[str, bytes] | None:
        """(name, content) of the user's upload; None when unknown or someone else's."""
        if not upload_id or not all(c.isalnum() for c in upload_id):
            return None
        item = (await self.storage.read([self._key(upload_id)])).get(self._key(upload_id))
        if not isinstance(item, dict) or item.get("user") != user_id:
            return None
        return str(item.get("name") or ""), base64.b64decode(str(item.get("data") or ""))

    async def delete(self, upload_id: str) -> None:
        await self.storage.delete([self._key(upload_id)])
