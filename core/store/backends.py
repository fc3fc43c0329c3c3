"""The store a storage backend runs: the library's vector index where the database has one, else the
portable one (the start-up log says which)."""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

from langgraph.store.postgres.aio import AsyncPostgresStore
from psycopg import errors as pg_errors

from core.store.config import StoreConfig
from core.store.portable import PortablePostgresStore, PortableSqliteStore
from core.store.stores import PorticoPostgresStore, PorticoSqliteStore

__all__ = ["open_postgres_store", "open_sqlite_store", "sqlite_can_load_extensions"]

log = logging.getLogger(__name__)


def sqlite_can_load_extensions() -> bool:
    """Whether this Python's ``sqlite3`` was built with loadable extensions (sqlite-vec needs them)."""
    return hasattr(sqlite3.Connection, "enable_load_extension")


def open_sqlite_store(conn: Any, config: StoreConfig) -> PorticoSqliteStore:
    """The store on a SQLite connection: sqlite-vec when this Python can load it, else ``PortableSqliteStore``."""
    if config.index is None:
        return PorticoSqliteStore(conn, ttl=dict(config.ttl))
    if sqlite_can_load_extensions():
        log.info("store: semantic search on SQLite with sqlite-vec", extra={"embed": config.embed_ref})
        return PorticoSqliteStore(conn, index=config.index, ttl=dict(config.ttl))
    log.warning(
        "store: this Python's sqlite3 cannot load extensions (sqlite-vec); semantic search ranks in Python "
        "(correct, but linear in the items a query selects)",
        extra={"embed": config.embed_ref},
    )
    return PortableSqliteStore(conn, index=config.index, ttl=dict(config.ttl))


async def open_postgres_store(pool: Any, config: StoreConfig) -> AsyncPostgresStore:
    """The store on a PostgreSQL pool: pgvector when the extension can be had, else ``PortablePostgresStore``."""
    ttl = {**config.ttl, "omit_expired": True}
    if config.index is None:
        return PorticoPostgresStore(pool, ttl=ttl)
    if await _has_pgvector(pool):
        log.info("store: semantic search on PostgreSQL with pgvector", extra={"embed": config.embed_ref})
        return PorticoPostgresStore(pool, index=config.index, ttl=ttl)
    log.warning(
        "store: pgvector is not available on this PostgreSQL server; semantic search ranks in Python "
        "(correct, but linear in the items a query selects; install pgvector for large stores)",
        extra={"embed": config.embed_ref},
    )
    return PortablePostgresStore(pool, index=config.index, ttl=ttl)


async def _has_pgvector(pool: Any) -> bool:
    async with pool.connection() as conn:  # autocommit, as every connection of the pool
        if (
            await (await conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'vector'")).fetchone()
        ) is not None:
            return True
        try:
            await conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
            return True
        except (
            pg_errors.FeatureNotSupported,
            pg_errors.UndefinedFile,
            pg_errors.InsufficientPrivilege,
        ) as exc:
            log.info("store: CREATE EXTENSION vector failed: %s", exc)
            return False
        except pg_errors.UniqueViolation:  # another process created it at the same moment
            return True
