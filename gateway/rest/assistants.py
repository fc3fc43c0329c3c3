"""``/assistants``: configured graphs, versioned, with graph introspection."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from gateway.rest import bodies as b
from gateway.rest._json import JSONResponse, no_content
from gateway.rest._routing import ApiRequest, Router
from gateway.rest.errors import unsupported
from gateway.rest.schemas import Assistant, assistant_out, select

__all__ = ["router"]

router = Router("Assistants")
_FIELDS = tuple(Assistant.model_fields)
_JSON_OBJECT = {"type": "object", "additionalProperties": True}


def _pagination_headers(count: int, limit: int, offset: int) -> dict[str, str]:
    return {"X-Pagination-Next": str(offset + limit)} if limit and count >= limit else {}


@router.route("POST", "/assistants", body=b.AssistantCreate, response=Assistant, errors=(404, 409, 422))
async def create_assistant(req: ApiRequest) -> Response:
    """Create an assistant for a graph."""
    body: b.AssistantCreate = req.body
    record = await req.client.assistants.create(
        assistant_id=body.assistant_id or "",
        graph_id=body.graph_id,
        name=body.name or "",
        description=body.description or "",
        config=body.config,
        context=body.context,
        metadata=body.metadata,
        if_exists=body.if_exists or "raise",
    )
    return JSONResponse(assistant_out(record))


@router.route("POST", "/assistants/search", body=b.AssistantSearch, response=list[Assistant], errors=(422,))
async def search_assistants(req: ApiRequest) -> Response:
    """Search assistants by metadata, graph id or name."""
    body: b.AssistantSearch = req.body
    records = await req.client.assistants.search(
        metadata=body.metadata,
        graph_id=body.graph_id or "",
        name=body.name or "",
        limit=body.limit,
        offset=body.offset,
        sort_by=body.sort_by or "",
        sort_order=body.sort_order or "",
    )
    items = [select(assistant_out(r), body.select, allowed=_FIELDS) for r in records]
    return JSONResponse(items, headers=_pagination_headers(len(items), body.limit, body.offset))


@router.route("POST", "/assistants/count", body=b.AssistantCount, response={"type": "integer"}, errors=(422,))
async def count_assistants(req: ApiRequest) -> Response:
    """Count assistants matching the filters."""
    body: b.AssistantCount = req.body
    count = await req.client.assistants.count(
        metadata=body.metadata, graph_id=body.graph_id or "", name=body.name or ""
    )
    return JSONResponse(count)


@router.route("GET", "/assistants/{assistant_id}", response=Assistant)
async def get_assistant(req: ApiRequest) -> Response:
    """Get an assistant (by assistant id, or by graph id for its default assistant)."""
    return JSONResponse(assistant_out(await req.client.assistants.get(req.path["assistant_id"])))


@router.route("PATCH", "/assistants/{assistant_id}", body=b.AssistantPatch, response=Assistant)
async def patch_assistant(req: ApiRequest) -> Response:
    """Update an assistant: writes a new version and makes it the latest."""
    body: b.AssistantPatch = req.body
    fields: dict[str, Any] = {"config": body.config, "context": body.context, "metadata": body.metadata}
    for name in ("graph_id", "name", "description"):
        if getattr(body, name) is not None:
            fields[name] = getattr(body, name)
    record = await req.client.assistants.update(req.path["assistant_id"], **fields)
    return JSONResponse(assistant_out(record))


@router.route("DELETE", "/assistants/{assistant_id}", query=b.DeleteAssistantQuery, status=204)
async def delete_assistant(req: ApiRequest) -> Response:
    """Delete an assistant."""
    if req.query.delete_threads:
        raise unsupported("delete_threads", "deleting an assistant's threads with it is not supported")
    await req.client.assistants.delete(req.path["assistant_id"])
    return no_content()


@router.route(
    "POST", "/assistants/{assistant_id}/versions", body=b.AssistantVersions, response=list[Assistant]
)
async def list_assistant_versions(req: ApiRequest) -> Response:
    """List an assistant's versions, newest first."""
    body: b.AssistantVersions = req.body
    records = await req.client.assistants.list_versions(
        req.path["assistant_id"], metadata=body.metadata, limit=body.limit, offset=body.offset
    )
    return JSONResponse([assistant_out(r) for r in records])


@router.route("POST", "/assistants/{assistant_id}/latest", body=b.AssistantLatest, response=Assistant)
async def set_latest_assistant_version(req: ApiRequest) -> Response:
    """Make one of an assistant's versions the current one."""
    record = await req.client.assistants.set_latest_version(req.path["assistant_id"], req.body.version)
    return JSONResponse(assistant_out(record))


def _xray(value: str | None) -> bool | int:
    if value is None or value.lower() in ("false", "0", "no"):
        return False
    if value.lower() in ("true", "yes"):
        return True
    try:
        depth = int(value)
    except ValueError:
        raise unsupported("query.xray", "must be true, false or a positive integer") from None
    if depth < 0 or depth > 2**31 - 1:
        raise unsupported("query.xray", "must be true, false or a positive integer")
    return depth


@router.route("GET", "/assistants/{assistant_id}/graph", query=b.GraphQuery, response=_JSON_OBJECT)
async def get_assistant_graph(req: ApiRequest) -> Response:
    """The assistant's graph as drawable JSON (nodes and edges); ``xray`` includes subgraphs."""
    graph = await req.client.assistants.get_graph(req.path["assistant_id"], xray=_xray(req.query.xray))
    return JSONResponse(graph)


@router.route("GET", "/assistants/{assistant_id}/schemas", response=_JSON_OBJECT)
async def get_assistant_schemas(req: ApiRequest) -> Response:
    """JSON schemas of the graph's input, output, state, config and context."""
    return JSONResponse(await req.client.assistants.get_schemas(req.path["assistant_id"]))


@router.route("GET", "/assistants/{assistant_id}/subgraphs", query=b.SubgraphsQuery, response=_JSON_OBJECT)
async def get_assistant_subgraphs(req: ApiRequest) -> Response:
    """Schemas of the graph's subgraphs, by namespace."""
    subgraphs = await req.client.assistants.get_subgraphs(req.path["assistant_id"], recurse=req.query.recurse)
    return JSONResponse(subgraphs)


@router.route(
    "GET",
    "/assistants/{assistant_id}/subgraphs/{namespace:path}",
    query=b.SubgraphsQuery,
    response=_JSON_OBJECT,
)
async def get_assistant_subgraphs_in_namespace(req: ApiRequest) -> Response:
    """Schemas of the subgraphs under one namespace."""
    subgraphs = await req.client.assistants.get_subgraphs(
        req.path["assistant_id"], namespace=req.path["namespace"], recurse=req.query.recurse
    )
    return JSONResponse(subgraphs)
