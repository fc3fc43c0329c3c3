"""The worker pool: claims runs the moment they are created, keeps their leases alive, recovers lost ones.

One claim loop per process hands runs to up to ``workers`` concurrent executions. It sleeps only on a
wake-up (a run created or finished here, PostgreSQL NOTIFY from elsewhere) or until the next delayed
run (``after_seconds``) is due: no polling interval stands between a request and its run. The sweeper's
timer only bounds how fast a *dead* worker's runs come back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from datetime import timedelta

from core.executor import Executor, RunControl
from core.ids import new_id, utcnow
from core.logs import run_context
from core.notify import Notifier
from core.settings import Settings
from core.storage.base import ClaimedRun, Storage
from core.tracing import run_span

__all__ = ["RUNS_KEY", "STATELESS_MARK", "WorkerPool"]

log = logging.getLogger(__name__)
RUNS_KEY = "runs"
STATELESS_MARK = "portico_on_completion"
"""Thread metadata key marking the thread of a stateless run that is deleted after it ends."""


class WorkerPool:
    def __init__(self, storage: Storage, executor: Executor, notifier: Notifier, settings: Settings) -> None:
        self.storage = storage
        self.executor = executor
        self.notifier = notifier
        self.settings = settings
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{new_id()[:8]}"
        self._slots = asyncio.Semaphore(settings.workers)
        self._active: dict[str, tuple[ClaimedRun, RunControl, asyncio.Task[None]]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False

    async def start(self) -> None:
        await self.storage.register_worker(self.worker_id)
        await self.sweep()  # on SQLite this returns a previous boot's orphaned runs at once
        self._tasks = [
            asyncio.create_task(self._claim_loop(), name="portico-claim"),
            asyncio.create_task(self._heartbeat_loop(), name="portico-heartbeat"),
            asyncio.create_task(self._sweep_loop(), name="portico-sweep"),
        ]
        log.info("worker pool started", extra={"worker_id": self.worker_id, "slots": self.settings.workers})

    def wake(self) -> None:
        """A run may be claimable (created, finished, or requeued)."""
        self.notifier.notify(RUNS_KEY)

    def cancel(self, run_id: str, action: str) -> None:
        """Stop a run this process executes (no-op when it runs elsewhere)."""
        entry = self._active.get(run_id)
        if entry is not None:
            entry[1].request(action)

    @property
    def active_runs(self) -> list[str]:
        return list(self._active)

    async def _claim_loop(self) -> None:
        while not self._stopping:
            await self._slots.acquire()
            wake = self.notifier.waiter(RUNS_KEY)
            try:
                claimed = await self.storage.runs.claim(
                    self.worker_id, lease_seconds=self.settings.lease_seconds, now=utcnow()
                )
            except Exception:  # noqa: BLE001 - a database hiccup must not kill the loop
                log.exception("claim failed")
                claimed = None
                await asyncio.wait({wake}, timeout=1.0)
            if claimed is not None:
                wake.cancel()
                self.executor.metrics.observe_claim(claimed.run, utcnow())
                self._launch(claimed)
                continue
            self._slots.release()
            due = await self._next_due()
            await asyncio.wait({wake}, timeout=due)
            wake.cancel()

    async def _next_due(self) -> float | None:
        nxt = await self.storage.runs.next_available_at()
        if nxt is None:
            return None
        return max(0.0, (nxt - utcnow()).total_seconds())

    def _launch(self, claimed: ClaimedRun) -> None:
        control = RunControl()
        run_id = claimed.run["run_id"]
        task = asyncio.create_task(self._execute(claimed, control), name=f"run-{run_id}")
        self._active[run_id] = (claimed, control, task)

    async def _execute(self, claimed: ClaimedRun, control: RunControl) -> None:
        run = claimed.run
        run_id = run["run_id"]
        try:
            with (
                run_context(run_id, run["thread_id"], run["assistant_id"]),
                run_span(run, record_content=self.settings.record_content),
            ):
                await self.executor.execute(claimed, control)
        except Exception:  # noqa: BLE001 - the worker survives; the lease lapses and the run is retried
            log.exception("executor crashed", extra={"run_id": run_id})
        finally:
            self._active.pop(run_id, None)
            self._slots.release()
            if control.action == "shutdown":
                with contextlib.suppress(Exception):
                    await self.storage.runs.release(run_id, claimed.epoch)
            # The thread may have a queued run, and this slot is free again.
            self.wake()
            with contextlib.suppress(Exception):
                await self.storage.notify("portico_runs", "wake")

    async def _heartbeat_loop(self) -> None:
        while True:
            await asyncio.sleep(self.settings.heartbeat_seconds)
            for run_id, (claimed, control, _task) in list(self._active.items()):
                try:
                    action = await self.storage.runs.heartbeat(
                        run_id, claimed.epoch, lease_seconds=self.settings.lease_seconds, now=utcnow()
                    )
                except Exception as exc:  # noqa: BLE001 - LeaseLost, or the database is away
                    from core.errors import LeaseLost

                    if isinstance(exc, LeaseLost):
                        control.request("lost")
                    else:
                        log.warning("heartbeat failed", extra={"run_id": run_id, "error": repr(exc)})
                    continue
                if action:
                    control.request(action)

    async def _sweep_loop(self) -> None:
        retention_every = max(1, int(60 / self.settings.sweep_seconds))
        n = 0
        while True:
            await asyncio.sleep(self.settings.sweep_seconds)
            n += 1
            try:
                await self.sweep()
                if n % retention_every == 0:
                    cutoff = utcnow() - timedelta(seconds=self.settings.event_retention_seconds)
                    await self.storage.events.delete_finished_before(cutoff)
            except Exception:  # noqa: BLE001
                log.exception("sweep failed")

    async def sweep(self) -> list[str]:
        """Return runs of dead workers and of expired leases to the queue."""
        requeued = await self.storage.runs.requeue_expired(
            now=utcnow(), max_attempts=self.settings.max_attempts
        )
        owners = [o for o in await self.storage.runs.running_owners() if o != self.worker_id]
        if owners:
            dead = await self.storage.dead_workers(owners)
            if dead:
                log.warning("recovering runs of dead workers", extra={"workers": dead})
                requeued += await self.storage.runs.requeue_owned_by(
                    dead, max_attempts=self.settings.max_attempts
                )
        if requeued:
            self.wake()
            await self.storage.notify("portico_runs", "wake")
        await self._delete_finished_stateless_threads()
        return requeued

    async def _delete_finished_stateless_threads(self) -> None:
        """Stateless runs' threads go once their run has been over for the grace period (durable: the
        mark is on the thread row, so a restart still deletes them)."""
        cutoff = utcnow() - timedelta(seconds=self.settings.stateless_grace_seconds)
        for status in ("idle", "error", "interrupted"):
            threads = await self.storage.threads.search(
                metadata={STATELESS_MARK: "delete"},
                status=status,
                limit=100,
                sort_by="updated_at",
                sort_order="asc",
            )
            for thread in threads:
                if thread["updated_at"] > cutoff:
                    break
                await self.storage.threads.delete(thread["thread_id"])
                await self.storage.checkpoints.delete_thread(thread["thread_id"])

    async def stop(self) -> None:
        """Stop claiming and hand running runs back to the queue (clean shutdown)."""
        self._stopping = True
        for task in self._tasks:
            task.cancel()
        for _claimed, control, _task in list(self._active.values()):
            control.request("shutdown")
        pending = [t for _c, _ctl, t in self._active.values()]
        if pending:
            await asyncio.wait(pending, timeout=10)
        for task in self._tasks:
            with contextlib.suppress(BaseException):
                await task
