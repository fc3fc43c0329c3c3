"""``/threads``: conversations with state, checkpoints and history (the join stream is in run_streams)."""

from __future__ import annotations

from starlette.responses import Response

from gateway.rest import bodies as b
from gateway.rest._json import JSONResponse, no_content
from gateway.rest._routing import ApiRequest, Router
from gateway.rest.errors import unsupported
from gateway.rest.schemas import (
    Thread,
    ThreadState,
    ThreadUpdateStateResponse,
    select,
    select_state,
    thread_out,
)

__all__ = ["router"]

router = Router("Threads")
_FIELDS = tuple(Thread.model_fields)


def _ttl_seconds(ttl: b.ThreadTTL | None) -> int:
    if ttl is None:
        return 0
    if ttl.strategy != "delete":
        raise unsupported("ttl.strategy", f"{ttl.strategy!r} is not supported; only 'delete'")
    return min(int(ttl.ttl * 60), 2**31 - 1)


@router.route("POST", "/threads", body=b.ThreadCreate, response=Thread, errors=(404, 409, 422))
async def create_thread(req: ApiRequest) -> Response:
    """Create a thread; ``if_exists="do_nothing"`` returns an existing one with that id."""
    body: b.ThreadCreate = req.body
    updates = []
    for step in body.supersteps or ():
        if len(step.updates) != 1 or step.updates[0].command is not None:
            raise unsupported("supersteps", "only one update per superstep, without a command, is supported")
        updates.append(step.updates[0])
    record = await req.client.threads.create(
        thread_id=body.thread_id or "",
        metadata=body.metadata,
        if_exists=body.if_exists or "raise",
        ttl_seconds=_ttl_seconds(body.ttl),
    )
    for update in updates:
        await req.client.threads.update_state(record["thread_id"], update.values, as_node=update.as_node)
    if updates:
        record = await req.client.threads.get(record["thread_id"])
    return JSONResponse(thread_out(record))


@router.route("POST", "/threads/search", body=b.ThreadSearch, response=list[Thread], errors=(422,))
async def search_threads(req: ApiRequest) -> Response:
    """Search threads by metadata, values, status or ids."""
    body: b.ThreadSearch = req.body
    if body.extract:
        raise unsupported("extract", "extracting values from threads is not supported")
    records = await req.client.threads.search(
        metadata=body.metadata,
        values=body.values,
        status=body.status or "",
        ids=body.ids or [],
        limit=body.limit,
        offset=body.offset,
        sort_by=body.sort_by or "",
        sort_order=body.sort_order or "",
    )
    items = [select(thread_out(r), body.select, allowed=_FIELDS) for r in records]
    headers = (
        {"X-Pagination-Next": str(body.offset + body.limit)}
        if body.limit and len(items) >= body.limit
        else {}
    )
    return JSONResponse(items, headers=headers)


@router.route("POST", "/threads/count", body=b.ThreadCount, response={"type": "integer"}, errors=(422,))
async def count_threads(req: ApiRequest) -> Response:
    """Count threads matching the filters."""
    body: b.ThreadCount = req.body
    return JSONResponse(
        await req.client.threads.count(metadata=body.metadata, values=body.values, status=body.status or "")
    )


@router.route("GET", "/threads/{thread_id}", query=b.ThreadGetQuery, response=Thread)
async def get_thread(req: ApiRequest) -> Response:
    """Get a thread."""
    if req.query.include:
        raise unsupported("query.include", "no optional thread fields are available")
    return JSONResponse(thread_out(await req.client.threads.get(req.path["thread_id"])))


@router.route("PATCH", "/threads/{thread_id}", body=b.ThreadPatch, response=Thread, headers=("Prefer",))
async def patch_thread(req: ApiRequest) -> Response:
    """Merge metadata into a thread; ``Prefer: return=minimal`` answers 204."""
    body: b.ThreadPatch = req.body
    if body.ttl is not None:
        raise unsupported("ttl", "changing a thread's ttl is not supported")
    record = await req.client.threads.update(req.path["thread_id"], metadata=body.metadata or {})
    if "return=minimal" in req.raw.headers.get("prefer", ""):
        return no_content()
    return JSONResponse(thread_out(record))


@router.route("DELETE", "/threads/{thread_id}", status=204, errors=(404, 409))
async def delete_thread(req: ApiRequest) -> Response:
    """Delete a thread with its runs, events and checkpoints."""
    await req.client.threads.delete(req.path["thread_id"])
    return no_content()


@router.route("POST", "/threads/{thread_id}/copy", response=Thread)
async def copy_thread(req: ApiRequest) -> Response:
    """Copy a thread with its checkpoints into a new thread."""
    return JSONResponse(thread_out(await req.client.threads.copy(req.path["thread_id"])))


@router.route("GET", "/threads/{thread_id}/state", query=b.StateQuery, response=ThreadState)
async def get_thread_state(req: ApiRequest) -> Response:
    """The thread's latest state."""
    state = await req.client.threads.get_state(req.path["thread_id"], subgraphs=req.query.subgraphs)
    return JSONResponse(select_state(state, req.query.select))


@router.route(
    "POST",
    "/threads/{thread_id}/state",
    body=b.ThreadStateUpdate,
    response=ThreadUpdateStateResponse,
    errors=(404, 409, 422),
)
async def update_thread_state(req: ApiRequest) -> Response:
    """Write values into the state as a node would (from a past checkpoint: a fork)."""
    body: b.ThreadStateUpdate = req.body
    checkpoint = await req.client.threads.update_state(
        req.path["thread_id"],
        body.values,
        as_node=body.as_node or "",
        checkpoint=b.checkpoint_dict(body.checkpoint, body.checkpoint_id),
    )
    return JSONResponse({"checkpoint": checkpoint})


@router.route("GET", "/threads/{thread_id}/state/{checkpoint_id}", query=b.StateQuery, response=ThreadState)
async def get_thread_state_at_checkpoint(req: ApiRequest) -> Response:
    """The thread's state at one checkpoint."""
    state = await req.client.threads.get_state(
        req.path["thread_id"],
        checkpoint={"checkpoint_id": req.path["checkpoint_id"]},
        subgraphs=req.query.subgraphs,
    )
    return JSONResponse(select_state(state, req.query.select))


@router.route(
    "POST", "/threads/{thread_id}/state/checkpoint", body=b.ThreadStateCheckpoint, response=ThreadState
)
async def post_thread_state_at_checkpoint(req: ApiRequest) -> Response:
    """The thread's state at a checkpoint given in full (namespace, id, map)."""
    body: b.ThreadStateCheckpoint = req.body
    state = await req.client.threads.get_state(
        req.path["thread_id"], checkpoint=b.checkpoint_dict(body.checkpoint), subgraphs=body.subgraphs
    )
    return JSONResponse(select_state(state, body.select))


@router.route("GET", "/threads/{thread_id}/history", query=b.HistoryQuery, response=list[ThreadState])
async def get_thread_history(req: ApiRequest) -> Response:
    """The thread's checkpoints, newest first."""
    query: b.HistoryQuery = req.query
    before = {"checkpoint_id": query.before} if query.before else None
    states = await req.client.threads.get_history(req.path["thread_id"], limit=query.limit, before=before)
    return JSONResponse(states)


@router.route("POST", "/threads/{thread_id}/history", body=b.ThreadHistory, response=list[ThreadState])
async def post_thread_history(req: ApiRequest) -> Response:
    """The thread's checkpoints, newest first, filtered by metadata, namespace or a ``before`` checkpoint."""
    body: b.ThreadHistory = req.body
    before = (
        {"checkpoint_id": body.before} if isinstance(body.before, str) else b.checkpoint_dict(body.before)
    )
    states = await req.client.threads.get_history(
        req.path["thread_id"],
        limit=body.limit,
        before=before,
        metadata=body.metadata,
        checkpoint=b.checkpoint_dict(body.checkpoint),
    )
    return JSONResponse([select_state(s, body.select) for s in states])
