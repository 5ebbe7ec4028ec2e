"""Choose the bot's `Storage` from the settings: SQLite (default, one machine), Azure Blob Storage (several bot
instances behind a load balancer) or memory (tests, demos)."""

from __future__ import annotations

from botbuilder.core import MemoryStorage, Storage

from bot.config import Settings, SettingsError, check_blob_settings
from bot.storage_sqlite import SqliteStorage


class StorageNotAvailableError(RuntimeError):
    pass


def make_storage(settings: Settings) -> Storage:
    kind = settings.storage_kind
    if kind == "memory":
        return MemoryStorage()
    if kind == "sqlite":
        return SqliteStorage(settings.state_path)
    if kind == "blob":
        try:
            check_blob_settings(settings.blob_connection_string, settings.blob_container)
        except SettingsError as exc:
            raise StorageNotAvailableError(str(exc)) from None
        from bot.storage_blob import blob_storage  # lazy: the Azure SDK is only loaded when used

        return blob_storage(settings.blob_connection_string, settings.blob_container)
    raise StorageNotAvailableError(f"unknown PARTNERBOT_STORAGE {kind!r}; use 'sqlite', 'blob' or 'memory'")


async def close_storage(storage: Storage) -> None:
    """Release what a storage holds open (SQLite file, blob HTTP session); safe for any `Storage`."""
    aclose = getattr(storage, "aclose", None)
    if callable(aclose):
        await aclose()
        return
    close = getattr(storage, "close", None)
    if callable(close):
        close()
