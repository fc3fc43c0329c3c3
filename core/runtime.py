"""The core's parts wired together: storage, graphs, event log, wake-ups and (optionally) a worker pool.

Servicers hold one ``CoreRuntime`` and reach every part through it. A ``portico core`` process without
workers still serves every RPC; cancellations then travel to the workers by PostgreSQL NOTIFY.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from auth.vault import TokenVault, VaultConfig, bind_vault, unbind_vault
from core.errors import NotFound
from core.events import EventLog, thread_key
from core.ids import utcnow
from core.metrics import CoreMetrics
from core.notify import Notifier
from core.settings import Settings
from core.storage.base import TERMINAL_RUN_STATUSES, Storage
from core.worker import RUNS_KEY, WorkerPool

__all__ = ["CRONS_KEY", "DELIVERIES_KEY", "CoreRuntime", "default_assistant_id"]

log = logging.getLogger(__name__)
DELIVERIES_KEY = "deliveries"
CRONS_KEY = "crons"


def default_assistant_id(graph_id: str) -> str:
    """The id of a graph's default assistant: the same UUID LangGraph Platform derives from the graph id."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, graph_id))


class CoreRuntime:
    def __init__(
        self,
        settings: Settings,
        storage: Storage,
        registry: Any,
        *,
        auth: Any = None,
        vault: VaultConfig | None = None,
    ) -> None:
        from auth.edge import CoreEdge
        from auth.keys import OperatorKeys
        from auth.setup import AuthSetup

        self.settings = settings
        self.auth: AuthSetup = auth or AuthSetup()
        self.authz = self.auth.authorizer()
        """Decides every operation for ``auth.identity.current()`` (open mode: everything is allowed)."""
        self.operator_keys = OperatorKeys(storage.operator_keys)
        self.edge = CoreEdge(
            secret=self.auth.secret, authenticator=self.auth.authenticator(), keys=self.operator_keys
        )
        self.storage = storage
        self.registry = registry
        self.notifier = Notifier()
        self.events = EventLog(storage, self.notifier)
        self.metrics = CoreMetrics()
        self.pool: WorkerPool | None = None
        self.scheduler: Any = None  # core.scheduler.CronScheduler, when this process schedules crons
        self.cron_clock: Callable[[], datetime] = utcnow
        """The time crons are scheduled by (tests replace it to simulate days in milliseconds)."""
        self.vault = TokenVault(vault or VaultConfig(), storage.vault)
        """Agent Auth's token vault; runs reach it through ``portico.agent_auth``."""

    async def start(self, *, workers: bool = True) -> None:
        await self.registry.load()  # a broken project fails at start-up, not at the first run
        await self.storage.setup()
        await self.storage.listen(self._on_notification)
        await self.ensure_default_assistants()
        # Bound before the workers start: every run task they launch inherits this runtime's vault.
        bind_vault(self.vault)
        if workers:
            from core.executor import Executor

            executor = Executor(
                self.storage,
                self.registry,
                self.events,
                default_timeout=self.settings.run_timeout_seconds,
                on_webhook=self.wake_dispatchers,
                metrics=self.metrics,
            )
            self.pool = WorkerPool(self.storage, executor, self.notifier, self.settings)
            await self.pool.start()
        from core.scheduler import CronScheduler

        self.scheduler = CronScheduler(self)
        if self.settings.cron_scheduler:
            self.scheduler.start()

    async def stop_workers(self) -> None:
        """Stop scheduling crons, hand running runs back to the queue and stop claiming."""
        if self.scheduler is not None:
            await self.scheduler.stop()
        if self.pool is not None:
            await self.pool.stop()
            self.pool = None

    async def close(self) -> None:
        await self.stop_workers()
        unbind_vault(self.vault)
        await self.registry.aclose()
        await self.storage.close()

    async def ensure_default_assistants(self) -> None:
        now = utcnow()
        for graph_id in self.registry.graph_ids():
            await self.storage.assistants.create(
                {
                    "assistant_id": default_assistant_id(graph_id),
                    "graph_id": graph_id,
                    "name": graph_id,
                    "description": self.registry.description(graph_id) or "",
                    "config": {},
                    "context": {},
                    "metadata": {"created_by": "system"},
                    "created_at": now,
                    "updated_at": now,
                },
                if_exists="do_nothing",
            )

    def _on_notification(self, channel: str, payload: str) -> None:
        if channel == "portico_events":
            self.notifier.notify(thread_key(payload))
        elif channel == "portico_runs":
            if payload in ("deliveries", "crons"):
                self.notifier.notify(DELIVERIES_KEY if payload == "deliveries" else CRONS_KEY)
            elif payload.startswith("cancel:") and self.pool is not None:
                _, action, run_id = payload.split(":", 2)
                self.pool.cancel(run_id, action)
            else:
                self.notifier.notify(RUNS_KEY)

    async def wake_dispatchers(self) -> None:
        """Deliveries may be due (a run with a webhook ended): wake dispatchers waiting in ``Webhooks.Claim``."""
        self.notifier.notify(DELIVERIES_KEY)
        await self.storage.notify("portico_runs", "deliveries")

    async def wake_schedulers(self) -> None:
        """A cron was created or changed: schedulers recompute when to wake."""
        self.notifier.notify(CRONS_KEY)
        await self.storage.notify("portico_runs", "crons")

    async def wake_workers(self) -> None:
        self.notifier.notify(RUNS_KEY)
        await self.storage.notify("portico_runs", "wake")

    async def request_stop(self, run_id: str, action: str) -> None:
        """Tell whichever worker runs ``run_id`` to stop with ``action`` (interrupt | rollback)."""
        if self.pool is not None:
            self.pool.cancel(run_id, action)
        await self.storage.notify("portico_runs", f"cancel:{action}:{run_id}")

    async def resolve_assistant(self, assistant_id: str) -> dict[str, Any]:
        """An assistant by id, or a graph's default assistant by graph id."""
        assistant = await self.storage.assistants.get(assistant_id)
        if assistant is None and assistant_id in self.registry.graph_ids():
            assistant = await self.storage.assistants.get(default_assistant_id(assistant_id))
        if assistant is None:
            raise NotFound(f"assistant {assistant_id} not found")
        return assistant

    async def wait_terminal(self, run_id: str, thread_id: str) -> dict[str, Any] | None:
        """Wait without polling until the run ends; None if it was deleted (rolled back)."""
        key = thread_key(thread_id)
        while True:
            wake = self.notifier.waiter(key)
            try:
                run = await self.storage.runs.get(run_id)
                if run is None or run["status"] in TERMINAL_RUN_STATUSES:
                    return run
                await wake
            finally:
                wake.cancel()

    async def run_result(self, run: dict[str, Any]) -> dict[str, Any]:
        """A finished run with its thread's final values and pending interrupts."""
        output = run.get("output")
        if output is None:
            thread = await self.storage.threads.get(run["thread_id"])
            output = {"values": thread["values"], "interrupts": thread["interrupts"]} if thread else {}
        return {"run": run, "values": output.get("values"), "interrupts": output.get("interrupts")}
