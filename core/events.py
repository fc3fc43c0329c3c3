"""The event log behind every stream: runs append, subscribers replay from a seq then follow live.

Writers batch: chunks appended in one event-loop turn go to storage in one fenced transaction, and the
next batch waits for the previous one, so order is kept without a timer. Readers register a wake-up
before they read and sleep only on it (in-process notify; PostgreSQL NOTIFY across processes).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from core.errors import LeaseLost
from core.notify import Notifier
from core.storage.base import TERMINAL_RUN_STATUSES, EventRecord, Storage
from protos import codec

__all__ = ["EventLog", "RunEventWriter", "thread_key"]

log = logging.getLogger(__name__)
_READ_BATCH = 500


def thread_key(thread_id: str) -> str:
    """The notification key for anything that changes a thread's events or runs."""
    return f"thread:{thread_id}"


class RunEventWriter:
    """Appends one run attempt's events in order, in batches, fenced by the lease epoch."""

    def __init__(self, log_: EventLog, run_id: str, thread_id: str, epoch: int, next_seq: int) -> None:
        self._log = log_
        self.run_id = run_id
        self.thread_id = thread_id
        self._epoch = epoch
        self._seq = next_seq - 1
        self._pending: list[EventRecord] = []
        self._flushing: asyncio.Task[None] | None = None
        self._failed: BaseException | None = None

    def append(self, event: str, data: Any) -> int:
        """Queue one event; it is stored with the next batch. Returns its seq."""
        if self._failed is not None:
            raise LeaseLost(str(self._failed)) from self._failed
        self._seq += 1
        payload = data if isinstance(data, bytes) else codec.dumps(data)
        self._pending.append(
            {
                "thread_id": self.thread_id,
                "run_id": self.run_id,
                "seq": self._seq,
                "event": event,
                "data": payload,
            }
        )
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.create_task(self._flush_loop())
        return self._seq

    async def _flush_loop(self) -> None:
        # Yield once so that chunks produced in the same turn join this batch.
        await asyncio.sleep(0)
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                ok = await self._log.storage.events.append(self.run_id, self._epoch, batch)
            except Exception as exc:  # noqa: BLE001 - surfaced to the run via flush()
                self._failed = exc
                return
            if not ok:
                self._failed = LeaseLost(f"run {self.run_id}: lease epoch {self._epoch} is stale")
                return
            await self._log.published(self.thread_id)

    async def flush(self) -> None:
        """Wait until every appended event is stored; raises ``LeaseLost`` when the lease was lost."""
        while self._flushing is not None and not self._flushing.done():
            await asyncio.shield(self._flushing)
        if self._pending and self._failed is None:
            self._flushing = asyncio.create_task(self._flush_loop())
            await self._flushing
        if self._failed is not None:
            if isinstance(self._failed, LeaseLost):
                raise self._failed
            raise LeaseLost(f"event write failed: {self._failed!r}") from self._failed


class EventLog:
    """Subscriptions to stored-then-live events of a run or a thread."""

    def __init__(self, storage: Storage, notifier: Notifier) -> None:
        self.storage = storage
        self.notifier = notifier

    async def writer(self, run_id: str, thread_id: str, epoch: int) -> RunEventWriter:
        next_seq = await self.storage.events.last_seq(thread_id) + 1
        return RunEventWriter(self, run_id, thread_id, epoch, next_seq)

    async def published(self, thread_id: str) -> None:
        """Wake readers of the thread here and in other processes."""
        self.notifier.notify(thread_key(thread_id))
        await self.storage.notify("portico_events", thread_id)

    async def subscribe(
        self,
        *,
        run_id: str | None = None,
        thread_id: str | None = None,
        after_seq: int = 0,
        accept: Callable[[str], bool] | None = None,
    ) -> AsyncIterator[EventRecord]:
        """Events after ``after_seq``: stored first, then live. A run stream ends once its run is terminal
        and drained (or deleted); a thread stream follows until the caller stops."""
        if run_id:
            run = await self.storage.runs.get(run_id)
            if run is None:
                return
            thread_id = run["thread_id"]
        assert thread_id is not None
        key = thread_key(thread_id)
        while True:
            wake = self.notifier.waiter(key)
            try:
                # Status before events: if the run was already over, this read sees all of its events.
                done = False
                if run_id:
                    run = await self.storage.runs.get(run_id)
                    done = run is None or run["status"] in TERMINAL_RUN_STATUSES
                events = await self.storage.events.read(
                    run_id=run_id,
                    thread_id=None if run_id else thread_id,
                    after_seq=after_seq,
                    limit=_READ_BATCH,
                )
                for event in events:
                    after_seq = event["seq"]
                    if accept is None or accept(event["event"]):
                        yield event
                if len(events) == _READ_BATCH:
                    continue
                if done:
                    return
                await wake
            finally:
                wake.cancel()
