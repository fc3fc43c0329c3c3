"""Runs one claimed run with LangGraph and records its outcome.

LangGraph is the engine: interrupts, ``Command``, retry policies, subgraphs and time travel are its own
semantics; this module only builds the config, streams chunks into the event log, and turns the end state
into run and thread statuses. A retried run (its previous worker died) continues from the thread's latest
checkpoint when that checkpoint belongs to this run, so committed super-steps never run again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from langgraph.types import Command, Send

from core.errors import LeaseLost
from core.events import EventLog, RunEventWriter
from core.fencing import FencedCheckpointer
from core.metrics import CoreMetrics
from core.state import interrupt_to_dict
from core.storage.base import ClaimedRun, Storage
from core.tracing import node_spans, record_outcome

__all__ = ["Executor", "RunControl", "build_command"]

log = logging.getLogger(__name__)


@dataclass
class RunControl:
    """How the worker pool talks to a run in flight: a stop request and why."""

    stop: asyncio.Event = field(default_factory=asyncio.Event)
    action: str | None = None  # interrupt | rollback | cancel | lost | shutdown

    def request(self, action: str) -> None:
        if self.action is None:
            self.action = action
        self.stop.set()


def build_command(command: dict[str, Any]) -> Command:
    """A LangGraph ``Command`` from the API's ``{"resume", "update", "goto"}`` JSON."""
    goto = command.get("goto")
    if goto is not None:
        items = goto if isinstance(goto, list) else [goto]
        goto = [Send(g["node"], g.get("input")) if isinstance(g, dict) else g for g in items]
        if len(goto) == 1:
            goto = goto[0]
    kwargs: dict[str, Any] = {}
    if "resume" in command:
        kwargs["resume"] = command["resume"]
    if command.get("update") is not None:
        update = command["update"]
        kwargs["update"] = [tuple(u) for u in update] if isinstance(update, list) else update
    if goto is not None:
        kwargs["goto"] = goto
    return Command(**kwargs)


def _merge_config(base: dict[str, Any] | None, override: dict[str, Any] | None) -> dict[str, Any]:
    config = dict(base or {})
    for key, value in (override or {}).items():
        if isinstance(value, dict) and isinstance(config.get(key), dict):
            config[key] = {**config[key], **value}
        else:
            config[key] = value
    return config


def interrupts_of(state: Any) -> dict[str, list[dict[str, Any]]]:
    """Pending interrupts of a ``StateSnapshot`` keyed by task id, as LangGraph Platform shows them."""
    out: dict[str, list[dict[str, Any]]] = {}
    for task in state.tasks:
        if task.interrupts:
            out[task.id] = [interrupt_to_dict(i) for i in task.interrupts]
    return out


class Executor:
    """Executes claimed runs; one instance per worker process."""

    def __init__(
        self,
        storage: Storage,
        registry: Any,
        events: EventLog,
        *,
        default_timeout: float | None = None,
        on_webhook: Callable[[], Awaitable[None]] | None = None,
        metrics: CoreMetrics | None = None,
    ) -> None:
        self.storage = storage
        self.registry = registry
        self.events = events
        self.default_timeout = default_timeout
        self.on_webhook = on_webhook
        """Called after a run with a webhook ended (its delivery is in the outbox): wakes dispatchers."""
        self.metrics = metrics or CoreMetrics()

    async def execute(self, claimed: ClaimedRun, control: RunControl) -> None:
        """Run to an end state, or return without finishing when the lease is lost or on shutdown."""
        run, epoch = claimed.run, claimed.epoch
        run_id, thread_id = run["run_id"], run["thread_id"]
        started = time.monotonic()
        writer = await self.events.writer(run_id, thread_id, epoch)
        writer.append("metadata", {"run_id": run_id, "thread_id": thread_id, "attempt": run["attempt"]})
        if run.get("cancel_action"):
            control.request(run["cancel_action"])
        try:
            outcome = await self._run_graph(claimed, control, writer)
            await writer.flush()
        except LeaseLost as exc:
            log.warning(
                "run lost its lease; another worker owns it", extra={"run_id": run_id, "reason": str(exc)}
            )
            return
        if outcome is None:  # shutdown or lease lost: the run goes back to the queue untouched
            return
        await self._finish(claimed, outcome, started)

    def _count(self, run: dict[str, Any], status: str, started: float) -> None:
        # Called right after the final status is written, before anyone is woken: a caller who saw the run
        # end (join, wait) and then reads /metrics finds it counted.
        labels = {"assistant_id": run["assistant_id"], "status": status}
        self.metrics.runs_finished.labels(**labels).inc()
        self.metrics.run_duration.labels(**labels).observe(time.monotonic() - started)
        record_outcome(status)

    async def _graph_and_config(
        self, run: dict[str, Any], checkpointer: Any
    ) -> tuple[Any, dict[str, Any], Any]:
        kw = run["kwargs"] or {}
        assistant = await self.storage.assistants.get(run["assistant_id"])
        if assistant is None:
            raise LookupError(f"assistant {run['assistant_id']} was deleted")
        config = _merge_config(assistant.get("config"), kw.get("config"))
        configurable = dict(config.get("configurable") or {})
        configurable.update(
            thread_id=run["thread_id"],
            run_id=run["run_id"],
            assistant_id=assistant["assistant_id"],
            graph_id=assistant["graph_id"],
        )
        checkpoint = kw.get("checkpoint") or {}
        for key in ("checkpoint_id", "checkpoint_ns", "checkpoint_map"):
            if checkpoint.get(key) is not None:
                configurable[key] = checkpoint[key]
        config["configurable"] = configurable
        config["metadata"] = {
            **(config.get("metadata") or {}),
            **(run.get("metadata") or {}),
            "run_id": run["run_id"],
            "thread_id": run["thread_id"],
            "assistant_id": assistant["assistant_id"],
            "graph_id": assistant["graph_id"],
        }
        with contextlib.suppress(ValueError):
            config["run_id"] = uuid.UUID(run["run_id"])
        context = {**(assistant.get("context") or {}), **(kw.get("context") or {})} or None
        graph = await self.registry.get(assistant["graph_id"], config, checkpointer, self.storage.store)
        return graph, config, context

    async def _input(self, run: dict[str, Any], graph: Any, config: dict[str, Any], epoch: int) -> Any:
        kw = run["kwargs"] or {}
        if epoch > 1:
            # Claimed before: continue from this run's own latest checkpoint if it wrote one.
            latest = await graph.checkpointer.aget_tuple(
                {"configurable": {"thread_id": run["thread_id"], "checkpoint_ns": ""}}
            )
            if latest is not None and latest.metadata.get("run_id") == run["run_id"]:
                config["configurable"].pop("checkpoint_id", None)
                return None
        if kw.get("command"):
            return build_command(kw["command"])
        return kw.get("input")

    async def _run_graph(
        self, claimed: ClaimedRun, control: RunControl, writer: RunEventWriter
    ) -> dict[str, Any] | None:
        run, epoch = claimed.run, claimed.epoch
        kw = run["kwargs"] or {}

        async def lease_valid() -> bool:
            return control.action != "lost" and await self.storage.runs.check_lease(run["run_id"], epoch)

        checkpointer = FencedCheckpointer(self.storage.checkpointer, lease_valid)
        try:
            graph, config, context = await self._graph_and_config(run, checkpointer)
            graph_input = await self._input(run, graph, config, epoch)
        except LeaseLost:
            raise
        except Exception as exc:  # noqa: BLE001 - a broken graph or assistant fails the run, not the worker
            return self._error_outcome(writer, exc)

        modes = list(kw.get("stream_mode") or ["values"])
        subgraphs = bool(kw.get("stream_subgraphs"))

        spans = node_spans()
        if spans:  # tracing on: nodes, tools and model calls get spans under the run's
            config = {**config, "callbacks": [*(config.get("callbacks") or []), *spans]}

        async def stream() -> None:
            async for item in graph.astream(
                graph_input,
                config,
                context=context,
                stream_mode=modes,
                subgraphs=subgraphs,
                durability=kw.get("durability") or "async",
                interrupt_before=kw.get("interrupt_before"),
                interrupt_after=kw.get("interrupt_after"),
            ):
                if subgraphs:
                    ns, mode, chunk = item
                    writer.append(f"{mode}|{'|'.join(ns)}" if ns else mode, chunk)
                else:
                    mode, chunk = item
                    writer.append(mode, chunk)

        timeout = kw.get("timeout_seconds") or self.default_timeout
        task = asyncio.create_task(stream())
        stop = asyncio.create_task(control.stop.wait())
        try:
            done, _ = await asyncio.wait({task, stop}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.cancel()
        if task not in done:
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
            if control.action in ("lost", "shutdown"):
                if control.action == "lost":
                    raise LeaseLost("heartbeat found the lease gone")
                return None
            if not control.stop.is_set():
                error = {"error": "TimeoutError", "message": f"run exceeded its timeout of {timeout} s"}
                writer.append("error", error)
                return {
                    "status": "timeout",
                    "error": error,
                    "thread_status": "idle",
                    "config": config,
                    "graph": graph,
                }
            action = control.action or "interrupt"
            return {
                "status": "interrupted",
                "action": action,
                "thread_status": "idle",
                "config": config,
                "graph": graph,
            }
        exc = task.exception()
        if isinstance(exc, LeaseLost):
            raise exc
        if exc is not None:
            outcome = self._error_outcome(writer, exc)
            outcome.update(config=config, graph=graph)
            return outcome
        return {"status": "success", "config": config, "graph": graph}

    @staticmethod
    def _error_outcome(writer: RunEventWriter, exc: BaseException) -> dict[str, Any]:
        error = {"error": type(exc).__name__, "message": str(exc)}
        log.info("run failed", extra={"run_id": writer.run_id, "error": error["error"]})
        writer.append("error", error)
        return {"status": "error", "error": error, "thread_status": "error"}

    async def _finish(self, claimed: ClaimedRun, outcome: dict[str, Any], started: float) -> None:
        run, epoch = claimed.run, claimed.epoch
        run_id, thread_id = run["run_id"], run["thread_id"]
        values: Any = None
        interrupts: dict[str, Any] = {}
        graph = outcome.get("graph")
        if outcome.get("action") == "rollback":
            await self._rollback(run)
            await self.storage.runs.finish(
                run_id, epoch, status="interrupted", thread_status="idle", delete=True
            )
            self._count(run, "interrupted", started)
            await self.events.published(thread_id)
            return
        if graph is not None:
            try:
                state = await graph.aget_state(
                    {"configurable": {"thread_id": thread_id, "checkpoint_ns": ""}}
                )
                values, interrupts = state.values, interrupts_of(state)
                if outcome["status"] == "success" and state.next:
                    outcome["status"] = "interrupted"
                    outcome["thread_status"] = "interrupted"
            except Exception:  # noqa: BLE001 - the outcome stands even if the state cannot be read
                log.exception("could not read the final state", extra={"run_id": run_id})
        thread_status = outcome.get("thread_status") or "idle"
        if interrupts and outcome["status"] in ("success", "interrupted") and thread_status == "idle":
            thread_status = "interrupted"
        await self.storage.runs.finish(
            run_id,
            epoch,
            status=outcome["status"],
            error=outcome.get("error"),
            thread_status=thread_status,
            values=values,
            interrupts=interrupts,
        )
        self._count(run, outcome["status"], started)
        # A stateless run's thread (on_completion=delete) stays for a grace period so that joins and
        # late stream readers still get the outcome; the worker pool's sweeper deletes it after that.
        await self.events.published(thread_id)
        if self.on_webhook is not None and (run.get("kwargs") or {}).get("webhook"):
            try:
                await self.on_webhook()
            except Exception:  # noqa: BLE001 - the delivery is stored; a dispatcher's next claim finds it
                log.warning("could not wake webhook dispatchers", extra={"run_id": run_id})

    async def _rollback(self, run: dict[str, Any]) -> None:
        """Remove the checkpoints this run wrote: everything newer than the last one it did not write."""
        start_id: str | None = None
        config = {"configurable": {"thread_id": run["thread_id"], "checkpoint_ns": ""}}
        # Closed before the delete: the SQLite saver holds the write turn while its listing is open.
        async with contextlib.aclosing(self.storage.checkpointer.alist(config)) as items:
            async for item in items:
                if item.metadata.get("run_id") != run["run_id"]:
                    start_id = item.config["configurable"]["checkpoint_id"]
                    break
        await self.storage.checkpoints.delete_after(run["thread_id"], start_id)
