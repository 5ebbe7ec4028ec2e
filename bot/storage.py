"""Choose the bot's `Storage` from the settings: SQLite (default, one machine) or memory (tests, demos)."""

from __future__ import annotations

from botbuilder.core import MemoryStorage, Storage

from bot.config import Settings
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
        raise StorageNotAvailableError(
            "PARTNERBOT_STORAGE=blob (Azure Blob Storage) is not available in this build yet; "
            "use 'sqlite' (one machine) or 'memory'"
        )
    raise StorageNotAvailableError(f"unknown PARTNERBOT_STORAGE {kind!r}; use 'sqlite' or 'memory'")
