"""The Runs service: create (with double-texting), get, list, cancel, delete, join, stream."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import grpc

from core import tracing
from core.errors import Conflict, InvalidArgument, NotFound
from core.ids import new_id, utcnow
from core.runtime import CoreRuntime
from core.services._auth import authorized_thread, check_thread, matches, run_identity_config
from core.services._errors import translate_errors
from core.services._validate import choice, json_field, object_field
from core.storage.base import TERMINAL_RUN_STATUSES
from core.worker import STATELESS_MARK
from protos import codec
from protos.portico.v1 import common_pb2, runs_pb2, runs_pb2_grpc

__all__ = ["RunsService", "STREAM_MODES", "create_run", "run_kwargs", "webhook_url"]

STREAM_MODES = {"values", "updates", "messages", "custom", "debug", "tasks", "checkpoints"}
MULTITASK = {"reject", "enqueue", "interrupt", "rollback"}


def webhook_url(url: str, field: str = "webhook") -> str | None:
    """A delivery URL, checked for shape only (the dispatcher applies the delivery policy)."""
    if not url:
        return None
    parsed = urlsplit(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise InvalidArgument(f"{field}: must be an absolute http(s) URL; got {url!r}")
    return url


def _interrupt_nodes(name: str, nodes: list[str]) -> Any:
    if not nodes:
        return None
    if nodes == ["*"]:
        return "*"
    if "*" in nodes:
        raise InvalidArgument(f'{name}: "*" must stand alone')
    return nodes


def run_kwargs(request: runs_pb2.CreateRunRequest) -> dict[str, Any]:
    """Validate a create request into the run's stored kwargs; every failure names its field."""
    modes = list(request.stream_mode) or ["values"]
    unknown = [m for m in modes if m not in STREAM_MODES]
    if unknown:
        raise InvalidArgument(f"stream_mode: unsupported {unknown}; supported: {sorted(STREAM_MODES)}")
    graph_input = json_field("input", request.input)
    command = object_field("command", request.command)
    if command is not None and graph_input is not None:
        raise InvalidArgument("input: give either input or command, not both")
    if command is not None and not set(command) <= {"resume", "update", "goto"}:
        raise InvalidArgument(f"command: unknown keys {sorted(set(command) - {'resume', 'update', 'goto'})}")
    if request.after_seconds < 0:
        raise InvalidArgument("after_seconds: must be >= 0")
    if request.timeout_seconds < 0:
        raise InvalidArgument("timeout_seconds: must be >= 0")
    return {
        "input": graph_input,
        "command": command,
        "config": object_field("config", request.config),
        "context": object_field("context", request.context),
        "stream_mode": modes,
        "requested_stream_mode": list(request.requested_stream_mode) or None,
        "stream_subgraphs": request.stream_subgraphs,
        "stream_resumable": request.stream_resumable,
        "interrupt_before": _interrupt_nodes("interrupt_before", list(request.interrupt_before)),
        "interrupt_after": _interrupt_nodes("interrupt_after", list(request.interrupt_after)),
        "checkpoint": object_field("checkpoint", request.checkpoint),
        "durability": choice("durability", request.durability, {"sync", "async", "exit"}, "async"),
        "webhook": webhook_url(request.webhook),
        "on_completion": choice("on_completion", request.on_completion, {"delete", "keep"}, "delete"),
        "timeout_seconds": request.timeout_seconds or None,
        "stateless": not request.thread_id,
    }


async def create_run(
    rt: CoreRuntime,
    request: runs_pb2.CreateRunRequest,
    *,
    run_id: str | None = None,
    fresh_thread_id: str | None = None,
    thread_metadata: dict[str, Any] | None = None,
    trace: dict[str, str] | None = None,
    authorize: bool = True,
) -> dict[str, Any]:
    """Create a run as ``Create`` does (crons come this way too, so their runs are ordinary runs).

    ``run_id`` and ``fresh_thread_id`` (a stateless run's new thread) replace generated ids, so a caller
    retrying the same creation gets ``Conflict`` instead of a second run; ``thread_metadata`` is added to
    a thread the run creates; ``trace`` (W3C headers) is the trace the run's span continues.

    ``authorize`` (False only for crons, authorized when they were made and carrying their user's
    identity in their payload) runs ``threads.create_run`` for the caller and makes the run act for them.
    """
    if not request.assistant_id:
        raise InvalidArgument("assistant_id: required")
    kwargs = run_kwargs(request)
    if trace:
        kwargs["trace"] = trace
    strategy = choice("multitask_strategy", request.multitask_strategy, MULTITASK, "enqueue")
    if_not_exists = choice("if_not_exists", request.if_not_exists, {"reject", "create"}, "reject")
    metadata = object_field("metadata", request.metadata) or {}
    stamped: dict[str, Any] = {}
    if authorize:
        value = {
            "thread_id": request.thread_id or None,
            "assistant_id": request.assistant_id,
            "run_id": run_id,
            "status": "pending",
            "metadata": metadata,
            "prevent_insert_if_inflight": strategy == "reject",
            "multitask_strategy": strategy,
            "if_not_exists": if_not_exists,
            "after_seconds": request.after_seconds,
            "kwargs": kwargs,
        }
        doc = await rt.authz.check("threads", "create_run", value)
        metadata = value["metadata"]
        if rt.authz.enabled:  # a thread the run creates carries what the handler stamped, so it is theirs
            stamped = dict(metadata)
        if request.thread_id and doc is not None:
            thread = await rt.storage.threads.get(request.thread_id)
            if thread is not None and not matches(thread.get("metadata"), doc):
                raise NotFound(f"thread {request.thread_id} not found")
        kwargs["config"] = run_identity_config(kwargs["config"])
    assistant = await rt.resolve_assistant(request.assistant_id)
    thread_id = request.thread_id
    if not thread_id:
        thread_id = fresh_thread_id or new_id()
        if_not_exists = "create"
    now = utcnow()
    record = {
        "run_id": run_id or new_id(),
        "thread_id": thread_id,
        "assistant_id": assistant["assistant_id"],
        "status": "pending",
        "metadata": metadata,
        "kwargs": kwargs,
        "multitask_strategy": strategy,
        "attempt": 0,
        "created_at": now,
        "updated_at": now,
        "available_at": now if request.after_seconds <= 0 else now + timedelta(seconds=request.after_seconds),
    }
    new_thread_metadata = {
        **stamped,
        **(thread_metadata or {}),
        "graph_id": assistant["graph_id"],
        "assistant_id": assistant["assistant_id"],
    }
    if not request.thread_id and kwargs["on_completion"] == "delete":
        new_thread_metadata[STATELESS_MARK] = "delete"
    run, to_stop = await rt.storage.runs.create(
        record, if_not_exists=if_not_exists, thread_metadata=new_thread_metadata
    )
    rt.metrics.runs_created.labels(assistant_id=run["assistant_id"]).inc()
    for stopped_id in to_stop:
        await rt.request_stop(stopped_id, strategy)
    if to_stop:
        await rt.wake_dispatchers()  # a pending run it stopped may have had a webhook
    await rt.wake_workers()
    return run


@translate_errors
class RunsService(runs_pb2_grpc.RunsServicer):
    def __init__(self, rt: CoreRuntime) -> None:
        self.rt = rt

    async def Create(
        self, request: runs_pb2.CreateRunRequest, context: grpc.aio.ServicerContext
    ) -> runs_pb2.Run:
        # The run keeps the caller's trace context, so the worker's run span continues its trace.
        with tracing.rpc_span("portico.v1.Runs/Create", context.invocation_metadata()):
            run = await create_run(self.rt, request, trace=tracing.carrier())
        return codec.to_message(runs_pb2.Run, run)

    async def _get(self, run_id: str, thread_id: str = "", action: str = "read") -> dict[str, Any]:
        """The run, when the caller may ``threads.<action>`` its thread (runs are authorized by thread)."""
        run = await self.rt.storage.runs.get(run_id)
        if run is None or (thread_id and run["thread_id"] != thread_id):
            raise NotFound(f"run {run_id} not found")
        try:
            value = {"thread_id": run["thread_id"], "run_id": run_id}
            if action == "update":
                value["action"] = None
            await check_thread(self.rt, run["thread_id"], action, value)
        except NotFound:
            raise NotFound(f"run {run_id} not found") from None
        return run

    async def Get(self, request: runs_pb2.GetRunRequest, context: grpc.aio.ServicerContext) -> runs_pb2.Run:
        return codec.to_message(runs_pb2.Run, await self._get(request.run_id, request.thread_id))

    async def List(
        self, request: runs_pb2.ListRunsRequest, context: grpc.aio.ServicerContext
    ) -> runs_pb2.RunList:
        await authorized_thread(self.rt, request.thread_id)
        runs = await self.rt.storage.runs.list(
            request.thread_id, limit=request.limit or 10, offset=request.offset, status=request.status or None
        )
        return codec.to_message(runs_pb2.RunList, {"runs": runs})

    async def Cancel(
        self, request: runs_pb2.CancelRunRequest, context: grpc.aio.ServicerContext
    ) -> runs_pb2.Run:
        action = choice("action", request.action, {"interrupt", "rollback"}, "interrupt")
        run = await self._get(request.run_id, request.thread_id, "update")
        updated = await self.rt.storage.runs.request_cancel(run["run_id"], action)
        if run["status"] == "running":
            await self.rt.request_stop(run["run_id"], action)
        else:
            await self.rt.events.published(run["thread_id"])
            await self.rt.wake_workers()
            await self.rt.wake_dispatchers()
        if request.wait:
            await self.rt.wait_terminal(run["run_id"], run["thread_id"])
            updated = await self.rt.storage.runs.get(run["run_id"]) or updated
        return codec.to_message(runs_pb2.Run, updated or run)

    async def CancelMany(
        self, request: runs_pb2.CancelRunsRequest, context: grpc.aio.ServicerContext
    ) -> common_pb2.Empty:
        action = choice("action", request.action, {"interrupt", "rollback"}, "interrupt")
        status = choice("status", request.status, {"pending", "running", "all"}, "")
        ids = list(request.run_ids)
        if not ids:
            if not request.thread_id:
                raise InvalidArgument("thread_id: give run_ids or a thread_id")
            wanted = ("pending", "running") if status in ("", "all") else (status,)
            await check_thread(self.rt, request.thread_id, "update")
            runs = await self.rt.storage.runs.list(request.thread_id, limit=10_000)
            ids = [r["run_id"] for r in runs if r["status"] in wanted]
        for run_id in ids:
            run = await self._get(run_id, request.thread_id, "update")
            await self.rt.storage.runs.request_cancel(run_id, action)
            await self.rt.request_stop(run_id, action)
            await self.rt.events.published(run["thread_id"])
        await self.rt.wake_dispatchers()
        return common_pb2.Empty()

    async def Delete(
        self, request: runs_pb2.GetRunRequest, context: grpc.aio.ServicerContext
    ) -> common_pb2.Empty:
        run = await self._get(request.run_id, request.thread_id, "delete")
        if run["status"] not in TERMINAL_RUN_STATUSES:
            raise Conflict(f"run {run['run_id']} is {run['status']}; cancel it before deleting")
        await self.rt.storage.runs.delete(run["run_id"])
        return common_pb2.Empty()

    async def Join(
        self, request: runs_pb2.JoinRunRequest, context: grpc.aio.ServicerContext
    ) -> runs_pb2.RunResult:
        run = await self._get(request.run_id, request.thread_id)
        run = await self.rt.wait_terminal(run["run_id"], run["thread_id"])
        if run is None:
            raise NotFound(f"run {request.run_id} was rolled back")
        return codec.to_message(runs_pb2.RunResult, await self.rt.run_result(run))

    async def Stream(
        self, request: runs_pb2.StreamRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[runs_pb2.Event]:
        if request.run_id:
            await self._get(request.run_id, request.thread_id)
        elif request.thread_id:
            await authorized_thread(self.rt, request.thread_id)
        else:
            raise InvalidArgument("run_id: give a run_id or a thread_id")
        modes = set(request.stream_mode)
        accept = (
            (lambda name: name.split("|", 1)[0] in modes or name in ("metadata", "error")) if modes else None
        )
        async for event in self.rt.events.subscribe(
            run_id=request.run_id or None,
            thread_id=request.thread_id or None,
            after_seq=request.after_seq,
            accept=accept,
        ):
            yield runs_pb2.Event(
                run_id=event["run_id"], seq=event["seq"], event=event["event"], data=event["data"]
            )
