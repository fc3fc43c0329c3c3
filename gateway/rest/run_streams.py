"""SSE routes: create a run and stream it, join a run's stream, join a thread's stream.

Every event carries ``id: <seq>`` from the core's event log, whatever ``stream_resumable`` says, and a
``Last-Event-ID`` header resumes after that seq with no event lost or repeated. The ``messages`` mode
accumulates chunks per message id, so a resumed ``messages`` stream first replays the earlier events into
its accumulator, silently, to keep ``messages/partial`` whole.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc
from starlette.responses import Response

from clients.grpc import PorticoClient
from gateway import _runs
from gateway.rest import bodies as b
from gateway.rest._routing import ApiRequest, Router
from gateway.rest.errors import ApiError, unsupported
from gateway.rest.run_requests import modes_of, plan_run
from gateway.rest.runs import run_locations
from gateway.rest.sse import EventStream, encode_event
from gateway.rest.streams import EventRenderer, api_stream_modes

__all__ = ["router"]

router = Router("Runs")
_SSE_SCHEMA = {
    "description": "Server-Sent Events, each with its name, its data (JSON) and its id (the core's event seq).",
    "type": "object",
    "properties": {
        "event": {"type": "string"},
        "data": {"type": "string", "contentMediaType": "application/json"},
        "id": {"type": "string"},
    },
    "required": ["event", "data"],
}


def last_event_id(req: ApiRequest) -> int:
    """The seq to resume after, from ``Last-Event-ID`` (absent, ``-`` or ``-1``: from the start)."""
    raw = (req.raw.headers.get("last-event-id") or "").strip()
    if raw in ("", "-", "-1"):
        return 0
    try:
        seq = int(raw)
    except ValueError:
        raise ApiError(422, f"Last-Event-ID: {raw!r} is not an event id") from None
    return max(seq, 0)


async def _sse_messages(
    client: PorticoClient,
    renderer_for: Callable[[str], Awaitable[EventRenderer]],
    *,
    run_id: str = "",
    thread_id: str = "",
    after_seq: int = 0,
    replay_from: int | None = None,
) -> AsyncIterator[bytes]:
    """The core's events after ``after_seq`` as encoded SSE messages (one write per core event).

    With ``replay_from`` the stream starts there instead and renders, without sending, every event up to
    ``after_seq`` (stateful renderers need them).
    """
    start = after_seq if replay_from is None else replay_from
    try:
        async for event in _runs.follow(client, run_id=run_id, thread_id=thread_id, after_seq=start):
            renderer = await renderer_for(event["run_id"])
            rendered = renderer.render(event["event"], event["data"])
            if event["seq"] <= after_seq or not rendered:
                continue
            event_id = str(event["seq"])
            yield b"".join(encode_event(name, data, event_id) for name, data in rendered)
    except grpc.aio.AioRpcError as exc:
        # The core going away (restart, deploy) ends the stream without an `error` event: langgraph-sdk then
        # asks for the run, and reconnects to `Location` with Last-Event-ID once the core answers again.
        if exc.code() not in (grpc.StatusCode.CANCELLED, grpc.StatusCode.UNAVAILABLE):
            yield encode_event("error", {"error": exc.code().name, "message": exc.details() or ""})


def _stream_response(
    req: ApiRequest,
    messages: AsyncIterator[bytes],
    *,
    headers: dict[str, str] | None = None,
    cancel: dict[str, Any] | None = None,
) -> EventStream:
    client = req.client

    async def on_disconnect() -> None:
        assert cancel is not None
        await _runs.cancel_quietly(client, cancel)

    return EventStream(
        messages,
        heartbeat_seconds=req.settings.heartbeat_seconds,
        headers=headers,
        on_disconnect=on_disconnect if cancel is not None else None,
    )


async def _create_and_stream(req: ApiRequest, thread_id: str | None) -> EventStream:
    plan = plan_run(req.body, thread_id=thread_id, kind="stream")
    run = await _runs.start_run(req.client, **plan.fields)
    renderer = EventRenderer(plan.api_modes)

    async def renderer_for(run_id: str) -> EventRenderer:
        return renderer

    messages = _sse_messages(req.client, renderer_for, run_id=run["run_id"], thread_id=run["thread_id"])
    return _stream_response(
        req,
        messages,
        headers=run_locations(run, "/stream"),
        cancel=run if plan.cancel_on_disconnect else None,
    )


@router.route(
    "POST",
    "/threads/{thread_id}/runs/stream",
    body=b.RunCreate,
    response=_SSE_SCHEMA,
    sse=True,
    errors=(404, 409, 422),
)
async def create_run_and_stream(req: ApiRequest) -> Response:
    """Create a run on a thread and stream its events."""
    return await _create_and_stream(req, req.path["thread_id"])  # type: ignore[return-value]


@router.route(
    "POST", "/runs/stream", body=b.RunCreate, response=_SSE_SCHEMA, sse=True, errors=(404, 409, 422)
)
async def create_stateless_run_and_stream(req: ApiRequest) -> Response:
    """Create a stateless run and stream its events."""
    return await _create_and_stream(req, None)  # type: ignore[return-value]


@router.route(
    "GET",
    "/threads/{thread_id}/runs/{run_id}/stream",
    query=b.JoinStreamQuery,
    response=_SSE_SCHEMA,
    sse=True,
    headers=("Last-Event-ID",),
)
async def join_run_stream(req: ApiRequest) -> Response:
    """Stream a run's events: the stored ones after ``Last-Event-ID``, then live until it ends."""
    query: b.JoinStreamQuery = req.query
    after_seq = last_event_id(req)
    run = await req.client.runs.get(req.path["run_id"], thread_id=req.path["thread_id"])
    modes = (
        api_stream_modes(query.stream_mode, field="query.stream_mode") if query.stream_mode else modes_of(run)
    )
    renderer = EventRenderer(modes)

    async def renderer_for(run_id: str) -> EventRenderer:
        return renderer

    replay_from = 0 if after_seq and "messages" in modes else None
    messages = _sse_messages(
        req.client,
        renderer_for,
        run_id=run["run_id"],
        thread_id=run["thread_id"],
        after_seq=after_seq,
        replay_from=replay_from,
    )
    return _stream_response(  # type: ignore[return-value]
        req,
        messages,
        headers=run_locations(run, "/stream"),
        cancel=run if query.cancel_on_disconnect else None,
    )


@router.route(
    "GET",
    "/threads/{thread_id}/stream",
    query=b.ThreadStreamQuery,
    response=_SSE_SCHEMA,
    sse=True,
    headers=("Last-Event-ID",),
)
async def join_thread_stream(req: ApiRequest) -> Response:
    """Stream the events of every run of a thread, after ``Last-Event-ID``, each as its run asked for them."""
    for mode in req.query.stream_mode or ():
        if mode != "run_modes":
            raise unsupported("query.stream_mode", f"{mode!r} is not supported; only 'run_modes'")
    thread_id = req.path["thread_id"]
    after_seq = last_event_id(req)
    await req.client.threads.get(thread_id)
    client = req.client
    renderers: dict[str, EventRenderer] = {}

    async def renderer_for(run_id: str) -> EventRenderer:
        if run_id not in renderers:
            try:
                modes = modes_of(await client.runs.get(run_id, thread_id=thread_id))
            except grpc.aio.AioRpcError:  # deleted since: render every mode it stored, raw
                modes = ["values", "updates", "messages-tuple", "custom", "debug", "tasks", "checkpoints"]
            renderers[run_id] = EventRenderer(modes)
        return renderers[run_id]

    messages = _sse_messages(client, renderer_for, thread_id=thread_id, after_seq=after_seq)
    return _stream_response(req, messages)  # type: ignore[return-value]
