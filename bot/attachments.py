"""Files people attach to a message (a device CSV), fetched at the edge into `IncomingFile`s for the engine.

Teams delivers a file sent to a bot in a personal chat as a `application/vnd.microsoft.teams.file.download.info`
attachment whose `content.downloadUrl` is a short-lived, pre-authenticated link; the Agents Playground and other
channels give `contentUrl`. Only CSV files are taken, streamed with a size cap (bigger is refused, never read
whole), from https URLs — plain http only to loopback in local development (the Playground, tests).
"""

from __future__ import annotations

import ipaddress
import logging
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from dialogs.uploads import MAX_UPLOAD_BYTES, IncomingFile

log = logging.getLogger(__name__)

TEAMS_FILE = "application/vnd.microsoft.teams.file.download.info"
_SKIP = ("text/html", "application/vnd.microsoft.card.", "application/vnd.microsoft.teams.card.")
_CSV_TYPES = ("text/csv", "application/csv", "text/comma-separated-values", "application/vnd.ms-excel", "text/plain")
TIMEOUT = aiohttp.ClientTimeout(total=30, sock_connect=5)


def _loopback(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def candidates(attachments: Any) -> list[tuple[str, str, str]]:
    """(name, content type, url) of each attached file; message-text copies and cards are not files."""
    out = []
    for attachment in attachments or []:
        content_type = str(getattr(attachment, "content_type", "") or "")
        if content_type.startswith(_SKIP):
            continue
        name = str(getattr(attachment, "name", "") or "")
        content = getattr(attachment, "content", None)
        if content_type == TEAMS_FILE and isinstance(content, dict):
            url = str(content.get("downloadUrl") or "")
            file_type = str(content.get("fileType") or "")
            if file_type and not name.lower().endswith(f".{file_type.lower()}"):
                name = f"{name}.{file_type}" if name else f"file.{file_type}"
        else:
            url = str(getattr(attachment, "content_url", "") or "")
        if url:
            out.append((name[:200] or "file", content_type, url))
    return out


def _is_csv(name: str, content_type: str) -> bool:
    return name.lower().endswith(".csv") or content_type in _CSV_TYPES[:3]


async def fetch_files(attachments: Any, *, allow_loopback_http: bool = False,
                      max_bytes: int = MAX_UPLOAD_BYTES) -> tuple[IncomingFile, ...]:
    files = []
    for name, content_type, url in candidates(attachments)[:1]:  # one file per message
        if not _is_csv(name, content_type):
            files.append(IncomingFile(name, content_type, error="not_csv"))
            continue
        parts = urlsplit(url)
        if not (parts.scheme == "https" or (allow_loopback_http and parts.scheme == "http"
                                            and _loopback(parts.hostname))):
            files.append(IncomingFile(name, content_type, error="unreadable"))
            continue
        files.append(await _download(name, content_type, url, max_bytes))
    return tuple(files)


async def _download(name: str, content_type: str, url: str, max_bytes: int) -> IncomingFile:
    try:
        async with aiohttp.ClientSession(timeout=TIMEOUT) as session, session.get(url, allow_redirects=False) as resp:
            if resp.status != 200:
                log.info("attachment download answered %s", resp.status)
                return IncomingFile(name, content_type, error="unreadable")
            if (resp.content_length or 0) > max_bytes:
                return IncomingFile(name, content_type, error="too_large")
            chunks, size = [], 0
            async for chunk in resp.content.iter_chunked(64 * 1024):
                size += len(chunk)
                if size > max_bytes:
                    return IncomingFile(name, content_type, error="too_large")
                chunks.append(chunk)
            return IncomingFile(name, content_type, data=b"".join(chunks))
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        log.info("attachment download failed: %s", type(exc).__name__)
        return IncomingFile(name, content_type, error="unreadable")
