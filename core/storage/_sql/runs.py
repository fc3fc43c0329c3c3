"""RunStore: runs and the durable queue, fenced by lease epochs.

Lock order, so PostgreSQL never deadlocks: a transaction that changes a thread and its runs locks the thread
row first, then run rows. ``claim`` locks its run and thread with SKIP LOCKED and so never waits; whoever
holds a thread lock at that moment (create, finish, cancel) is expected to wake workers after committing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from core.errors import Conflict, LeaseLost, NotFound, ThreadBusy
from core.storage._common import (
    CANCEL_ACTIONS,
    MULTITASK_STRATEGIES,
    THREAD_STATUSES,
    Clock,
    as_utc,
    choice,
    json_text,
    parse_time,
    required,
    utcnow,
    worker_lost,
)
from core.storage._sql.db import Database, DuplicateKey, Params, Tx, decode, in_list
from core.storage._sql.deliveries import insert_run_webhook
from core.storage._sql.threads import (
    delete_thread_rows,
    insert_thread,
    lock_thread,
    lock_thread_of_run,
    settle_thread,
    write_thread_state,
)
from core.storage.base import ACTIVE_RUN_STATUSES, TERMINAL_RUN_STATUSES, ClaimedRun, RunRecord

__all__ = ["SqlRunStore"]

# Inside the class, `list[str]` would name its `list` method.
_Ids = list[str]

_FENCE = "run_id = :run_id AND lease_epoch = :epoch AND status = 'running'"
_CLAIM = """SELECT r.run_id, r.thread_id FROM portico_runs r JOIN portico_threads t ON t.thread_id = r.thread_id
    WHERE r.status = 'pending' AND r.available_at <= :now
      AND NOT EXISTS (
          SELECT 1 FROM portico_runs o WHERE o.thread_id = r.thread_id
             AND (o.status = 'running' OR (o.status = 'pending' AND o.queue_order < r.queue_order)))
    ORDER BY r.queue_order LIMIT 1"""
# A claim that loses a race to the one-running-run index tries again this often before reporting nothing.
_CLAIM_TRIES = 3


class SqlRunStore:
    """Runs and the durable queue. Every state change of a running run is fenced by its lease epoch."""

    def __init__(self, db: Database, clock: Clock = utcnow) -> None:
        self._db = db
        self._clock = clock

    def _decode(self, row: Params) -> RunRecord:
        return decode(row, self._db.dialect)

    async def _delete_run(self, tx: Tx, run_id: str) -> None:
        await tx.execute("DELETE FROM portico_events WHERE run_id = :r", {"r": run_id})
        await tx.execute("DELETE FROM portico_runs WHERE run_id = :r", {"r": run_id})

    async def _stop_active(self, tx: Tx, thread_id: str, action: str, now: datetime) -> list[str]:
        """Under interrupt/rollback: finish or drop pending runs, flag running ones for their worker."""
        rows = await tx.fetchall(
            f"""SELECT run_id, status FROM portico_runs
                WHERE thread_id = :t AND status IN ('pending', 'running')
                ORDER BY queue_order{self._db.dialect.lock_rows}""",
            {"t": thread_id},
        )
        for row in rows:
            if row["status"] == "pending" and action == "rollback":
                await self._delete_run(tx, row["run_id"])
                continue
            status = "interrupted" if row["status"] == "pending" else "running"
            updated = await tx.fetchone(
                """UPDATE portico_runs SET status = :status, cancel_action = :action, updated_at = :now
                   WHERE run_id = :r RETURNING *""",
                {"status": status, "action": action, "now": now, "r": row["run_id"]},
            )
            if status == "interrupted" and updated is not None:
                await insert_run_webhook(tx, self._db, updated, None, now)
        return [row["run_id"] for row in rows]

    async def create(
        self,
        record: RunRecord,
        *,
        if_not_exists: str = "reject",
        thread_metadata: dict[str, Any] | None = None,
    ) -> tuple[RunRecord, list[str]]:
        """Insert a pending run, applying its multitask strategy atomically against the thread's active runs.

        ``record`` needs run_id, thread_id and assistant_id; metadata, kwargs, multitask_strategy (default
        "enqueue") and available_at (default now) are optional. Returns the run and the ids of the runs
        the strategy stopped: running ones flagged with ``cancel_action`` and pending ones finished or
        deleted.
        """
        choice("if_not_exists", if_not_exists, ("reject", "create"))
        strategy = choice(
            "multitask_strategy", record.get("multitask_strategy") or "enqueue", MULTITASK_STRATEGIES
        )
        thread_id = required(record, "thread_id")
        now = self._clock()
        params = {
            "run_id": required(record, "run_id"),
            "thread_id": thread_id,
            "assistant_id": required(record, "assistant_id"),
            "metadata": json_text(record.get("metadata") or {}),
            "kwargs": json_text(record.get("kwargs") or {}),
            "strategy": strategy,
            "available_at": parse_time(record.get("available_at")) or now,
            "now": now,
        }
        dialect = self._db.dialect
        async with self._db.write() as tx:
            thread = await lock_thread(tx, dialect, thread_id)
            if thread is None:
                if if_not_exists != "create":
                    raise NotFound(f"thread {thread_id} not found")
                await insert_thread(tx, dialect, thread_id, thread_metadata, "busy", now)
                # Lock it too: a concurrent create of the same new thread waits here for this one.
                await lock_thread(tx, dialect, thread_id)
            stopped: list[str] = []
            if strategy == "reject":
                busy = await tx.fetchone(
                    """SELECT run_id FROM portico_runs
                       WHERE thread_id = :t AND status IN ('pending', 'running') LIMIT 1""",
                    {"t": thread_id},
                )
                if busy is not None:
                    raise ThreadBusy(f"thread {thread_id} has an active run ({busy['run_id']})")
            elif strategy in ("interrupt", "rollback"):
                stopped = await self._stop_active(tx, thread_id, strategy, now)
            row = await tx.fetchone(
                """INSERT INTO portico_runs (run_id, thread_id, assistant_id, status, metadata, kwargs,
                                             multitask_strategy, available_at, created_at, updated_at)
                   VALUES (:run_id, :thread_id, :assistant_id, 'pending', :metadata, :kwargs, :strategy,
                           :available_at, :now, :now)
                   ON CONFLICT (run_id) DO NOTHING
                   RETURNING *""",
                params,
            )
            if row is None:
                raise Conflict(f"run {params['run_id']} already exists")
            await tx.execute(
                "UPDATE portico_threads SET status = 'busy', updated_at = :now WHERE thread_id = :t",
                {"now": now, "t": thread_id},
            )
        return self._decode(row), stopped

    async def get(self, run_id: str) -> RunRecord | None:
        """The run, or None."""
        async with self._db.read() as tx:
            row = await tx.fetchone("SELECT * FROM portico_runs WHERE run_id = :r", {"r": run_id})
        return None if row is None else self._decode(row)

    async def list(
        self, thread_id: str, *, limit: int = 10, offset: int = 0, status: str | None = None
    ) -> list[RunRecord]:
        """Runs of a thread, newest first."""
        params: dict[str, Any] = {"t": thread_id, "limit": limit, "offset": offset}
        where = "thread_id = :t"
        if status is not None:
            params["status"] = status
            where += " AND status = :status"
        async with self._db.read() as tx:
            rows = await tx.fetchall(
                f"""SELECT * FROM portico_runs WHERE {where}
                    ORDER BY created_at DESC, queue_order DESC LIMIT :limit OFFSET :offset""",
                params,
            )
        return [self._decode(r) for r in rows]

    async def delete(self, run_id: str) -> bool:
        """Delete a run and its events. Raises ``Conflict`` when the run is active."""
        async with self._db.write() as tx:
            row = await tx.fetchone(
                f"SELECT status FROM portico_runs WHERE run_id = :r{self._db.dialect.lock_rows}",
                {"r": run_id},
            )
            if row is None:
                return False
            if row["status"] in ACTIVE_RUN_STATUSES:
                raise Conflict(f"run {run_id} is {row['status']}; cancel it first")
            await self._delete_run(tx, run_id)
        return True

    async def claim(self, worker_id: str, *, lease_seconds: float, now: datetime) -> ClaimedRun | None:
        """Take the oldest claimable pending run (see ``RunStore.claim``); None when nothing is claimable."""
        now = as_utc(now)
        # Most wake-ups find nothing to claim (the run was taken, or a slot freed with an empty queue):
        # a plain read says so without queueing for the write lock.
        async with self._db.read() as tx:
            if await tx.fetchone(_CLAIM, {"now": now}) is None:
                return None
        for _ in range(_CLAIM_TRIES):
            try:
                async with self._db.write() as tx:
                    candidate = await tx.fetchone(_CLAIM + self._db.dialect.claim_lock, {"now": now})
                    if candidate is None:
                        return None
                    row = await tx.fetchone(
                        """UPDATE portico_runs SET status = 'running', attempt = attempt + 1,
                                  lease_epoch = lease_epoch + 1, lease_owner = :owner,
                                  lease_expires_at = :expires, updated_at = :now
                           WHERE run_id = :r RETURNING *""",
                        {
                            "owner": worker_id,
                            "expires": now + timedelta(seconds=lease_seconds),
                            "now": now,
                            "r": candidate["run_id"],
                        },
                    )
                    await tx.execute(
                        """UPDATE portico_threads SET status = 'busy', updated_at = :now
                           WHERE thread_id = :t AND status <> 'busy'""",
                        {"now": now, "t": candidate["thread_id"]},
                    )
            except DuplicateKey:
                # Another claim started a run on this thread after our snapshot; look again.
                continue
            assert row is not None  # locked by the claim query
            run = self._decode(row)
            return ClaimedRun(run=run, epoch=run["lease_epoch"])
        return None

    async def count_pending(self) -> int:
        """Runs waiting for a worker (the queue depth)."""
        async with self._db.read() as tx:
            row = await tx.fetchone("SELECT COUNT(*) AS n FROM portico_runs WHERE status = 'pending'")
        return int(row["n"]) if row else 0

    async def next_available_at(self) -> datetime | None:
        """The earliest ``available_at`` among pending runs that are not yet available (after_seconds)."""
        async with self._db.read() as tx:
            row = await tx.fetchone(
                "SELECT MIN(available_at) AS at FROM portico_runs WHERE status = 'pending' AND available_at > :now",
                {"now": self._clock()},
            )
        return parse_time(row["at"]) if row else None

    async def heartbeat(self, run_id: str, epoch: int, *, lease_seconds: float, now: datetime) -> str | None:
        """Extend the lease; returns the run's ``cancel_action`` (None normally). Raises ``LeaseLost``."""
        async with self._db.write() as tx:
            row = await tx.fetchone(
                f"UPDATE portico_runs SET lease_expires_at = :expires WHERE {_FENCE} RETURNING cancel_action",
                {"expires": as_utc(now) + timedelta(seconds=lease_seconds), "run_id": run_id, "epoch": epoch},
            )
        if row is None:
            raise LeaseLost(f"run {run_id}: lease epoch {epoch} is no longer current")
        action: str | None = row["cancel_action"]
        return action

    async def check_lease(self, run_id: str, epoch: int) -> bool:
        """True while ``epoch`` is the run's current lease epoch and the run is running."""
        async with self._db.read() as tx:
            row = await tx.fetchone(
                f"SELECT 1 AS one FROM portico_runs WHERE {_FENCE}", {"run_id": run_id, "epoch": epoch}
            )
        return row is not None

    async def finish(
        self,
        run_id: str,
        epoch: int,
        *,
        status: str,
        error: dict[str, Any] | None = None,
        thread_status: str,
        values: Any = None,
        interrupts: dict[str, Any] | None = None,
        delete: bool = False,
        delete_thread: bool = False,
    ) -> bool:
        """End a run (fenced: False and no change when ``epoch`` is stale); see ``RunStore.finish``.

        ``values=None`` keeps the thread's values; ``interrupts=None`` clears them. The thread's ``error``
        becomes ``error`` when ``thread_status`` is "error", else None.
        """
        choice("status", status, TERMINAL_RUN_STATUSES)
        choice("thread_status", thread_status, THREAD_STATUSES)
        now = self._clock()
        fence = {"run_id": run_id, "epoch": epoch}
        async with self._db.write() as tx:
            thread = await lock_thread_of_run(tx, self._db.dialect, run_id)
            if thread is None:
                return False
            if delete:
                changed = await tx.execute(f"DELETE FROM portico_runs WHERE {_FENCE}", fence)
                if changed:
                    await tx.execute("DELETE FROM portico_events WHERE run_id = :r", {"r": run_id})
            else:
                finished = await tx.fetchone(
                    f"""UPDATE portico_runs SET status = :status, error = :error, lease_expires_at = NULL,
                               updated_at = :now
                        WHERE {_FENCE} RETURNING *""",
                    {**fence, "status": status, "error": json_text(error), "now": now},
                )
                changed = finished is not None
                if finished is not None:
                    # The outbox row commits with the final status, or neither does.
                    await insert_run_webhook(tx, self._db, finished, values, now)
            if not changed:
                return False
            if delete_thread:
                await delete_thread_rows(tx, thread["thread_id"])
                return True
            await self._update_thread_after(
                tx,
                thread["thread_id"],
                thread_status,
                error if thread_status == "error" else None,
                now,
                values,
                interrupts or {},
            )
        return True

    async def _update_thread_after(
        self,
        tx: Tx,
        thread_id: str,
        thread_status: str,
        error: dict[str, Any] | None,
        now: datetime,
        values: Any = None,
        interrupts: dict[str, Any] | None = None,
    ) -> None:
        """The thread after one of its runs ended: ``thread_status``, but busy while another run is pending."""
        pending = await tx.fetchone(
            "SELECT 1 AS one FROM portico_runs WHERE thread_id = :t AND status = 'pending' LIMIT 1",
            {"t": thread_id},
        )
        await write_thread_state(
            tx,
            thread_id,
            now,
            values=values,
            interrupts=interrupts,
            status="busy" if pending else thread_status,
            error=error,
        )

    async def release(self, run_id: str, epoch: int) -> bool:
        """Hand a running run back to the queue (clean shutdown): pending, lease cleared, attempt not counted."""
        async with self._db.write() as tx:
            changed = await tx.execute(
                f"""UPDATE portico_runs SET status = 'pending', lease_owner = NULL, lease_expires_at = NULL,
                           attempt = CASE WHEN attempt > 0 THEN attempt - 1 ELSE 0 END, updated_at = :now
                    WHERE {_FENCE}""",
                {"run_id": run_id, "epoch": epoch, "now": self._clock()},
            )
        return changed > 0

    async def _requeue(self, where: str, params: dict[str, Any], max_attempts: int) -> _Ids:
        """Requeue (or give up on) each running run matching ``where``, one transaction per run."""
        async with self._db.read() as tx:
            lost = await tx.fetchall(
                f"SELECT run_id FROM portico_runs WHERE status = 'running' AND {where}", params
            )
        requeued = []
        for candidate in lost:
            run_id = candidate["run_id"]
            now = self._clock()
            async with self._db.write() as tx:
                thread = await lock_thread_of_run(tx, self._db.dialect, run_id)
                row = await tx.fetchone(
                    f"""SELECT attempt FROM portico_runs WHERE run_id = :run_id AND status = 'running'
                        AND {where}{self._db.dialect.lock_rows}""",
                    {**params, "run_id": run_id},
                )
                if thread is None or row is None:
                    continue  # finished, released or already requeued meanwhile
                if row["attempt"] < max_attempts:
                    await tx.execute(
                        """UPDATE portico_runs SET status = 'pending', lease_owner = NULL, lease_expires_at = NULL,
                                  updated_at = :now WHERE run_id = :r""",
                        {"now": now, "r": run_id},
                    )
                    requeued.append(run_id)
                    continue
                error = worker_lost(row["attempt"])
                failed = await tx.fetchone(
                    """UPDATE portico_runs SET status = 'error', error = :error, lease_expires_at = NULL,
                              updated_at = :now WHERE run_id = :r RETURNING *""",
                    {"error": json_text(error), "now": now, "r": run_id},
                )
                if failed is not None:
                    await insert_run_webhook(tx, self._db, failed, None, now)
                await self._update_thread_after(tx, thread["thread_id"], "error", error, now)
        return requeued

    async def requeue_expired(self, *, now: datetime, max_attempts: int) -> _Ids:
        """Return running runs whose lease expired to pending; one that already had ``max_attempts``
        claims is marked error instead (thread error). Returns the ids requeued."""
        return await self._requeue(
            "lease_expires_at < :expired_before", {"expired_before": as_utc(now)}, max_attempts
        )

    async def requeue_owned_by(self, owners: Sequence[str], *, max_attempts: int) -> _Ids:
        """Like ``requeue_expired`` for every running run held by one of ``owners`` (known dead workers)."""
        if not owners:
            return []
        params: dict[str, Any] = {}
        where = f"lease_owner IN ({in_list('owner', list(owners), params)})"
        return await self._requeue(where, params, max_attempts)

    async def running_owners(self) -> _Ids:
        """The distinct lease owners of running runs."""
        async with self._db.read() as tx:
            rows = await tx.fetchall(
                """SELECT DISTINCT lease_owner FROM portico_runs
                   WHERE status = 'running' AND lease_owner IS NOT NULL ORDER BY lease_owner"""
            )
        return [r["lease_owner"] for r in rows]

    async def request_cancel(self, run_id: str, action: str) -> RunRecord | None:
        """Ask a run to stop. Pending: finished at once as "interrupted" (rollback: deleted, returns the row
        as it was). Running: ``cancel_action`` set for its worker. Terminal: unchanged. None if unknown."""
        choice("action", action, CANCEL_ACTIONS)
        now = self._clock()
        async with self._db.write() as tx:
            thread = await lock_thread_of_run(tx, self._db.dialect, run_id)
            row = await tx.fetchone(
                f"SELECT * FROM portico_runs WHERE run_id = :r{self._db.dialect.lock_rows}", {"r": run_id}
            )
            if thread is None or row is None:
                return None
            if row["status"] in TERMINAL_RUN_STATUSES:
                return self._decode(row)
            if row["status"] == "pending" and action == "rollback":
                await self._delete_run(tx, run_id)
                await settle_thread(tx, thread, now)
                return self._decode(row)
            status = "interrupted" if row["status"] == "pending" else row["status"]
            updated = await tx.fetchone(
                """UPDATE portico_runs SET status = :status, cancel_action = :action, updated_at = :now
                   WHERE run_id = :r RETURNING *""",
                {"status": status, "action": action, "now": now, "r": run_id},
            )
            if row["status"] == "pending":
                await settle_thread(tx, thread, now)
                if updated is not None:
                    await insert_run_webhook(tx, self._db, updated, None, now)
        assert updated is not None  # the row is locked
        return self._decode(updated)
