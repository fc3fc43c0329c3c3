"""DeliveryStore: the outbox of outbound HTTP deliveries (run webhooks, A2A push) and their attempts.

A run's webhook is inserted by ``insert_run_webhook`` inside the transaction that writes the run's final
status, so a crash between the two cannot lose it. Dispatchers drain the outbox by ``claim`` (a lease with
an epoch, ``SKIP LOCKED`` on PostgreSQL) and ``report``; a report with a stale epoch changes nothing, so
a delivery whose dispatcher stalled past its lease is sent by one other dispatcher at a time.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import orjson

from core.errors import InvalidArgument
from core.storage._common import Clock, as_utc, iso, json_text, parse_time, utcnow
from core.storage._sql.db import Database, Tx, decode, in_list
from core.storage.base import DeliveryRecord

__all__ = ["SqlDeliveryStore", "insert_delivery", "insert_run_webhook", "run_webhook_payload"]

_JSON = ("headers", "payload")
_TIMES = ("next_attempt_at", "started_at")
_RUN_FIELDS = (
    "run_id",
    "thread_id",
    "assistant_id",
    "created_at",
    "updated_at",
    "status",
    "metadata",
    "kwargs",
    "multitask_strategy",
    "attempt",
)


def _decode(row: dict[str, Any], db: Database) -> dict[str, Any]:
    out = decode(row, db.dialect)
    for key in _JSON:
        if isinstance(out.get(key), str):
            out[key] = orjson.loads(out[key])
    for key in _TIMES:
        if out.get(key) is not None:
            out[key] = parse_time(out[key])
    if "error_message" in out:  # "error" would be taken for a JSON column by ``decode``
        out["error"] = out.pop("error_message")
    return out


def run_webhook_payload(run: dict[str, Any], values: Any, ended_at: datetime) -> dict[str, Any]:
    """The body LangGraph Platform posts when a run ends: the run's fields, its status, the thread's
    values and, for a failed run, the error message."""
    payload = {key: run.get(key) for key in _RUN_FIELDS}
    payload["run_ended_at"] = iso(ended_at)
    payload["values"] = values
    error = run.get("error")
    if error:
        payload["error"] = error.get("message") if isinstance(error, dict) else str(error)
    return payload


async def insert_delivery(
    tx: Tx,
    *,
    delivery_id: str,
    kind: str,
    url: str,
    payload: Any,
    now: datetime,
    run_id: str | None = None,
    thread_id: str | None = None,
    headers: dict[str, str] | None = None,
) -> None:
    """Add a pending delivery, due at once, in the caller's transaction."""
    await tx.execute(
        """INSERT INTO portico_deliveries (delivery_id, run_id, thread_id, kind, url, headers, payload, status,
                                           next_attempt_at, created_at, updated_at)
           VALUES (:id, :run_id, :thread_id, :kind, :url, :headers, :payload, 'pending', :now, :now, :now)""",
        {
            "id": delivery_id,
            "run_id": run_id,
            "thread_id": thread_id,
            "kind": kind,
            "url": url,
            "headers": json_text(headers or {}),
            "payload": json_text(payload),
            "now": now,
        },
    )


async def insert_run_webhook(
    tx: Tx, db: Database, run_row: dict[str, Any], values: Any, now: datetime
) -> bool:
    """The webhook of a run that just ended (``run_row`` as the transaction left it), if it asked for one.

    ``values`` None: the thread's stored values. The delivery id is derived from the run id, so a run
    that somehow ends twice still yields one delivery (the insert is skipped).
    """
    run = decode(run_row, db.dialect)
    url = (run.get("kwargs") or {}).get("webhook")
    if not url:
        return False
    if values is None:
        thread = await tx.fetchone(
            'SELECT "values" FROM portico_threads WHERE thread_id = :t', {"t": run["thread_id"]}
        )
        if thread is not None:
            values = decode(thread, db.dialect).get("values")
    delivery_id = f"run_{run['run_id']}"
    exists = await tx.fetchone(
        "SELECT 1 AS one FROM portico_deliveries WHERE delivery_id = :id", {"id": delivery_id}
    )
    if exists is not None:
        return False
    await insert_delivery(
        tx,
        delivery_id=delivery_id,
        kind="webhook",
        url=url,
        payload=run_webhook_payload(run, values, now),
        now=now,
        run_id=run["run_id"],
        thread_id=run["thread_id"],
    )
    return True


class SqlDeliveryStore:
    """The outbox: enqueue, claim under a lease, report outcomes, list history."""

    def __init__(self, db: Database, clock: Clock = utcnow) -> None:
        self._db = db
        self._clock = clock

    async def enqueue(
        self,
        *,
        delivery_id: str,
        kind: str,
        url: str,
        payload: Any,
        run_id: str | None = None,
        thread_id: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> DeliveryRecord:
        """Add a pending delivery due now (A2A push notifications come this way)."""
        now = self._clock()
        async with self._db.write() as tx:
            await insert_delivery(
                tx,
                delivery_id=delivery_id,
                kind=kind,
                url=url,
                payload=payload,
                now=now,
                run_id=run_id,
                thread_id=thread_id,
                headers=headers,
            )
        record = await self.get(delivery_id)
        assert record is not None
        return record

    async def get(self, delivery_id: str) -> DeliveryRecord | None:
        async with self._db.read() as tx:
            row = await tx.fetchone(
                "SELECT * FROM portico_deliveries WHERE delivery_id = :id", {"id": delivery_id}
            )
            if row is None:
                return None
            record = _decode(row, self._db)
            record["history"] = await self._history(tx, [delivery_id])
        return record

    async def _history(self, tx: Tx, ids: list[str]) -> list[dict[str, Any]]:
        if not ids:
            return []
        params: dict[str, Any] = {}
        rows = await tx.fetchall(
            f"""SELECT * FROM portico_delivery_attempts WHERE delivery_id IN ({in_list("d", ids, params)})
                ORDER BY delivery_id, attempt""",
            params,
        )
        return [_decode(r, self._db) for r in rows]

    async def claim(
        self, owner: str, *, limit: int, lease_seconds: float, now: datetime
    ) -> list[DeliveryRecord]:
        """Take up to ``limit`` due deliveries: pending ones whose time has come, and sending ones whose
        lease lapsed (their dispatcher died or stalled). Each gets ``attempts`` + 1 and a new lease epoch."""
        now = as_utc(now)
        lock = f"{self._db.dialect.lock_rows} SKIP LOCKED" if self._db.dialect.lock_rows else ""
        due = """(status = 'pending' AND next_attempt_at <= :now)
                 OR (status = 'sending' AND lease_expires_at < :now)"""
        async with self._db.read() as tx:
            if (
                await tx.fetchone(
                    f"SELECT 1 AS one FROM portico_deliveries WHERE {due} LIMIT 1", {"now": now}
                )
                is None
            ):
                return []
        async with self._db.write() as tx:
            rows = await tx.fetchall(
                f"""SELECT delivery_id FROM portico_deliveries WHERE {due}
                    ORDER BY next_attempt_at LIMIT :limit{lock}""",
                {"now": now, "limit": limit},
            )
            ids = [r["delivery_id"] for r in rows]
            if not ids:
                return []
            params: dict[str, Any] = {
                "owner": owner,
                "now": now,
                "expires": now + timedelta(seconds=lease_seconds),
            }
            claimed = await tx.fetchall(
                f"""UPDATE portico_deliveries SET status = 'sending', attempts = attempts + 1,
                          lease_epoch = lease_epoch + 1, lease_owner = :owner, lease_expires_at = :expires,
                          updated_at = :now
                    WHERE delivery_id IN ({in_list("d", ids, params)}) RETURNING *""",
                params,
            )
        return sorted((_decode(r, self._db) for r in claimed), key=lambda d: d["next_attempt_at"])

    async def report(
        self,
        delivery_id: str,
        epoch: int,
        *,
        delivered: bool,
        status_code: int | None,
        error: str | None,
        retry_in_seconds: float,
        started_at: datetime | None = None,
        duration_seconds: float | None = None,
    ) -> DeliveryRecord | None:
        """Record one attempt's outcome (fenced by ``epoch``: None and no change when it is stale).

        Not delivered: pending again after ``retry_in_seconds``, or failed for good when it is < 0.
        """
        now = self._clock()
        fence = {"id": delivery_id, "epoch": epoch}
        async with self._db.write() as tx:
            row = await tx.fetchone(
                f"""SELECT attempts FROM portico_deliveries
                    WHERE delivery_id = :id AND lease_epoch = :epoch AND status = 'sending'{self._db.dialect.lock_rows}""",
                fence,
            )
            if row is None:
                return None
            await tx.execute(
                """INSERT INTO portico_delivery_attempts (delivery_id, attempt, started_at, status_code,
                                                          error_message, duration_seconds)
                   VALUES (:id, :attempt, :started_at, :status_code, :error, :duration)
                   ON CONFLICT (delivery_id, attempt) DO NOTHING""",
                {
                    "id": delivery_id,
                    "attempt": row["attempts"],
                    "started_at": started_at or now,
                    "status_code": status_code or None,
                    "error": error or None,
                    "duration": duration_seconds,
                },
            )
            if delivered:
                status, next_at = "delivered", now
            elif retry_in_seconds < 0:
                status, next_at = "failed", now
            else:
                status, next_at = "pending", now + timedelta(seconds=retry_in_seconds)
            await tx.execute(
                """UPDATE portico_deliveries SET status = :status, next_attempt_at = :next_at, lease_owner = NULL,
                          lease_expires_at = NULL, last_status_code = :code, last_error = :error, updated_at = :now
                   WHERE delivery_id = :id""",
                {
                    "id": delivery_id,
                    "status": status,
                    "next_at": next_at,
                    "code": status_code or None,
                    "error": error or None,
                    "now": now,
                },
            )
        return await self.get(delivery_id)

    async def list(
        self, *, run_id: str | None = None, thread_id: str | None = None, limit: int = 100
    ) -> list[DeliveryRecord]:
        """Deliveries of a run or a thread (at least one is required), oldest first, with their attempts."""
        if not run_id and not thread_id:
            raise InvalidArgument("run_id: give a run_id or a thread_id")
        where, params = [], {"limit": limit}
        if run_id:
            where.append("run_id = :run_id")
            params["run_id"] = run_id
        if thread_id:
            where.append("thread_id = :thread_id")
            params["thread_id"] = thread_id
        async with self._db.read() as tx:
            rows = await tx.fetchall(
                f"""SELECT * FROM portico_deliveries WHERE {" AND ".join(where)}
                    ORDER BY created_at, delivery_id LIMIT :limit""",
                params,
            )
            records = [_decode(r, self._db) for r in rows]
            history = await self._history(tx, [r["delivery_id"] for r in records])
        for record in records:
            record["history"] = [h for h in history if h["delivery_id"] == record["delivery_id"]]
        return records

    async def next_due_at(self) -> datetime | None:
        """When the next delivery becomes claimable (a pending retry, or a lease that will lapse)."""
        async with self._db.read() as tx:
            row = await tx.fetchone(
                """SELECT MIN(CASE WHEN status = 'pending' THEN next_attempt_at ELSE lease_expires_at END) AS at
                   FROM portico_deliveries WHERE status IN ('pending', 'sending')"""
            )
        return parse_time(row["at"]) if row and row["at"] is not None else None
