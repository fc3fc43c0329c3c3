"""EventStore: each thread's events in one seq order, written only by the run's current lease holder."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from core.errors import InvalidArgument
from core.storage._common import Clock, as_utc, utcnow
from core.storage._sql.db import Database, Tx, in_list
from core.storage._sql.threads import lock_thread_of_run
from core.storage.base import TERMINAL_RUN_STATUSES, EventRecord
from protos import codec

__all__ = ["SqlEventStore"]


def _data(value: Any) -> bytes:
    """Event data as stored: JSON bytes as given; anything else encoded by the codec."""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    if isinstance(value, str):
        return value.encode()
    return codec.dumps(value)


class SqlEventStore:
    """The event log: each thread's events in one ``seq`` order (runs of a thread never overlap)."""

    def __init__(self, db: Database, clock: Clock = utcnow) -> None:
        self._db = db
        self._clock = clock

    async def append(self, run_id: str, epoch: int, events: Sequence[EventRecord]) -> bool:
        """Insert a batch in one transaction, fenced by the lease epoch (False and nothing written if stale).

        An event's ``seq`` is kept when given, else the next after the thread's last; ``thread_id`` always
        comes from the run.
        """
        dialect = self._db.dialect
        async with self._db.write() as tx:
            # The thread lock serializes batches (seqs cannot collide) and the run lock holds off a
            # release until the batch is in; finish, requeue and claims take the thread lock too.
            thread = await lock_thread_of_run(tx, dialect, run_id)
            fenced = await tx.fetchone(
                f"""SELECT 1 AS one FROM portico_runs
                    WHERE run_id = :run_id AND lease_epoch = :epoch AND status = 'running'{dialect.lock_rows}""",
                {"run_id": run_id, "epoch": epoch},
            )
            if thread is None or fenced is None:
                return False
            if not events:
                return True
            thread_id = thread["thread_id"]
            seq = await self._last_seq(tx, thread_id)
            now = self._clock()
            rows = []
            for event in events:
                seq = int(event["seq"]) if event.get("seq") is not None else seq + 1
                rows.append(
                    {
                        "thread_id": thread_id,
                        "seq": seq,
                        "run_id": run_id,
                        "event": event["event"],
                        "data": _data(event.get("data")),
                        "now": now,
                    }
                )
            await tx.executemany(
                """INSERT INTO portico_events (thread_id, seq, run_id, event, data, created_at)
                   VALUES (:thread_id, :seq, :run_id, :event, :data, :now)""",
                rows,
            )
            await tx.execute(
                """UPDATE portico_threads SET event_seq = :seq
                   WHERE thread_id = :thread_id AND event_seq < :seq""",
                {"seq": max(r["seq"] for r in rows), "thread_id": thread_id},
            )
        return True

    @staticmethod
    async def _last_seq(tx: Tx, thread_id: str) -> int:
        row = await tx.fetchone(
            "SELECT event_seq FROM portico_threads WHERE thread_id = :t", {"t": thread_id}
        )
        return int(row["event_seq"]) if row else 0

    async def last_seq(self, thread_id: str) -> int:
        """The highest seq handed out on the thread (0 when none); retention never lowers it."""
        async with self._db.read() as tx:
            return await self._last_seq(tx, thread_id)

    async def read(
        self,
        *,
        run_id: str | None = None,
        thread_id: str | None = None,
        after_seq: int = 0,
        limit: int = 1000,
    ) -> list[EventRecord]:
        """Events of one run (or of every run of a thread) with ``seq > after_seq``, in seq order."""
        if run_id is None and thread_id is None:
            raise InvalidArgument("read events of a run_id or a thread_id")
        params: dict[str, Any] = {"after": after_seq, "limit": limit}
        where = ["seq > :after"]
        if run_id is not None:
            params["run_id"] = run_id
            where.append("run_id = :run_id")
        if thread_id is not None:
            params["thread_id"] = thread_id
            where.append("thread_id = :thread_id")
        async with self._db.read() as tx:
            rows = await tx.fetchall(
                f"""SELECT thread_id, run_id, seq, event, data FROM portico_events
                    WHERE {" AND ".join(where)} ORDER BY seq LIMIT :limit""",
                params,
            )
        return [{**row, "seq": int(row["seq"]), "data": bytes(row["data"])} for row in rows]

    async def delete_finished_before(self, cutoff: datetime) -> int:
        """Retention: drop events of runs that ended (their last update) before ``cutoff``."""
        params: dict[str, Any] = {"cutoff": as_utc(cutoff)}
        terminal = in_list("status", TERMINAL_RUN_STATUSES, params)
        async with self._db.write() as tx:
            return await tx.execute(
                f"""DELETE FROM portico_events WHERE run_id IN (
                        SELECT run_id FROM portico_runs WHERE status IN ({terminal}) AND updated_at < :cutoff)""",
                params,
            )
