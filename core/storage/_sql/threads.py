"""ThreadStore, plus the thread-row steps the run queue takes inside its own transactions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from core.errors import Conflict, NotFound
from core.storage._common import (
    THREAD_STATUSES,
    Clock,
    choice,
    json_text,
    order_by,
    settled_thread_status,
    utcnow,
)
from core.storage._sql.db import Database, Dialect, Tx, decode, in_list
from core.storage.base import ThreadRecord

__all__ = [
    "SqlThreadStore",
    "delete_thread_rows",
    "insert_thread",
    "lock_thread",
    "lock_thread_of_run",
    "settle_thread",
    "write_thread_state",
]

_SORTABLE = ("thread_id", "status", "created_at", "updated_at")


async def lock_thread(tx: Tx, dialect: Dialect, thread_id: str) -> dict[str, Any] | None:
    """The thread's row, locked for the rest of the transaction (the lock every run change takes first)."""
    row = await tx.fetchone(
        f"SELECT * FROM portico_threads WHERE thread_id = :thread_id{dialect.lock_rows}",
        {"thread_id": thread_id},
    )
    return None if row is None else decode(row, dialect)


async def lock_thread_of_run(tx: Tx, dialect: Dialect, run_id: str) -> dict[str, Any] | None:
    """Lock the thread of a run (thread before run: the lock order); None for an unknown run."""
    row = await tx.fetchone("SELECT thread_id FROM portico_runs WHERE run_id = :r", {"r": run_id})
    return None if row is None else await lock_thread(tx, dialect, row["thread_id"])


async def insert_thread(
    tx: Tx, dialect: Dialect, thread_id: str, metadata: dict[str, Any] | None, status: str, now: datetime
) -> dict[str, Any] | None:
    """Insert a thread; None when the id is taken."""
    row = await tx.fetchone(
        """INSERT INTO portico_threads
               (thread_id, status, metadata, "values", interrupts, config, error, created_at, updated_at)
           VALUES (:thread_id, :status, :metadata, NULL, '{}', '{}', NULL, :now, :now)
           ON CONFLICT (thread_id) DO NOTHING
           RETURNING *""",
        {"thread_id": thread_id, "status": status, "metadata": json_text(metadata or {}), "now": now},
    )
    return None if row is None else decode(row, dialect)


async def delete_thread_rows(tx: Tx, thread_id: str) -> bool:
    """Delete a thread with its runs (by cascade) and its events."""
    deleted = await tx.execute(
        "DELETE FROM portico_threads WHERE thread_id = :thread_id", {"thread_id": thread_id}
    )
    await tx.execute("DELETE FROM portico_events WHERE thread_id = :thread_id", {"thread_id": thread_id})
    return deleted > 0


_KEEP: Any = object()


async def write_thread_state(
    tx: Tx,
    thread_id: str,
    now: datetime,
    *,
    values: Any = None,
    interrupts: dict[str, Any] | None = None,
    status: str | None = None,
    error: Any = _KEEP,
) -> int:
    """Set the named parts of a thread's state (None, or no ``error``: left as is); returns rows changed."""
    params: dict[str, Any] = {"thread_id": thread_id, "now": now}
    sets = ["updated_at = :now"]
    for name, value in (("values", values), ("interrupts", interrupts)):
        if value is not None:
            params[name] = json_text(value)
            sets.append(f'"{name}" = :{name}')
    if status is not None:
        params["status"] = choice("status", status, THREAD_STATUSES)
        sets.append("status = :status")
    if error is not _KEEP:
        params["error"] = json_text(error)
        sets.append("error = :error")
    return await tx.execute(
        f"UPDATE portico_threads SET {', '.join(sets)} WHERE thread_id = :thread_id", params
    )


async def settle_thread(tx: Tx, thread: dict[str, Any], now: datetime) -> None:
    """After a run left the queue outside a worker: busy while another run is active, else as left."""
    active = await tx.fetchone(
        "SELECT 1 AS one FROM portico_runs WHERE thread_id = :thread_id AND status IN ('pending', 'running') LIMIT 1",
        {"thread_id": thread["thread_id"]},
    )
    status = "busy" if active else settled_thread_status(thread)
    await write_thread_state(tx, thread["thread_id"], now, status=status)


class SqlThreadStore:
    """Threads and their latest state."""

    def __init__(self, db: Database, clock: Clock = utcnow) -> None:
        self._db = db
        self._clock = clock

    async def create(
        self, thread_id: str, *, metadata: dict[str, Any] | None = None, if_exists: str = "raise"
    ) -> ThreadRecord:
        """Insert an idle thread; ``Conflict`` on a taken id unless ``if_exists="do_nothing"``."""
        choice("if_exists", if_exists, ("raise", "do_nothing"))
        async with self._db.write() as tx:
            created = await insert_thread(tx, self._db.dialect, thread_id, metadata, "idle", self._clock())
            if created is not None:
                return created
            if if_exists == "raise":
                raise Conflict(f"thread {thread_id} already exists")
            existing = await lock_thread(tx, self._db.dialect, thread_id)
            assert existing is not None  # the insert just collided with it
            return existing

    async def get(self, thread_id: str) -> ThreadRecord | None:
        """The thread, or None."""
        async with self._db.read() as tx:
            row = await tx.fetchone("SELECT * FROM portico_threads WHERE thread_id = :t", {"t": thread_id})
        return None if row is None else decode(row, self._db.dialect)

    async def update(self, thread_id: str, *, metadata: dict[str, Any]) -> ThreadRecord | None:
        """Merge ``metadata`` into the thread's metadata."""
        async with self._db.write() as tx:
            thread = await lock_thread(tx, self._db.dialect, thread_id)
            if thread is None:
                return None
            row = await tx.fetchone(
                """UPDATE portico_threads SET metadata = :metadata, updated_at = :now
                   WHERE thread_id = :thread_id RETURNING *""",
                {
                    "metadata": json_text({**thread["metadata"], **(metadata or {})}),
                    "now": self._clock(),
                    "thread_id": thread_id,
                },
            )
        assert row is not None  # locked above
        return decode(row, self._db.dialect)

    async def delete(self, thread_id: str) -> bool:
        """Delete the thread with its runs and events (the caller removes its checkpoints)."""
        async with self._db.write() as tx:
            return await delete_thread_rows(tx, thread_id)

    def _where(
        self,
        params: dict[str, Any],
        metadata: dict[str, Any] | None,
        values: dict[str, Any] | None,
        status: str | None,
        ids: Sequence[str] | None = None,
        auth: dict[str, Any] | None = None,
    ) -> str:
        contains = self._db.dialect.contains
        clauses = ["1 = 1"]
        if metadata:
            params["metadata"] = json_text(metadata)
            clauses.append(contains.format(column="metadata", param=":metadata"))
        if values:
            params["values"] = json_text(values)
            clauses.append(contains.format(column='"values"', param=":values"))
        if status is not None:
            params["status"] = choice("status", status, THREAD_STATUSES)
            clauses.append("status = :status")
        if ids is not None:
            clauses.append(f"thread_id IN ({in_list('id', list(ids), params)})" if ids else "1 = 0")
        if auth is not None:  # the auth handler's filter, applied alongside (never merged with) the caller's
            params["auth_metadata"] = json_text(auth)
            clauses.append(self._db.dialect.contains.format(column="metadata", param=":auth_metadata"))
        return " AND ".join(clauses)

    async def search(
        self,
        *,
        metadata: dict[str, Any] | None = None,
        values: dict[str, Any] | None = None,
        status: str | None = None,
        ids: Sequence[str] | None = None,
        limit: int = 10,
        offset: int = 0,
        sort_by: str = "created_at",
        sort_order: str = "desc",
        auth: dict[str, Any] | None = None,
    ) -> list[ThreadRecord]:
        """Threads matching every filter (``metadata`` and ``values`` are containment filters)."""
        params: dict[str, Any] = {"limit": limit, "offset": offset}
        where = self._where(params, metadata, values, status, ids, auth)
        order = order_by(sort_by, sort_order, _SORTABLE, "thread_id")
        async with self._db.read() as tx:
            rows = await tx.fetchall(
                f"SELECT * FROM portico_threads WHERE {where} {order} LIMIT :limit OFFSET :offset", params
            )
        return [decode(r, self._db.dialect) for r in rows]

    async def count(
        self,
        *,
        metadata: dict[str, Any] | None = None,
        values: dict[str, Any] | None = None,
        status: str | None = None,
        auth: dict[str, Any] | None = None,
    ) -> int:
        """How many threads ``search`` would find without paging."""
        params: dict[str, Any] = {}
        where = self._where(params, metadata, values, status, auth=auth)
        async with self._db.read() as tx:
            row = await tx.fetchone(f"SELECT COUNT(*) AS n FROM portico_threads WHERE {where}", params)
        return int(row["n"]) if row else 0

    async def set_state(
        self,
        thread_id: str,
        *,
        values: Any = None,
        interrupts: dict[str, Any] | None = None,
        status: str | None = None,
    ) -> None:
        """Record the thread's latest values/interrupts/status; None leaves a field as it is.

        Raises ``NotFound`` for an unknown thread.
        """
        async with self._db.write() as tx:
            changed = await write_thread_state(
                tx, thread_id, self._clock(), values=values, interrupts=interrupts, status=status
            )
        if not changed:
            raise NotFound(f"thread {thread_id} not found")
