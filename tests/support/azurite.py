"""Azurite (the Azure Blob Storage emulator) for tests: installed from the committed npm lock file, started on a
free loopback port, stopped afterwards.

    with running_azurite() as azurite:        # or the `azurite` fixture in tests/storage and tests/audit
        settings = BlobStorageSettings(container_name="t1", connection_string=azurite.connection_string)

`azurite_or_skip()` turns "Azurite cannot run here" into a skip with the reason locally and into a failure in CI
(environment CI=true), so a CI machine without Node can never pass the blob tests by skipping them.

Also runnable by hand: `python -m tests.support.azurite [--port N]` prints a connection string and runs until Ctrl+C.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / "node_modules" / ".bin" / "azurite-blob"
ACCOUNT = "devstoreaccount1"
# The well-known development account key, published in the Azurite and Azure Storage docs (not a secret).
ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
START_TIMEOUT = 30.0


class AzuriteUnavailableError(RuntimeError):
    """Azurite could not be installed or started; the message says why."""


@dataclass(frozen=True)
class Azurite:
    port: int

    @property
    def blob_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/{ACCOUNT}"

    @property
    def connection_string(self) -> str:
        return (f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={ACCOUNT_KEY};"
                f"BlobEndpoint={self.blob_endpoint};")


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def ensure_installed() -> Path:
    """The azurite-blob launcher; runs `npm ci` (the committed package-lock.json) when it is missing."""
    if BIN.exists():
        return BIN
    npm = shutil.which("npm")
    if npm is None:
        raise AzuriteUnavailableError("npm is not installed, so Azurite (npm package 'azurite') cannot be installed")
    if not (ROOT / "package-lock.json").exists():
        raise AzuriteUnavailableError("package-lock.json is missing; cannot run `npm ci` to install Azurite")
    result = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=ROOT, capture_output=True, text=True,
                            timeout=600, check=False)
    if result.returncode != 0 or not BIN.exists():
        tail = (result.stderr or result.stdout).strip().splitlines()[-3:]
        raise AzuriteUnavailableError(
            f"`npm ci` did not install Azurite (exit {result.returncode}): {' | '.join(tail)}")
    return BIN


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(port: int) -> bool:
    """Any HTTP answer (Azurite says 403 to an unsigned request) means the blob service is up."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/{ACCOUNT}?comp=list", timeout=1):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def _start(binary: Path, port: int, workdir: str) -> subprocess.Popen[bytes]:
    # --loose is required: without it the old SDK's writes are retried for ~85 s and then fail (ECOSYSTEM.md).
    args = [str(binary), "--blobHost", "127.0.0.1", "--blobPort", str(port), "--inMemoryPersistence",
            "--disableTelemetry", "--silent", "--loose"]
    with open(Path(workdir) / "azurite.err", "ab") as err:  # a file, not a pipe: it can never fill up and block
        return subprocess.Popen(args, cwd=workdir, stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


@contextlib.contextmanager
def running_azurite(port: int | None = None) -> Iterator[Azurite]:
    """Start Azurite on a free port (a few tries: another process may take the port between probe and bind)."""
    binary = ensure_installed()
    with tempfile.TemporaryDirectory(prefix="azurite-") as workdir:
        last_error = "it did not start"
        for _ in range(3):
            chosen = port or free_port()
            proc = _start(binary, chosen, workdir)
            deadline = time.monotonic() + START_TIMEOUT
            while time.monotonic() < deadline and proc.poll() is None and not _answers(chosen):
                time.sleep(0.1)
            if proc.poll() is None and _answers(chosen):
                try:
                    yield Azurite(chosen)
                finally:
                    _stop(proc)
                return
            exited = proc.poll()
            _stop(proc)
            if exited is not None:
                detail = (Path(workdir) / "azurite.err").read_text(errors="replace").strip()
                last_error = f"azurite-blob exited with {exited}" + (f": {detail[-300:]}" if detail else "")
            else:
                last_error = f"azurite-blob did not answer within {START_TIMEOUT:.0f} s"
            if port:
                break
        raise AzuriteUnavailableError(last_error)


def unavailable(reason: str) -> None:
    """Skip locally, fail in CI: the blob tests must not silently disappear from a CI run."""
    import pytest

    message = f"Azurite is not available: {reason}"
    if in_ci():
        pytest.fail(message + " (CI=true: the Azure Blob Storage tests must run)", pytrace=False)
    pytest.skip(message)


@contextlib.contextmanager
def azurite_or_skip() -> Iterator[Azurite]:
    try:
        manager = running_azurite()
        azurite = manager.__enter__()
    except AzuriteUnavailableError as exc:
        unavailable(str(exc))
        raise  # unreachable: skip/fail raise
    try:
        yield azurite
    finally:
        manager.__exit__(None, None, None)


def container_name(prefix: str = "t") -> str:
    """A fresh, valid container name (3-63 chars, lowercase letters, digits and single hyphens)."""
    import uuid

    return f"{prefix}-{uuid.uuid4().hex[:20]}"


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="Run Azurite (blob service) on loopback for manual testing.")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    with running_azurite(args.port or None) as azurite:
        print(f"PARTNERBOT_BLOB_CONNECTION_STRING='{azurite.connection_string}'", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            return 0


if __name__ == "__main__":
    raise SystemExit(main())
