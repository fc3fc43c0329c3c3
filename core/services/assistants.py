"""The Assistants service: versioned assistants over the project's graphs, plus graph introspection."""

from __future__ import annotations

import inspect
from typing import Any

import grpc

from core import graphs
from core.errors import InvalidArgument, NotFound
from core.ids import new_id, utcnow
from core.runtime import CoreRuntime
from core.services._auth import authorized_assistant
from core.services._errors import translate_errors
from core.services._validate import choice, object_field
from protos import codec
from protos.portico.v1 import assistants_pb2 as apb
from protos.portico.v1 import assistants_pb2_grpc, common_pb2

__all__ = ["AssistantsService"]

SORT = {"assistant_id", "graph_id", "name", "created_at", "updated_at"}


@translate_errors
class AssistantsService(assistants_pb2_grpc.AssistantsServicer):
    def __init__(self, rt: CoreRuntime) -> None:
        self.rt = rt

    def _check_graph(self, graph_id: str) -> None:
        if graph_id not in self.rt.registry.graph_ids():
            raise InvalidArgument(
                f"graph_id: unknown graph {graph_id!r}; this deployment serves {sorted(self.rt.registry.graph_ids())}"
            )

    async def _assistant(
        self, assistant_id: str, action: str = "read", value: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        return await authorized_assistant(self.rt, assistant_id, action, value)

    async def Create(
        self, request: apb.CreateAssistantRequest, context: grpc.aio.ServicerContext
    ) -> apb.Assistant:
        if not request.graph_id:
            raise InvalidArgument("graph_id: required")
        self._check_graph(request.graph_id)
        if_exists = choice("if_exists", request.if_exists, {"raise", "do_nothing"}, "raise")
        now = utcnow()
        record = {
            "assistant_id": request.assistant_id or new_id(),
            "graph_id": request.graph_id,
            "name": request.name or "Untitled",
            "description": request.description,
            "config": object_field("config", request.config) or {},
            "context": object_field("context", request.context) or {},
            "metadata": object_field("metadata", request.metadata) or {},
            "created_at": now,
            "updated_at": now,
        }
        value = {k: record[k] for k in ("assistant_id", "graph_id", "config", "context", "metadata", "name")}
        await self.rt.authz.check("assistants", "create", {**value, "if_exists": if_exists})
        record["metadata"] = value["metadata"]  # as a handler stamped it
        return codec.to_message(
            apb.Assistant, await self.rt.storage.assistants.create(record, if_exists=if_exists)
        )

    async def Get(self, request: apb.GetAssistantRequest, context: grpc.aio.ServicerContext) -> apb.Assistant:
        return codec.to_message(apb.Assistant, await self._assistant(request.assistant_id))

    async def Update(
        self, request: apb.UpdateAssistantRequest, context: grpc.aio.ServicerContext
    ) -> apb.Assistant:
        changes: dict[str, Any] = {}
        if request.HasField("graph_id"):
            self._check_graph(request.graph_id)
            changes["graph_id"] = request.graph_id
        for name in ("name", "description"):
            if request.HasField(name):
                changes[name] = getattr(request, name)
        for name in ("config", "context", "metadata"):
            value = object_field(name, getattr(request, name))
            if value is not None:
                changes[name] = value
        check = {"assistant_id": request.assistant_id, **changes}
        check.setdefault("metadata", {})
        await self._assistant(request.assistant_id, "update", check)
        if check["metadata"] or "metadata" in changes:
            changes["metadata"] = check["metadata"]
        updated = await self.rt.storage.assistants.update(request.assistant_id, changes)
        if updated is None:
            raise NotFound(f"assistant {request.assistant_id} not found")
        return codec.to_message(apb.Assistant, updated)

    async def Delete(
        self, request: apb.GetAssistantRequest, context: grpc.aio.ServicerContext
    ) -> common_pb2.Empty:
        await self._assistant(request.assistant_id, "delete")
        if not await self.rt.storage.assistants.delete(request.assistant_id):
            raise NotFound(f"assistant {request.assistant_id} not found")
        return common_pb2.Empty()

    def _filters(self, request: apb.SearchAssistantsRequest) -> dict[str, Any]:
        return {
            "graph_id": request.graph_id or None,
            "name": request.name or None,
            "metadata": object_field("metadata", request.metadata),
        }

    async def Search(
        self, request: apb.SearchAssistantsRequest, context: grpc.aio.ServicerContext
    ) -> apb.AssistantList:
        if request.limit < 0 or request.offset < 0:
            raise InvalidArgument("limit: limit and offset must be >= 0")
        filters = self._filters(request)
        found = await self.rt.storage.assistants.search(
            **filters,
            auth=await self._search_filter(request, filters),
            limit=request.limit or 10,
            offset=request.offset,
            sort_by=choice("sort_by", request.sort_by, SORT, "created_at"),
            sort_order=choice("sort_order", request.sort_order, {"asc", "desc"}, "desc"),
        )
        return codec.to_message(apb.AssistantList, {"assistants": found})

    async def Count(
        self, request: apb.SearchAssistantsRequest, context: grpc.aio.ServicerContext
    ) -> common_pb2.CountResponse:
        filters = self._filters(request)
        auth = await self._search_filter(request, filters)
        return common_pb2.CountResponse(count=await self.rt.storage.assistants.count(**filters, auth=auth))

    async def _search_filter(self, request: Any, filters: dict[str, Any]) -> dict[str, Any] | None:
        value = {**filters, "limit": request.limit, "offset": request.offset}
        value["metadata"] = dict(filters["metadata"] or {})  # a handler's copy: it may stamp, not filter
        return await self.rt.authz.check("assistants", "search", value)

    async def ListVersions(
        self, request: apb.ListAssistantVersionsRequest, context: grpc.aio.ServicerContext
    ) -> apb.AssistantList:
        assistant = await self._assistant(request.assistant_id)
        versions = await self.rt.storage.assistants.list_versions(
            assistant["assistant_id"],
            metadata=object_field("metadata", request.metadata),
            limit=request.limit or 10,
            offset=request.offset,
        )
        return codec.to_message(apb.AssistantList, {"assistants": versions})

    async def SetLatestVersion(
        self, request: apb.SetLatestVersionRequest, context: grpc.aio.ServicerContext
    ) -> apb.Assistant:
        await self._assistant(
            request.assistant_id, "update", {"assistant_id": request.assistant_id, "version": request.version}
        )
        updated = await self.rt.storage.assistants.set_latest(request.assistant_id, request.version)
        if updated is None:
            raise NotFound(f"assistant {request.assistant_id} has no version {request.version}")
        return codec.to_message(apb.Assistant, updated)

    async def _graph(self, assistant_id: str) -> tuple[dict[str, Any], Any]:
        assistant = await self._assistant(assistant_id)
        config = {
            "configurable": {"assistant_id": assistant["assistant_id"]},
            **(assistant.get("config") or {}),
        }
        graph = await self.rt.registry.get(
            assistant["graph_id"], config, self.rt.storage.checkpointer, self.rt.storage.store
        )
        return assistant, graph

    async def GetGraph(
        self, request: apb.GetGraphRequest, context: grpc.aio.ServicerContext
    ) -> apb.JsonValue:
        _, graph = await self._graph(request.assistant_id)
        xray: bool | int = request.xray_depth if request.xray_depth > 0 else request.xray
        return apb.JsonValue(json=codec.dumps(await _maybe_await(graphs.graph_json(graph, xray))))

    async def GetSchemas(
        self, request: apb.GetAssistantRequest, context: grpc.aio.ServicerContext
    ) -> apb.JsonValue:
        assistant, graph = await self._graph(request.assistant_id)
        return apb.JsonValue(
            json=codec.dumps(await _maybe_await(graphs.graph_schemas(graph, assistant["graph_id"])))
        )

    async def GetSubgraphs(
        self, request: apb.GetSubgraphsRequest, context: grpc.aio.ServicerContext
    ) -> apb.JsonValue:
        _, graph = await self._graph(request.assistant_id)
        result = await _maybe_await(graphs.subgraphs(graph, request.namespace or None, request.recurse))
        return apb.JsonValue(json=codec.dumps(result))


async def _maybe_await(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value
