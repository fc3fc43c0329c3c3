"""PostgreSQL storage: psycopg 3 with one connection pool shared by our tables and LangGraph's.

Concurrency comes from the database: row locks in transactions (see ``core.storage._sql.runs`` for the lock
order), ``FOR UPDATE SKIP LOCKED`` claims, ``LISTEN/NOTIFY`` across processes and session advisory locks
as worker liveness tokens.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import inspect
import logging
import re
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import Any

import psycopg
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from core.errors import Conflict
from core.storage._common import Clock, utcnow
from core.storage._sql import Dialect, DuplicateKey, SqlStorage, migrate
from core.storage._sql.db import Params
from core.store.backends import open_postgres_store
from core.store.config import StoreConfig

__all__ = ["CHANNELS", "PostgresStorage"]

log = logging.getLogger(__name__)

CHANNELS = ("portico_runs", "portico_events")
# Settings LangGraph's saver and store expect of the connections they are given.
_CONNECTION_KWARGS: dict[str, Any] = {"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row}
_LISTEN_RETRY_SECONDS = 1.0
_SETUP_LOCK_POLL_SECONDS = 0.05


def advisory_key(name: str) -> int:
    """A stable 63-bit advisory lock key for ``name`` (positive, so it fits PostgreSQL's bigint)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big") >> 1


_MIGRATION_KEY = advisory_key("portico:migrations")
_LANGGRAPH_SETUP_KEY = advisory_key("portico:langgraph-setup")

DIALECT = Dialect(
    name="postgres",
    json_is_text=False,
    lock_rows=" FOR NO KEY UPDATE",
    claim_lock=" FOR NO KEY UPDATE OF r, t SKIP LOCKED",
    contains="{column} @> CAST({param} AS jsonb)",
    columns_sql="""SELECT column_name AS name FROM information_schema.columns
                   WHERE table_schema = current_schema() AND table_name = :table ORDER BY ordinal_position""",
    checkpoint_tables=("checkpoints", "checkpoint_writes", "checkpoint_blobs"),
    migration_lock=f"SELECT pg_advisory_xact_lock({_MIGRATION_KEY})",
    types={
        "json": "JSONB",
        "ts": "TIMESTAMPTZ",
        "blob": "BYTEA",
        "serial_pk": "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
    },
)

_NAMED = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


@lru_cache(maxsize=512)
def _pg_sql(sql: str) -> str:
    """The shared ``:name`` SQL in psycopg's ``%(name)s`` style."""
    return _NAMED.sub(r"%(\1)s", sql.replace("%", "%%"))


class _Tx:
    """``Tx`` over a psycopg connection."""

    def __init__(self, conn: psycopg.AsyncConnection[Any]) -> None:
        self._conn = conn

    async def fetchone(self, sql: str, params: Params | None = None) -> dict[str, Any] | None:
        try:
            cur = await self._conn.execute(_pg_sql(sql), params)
            return await cur.fetchone() if cur.description else None
        except psycopg.errors.UniqueViolation as e:
            raise DuplicateKey(str(e)) from e

    async def fetchall(self, sql: str, params: Params | None = None) -> list[dict[str, Any]]:
        try:
            cur = await self._conn.execute(_pg_sql(sql), params)
            return await cur.fetchall()
        except psycopg.errors.UniqueViolation as e:
            raise DuplicateKey(str(e)) from e

    async def execute(self, sql: str, params: Params | None = None) -> int:
        try:
            cur = await self._conn.execute(_pg_sql(sql), params)
            return cur.rowcount
        except psycopg.errors.UniqueViolation as e:
            raise DuplicateKey(str(e)) from e

    async def executemany(self, sql: str, params: Sequence[Params]) -> None:
        try:
            async with self._conn.cursor() as cur:
                await cur.executemany(_pg_sql(sql), params)
        except psycopg.errors.UniqueViolation as e:
            raise DuplicateKey(str(e)) from e


class _Database:
    """Transactions on pool connections."""

    dialect = DIALECT

    def __init__(self) -> None:
        self.pool: AsyncConnectionPool[Any] | None = None

    @asynccontextmanager
    async def read(self) -> AsyncIterator[_Tx]:
        assert self.pool is not None, "PostgresStorage.setup() was not called"
        async with self.pool.connection() as conn:
            yield _Tx(conn)

    @asynccontextmanager
    async def write(self) -> AsyncIterator[_Tx]:
        assert self.pool is not None, "PostgresStorage.setup() was not called"
        async with self.pool.connection() as conn, conn.transaction():
            yield _Tx(conn)


async def _take_setup_lock(conn: psycopg.AsyncConnection[Any]) -> None:
    """Take the LangGraph setup lock, polling rather than blocking.

    A session blocked in ``pg_advisory_lock`` holds a snapshot, and the holder's CREATE INDEX CONCURRENTLY
    waits for every older snapshot: a deadlock through this process that PostgreSQL cannot detect.
    """
    while True:
        cur = await conn.execute("SELECT pg_try_advisory_lock(%s) AS ok", (_LANGGRAPH_SETUP_KEY,))
        row = await cur.fetchone()
        if row and row["ok"]:
            return
        await asyncio.sleep(_SETUP_LOCK_POLL_SECONDS)


class PostgresStorage(SqlStorage):
    """``Storage`` on PostgreSQL; many processes may share one database."""

    _db: _Database

    def __init__(
        self,
        url: str,
        *,
        min_size: int = 1,
        max_size: int = 10,
        clock: Clock = utcnow,
        store: StoreConfig | None = None,
    ) -> None:
        super().__init__(_Database(), clock)
        self._store_config = store or StoreConfig()
        self.url = url
        self._pool_sizes = (min_size, max_size)
        self._callbacks: list[Any] = []
        self._listener: asyncio.Task[None] | None = None
        self._listening = asyncio.Event()
        self._worker_conn: psycopg.AsyncConnection[Any] | None = None
        self._worker_lock = asyncio.Lock()
        self._workers: set[str] = set()
        self._ping_failed = False
        self.on_connection_change: Any = None
        """Called (no arguments) when the LISTEN connection is lost or made: the first sign of an outage
        and of recovery (``core.health`` probes on it)."""

    async def setup(self) -> None:
        """Open the pool and apply versioned migrations, ours and LangGraph's (idempotent, concurrency-safe)."""
        if self._db.pool is not None:
            return
        min_size, max_size = self._pool_sizes
        pool: AsyncConnectionPool[Any] = AsyncConnectionPool(
            self.url, min_size=min_size, max_size=max_size, kwargs=_CONNECTION_KWARGS, open=False
        )
        await pool.open(wait=True)
        self._db.pool = pool
        self.checkpointer = AsyncPostgresSaver(pool)
        try:
            await migrate(self._db)
            # LangGraph's setups race when two processes start together, and their CREATE INDEX
            # CONCURRENTLY cannot run in a transaction: a session advisory lock queues them instead.
            async with pool.connection() as conn:
                await _take_setup_lock(conn)
                try:
                    self.store = await open_postgres_store(pool, self._store_config)
                    await self.checkpointer.setup()
                    await self.store.setup()
                finally:
                    await conn.execute("SELECT pg_advisory_unlock(%s)", (_LANGGRAPH_SETUP_KEY,))
            await self.store.start_ttl_sweeper()
        except BaseException:
            await self.close()  # so that setup() can be tried again
            raise

    async def close(self) -> None:
        """Stop listening, drop worker liveness tokens and close the pool."""
        if self.store is not None:
            await self.store.stop_ttl_sweeper()
        self._callbacks.clear()
        if self._listener is not None:
            self._listener.cancel()
            await asyncio.gather(self._listener, return_exceptions=True)
            self._listener = None
        if self._worker_conn is not None:
            # Unlock explicitly: the server drops a closed session's locks only once it notices, and
            # dead_workers elsewhere should see these workers gone as soon as close() returns.
            try:
                # A connection the server dropped (an outage) holds no locks any more: nothing to undo.
                with contextlib.suppress(psycopg.OperationalError):
                    await self._worker_conn.execute("SELECT pg_advisory_unlock_all()")
            finally:
                await self._worker_conn.close()
            self._worker_conn = None
            self._workers.clear()
        if self._db.pool is not None:
            await self._db.pool.close()
            self._db.pool = None

    async def notify(self, channel: str, payload: str) -> None:
        """``NOTIFY channel, payload`` for every listening process (this one included)."""
        async with self._db.read() as tx:
            await tx.execute("SELECT pg_notify(:channel, :payload)", {"channel": channel, "payload": payload})

    async def listen(self, callback: Any) -> None:
        """Call ``callback(channel, payload)`` (sync or async) for each notification on ``CHANNELS``.

        Returns once the listening connection is subscribed, so any later notification is delivered.
        """
        self._callbacks.append(callback)
        if self._listener is None:
            self._listening.clear()
            self._listener = asyncio.create_task(self._listen_forever(), name="portico-listen")
        listener = self._listener
        waiter = asyncio.create_task(self._listening.wait())
        done, _ = await asyncio.wait({waiter, listener}, return_when=asyncio.FIRST_COMPLETED)
        if waiter not in done:
            waiter.cancel()
            if self._listener is listener:
                self._listener = None  # the next listen() tries afresh
            self._callbacks.remove(callback)
            listener.result()  # raises what stopped the listener

    async def _listen_forever(self) -> None:
        """Hold a LISTEN connection, reconnecting after a failure once it has worked the first time."""
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(self.url, autocommit=True) as conn:
                    for channel in CHANNELS:
                        await conn.execute(f"LISTEN {channel}")
                    self._listening.set()
                    self._connection_changed()
                    async for note in conn.notifies():
                        await self._dispatch(note.channel, note.payload)
            except psycopg.OperationalError:
                if not self._listening.is_set():
                    raise
                log.warning("lost the LISTEN connection; reconnecting", exc_info=True)
                self._connection_changed()
                await asyncio.sleep(_LISTEN_RETRY_SECONDS)

    def _connection_changed(self) -> None:
        if self.on_connection_change is not None:
            self.on_connection_change()

    async def ping(self) -> bool:
        """True when the database answers a query."""
        # After an outage the pool still holds connections to the old server: drop the broken ones before
        # answering "up", so the first requests after recovery do not fail on them.
        if self._ping_failed and self._db.pool is not None:
            with contextlib.suppress(Exception):
                await self._db.pool.check()
        ok = await super().ping()
        self._ping_failed = not ok
        return ok

    async def _dispatch(self, channel: str, payload: str) -> None:
        for callback in list(self._callbacks):
            try:
                result = callback(channel, payload)
                if inspect.isawaitable(result):
                    await result
            except Exception:
                log.exception("notification callback failed", extra={"channel": channel})

    async def register_worker(self, worker_id: str) -> None:
        """Hold a session advisory lock for ``worker_id`` on a dedicated connection while this process lives.

        Raises ``Conflict`` when another live session already holds it (the id is in use elsewhere).
        """
        async with self._worker_lock:
            if worker_id in self._workers:
                return
            if self._worker_conn is None:
                self._worker_conn = await psycopg.AsyncConnection.connect(self.url, autocommit=True)
            cur = await self._worker_conn.execute(
                "SELECT pg_try_advisory_lock(%s)", (advisory_key(worker_id),)
            )
            row = await cur.fetchone()
            if not (row and row[0]):
                raise Conflict(f"worker {worker_id} is registered by another live process")
            self._workers.add(worker_id)

    async def dead_workers(self, owners: Sequence[str]) -> list[str]:
        """The owners among ``owners`` whose advisory lock can be taken now (skipping this process's own)."""
        others = [o for o in dict.fromkeys(owners) if o not in self._workers]
        if not others:
            return []
        assert self._db.pool is not None, "PostgresStorage.setup() was not called"
        async with self._db.pool.connection() as conn:
            # Take and release in one expression, so no lock is ever left on a pooled connection.
            cur = await conn.execute(
                """SELECT w.owner FROM unnest(%s::text[], %s::bigint[]) WITH ORDINALITY AS w(owner, key, n)
                   WHERE CASE WHEN pg_try_advisory_lock(w.key) THEN pg_advisory_unlock(w.key) ELSE false END
                   ORDER BY w.n""",
                (others, [advisory_key(o) for o in others]),
            )
            return [row["owner"] for row in await cur.fetchall()]
