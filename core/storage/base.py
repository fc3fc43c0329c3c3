"""The storage interface: one narrow protocol per concern, implemented for SQLite and PostgreSQL.

Records are plain dicts whose keys are the field names of the matching protobuf message in
``protos/portico/v1`` (JSON-shaped fields hold Python values, timestamps are aware ``datetime``s), so the
codec turns them into messages without per-field code.

Every implementation must pass ``tests/conformance``; behaviour described here is what that suite checks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from auth.vault.store import VaultStore

__all__ = [
    "ACTIVE_RUN_STATUSES",
    "AssistantRecord",
    "AssistantStore",
    "CheckpointAdmin",
    "ClaimedRun",
    "CronRecord",
    "CronStore",
    "DeliveryRecord",
    "DeliveryStore",
    "EventRecord",
    "EventStore",
    "RunRecord",
    "RunStore",
    "Storage",
    "ThreadRecord",
    "ThreadStore",
    "TERMINAL_RUN_STATUSES",
]

AssistantRecord = dict[str, Any]
"""assistant_id, graph_id, name, description, config, context, metadata, version, created_at, updated_at."""

ThreadRecord = dict[str, Any]
"""thread_id, status, metadata, values, interrupts, config, error, created_at, updated_at."""

RunRecord = dict[str, Any]
"""run_id, thread_id, assistant_id, status, metadata, kwargs, multitask_strategy, attempt, error,
created_at, updated_at; storage also keeps lease_owner, lease_epoch, lease_expires_at, available_at,
cancel_action (None | "interrupt" | "rollback" | "cancel" | "timeout")."""

EventRecord = dict[str, Any]
"""thread_id, run_id, seq, event, data (JSON bytes, stored as is)."""

DeliveryRecord = dict[str, Any]
"""delivery_id, run_id, thread_id, kind, url, headers, payload, status (pending | sending | delivered |
failed), attempts, next_attempt_at, lease_owner, lease_epoch, lease_expires_at, last_status_code,
last_error, created_at, updated_at, history (attempts: attempt, started_at, status_code, error,
duration_seconds)."""

CronRecord = dict[str, Any]
"""cron_id, assistant_id, thread_id, user_id, schedule, timezone, payload, metadata, on_run_completed,
end_time, enabled, next_run_date, created_at, updated_at."""

ACTIVE_RUN_STATUSES = ("pending", "running")
TERMINAL_RUN_STATUSES = ("success", "error", "timeout", "interrupted")


@dataclass(frozen=True)
class ClaimedRun:
    """A run a worker holds: the row plus the lease epoch that fences its writes."""

    run: RunRecord
    epoch: int


class AssistantStore(Protocol):
    """Assistants, versioned: every update writes a new version and makes it the latest."""

    async def create(self, record: AssistantRecord, *, if_exists: str = "raise") -> AssistantRecord:
        """Insert version 1. ``if_exists="raise"`` raises ``Conflict`` on a taken id; "do_nothing" returns the existing one."""
        ...

    async def get(self, assistant_id: str) -> AssistantRecord | None: ...

    async def update(self, assistant_id: str, changes: dict[str, Any]) -> AssistantRecord | None:
        """Write a new version with ``changes`` applied (metadata merged, other fields replaced)."""
        ...

    async def delete(self, assistant_id: str) -> bool: ...

    async def search(
        self,
        *,
        graph_id: str | None = None,
        name: str | None = None,
        metadata: dict[str, Any] | None = None,
        limit: int = 10,
        offset: int = 0,
        sort_by: str = "created_at",
        sort_order: str = "desc",
    ) -> list[AssistantRecord]:
        """``metadata`` is a containment filter (every key equal); ``name`` a case-insensitive substring."""
        ...

    async def count(
        self, *, graph_id: str | None = None, name: str | None = None, metadata: dict[str, Any] | None = None
    ) -> int: ...

    async def list_versions(
        self, assistant_id: str, *, metadata: dict[str, Any] | None = None, limit: int = 10, offset: int = 0
    ) -> list[AssistantRecord]:
        """Versions newest first."""
        ...

    async def set_latest(self, assistant_id: str, version: int) -> AssistantRecord | None:
        """Make an existing version the current one; None when the assistant or version is unknown."""
        ...


class ThreadStore(Protocol):
    async def create(
        self, thread_id: str, *, metadata: dict[str, Any] | None = None, if_exists: str = "raise"
    ) -> ThreadRecord:
        """Insert an idle thread; ``Conflict`` on a taken id unless ``if_exists="do_nothing"``."""
        ...

    async def get(self, thread_id: str) -> ThreadRecord | None: ...

    async def update(self, thread_id: str, *, metadata: dict[str, Any]) -> ThreadRecord | None:
        """Merge ``metadata`` into the thread's metadata."""
        ...

    async def delete(self, thread_id: str) -> bool:
        """Delete the thread with its runs and events (the caller removes its checkpoints)."""
        ...

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
    ) -> list[ThreadRecord]: ...

    async def count(
        self,
        *,
        metadata: dict[str, Any] | None = None,
        values: dict[str, Any] | None = None,
        status: str | None = None,
    ) -> int: ...

    async def set_state(
        self,
        thread_id: str,
        *,
        values: Any = None,
        interrupts: dict[str, Any] | None = None,
        status: str | None = None,
    ) -> None:
        """Record the thread's latest values/interrupts (after a state update outside a run)."""
        ...


class RunStore(Protocol):
    """Runs and the durable queue. Every state change of a running run is fenced by its lease epoch."""

    async def create(
        self,
        record: RunRecord,
        *,
        if_not_exists: str = "reject",
        thread_metadata: dict[str, Any] | None = None,
    ) -> tuple[RunRecord, list[str]]:
        """Insert a pending run, applying its multitask strategy atomically against the thread's active runs.

        Takes a lock on the thread row (PostgreSQL ``SELECT … FOR UPDATE``; SQLite ``BEGIN IMMEDIATE``) so
        two racing creates on one thread can never both see it idle. Raises ``NotFound`` for an unknown
        thread unless ``if_not_exists="create"`` (then creates it with ``thread_metadata``); raises
        ``ThreadBusy`` under "reject" when the thread has a pending or running run. Under "interrupt" and
        "rollback" every active run of the thread gets ``cancel_action`` set to the strategy (a pending
        one is finished at once: "interrupted", or deleted under rollback). Marks the thread busy.
        Returns the run and the ids of the runs asked to stop.
        """
        ...

    async def get(self, run_id: str) -> RunRecord | None: ...

    async def list(
        self, thread_id: str, *, limit: int = 10, offset: int = 0, status: str | None = None
    ) -> list[RunRecord]:
        """Runs of a thread, newest first."""
        ...

    async def delete(self, run_id: str) -> bool:
        """Delete a run and its events. Raises ``Conflict`` when the run is active."""
        ...

    async def claim(self, worker_id: str, *, lease_seconds: float, now: datetime) -> ClaimedRun | None:
        """Take the oldest claimable pending run: ``available_at <= now``, the oldest pending run of its
        thread, and no running run on that thread. Sets it running, bumps ``attempt`` and ``lease_epoch``,
        sets ``lease_owner``/``lease_expires_at`` and the thread busy. None when nothing is claimable."""
        ...

    async def count_pending(self) -> int:
        """Runs waiting for a worker (the queue depth)."""
        ...

    async def next_available_at(self) -> datetime | None:
        """The earliest ``available_at`` among pending runs that are not yet available (after_seconds)."""
        ...

    async def heartbeat(self, run_id: str, epoch: int, *, lease_seconds: float, now: datetime) -> str | None:
        """Extend the lease; returns the run's ``cancel_action`` (None normally). Raises ``LeaseLost``."""
        ...

    async def check_lease(self, run_id: str, epoch: int) -> bool:
        """True while ``epoch`` is the run's current lease epoch and the run is running."""
        ...

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
        """End a run (fenced: False and no change when ``epoch`` is stale).

        In one transaction: the run's status/error (or, with ``delete``, the run row and its events — rollback),
        the thread's values/interrupts and status (``thread_status``, but "busy" when another run of the
        thread is pending), or with ``delete_thread`` the thread with its runs and events (stateless
        runs with on_completion=delete).
        """
        ...

    async def release(self, run_id: str, epoch: int) -> bool:
        """Hand a running run back to the queue (clean shutdown): pending, lease cleared, attempt not counted."""
        ...

    async def requeue_expired(self, *, now: datetime, max_attempts: int) -> list[str]:
        """Return running runs whose lease expired to pending; a run whose ``attempt`` already reached
        ``max_attempts`` is marked error instead (thread error). Returns the ids requeued."""
        ...

    async def requeue_owned_by(self, owners: Sequence[str], *, max_attempts: int) -> list[str]:
        """Like ``requeue_expired`` for every running run held by one of ``owners`` (known dead workers)."""
        ...

    async def running_owners(self) -> list[str]:
        """The distinct lease owners of running runs."""
        ...

    async def request_cancel(self, run_id: str, action: str) -> RunRecord | None:
        """Ask a run to stop. Pending: finished at once as "interrupted" (rollback: deleted, returns the row
        as it was). Running: ``cancel_action`` set for its worker. Terminal: unchanged. None if unknown."""
        ...


class EventStore(Protocol):
    """The event log: each thread's events in one ``seq`` order (runs of a thread never overlap)."""

    async def append(self, run_id: str, epoch: int, events: Sequence[EventRecord]) -> bool:
        """Insert a batch in one transaction, fenced: nothing is written and False is returned when
        ``epoch`` is not the run's current lease epoch or the run is not running."""
        ...

    async def last_seq(self, thread_id: str) -> int:
        """The highest seq of the thread's events (0 when none)."""
        ...

    async def read(
        self,
        *,
        run_id: str | None = None,
        thread_id: str | None = None,
        after_seq: int = 0,
        limit: int = 1000,
    ) -> list[EventRecord]:
        """Events of one run (or of every run of a thread) with ``seq > after_seq``, in seq order."""
        ...

    async def delete_finished_before(self, cutoff: datetime) -> int:
        """Retention: drop events of runs that ended before ``cutoff``."""
        ...


class DeliveryStore(Protocol):
    """The outbox of outbound deliveries; see ``core.storage._sql.deliveries`` for the claim protocol."""

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
    ) -> DeliveryRecord: ...

    async def get(self, delivery_id: str) -> DeliveryRecord | None: ...

    async def claim(
        self, owner: str, *, limit: int, lease_seconds: float, now: datetime
    ) -> list[DeliveryRecord]:
        """Due deliveries (pending and due, or sending with a lapsed lease), leased to ``owner``."""
        ...

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
        """Record an attempt (fenced by ``epoch``); not delivered: retry later, or fail when < 0."""
        ...

    async def list(
        self, *, run_id: str | None = None, thread_id: str | None = None, limit: int = 100
    ) -> list[DeliveryRecord]: ...

    async def next_due_at(self) -> datetime | None: ...


class CronStore(Protocol):
    """Crons and their firings; a firing is unique per (cron_id, scheduled_time)."""

    async def create(self, record: CronRecord) -> CronRecord: ...

    async def get(self, cron_id: str) -> CronRecord | None: ...

    async def update(self, cron_id: str, changes: dict[str, Any]) -> CronRecord | None:
        """Write the updatable fields present in ``changes`` (schedule, timezone, payload, metadata,
        on_run_completed, end_time, enabled, next_run_date); other keys are ignored."""
        ...

    async def delete(self, cron_id: str) -> bool: ...

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
    ) -> list[CronRecord]: ...

    async def count(
        self,
        *,
        assistant_id: str | None = None,
        thread_id: str | None = None,
        enabled: bool | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> int: ...

    async def due(self, now: datetime, *, limit: int = 100) -> list[CronRecord]:
        """Enabled crons whose ``next_run_date`` is at or before ``now``."""
        ...

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
        """Compare-and-set ``next_run_date`` from ``expected_next`` and record the firing (unique per
        cron and scheduled time) in one transaction; False when another scheduler fired it."""
        ...

    async def mark_started(self, cron_id: str, scheduled_time: datetime) -> None: ...

    async def unstarted_firings(self, *, limit: int = 100) -> list[dict[str, Any]]: ...

    async def firings(self, cron_id: str) -> list[dict[str, Any]]: ...

    async def next_due_at(self) -> datetime | None: ...


class CheckpointAdmin(Protocol):
    """Operations on LangGraph's checkpoint tables that the checkpointers do not offer."""

    async def delete_after(self, thread_id: str, checkpoint_id: str | None) -> None:
        """Delete the thread's checkpoints (all namespaces) newer than ``checkpoint_id``; all when None."""
        ...

    async def copy_thread(self, source: str, target: str) -> None: ...

    async def delete_thread(self, thread_id: str) -> None: ...


class Storage(Protocol):
    """One backend: its stores, LangGraph's checkpointer and store, and the cross-process wake-up signal."""

    assistants: AssistantStore
    threads: ThreadStore
    runs: RunStore
    events: EventStore
    deliveries: DeliveryStore
    crons: CronStore
    operator_keys: Any  # core.storage._sql.keys.SqlOperatorKeyStore
    vault: VaultStore
    checkpoints: CheckpointAdmin
    checkpointer: Any  # langgraph BaseCheckpointSaver (async)
    store: Any  # langgraph BaseStore (async)

    async def setup(self) -> None:
        """Open connections and apply versioned migrations (idempotent)."""
        ...

    async def close(self) -> None: ...

    async def notify(self, channel: str, payload: str) -> None:
        """Tell other processes (PostgreSQL NOTIFY); a no-op on single-process backends."""
        ...

    async def listen(self, callback: Any) -> None:
        """Call ``callback(channel, payload)`` for notifications from other processes (no-op on SQLite)."""
        ...

    async def ping(self) -> bool: ...

    async def register_worker(self, worker_id: str) -> None:
        """Hold a liveness token for ``worker_id`` as long as this process lives (PostgreSQL: a session
        advisory lock on a dedicated connection; SQLite: remembered in memory)."""
        ...

    async def dead_workers(self, owners: Sequence[str]) -> list[str]:
        """The owners among ``owners`` whose liveness token is gone (PostgreSQL: their advisory lock can
        be taken; SQLite: every owner this process did not register, since one process serves a file)."""
        ...
