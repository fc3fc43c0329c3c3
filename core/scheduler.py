"""The cron scheduler: fires due crons exactly once, however many schedulers share the database.

Each tick takes the enabled crons whose ``next_run_date`` has come and, for each, claims the firing in the
database (``CronStore.claim_firing``: compare-and-set on ``next_run_date`` plus a unique (cron, scheduled
time) row), then creates the run through the same path as ``Runs.Create`` under an id derived from the
firing. Only the claimant creates the run; a claimant that died before creating it is stood in for by the
next tick anywhere, and the derived run id makes that a no-op if the run exists.

Catch-up policy: a scheduler that was down (or a cron whose firings were missed for any reason) fires the
*latest* missed time once, then continues from the next time after now; earlier missed times are skipped.

The loop sleeps until the earliest ``next_run_date`` or a wake-up (a cron created or changed here, or
PostgreSQL NOTIFY from another process); it never polls. Time comes from ``CoreRuntime.cron_clock``.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import datetime
from typing import Any

from core.errors import Conflict, CoreError
from core.runtime import CRONS_KEY, CoreRuntime
from core.schedule import latest_fire_at_or_before, next_fire_after
from core.services.crons import run_request
from core.services.runs import create_run

__all__ = ["CronScheduler"]

log = logging.getLogger(__name__)

# A bound on one sleep, so that a wall clock that jumps (suspend, NTP step) is noticed within it.
_MAX_SLEEP_SECONDS = 300.0


def firing_ids(cron_id: str, scheduled_time: datetime) -> tuple[str, str]:
    """The run id and (stateless) thread id of a firing: derived, so a repeated creation is refused."""
    key = f"portico-cron:{cron_id}:{scheduled_time.isoformat()}"
    return str(uuid.uuid5(uuid.NAMESPACE_URL, key)), str(uuid.uuid5(uuid.NAMESPACE_URL, key + ":thread"))


class CronScheduler:
    def __init__(self, rt: CoreRuntime) -> None:
        self.rt = rt
        self._task: asyncio.Task[None] | None = None

    async def tick(self, now: datetime | None = None) -> list[dict[str, Any]]:
        """Fire what is due at ``now`` (default: the cron clock); returns the firings this call made."""
        now = now or self.rt.cron_clock()
        crons = self.rt.storage.crons
        for firing in await crons.unstarted_firings():
            cron = await crons.get(firing["cron_id"])
            await self._start(
                firing["cron_id"], cron, firing["scheduled_time"], firing["run_id"], firing["thread_id"]
            )
        fired = []
        for cron in await crons.due(now):
            expected = cron["next_run_date"]
            end = cron.get("end_time")
            # Catch-up: the latest time due (not past the end), once; never earlier than the one that made it due.
            horizon = now if end is None else min(now, end)
            scheduled = max(
                expected, latest_fire_at_or_before(cron["schedule"], cron.get("timezone"), horizon)
            )
            if end is not None and scheduled > end:
                await crons.update(cron["cron_id"], {"enabled": False, "next_run_date": None})
                continue
            nxt: datetime | None = next_fire_after(
                cron["schedule"], cron.get("timezone"), max(now, scheduled)
            )
            if end is not None and nxt is not None and nxt > end:
                nxt = None  # the last firing: the cron is disabled in the same transaction
            run_id, fresh_thread_id = firing_ids(cron["cron_id"], scheduled)
            thread_id = cron.get("thread_id") or fresh_thread_id
            claimed = await crons.claim_firing(
                cron["cron_id"], expected, scheduled, run_id=run_id, thread_id=thread_id, next_run_date=nxt
            )
            if not claimed:
                continue
            await self._start(cron["cron_id"], cron, scheduled, run_id, thread_id)
            fired.append(
                {
                    "cron_id": cron["cron_id"],
                    "scheduled_time": scheduled,
                    "run_id": run_id,
                    "thread_id": thread_id,
                }
            )
        return fired

    async def _start(
        self, cron_id: str, cron: dict[str, Any] | None, scheduled: datetime, run_id: str, thread_id: str
    ) -> None:
        if cron is not None:
            try:
                await create_run(
                    self.rt,
                    run_request(cron),
                    run_id=run_id,
                    fresh_thread_id=None if cron.get("thread_id") else thread_id,
                    thread_metadata={"cron_id": cron["cron_id"]},
                    authorize=False,  # authorized when the cron was made; it runs as its user
                )
                self.rt.metrics.cron_firings.inc()
            except Conflict:
                pass  # created already (by the claimant, before it died or before this tick)
            except CoreError as exc:
                # The thread is gone or busy under "reject": the firing happened and produced no run.
                log.warning(
                    "cron firing created no run",
                    extra={
                        "cron_id": cron["cron_id"],
                        "scheduled_time": scheduled.isoformat(),
                        "error": str(exc),
                    },
                )
        await self.rt.storage.crons.mark_started(cron_id, scheduled)

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="portico-cron")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _loop(self) -> None:
        while True:
            wake = self.rt.notifier.waiter(CRONS_KEY)
            try:
                timeout = _MAX_SLEEP_SECONDS
                try:
                    await self.tick()
                    due = await self.rt.storage.crons.next_due_at()
                    if due is not None:
                        timeout = min(timeout, max(0.0, (due - self.rt.cron_clock()).total_seconds()))
                except Exception:  # noqa: BLE001 - a database hiccup must not end the schedule
                    log.exception("cron tick failed")
                    timeout = 1.0
                await asyncio.wait({wake}, timeout=timeout)
            finally:
                wake.cancel()
