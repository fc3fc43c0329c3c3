"""The Store service: LangGraph's long-term memory store (the same one graphs get injected)."""

from __future__ import annotations

from typing import Any

import grpc

from core.errors import InvalidArgument, NotFound
from core.runtime import CoreRuntime
from core.services._errors import translate_errors
from core.services._validate import filter_field, json_field, object_field
from core.store import StoreAccess
from protos import codec
from protos.portico.v1 import common_pb2, store_pb2, store_pb2_grpc

__all__ = ["StoreService"]


def _namespace(name: str, parts: Any, *, allow_empty: bool = False) -> tuple[str, ...]:
    namespace = tuple(parts)
    if not namespace and not allow_empty:
        raise InvalidArgument(f"{name}: must have at least one label")
    for label in namespace:
        if not label or "." in label:
            raise InvalidArgument(f"{name}: labels must be non-empty and must not contain '.'")
    return namespace


_FILTER_OPERATORS = frozenset({"$eq", "$ne", "$gt", "$gte", "$lt", "$lte"})


def _store_filter(raw: bytes) -> dict[str, Any] | None:
    """``filter``: field (a dotted path) → value (equality) or → ``{"$op": value, …}``.

    LangGraph's stores read every object as operators, so an object holding anything else is refused here
    rather than failing inside the store.
    """
    value = filter_field("filter", raw)
    for field, condition in (value or {}).items():
        if isinstance(condition, dict):
            for op in condition:
                if op not in _FILTER_OPERATORS:
                    raise InvalidArgument(
                        f"filter.{field}: {op!r} is not an operator; use {', '.join(sorted(_FILTER_OPERATORS))}"
                        " (match a nested field by its dotted path, as 'a.b')"
                    )
    return value


def _item(item: Any) -> dict[str, Any]:
    return {
        "namespace": list(item.namespace),
        "key": item.key,
        "value": item.value,
        "created_at": item.created_at,
        "updated_at": item.updated_at,
        "score": getattr(item, "score", None),
    }


@translate_errors
class StoreService(store_pb2_grpc.StoreServicer):
    def __init__(self, rt: CoreRuntime, access: StoreAccess | None = None) -> None:
        self.rt = rt
        # The auth layer's store handlers plug in here (as ``runtime.store_access`` or this argument);
        # without one, every caller reaches every namespace.
        self.access: StoreAccess = access or getattr(rt, "store_access", None) or self._authorize

    async def _authorize(self, action: str, fields: dict[str, Any], context: Any) -> None:
        """``@auth.on.store`` handlers: they may rewrite ``namespace`` (scope it to the user) or refuse."""
        await self.rt.authz.check("store", action, fields)
        namespace = fields.get("namespace")
        if namespace is not None:
            fields["namespace"] = tuple(str(label) for label in namespace)

    async def Put(
        self, request: store_pb2.PutItemRequest, context: grpc.aio.ServicerContext
    ) -> common_pb2.Empty:
        namespace = _namespace("namespace", request.namespace)
        if not request.key:
            raise InvalidArgument("key: required")
        value = object_field("value", request.value)
        if value is None:
            raise InvalidArgument("value: required (a JSON object)")
        kwargs: dict[str, Any] = {}
        index = json_field("index", request.index)
        if index is not None:
            if not (index is False or (isinstance(index, list) and all(isinstance(f, str) for f in index))):
                raise InvalidArgument("index: must be false or a list of field paths")
            kwargs["index"] = index
        if request.HasField("ttl_minutes"):
            if request.ttl_minutes <= 0:
                raise InvalidArgument("ttl: must be a positive number of minutes")
            kwargs["ttl"] = request.ttl_minutes
        fields = {"namespace": namespace, "key": request.key, "value": value, **kwargs}
        await self.access("put", fields, context)
        self.rt.metrics.store_operations.labels(operation="put").inc()
        await self.rt.storage.store.aput(fields["namespace"], request.key, value, **kwargs)
        return common_pb2.Empty()

    async def Get(
        self, request: store_pb2.GetItemRequest, context: grpc.aio.ServicerContext
    ) -> store_pb2.Item:
        namespace = _namespace("namespace", request.namespace)
        kwargs = {"refresh_ttl": request.refresh_ttl} if request.HasField("refresh_ttl") else {}
        fields: dict[str, Any] = {"namespace": namespace, "key": request.key}
        await self.access("get", fields, context)
        namespace = fields["namespace"]
        self.rt.metrics.store_operations.labels(operation="get").inc()
        item = await self.rt.storage.store.aget(namespace, request.key, **kwargs)
        if item is None:
            raise NotFound(f"item {'.'.join(namespace)}/{request.key} not found")
        return codec.to_message(store_pb2.Item, _item(item))

    async def Delete(
        self, request: store_pb2.GetItemRequest, context: grpc.aio.ServicerContext
    ) -> common_pb2.Empty:
        fields: dict[str, Any] = {"namespace": _namespace("namespace", request.namespace), "key": request.key}
        await self.access("delete", fields, context)
        self.rt.metrics.store_operations.labels(operation="delete").inc()
        await self.rt.storage.store.adelete(fields["namespace"], request.key)
        return common_pb2.Empty()

    async def Search(
        self, request: store_pb2.SearchItemsRequest, context: grpc.aio.ServicerContext
    ) -> store_pb2.ItemList:
        prefix = _namespace("namespace_prefix", request.namespace_prefix, allow_empty=True)
        if request.limit < 0 or request.offset < 0:
            raise InvalidArgument("limit: limit and offset must be >= 0")
        kwargs: dict[str, Any] = {
            "query": request.query or None,
            "filter": _store_filter(request.filter),
            "limit": request.limit or 10,
            "offset": request.offset,
        }
        if request.HasField("refresh_ttl"):
            kwargs["refresh_ttl"] = request.refresh_ttl
        fields = {"namespace": prefix, **kwargs}
        await self.access("search", fields, context)
        self.rt.metrics.store_operations.labels(operation="search").inc()
        items = await self.rt.storage.store.asearch(fields.pop("namespace"), **fields)
        return codec.to_message(store_pb2.ItemList, {"items": [_item(i) for i in items]})

    async def ListNamespaces(
        self, request: store_pb2.ListNamespacesRequest, context: grpc.aio.ServicerContext
    ) -> store_pb2.NamespaceList:
        if request.max_depth < 0 or request.limit < 0 or request.offset < 0:
            raise InvalidArgument("max_depth: max_depth, limit and offset must be >= 0")
        fields: dict[str, Any] = {"namespace": _namespace("prefix", request.prefix, allow_empty=True)}
        await self.access("list_namespaces", fields, context)
        self.rt.metrics.store_operations.labels(operation="list_namespaces").inc()
        namespaces = await self.rt.storage.store.alist_namespaces(
            prefix=tuple(fields["namespace"]) or None,
            suffix=tuple(request.suffix) or None,
            max_depth=request.max_depth or None,
            limit=request.limit or 100,
            offset=request.offset,
        )
        return codec.to_message(
            store_pb2.NamespaceList, {"namespaces": [{"parts": list(n)} for n in namespaces]}
        )
