"""SQLite storage: one file in WAL mode, served by one process.

Our tables are written through one connection whose write transactions (``BEGIN IMMEDIATE``) queue on an
asyncio lock, so a check-then-act inside one is atomic; reads go through a second connection and see only
committed data. Both are plain ``sqlite3`` connections used on the event loop's thread (see ``_Tx``).
LangGraph's checkpointer and store each get their own aiosqlite connection to the same file and take turns
with our writer on the same lock.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
import weakref
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import aiosqlite
import orjson
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

from core.storage._common import Clock, iso, json_contains, utcnow
from core.storage._sql import Dialect, DuplicateKey, SqlStorage, migrate
from core.storage._sql.db import Params
from core.store.backends import open_sqlite_store
from core.store.config import StoreConfig

__all__ = ["SqliteStorage"]

# How long a connection waits for another connection's write lock (the checkpointer's, say).
_BUSY_TIMEOUT_SECONDS = 30.0

DIALECT = Dialect(
    name="sqlite",
    json_is_text=True,
    lock_rows="",  # BEGIN IMMEDIATE already makes the writer exclusive
    claim_lock="",
    contains="portico_json_contains({column}, {param})",
    columns_sql="SELECT name FROM pragma_table_info(:table) ORDER BY cid",
    checkpoint_tables=("checkpoints", "writes"),
    migration_lock="",
    types={"json": "TEXT", "ts": "TEXT", "blob": "BLOB", "serial_pk": "INTEGER PRIMARY KEY AUTOINCREMENT"},
)


# One process serves a file, yet it may set up two storages on it at once; LangGraph's store setup reads
# then writes its version table, so setups of one file take turns (per event loop: asyncio locks are).
_setup_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[Path, asyncio.Lock]] = (
    weakref.WeakKeyDictionary()
)


def _setup_lock(path: Path) -> asyncio.Lock:
    locks = _setup_locks.setdefault(asyncio.get_running_loop(), {})
    return locks.setdefault(path.resolve(), asyncio.Lock())


def _contains(doc: str | None, pattern: str) -> int:
    """SQL function ``portico_json_contains``: PostgreSQL's ``@>`` over JSON text."""
    if doc is None:
        return 0
    return int(json_contains(orjson.loads(doc), orjson.loads(pattern)))


def _params(params: Params | None) -> dict[str, Any]:
    # Timestamps are stored as fixed-width ISO text, so they compare correctly as strings.
    return {k: iso(v) if isinstance(v, datetime) else v for k, v in (params or {}).items()}


class _Tx:
    """``Tx`` over a ``sqlite3`` connection, called on the event loop's own thread.

    A statement on a local WAL file takes microseconds; a hop to a connection thread (aiosqlite) costs
    more than that in thread wake-ups and event-loop turns, and a run makes dozens of them. Our statements
    cannot wait on a lock (see ``_Database``), so running them inline never stalls the loop.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    async def fetchone(self, sql: str, params: Params | None = None) -> dict[str, Any] | None:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def fetchall(self, sql: str, params: Params | None = None) -> list[dict[str, Any]]:
        try:
            return [dict(row) for row in self._conn.execute(sql, _params(params)).fetchall()]
        except sqlite3.IntegrityError as e:
            raise DuplicateKey(str(e)) from e

    async def execute(self, sql: str, params: Params | None = None) -> int:
        try:
            return self._conn.execute(sql, _params(params)).rowcount
        except sqlite3.IntegrityError as e:
            raise DuplicateKey(str(e)) from e

    async def executemany(self, sql: str, params: Sequence[Params]) -> None:
        try:
            self._conn.executemany(sql, [_params(p) for p in params])
        except sqlite3.IntegrityError as e:
            raise DuplicateKey(str(e)) from e


class _Database:
    """The writer and reader connections to our tables.

    Every writer in this process - ours, LangGraph's checkpointer and store - takes its turn on one asyncio
    lock, so no write here ever waits on SQLite's file lock; WAL readers never wait on writers. Only another
    process on the same file could hold the lock (one process serves a file; a second one, or a setup
    racing a setup, is the case): ``BEGIN IMMEDIATE`` is then retried after an asyncio sleep rather than
    blocking the loop in SQLite's busy handler.
    """

    dialect = DIALECT

    def __init__(self, path: Path) -> None:
        self._path = path
        self.lock = asyncio.Lock()  # the turn of every writer of this process (see above)
        self._writer: sqlite3.Connection | None = None
        self._reader: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection:
        # isolation_level=None: no implicit transactions; ours are explicit (BEGIN IMMEDIATE). timeout=0: a
        # busy file raises at once (handled in write()), never sleeps on the event loop.
        conn = sqlite3.connect(self._path, isolation_level=None, timeout=0, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA busy_timeout = 0")
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
            _retry_busy_sync(conn, f"PRAGMA {pragma}")
        conn.create_function("portico_json_contains", 2, _contains, deterministic=True)
        return conn

    async def open(self) -> None:
        self._writer = self._connect()
        self._reader = self._connect()

    async def close(self) -> None:
        for conn in (self._writer, self._reader):
            if conn is not None:
                conn.close()
        self._writer = self._reader = None

    @asynccontextmanager
    async def read(self) -> AsyncIterator[_Tx]:
        assert self._reader is not None, "SqliteStorage.setup() was not called"
        yield _Tx(self._reader)

    @asynccontextmanager
    async def write(self) -> AsyncIterator[_Tx]:
        assert self._writer is not None, "SqliteStorage.setup() was not called"
        writer = self._writer
        async with self.lock:
            await _begin_immediate(writer)
            try:
                yield _Tx(writer)
                writer.execute("COMMIT")
            except BaseException:
                if writer.in_transaction:
                    writer.execute("ROLLBACK")
                raise


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    text = str(exc)
    return "locked" in text or "busy" in text


def _retry_busy_sync(conn: sqlite3.Connection, sql: str) -> None:
    # Start-up only (pragmas on a file another setup is touching): a short blocking retry is fine there.
    delay = 0.001
    for _ in range(200):
        try:
            conn.execute(sql)
            return
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc):
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.05)
    conn.execute(sql)


async def _begin_immediate(conn: sqlite3.Connection) -> None:
    delay, waited = 0.0005, 0.0
    while True:
        try:
            conn.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc) or waited >= _BUSY_TIMEOUT_SECONDS:
                raise
        await asyncio.sleep(delay)
        waited += delay
        delay = min(delay * 2, 0.05)


class SqliteStorage(SqlStorage):
    """``Storage`` on one SQLite file (parent directories are created)."""

    _db: _Database

    def __init__(self, path: str | Path, *, clock: Clock = utcnow, store: StoreConfig | None = None) -> None:
        self.path = Path(path)
        super().__init__(_Database(self.path), clock)
        self._store_config = store or StoreConfig()
        self._langgraph_conns: list[aiosqlite.Connection] = []
        self._workers: set[str] = set()
        self._ready = False

    async def setup(self) -> None:
        """Open connections and apply versioned migrations (idempotent)."""
        if self._ready:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        async with _setup_lock(self.path):
            try:
                await self._db.open()
                await migrate(self._db)
                saver_conn = await aiosqlite.connect(self.path, timeout=_BUSY_TIMEOUT_SECONDS)
                self._langgraph_conns.append(saver_conn)
                # The store issues its own BEGIN, as LangGraph's from_conn_string sets it up.
                store_conn = await aiosqlite.connect(
                    self.path, isolation_level=None, timeout=_BUSY_TIMEOUT_SECONDS
                )
                self._langgraph_conns.append(store_conn)
                for conn in (saver_conn, store_conn):
                    # WAL with synchronous=NORMAL, as on our own connections: a commit is durable against a
                    # process crash (kill -9) without an fsync per checkpoint; only power loss can undo the last.
                    await conn.execute("PRAGMA journal_mode=WAL")
                    await conn.execute("PRAGMA synchronous=NORMAL")
                self.checkpointer = AsyncSqliteSaver(saver_conn)
                # The saver writes through its own connection; taking turns with our writer on one asyncio
                # lock means neither ever meets SQLite's busy handler, which sleeps for milliseconds.
                self.checkpointer.lock = self._db.lock
                self.store = open_sqlite_store(store_conn, self._store_config)
                self.store.lock = self._db.lock
                await self.checkpointer.setup()
                await self.store.setup()
                await self.store.start_ttl_sweeper()
            except BaseException:
                await self.close()  # so that setup() can be tried again
                raise
        self._ready = True

    async def close(self) -> None:
        """Close every connection; the storage can be set up again afterwards."""
        if self.store is not None:
            await self.store.stop_ttl_sweeper()
        for conn in self._langgraph_conns:
            await conn.close()
        self._langgraph_conns = []
        await self._db.close()
        self._ready = False

    async def notify(self, channel: str, payload: str) -> None:
        """No-op: one process serves the file, and it signals in memory."""

    async def listen(self, callback: Any) -> None:
        """No-op: there are no other processes to hear from."""

    async def register_worker(self, worker_id: str) -> None:
        """Remember ``worker_id`` as alive for as long as this process lives."""
        self._workers.add(worker_id)

    async def dead_workers(self, owners: Sequence[str]) -> list[str]:
        """Every owner this process did not register: one process serves the file, so the rest are gone."""
        return [o for o in dict.fromkeys(owners) if o not in self._workers]
