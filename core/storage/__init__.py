"""Storage: one interface (``core.storage.base``), a SQLite and a PostgreSQL backend, picked by URL."""

from __future__ import annotations

from typing import Any

from core.storage.base import ClaimedRun, Storage

__all__ = ["ClaimedRun", "Storage", "open_storage"]

_SQLITE_SCHEME = "sqlite:///"


def open_storage(url: str, **options: Any) -> Storage:
    """The backend for ``url``: ``postgresql://``/``postgres://`` → PostgreSQL; otherwise a SQLite file path
    (``sqlite:///relative/path`` and ``sqlite:////absolute/path`` accepted). Call ``setup()`` before use."""
    # Imported here so that a process using one backend does not load the other's driver.
    if url.startswith(("postgresql://", "postgres://")):
        from core.storage.postgres import PostgresStorage

        return PostgresStorage(url, **options)
    from core.storage.sqlite import SqliteStorage

    path = url[len(_SQLITE_SCHEME) :] if url.startswith(_SQLITE_SCHEME) else url
    return SqliteStorage(path, **options)
