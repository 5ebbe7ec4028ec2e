"""Files Partner Center returns as bytes (statement PDFs, api.md §12.1 B7/B8): streamed, never read whole."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx

from .transport import Pipeline

_FILENAME = re.compile(r'filename\*?=(?:UTF-8\'\')?"?([^";]+)"?', re.I)


@dataclass
class Download:
    """An open download: what the service says it is, and its body as chunks (iterate once)."""

    content_type: str
    size: int | None
    filename: str | None
    response: httpx.Response

    def chunks(self, chunk_size: int = 64 * 1024) -> AsyncIterator[bytes]:
        return self.response.aiter_bytes(chunk_size)


def _size(response: httpx.Response) -> int | None:
    value = response.headers.get("Content-Length")
    return int(value) if value and value.isdigit() else None


@asynccontextmanager
async def download(pipeline: Pipeline, path: str, *, accept: str = "*/*",
                   correlation_id: str | None = None) -> AsyncIterator[Download]:
    async with pipeline.stream("GET", path, accept=accept, correlation_id=correlation_id) as response:
        content_type = (response.headers.get("Content-Type") or "application/octet-stream").split(";")[0].strip()
        match = _FILENAME.search(response.headers.get("Content-Disposition") or "")
        yield Download(content_type.lower(), _size(response), match.group(1) if match else None, response)
