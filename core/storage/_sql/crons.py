"""CronStore: crons and their firings.

Exactly-once firing rests on two database guarantees. ``claim_firing`` advances a cron's
``next_run_date`` by compare-and-set (only the scheduler whose UPDATE still sees the old value wins), and
in the same transaction inserts the firing under the primary key (cron_id, scheduled_time), which no
second insert can pass. The run itself is created after the claim commits, under a run id derived from
the firing, and the firing is marked started; a firing claimed but never started (its scheduler died in
between) is started by the next tick of any scheduler, and the derived run id makes that idempotent.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from core.storage._common import Clock, as_utc, json_text, order_by, parse_time, utcnow
from core.storage._sql.db import Database, DuplicateKey, decode
from core.storage.base import CronRecord

__all__ = ["SqlCronStore"]

_SORTABLE = ("cron_id", "assistant_id", "thread_id", "next_run_date", "end_time", "created_at", "updated_at")
_COLUMNS = (
    "schedule",
    "timezone",
    "payload",
    "metadata",
    "on_run_completed",
    "end_time",
    "enabled",
    "next_run_date",
)


class SqlCronStore:
    def __init__(self, db: Database, clock: Clock = utcnow) -> None:
        self._db = db
        self._clock = clock

    def _decode(self, row: dict[str, Any]) -> CronRecord:
        out = decode(row, self._db.dialect)
        if isinstance(out.get("payload"), str):
            out["payload"] = orjson.loads(out["payload"])
        for key in ("end_time", "next_run_date", "scheduled_time", "fired_at"):
            if out.get(key) is not None:
                out[key] = parse_time(out[key])
        if "enabled" in out:
            out["enabled"] = bool(out["enabled"])
        if "started" in out:
            out["started"] = bool(out["started"])
        return out

    @staticmethod
    def _param(key: str, value: Any) -> Any:
        if key in ("payload", "metadata"):
            return json_text(value if value is not None else {})
        if key == "enabled":
            return int(bool(value))
        if key in ("end_time", "next_run_date"):
            return parse_time(value)
        return value

    async def create(self, record: CronRecord) -> CronRecord:
        now = self._clock()
        params = {key: self._param(key, record.get(key)) for key in _COLUMNS}
        params.update(
            cron_id=record["cron_id"],
            assistant_id=record["assistant_id"],
            thread_id=record.get("thread_id"),
            user_id=record.get("user_id"),
            now=now,
        )
        async with self._db.write() as tx:
            row = await tx.fetchone(
                """INSERT INTO portico_crons (cron_id, assistant_id, thread_id, user_id, schedule, timezone, payload,
                                              metadata, on_run_completed, end_time, enabled, next_run_date,
                                              created_at, updated_at)
                   VALUES (:cron_id, :assistant_id, :thread_id, :user_id, :schedule, :timezone, :payload, :metadata,
                           :on_run_completed, :end_time, :enabled, :next_run_date, :now, :now)
                   RETURNING *""",
                params,
            )
        assert row is not None
        return self._decode(row)

    async def get(self, cron_id: str) -> CronRecord | None:
        async with self._db.read() as tx:
            row = await tx.fetchone("SELECT * FROM portico_crons WHERE cron_id = :id", {"id": cron_id})
        return None if row is None else self._decode(row)

    async def update(self, cron_id: str, changes: dict[str, Any]) -> CronRecord | None:
        """Replace the given columns (the caller merges payload and metadata)."""
        sets = [key for key in _COLUMNS if key in changes]
        params = {key: self._param(key, changes[key]) for key in sets}
        params.update(id=cron_id, now=self._clock())
        assignments = ", ".join([*(f"{key} = :{key}" for key in sets), "updated_at = :now"])
        async with self._db.write() as tx:
            row = await tx.fetchone(
                f"UPDATE portico_crons SET {assignments} WHERE cron_id = :id RETURNING *", params
            )
        return None if row is None else self._decode(row)

    async def delete(self, cron_id: str) -> bool:
        async with self._db.write() as tx:
            await tx.execute("DELETE FROM portico_cron_firings WHERE cron_id = :id", {"id": cron_id})
            return await tx.execute("DELETE FROM portico_crons WHERE cron_id = :id", {"id": cron_id}) > 0

    def _where(
        self,
        params: dict[str, Any],
        *,
        assistant_id: str | None,
        thread_id: str | None,
        enabled: bool | None,
        metadata: dict[str, Any] | None,
        auth: dict[str, Any] | None = None,
        user_id: str | None = None,
    ) -> str:
        where = ["1 = 1"]
        if assistant_id:
            where.append("assistant_id = :assistant_id")
            params["assistant_id"] = assistant_id
        if thread_id:
            where.append("thread_id = :thread_id")
            params["thread_id"] = thread_id
        if enabled is not None:
            where.append("enabled = :enabled")
            params["enabled"] = int(enabled)
        if metadata:
            where.append(self._db.dialect.contains.format(column="metadata", param=":metadata"))
            params["metadata"] = json_text(metadata)
        if user_id is not None:  # an end user sees only their own crons
            where.append("user_id = :user_id")
            params["user_id"] = user_id
        if auth is not None:  # the auth handler's filter, applied alongside the caller's
            where.append(self._db.dialect.contains.format(column="metadata", param=":auth_metadata"))
            params["auth_metadata"] = json_text(auth)
        return " AND ".join(where)

    async def search(
        self,
        *,
        assistant_id: str | None = None,
        thread_id: str | None = None,
        enabled: bool | None = None,
        metadata: dict[str, Any] | None = None,
        limit: int = 10,
        offset: int = 0,
        sort_by: str = "created_at",
        sort_order: str = "desc",
        auth: dict[str, Any] | None = None,
        user_id: str | None = None,
    ) -> list[CronRecord]:
        params: dict[str, Any] = {"limit": limit, "offset": offset}
        where = self._where(
            params,
            assistant_id=assistant_id,
            thread_id=thread_id,
            enabled=enabled,
            metadata=metadata,
            auth=auth,
            user_id=user_id,
        )
        order = order_by(sort_by, sort_order, _SORTABLE, "cron_id")
        async with self._db.read() as tx:
            rows = await tx.fetchall(
                f"SELECT * FROM portico_crons WHERE {where} {order} LIMIT :limit OFFSET :offset", params
            )
        return [self._decode(r) for r in rows]

    async def count(
        self,
        *,
        assistant_id: str | None = None,
        thread_id: str | None = None,
        enabled: bool | None = None,
        metadata: dict[str, Any] | None = None,
        auth: dict[str, Any] | None = None,
        user_id: str | None = None,
    ) -> int:
        params: dict[str, Any] = {}
        where = self._where(
            params,
            assistant_id=assistant_id,
            thread_id=thread_id,
            enabled=enabled,
            metadata=metadata,
            auth=auth,
            user_id=user_id,
        )
        async with self._db.read() as tx:
            row = await tx.fetchone(f"SELECT COUNT(*) AS n FROM portico_crons WHERE {where}", params)
        return int(row["n"]) if row else 0

    async def due(self, now: datetime, *, limit: int = 100) -> list[CronRecord]:
        async with self._db.read() as tx:
            rows = await tx.fetchall(
                """SELECT * FROM portico_crons WHERE enabled = 1 AND next_run_date IS NOT NULL
                   AND next_run_date <= :now ORDER BY next_run_date LIMIT :limit""",
                {"now": as_utc(now), "limit": limit},
            )
        return [self._decode(r) for r in rows]

    async def claim_firing(
        self,
        cron_id: str,
        expected_next: datetime,
        scheduled_time: datetime,
        *,
        run_id: str,
        thread_id: str,
        next_run_date: datetime | None,
    ) -> bool:
        """Record the firing at ``scheduled_time`` and move ``next_run_date`` on from ``expected_next`` (None:
        disable the cron: it is past its end). False, changing nothing, when another scheduler got there first."""
        now = self._clock()
        try:
            async with self._db.write() as tx:
                changed = await tx.execute(
                    """UPDATE portico_crons SET next_run_date = :next, enabled = :enabled, updated_at = :now
                       WHERE cron_id = :id AND enabled = 1 AND next_run_date = :expected""",
                    {
                        "id": cron_id,
                        "expected": as_utc(expected_next),
                        "next": next_run_date,
                        "enabled": int(next_run_date is not None),
                        "now": now,
                    },
                )
                if not changed:
                    return False
                await tx.execute(
                    """INSERT INTO portico_cron_firings (cron_id, scheduled_time, run_id, thread_id, fired_at)
                       VALUES (:id, :at, :run_id, :thread_id, :now)""",
                    {
                        "id": cron_id,
                        "at": as_utc(scheduled_time),
                        "run_id": run_id,
                        "thread_id": thread_id,
                        "now": now,
                    },
                )
        except DuplicateKey:
            return False  # fired already (the transaction rolled back, next_run_date included)
        return True

    async def mark_started(self, cron_id: str, scheduled_time: datetime) -> None:
        async with self._db.write() as tx:
            await tx.execute(
                "UPDATE portico_cron_firings SET started = 1 WHERE cron_id = :id AND scheduled_time = :at",
                {"id": cron_id, "at": as_utc(scheduled_time)},
            )

    async def unstarted_firings(self, *, limit: int = 100) -> list[dict[str, Any]]:
        """Firings claimed whose run was not confirmed created (a scheduler died in between)."""
        async with self._db.read() as tx:
            rows = await tx.fetchall(
                "SELECT * FROM portico_cron_firings WHERE started = 0 ORDER BY fired_at LIMIT :limit",
                {"limit": limit},
            )
        return [self._decode(r) for r in rows]

    async def firings(self, cron_id: str) -> list[dict[str, Any]]:
        """The cron's firings, in scheduled order."""
        async with self._db.read() as tx:
            rows = await tx.fetchall(
                "SELECT * FROM portico_cron_firings WHERE cron_id = :id ORDER BY scheduled_time",
                {"id": cron_id},
            )
        return [self._decode(r) for r in rows]

    async def next_due_at(self) -> datetime | None:
        async with self._db.read() as tx:
            row = await tx.fetchone(
                "SELECT MIN(next_run_date) AS at FROM portico_crons WHERE enabled = 1 AND next_run_date IS NOT NULL"
            )
        return parse_time(row["at"]) if row and row["at"] is not None else None
