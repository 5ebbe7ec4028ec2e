"""client.reconciliation — billing reconciliation v2 on Microsoft Graph (api.md §25).

POST an export (R1-R4) -> 202 + Location of an operation -> poll it (R5, `Retry-After` while running) -> the
manifest, inline or behind `resourceLocation@odata.navigationLink` (R6; both forms are accepted, §25.2 step 3)
-> gzip JSON Lines blobs downloaded with the manifest's SAS token and no Authorization header (R7).

Lines are streamed: each blob is read in chunks, gunzipped incrementally and split into lines, so memory stays
flat whatever the export's size (§25.2 step 4). Keys are read case-insensitively by consumers (§25.4); amounts
parse as Decimal (`parse_float=Decimal`).
"""

from __future__ import annotations

import json
import zlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import httpx

from . import errors
from .billing_models import to_decimal
from .models import Model, integer, moment, text
from .operations import Operations
from .transport import Pipeline

GRAPH_BILLING = "/v1.0/reports/partners/billing"
_SUCCEEDED = {"succeeded", "completed"}
_CHUNK = 64 * 1024
_BATCH_BYTES = 512 * 1024


@dataclass(frozen=True)
class ExportOperation:
    """R5: where an export stands. Unknown statuses count as still running (§25.3)."""

    id: str
    status: str
    retry_after: float | None
    manifest_link: str | None
    manifest: BillingManifest | None
    error_code: str | None
    error_message: str | None

    @property
    def succeeded(self) -> bool:
        return self.status in _SUCCEEDED

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    @property
    def done(self) -> bool:
        return self.succeeded or self.failed


class ManifestBlob(Model):
    _repr_fields = ("name",)
    name = text("name")
    item_count = integer("itemCount")
    size_in_bytes = integer("sizeInBytes")


class BillingManifest(Model):
    _repr_fields = ("id", "blob_count")
    root_directory = text("rootDirectory")
    sas_token = text("sasToken")
    data_format = text("dataFormat")
    blob_count = integer("blobCount")
    created_date_time = moment("createdDateTime")
    etag = text("eTag")

    @property
    def blobs(self) -> list[ManifestBlob]:
        return [ManifestBlob(b) for b in self.raw.get("blobs") or [] if isinstance(b, dict)]

    @property
    def item_count(self) -> int | None:
        """Lines in the export when every blob says (`itemCount` is in Microsoft's sample, not the Graph page)."""
        counts = [b.item_count for b in self.blobs]
        return sum(counts) if counts and all(c is not None for c in counts) else None  # type: ignore[misc]

    def blob_urls(self) -> list[str]:
        """`rootDirectory + "/" + name + "?" + sasToken` (§25.3; a leading `?` on the token is tolerated)."""
        root = (self.root_directory or "").rstrip("/")
        token = (self.sas_token or "").lstrip("?")
        return [f"{root}/{b.name}" + (f"?{token}" if token else "") for b in self.blobs if b.name]


class ReconciliationOperations(Operations):
    """Runs on the Graph pipeline (its own base URL and token); blob downloads use a plain HTTP client."""

    def __init__(self, pipeline: Pipeline, *, blob_transport: httpx.AsyncBaseTransport | None = None,
                 timeout: float = 120.0) -> None:
        super().__init__(pipeline)
        self._blob_transport = blob_transport
        self._timeout = timeout

    # ---- R1-R4 -----------------------------------------------------------------------------------------------
    async def _export(self, path: str, body: dict[str, Any], correlation_id: str | None) -> str:
        response = await self._call("POST", f"{GRAPH_BILLING}/{path}", body=body, correlation_id=correlation_id)
        location = response.location
        if not location:
            raise errors.ResponseDecodeError("The export was accepted without a Location header.",
                                             status=response.status, request_id=response.request_id,
                                             correlation_id=response.correlation_id)
        return location

    async def export_billed(self, invoice_id: str, *, attribute_set: str = "full", usage: bool = False,
                            correlation_id: str | None = None) -> str:
        """R1 (R3 with usage=True): start exporting an invoice's lines; returns the operation URL to poll."""
        what = "usage" if usage else "reconciliation"
        return await self._export(f"{what}/billed/export", {"invoiceId": invoice_id, "attributeSet": attribute_set},
                                  correlation_id)

    async def export_unbilled(self, currency_code: str, billing_period: str = "current", *,
                              attribute_set: str = "full", usage: bool = False,
                              correlation_id: str | None = None) -> str:
        """R2 (R4 with usage=True): `billing_period` is `current` or `last`."""
        what = "usage" if usage else "reconciliation"
        body = {"currencyCode": currency_code, "billingPeriod": billing_period, "attributeSet": attribute_set}
        return await self._export(f"{what}/unbilled/export", body, correlation_id)

    # ---- R5, R6 ------------------------------------------------------------------------------------------------
    def _graph_target(self, url: str) -> str:
        """An operation/manifest URL the service handed us, as a request target on the Graph host only (the
        Graph token must never go to another host)."""
        parts, base = urlsplit(url), urlsplit(self._pipeline.base_url)
        if parts.scheme and (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
            raise errors.ResponseDecodeError(f"The operation URL points to another host ({parts.netloc}).")
        return parts.path + (f"?{parts.query}" if parts.query else "")

    async def get_operation(self, operation_url: str, *, correlation_id: str | None = None) -> ExportOperation:
        response = await self._call("GET", self._graph_target(operation_url), correlation_id=correlation_id)
        body = response.body if isinstance(response.body, dict) else {}
        status = str(body.get("status") or "running").lower()
        inline = body.get("resourceLocation")
        error = body.get("error") if isinstance(body.get("error"), dict) else {}
        return ExportOperation(
            id=str(body.get("id") or ""), status=status,
            retry_after=errors.parse_retry_after(response.headers.get("Retry-After")),
            manifest_link=body.get("resourceLocation@odata.navigationLink"),
            manifest=BillingManifest(inline) if isinstance(inline, dict) and inline.get("blobs") is not None
            else None,
            error_code=str(error.get("code")) if error.get("code") is not None else None,
            error_message=error.get("message"),
        )

    async def get_manifest(self, operation: ExportOperation, *, correlation_id: str | None = None
                           ) -> BillingManifest:
        """The manifest of a succeeded export: inline when the operation carried it, else from its link."""
        if operation.manifest is not None:
            return operation.manifest
        if not operation.manifest_link:
            raise errors.ResponseDecodeError("The export succeeded without a manifest.")
        response = await self._call("GET", self._graph_target(operation.manifest_link),
                                    correlation_id=correlation_id)
        return self._model(BillingManifest, response)

    # ---- R7 ---------------------------------------------------------------------------------------------------
    async def iter_line_batches(self, manifest: BillingManifest, *,
                                loads: Callable[[str], Any] | None = None) -> AsyncIterator[list[Any]]:
        """Lines of every blob, parsed, a downloaded chunk's worth at a time (bounded memory)."""
        parse = loads or _decimal_loads
        async with httpx.AsyncClient(timeout=httpx.Timeout(self._timeout), transport=self._blob_transport,
                                     follow_redirects=False) as http:
            for url in manifest.blob_urls():
                async for batch in _blob_lines(http, url, parse):
                    yield batch

    async def iter_lines(self, manifest: BillingManifest) -> AsyncIterator[dict[str, Any]]:
        async for batch in self.iter_line_batches(manifest):
            for line in batch:
                yield line


_DECODER = json.JSONDecoder(parse_float=Decimal)  # one decoder: json.loads(parse_float=) builds one per call


def _decimal_loads(raw: str) -> Any:
    return _DECODER.decode(raw)


async def _blob_lines(http: httpx.AsyncClient, url: str, parse: Callable[[str], Any]
                      ) -> AsyncIterator[list[Any]]:
    """One blob's lines, parsed, in batches of at most _BATCH_BYTES of decompressed text (a gzip ratio of 20:1
    would otherwise turn one downloaded chunk into thousands of lines held at once)."""
    async with http.stream("GET", url) as response:
        if response.status_code != 200:
            body = await response.aread()
            raise errors.error_from_response(response.status_code, response.headers, body)
        inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
        rest = b""
        async for chunk in response.aiter_raw(_CHUNK):
            pending = chunk
            while pending:
                data = inflate.decompress(pending, _BATCH_BYTES)
                pending = inflate.unconsumed_tail
                if inflate.unused_data:  # concatenated gzip members
                    pending = inflate.unused_data + pending
                    inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
                if not data:
                    continue
                cut = data.rfind(b"\n")
                if cut < 0:
                    rest += data
                    continue
                text = (rest + data[:cut]).decode("utf-8")  # one decode per batch, not per line
                rest = data[cut + 1:]
                yield [parse(p) for p in text.split("\n") if p.strip()]
        rest += inflate.flush()
        if rest.strip():
            yield [parse(p) for p in rest.decode("utf-8").split("\n") if p.strip()]


def line_amount(line: dict[str, Any], key: str = "TotalForCustomer") -> Decimal:
    """A line's amount by case-insensitive key (§25.4), Decimal; 0 when absent."""
    value = line.get(key)
    if value is None:
        lowered = key.lower()
        value = next((v for k, v in line.items() if k.lower() == lowered), None)
    return to_decimal(value) or Decimal(0)
