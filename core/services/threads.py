"""The Threads service: CRUD, search, copy, and state (get, update, history) through LangGraph."""

from __future__ import annotations

from typing import Any

import grpc

from core.errors import Conflict, FailedPrecondition, InvalidArgument, NotFound
from core.executor import interrupts_of
from core.ids import new_id
from core.runtime import CoreRuntime
from core.services._auth import authorized_thread, matches
from core.services._errors import translate_errors
from core.services._validate import choice, filter_field, object_field
from core.state import snapshot_to_dict
from protos import codec
from protos.portico.v1 import common_pb2, threads_pb2, threads_pb2_grpc

__all__ = ["ThreadsService"]

THREAD_SORT = {"thread_id", "status", "created_at", "updated_at"}
THREAD_STATUS = {"idle", "busy", "interrupted", "error"}


def _sort(request: Any) -> tuple[str, str]:
    return (
        choice("sort_by", request.sort_by, THREAD_SORT, "created_at"),
        choice("sort_order", request.sort_order, {"asc", "desc"}, "desc"),
    )


@translate_errors
class ThreadsService(threads_pb2_grpc.ThreadsServicer):
    def __init__(self, rt: CoreRuntime) -> None:
        self.rt = rt

    async def _thread(
        self, thread_id: str, action: str = "read", value: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        return await authorized_thread(self.rt, thread_id, action, value)

    async def _graph(self, thread: dict[str, Any], config: dict[str, Any]) -> Any:
        """The graph that owns a thread's checkpoints."""
        graph_id = await self._graph_id(thread)
        return await self.rt.registry.get(
            graph_id, config, self.rt.storage.checkpointer, self.rt.storage.store
        )

    async def _graph_id(self, thread: dict[str, Any]) -> str:
        """From the thread's metadata, its latest run, or the deployment's only graph."""
        graph_id = (thread.get("metadata") or {}).get("graph_id")
        if not graph_id:
            runs = await self.rt.storage.runs.list(thread["thread_id"], limit=1)
            if runs:
                assistant = await self.rt.storage.assistants.get(runs[0]["assistant_id"])
                graph_id = assistant["graph_id"] if assistant else None
        if not graph_id:
            ids = list(self.rt.registry.graph_ids())
            if len(ids) != 1:
                raise FailedPrecondition(
                    f"thread {thread['thread_id']} has no graph yet: run it once, or set metadata.graph_id"
                )
            graph_id = ids[0]
        return str(graph_id)

    @staticmethod
    def _config(thread_id: str, checkpoint: dict[str, Any] | None) -> dict[str, Any]:
        configurable: dict[str, Any] = {"thread_id": thread_id, "checkpoint_ns": ""}
        for key, value in (checkpoint or {}).items():
            if key in ("checkpoint_id", "checkpoint_ns", "checkpoint_map") and value is not None:
                configurable[key] = value
        return {"configurable": configurable}

    async def Create(
        self, request: threads_pb2.CreateThreadRequest, context: grpc.aio.ServicerContext
    ) -> threads_pb2.Thread:
        if_exists = choice("if_exists", request.if_exists, {"raise", "do_nothing"}, "raise")
        value = {
            "thread_id": request.thread_id or new_id(),
            "metadata": object_field("metadata", request.metadata) or {},
            "if_exists": if_exists,
        }
        doc = await self.rt.authz.check("threads", "create", value)  # a handler may stamp metadata
        thread = await self.rt.storage.threads.create(
            str(value["thread_id"]), metadata=value["metadata"], if_exists=if_exists
        )
        if not matches(thread.get("metadata"), doc):  # do_nothing on someone else's thread
            raise Conflict(f"thread {value['thread_id']} already exists")
        return codec.to_message(threads_pb2.Thread, thread)

    async def Get(
        self, request: threads_pb2.GetThreadRequest, context: grpc.aio.ServicerContext
    ) -> threads_pb2.Thread:
        return codec.to_message(threads_pb2.Thread, await self._thread(request.thread_id))

    async def Update(
        self, request: threads_pb2.UpdateThreadRequest, context: grpc.aio.ServicerContext
    ) -> threads_pb2.Thread:
        metadata = object_field("metadata", request.metadata) or {}
        value = {"thread_id": request.thread_id, "metadata": metadata}
        await self._thread(request.thread_id, "update", value)
        thread = await self.rt.storage.threads.update(request.thread_id, metadata=value["metadata"])
        if thread is None:
            raise NotFound(f"thread {request.thread_id} not found")
        return codec.to_message(threads_pb2.Thread, thread)

    async def Delete(
        self, request: threads_pb2.GetThreadRequest, context: grpc.aio.ServicerContext
    ) -> common_pb2.Empty:
        thread = await self._thread(request.thread_id, "delete")
        for run in await self.rt.storage.runs.list(thread["thread_id"], limit=10_000):
            if run["status"] in ("pending", "running"):
                await self.rt.storage.runs.request_cancel(run["run_id"], "interrupt")
                await self.rt.request_stop(run["run_id"], "interrupt")
        await self.rt.storage.threads.delete(thread["thread_id"])
        await self.rt.storage.checkpoints.delete_thread(thread["thread_id"])
        await self.rt.events.published(thread["thread_id"])
        return common_pb2.Empty()

    def _filters(self, request: threads_pb2.SearchThreadsRequest) -> dict[str, Any]:
        status = request.status or None
        if status is not None and status not in THREAD_STATUS:
            raise InvalidArgument(f"status: {status!r} is not one of {', '.join(sorted(THREAD_STATUS))}")
        return {
            "metadata": object_field("metadata", request.metadata),
            "values": object_field("values", request.values),
            "status": status,
        }

    async def _search_filter(self, request: Any, filters: dict[str, Any]) -> dict[str, Any] | None:
        value = {
            **filters,
            "limit": request.limit,
            "offset": request.offset,
            "ids": list(request.ids) or None,
        }
        value["metadata"] = dict(filters["metadata"] or {})  # a handler's copy: it may stamp, not filter
        return await self.rt.authz.check("threads", "search", value)

    async def Search(
        self, request: threads_pb2.SearchThreadsRequest, context: grpc.aio.ServicerContext
    ) -> threads_pb2.ThreadList:
        sort_by, sort_order = _sort(request)
        if request.limit < 0 or request.offset < 0:
            raise InvalidArgument("limit: limit and offset must be >= 0")
        filters = self._filters(request)
        threads = await self.rt.storage.threads.search(
            **filters,
            auth=await self._search_filter(request, filters),
            ids=list(request.ids) or None,
            limit=request.limit or 10,
            offset=request.offset,
            sort_by=sort_by,
            sort_order=sort_order,
        )
        return codec.to_message(threads_pb2.ThreadList, {"threads": threads})

    async def Count(
        self, request: threads_pb2.SearchThreadsRequest, context: grpc.aio.ServicerContext
    ) -> common_pb2.CountResponse:
        filters = self._filters(request)
        auth = await self._search_filter(request, filters)
        return common_pb2.CountResponse(count=await self.rt.storage.threads.count(**filters, auth=auth))

    async def Copy(
        self, request: threads_pb2.CopyThreadRequest, context: grpc.aio.ServicerContext
    ) -> threads_pb2.Thread:
        source = await self._thread(request.thread_id)
        metadata = dict(source.get("metadata") or {})
        if source.get("values") is not None:
            metadata.setdefault("graph_id", await self._graph_id(source))
        value = {"thread_id": new_id(), "metadata": metadata, "if_exists": "raise"}
        await self.rt.authz.check("threads", "create", value)  # the copy is a new thread of the caller's
        target = await self.rt.storage.threads.create(str(value["thread_id"]), metadata=value["metadata"])
        await self.rt.storage.checkpoints.copy_thread(source["thread_id"], target["thread_id"])
        await self.rt.storage.threads.set_state(
            target["thread_id"],
            values=source.get("values"),
            interrupts=source.get("interrupts"),
            status="interrupted" if source.get("interrupts") else "idle",
        )
        return codec.to_message(threads_pb2.Thread, await self._thread(target["thread_id"]))

    async def GetState(
        self, request: threads_pb2.GetStateRequest, context: grpc.aio.ServicerContext
    ) -> threads_pb2.ThreadState:
        thread = await self._thread(request.thread_id)
        checkpoint = object_field("checkpoint", request.checkpoint)
        config = self._config(thread["thread_id"], checkpoint)
        graph = await self._graph(thread, config)
        snapshot = await graph.aget_state(config, subgraphs=request.subgraphs)
        if checkpoint and checkpoint.get("checkpoint_id") and snapshot.config is None:
            raise NotFound(
                f"checkpoint {checkpoint['checkpoint_id']} not found on thread {thread['thread_id']}"
            )
        return threads_pb2.ThreadState(state=codec.dumps(snapshot_to_dict(snapshot)))

    async def UpdateState(
        self, request: threads_pb2.UpdateStateRequest, context: grpc.aio.ServicerContext
    ) -> threads_pb2.UpdateStateResponse:
        thread = await self._thread(request.thread_id, "update")
        if thread["status"] == "busy":
            raise Conflict(f"thread {thread['thread_id']} is busy: a run is in progress")
        config = self._config(thread["thread_id"], object_field("checkpoint", request.checkpoint))
        graph = await self._graph(thread, config)
        values = codec.loads(request.values) if request.values else None
        try:
            new_config = await graph.aupdate_state(config, values, as_node=request.as_node or None)
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidArgument(f"values: {exc}") from exc
        snapshot = await graph.aget_state(
            {"configurable": {"thread_id": thread["thread_id"], "checkpoint_ns": ""}}
        )
        interrupts = interrupts_of(snapshot)
        await self.rt.storage.threads.set_state(
            thread["thread_id"],
            values=snapshot.values,
            interrupts=interrupts,
            status="interrupted" if interrupts else "idle",
        )
        configurable = new_config.get("configurable", {})
        keys = ("thread_id", "checkpoint_ns", "checkpoint_id", "checkpoint_map")
        return threads_pb2.UpdateStateResponse(
            checkpoint=codec.dumps({k: configurable[k] for k in keys if k in configurable})
        )

    async def GetHistory(
        self, request: threads_pb2.GetHistoryRequest, context: grpc.aio.ServicerContext
    ) -> threads_pb2.ThreadHistory:
        thread = await self._thread(request.thread_id)
        config = self._config(thread["thread_id"], object_field("checkpoint", request.checkpoint))
        before = object_field("before", request.before)
        graph = await self._graph(thread, config)
        if request.limit < 0:
            raise InvalidArgument("limit: must be >= 0")
        states = []
        async for snapshot in graph.aget_state_history(
            config,
            filter=filter_field("metadata", request.metadata),
            before=self._config(thread["thread_id"], before) if before else None,
            limit=request.limit or 10,
        ):
            states.append(threads_pb2.ThreadState(state=codec.dumps(snapshot_to_dict(snapshot))))
        return threads_pb2.ThreadHistory(states=states)
