"""``/store``: long-term memory shared across threads (LangGraph's BaseStore, through the core)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from gateway.rest import bodies as b
from gateway.rest._json import JSONResponse, no_content
from gateway.rest._routing import ApiRequest, Router
from gateway.rest.errors import unsupported
from gateway.rest.schemas import Item, ListNamespaceResponse, SearchItemsResponse, item_out

__all__ = ["router"]

router = Router("Store")


def _check_namespace(namespace: list[str], field: str) -> None:
    for label in namespace:
        if not label or "." in label:
            raise unsupported(field, f"invalid label {label!r}: labels are non-empty and contain no '.'")


@router.route("PUT", "/store/items", body=b.StorePut, status=204, errors=(422,))
async def put_item(req: ApiRequest) -> Response:
    """Store or replace an item."""
    body: b.StorePut = req.body
    _check_namespace(body.namespace, "namespace")
    if not body.namespace:
        raise unsupported("namespace", "must name at least one label")
    fields: dict[str, Any] = {"index": body.index}
    if body.ttl is not None:
        fields["ttl_minutes"] = body.ttl
    await req.client.store.put(body.namespace, body.key, body.value, **fields)
    return no_content()


@router.route("GET", "/store/items", query=b.StoreGetQuery, response=Item)
async def get_item(req: ApiRequest) -> Response:
    """Get an item by namespace (labels joined by '.') and key."""
    query: b.StoreGetQuery = req.query
    namespace = query.namespace.split(".") if query.namespace else []
    _check_namespace(namespace, "query.namespace")
    fields = {"refresh_ttl": query.refresh_ttl} if query.refresh_ttl is not None else {}
    return JSONResponse(item_out(await req.client.store.get(namespace, query.key, **fields)))


@router.route("DELETE", "/store/items", body=b.StoreDelete, status=204)
async def delete_item(req: ApiRequest) -> Response:
    """Delete an item."""
    _check_namespace(req.body.namespace, "namespace")
    await req.client.store.delete(req.body.namespace, req.body.key)
    return no_content()


@router.route("POST", "/store/items/search", body=b.StoreSearch, response=SearchItemsResponse, errors=(422,))
async def search_items(req: ApiRequest) -> Response:
    """Search items under a namespace prefix, by filter and/or natural-language query."""
    body: b.StoreSearch = req.body
    _check_namespace(body.namespace_prefix, "namespace_prefix")
    fields: dict[str, Any] = {
        "filter": body.filter,
        "query": body.query or "",
        "limit": body.limit,
        "offset": body.offset,
    }
    if body.refresh_ttl is not None:
        fields["refresh_ttl"] = body.refresh_ttl
    items = await req.client.store.search(body.namespace_prefix, **fields)
    return JSONResponse({"items": [item_out(i) for i in items]})


@router.route(
    "POST", "/store/namespaces", body=b.StoreNamespaces, response=ListNamespaceResponse, errors=(422,)
)
async def list_namespaces(req: ApiRequest) -> Response:
    """List namespaces, by prefix, suffix and depth."""
    body: b.StoreNamespaces = req.body
    _check_namespace(body.prefix or [], "prefix")
    _check_namespace(body.suffix or [], "suffix")
    namespaces = await req.client.store.list_namespaces(
        prefix=body.prefix or [],
        suffix=body.suffix or [],
        max_depth=body.max_depth or 0,
        limit=body.limit,
        offset=body.offset,
    )
    return JSONResponse({"namespaces": namespaces})
