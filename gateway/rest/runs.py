"""Runs: create in the background or wait for the outcome, thread-bound or stateless; list, get, cancel, join.

Streaming routes (create+stream, join streams) are in ``run_streams``.
"""

from __future__ import annotations

from typing import Any

import grpc
from starlette.responses import Response

from gateway import _runs
from gateway.rest import bodies as b
from gateway.rest._json import JSONResponse, no_content
from gateway.rest._routing import ApiRequest, Router
from gateway.rest.errors import ApiError
from gateway.rest.run_requests import plan_run
from gateway.rest.schemas import Run, run_out, select
from gateway.rest.sse import KeptAliveJSON

__all__ = ["router", "run_locations"]

router = Router("Runs")
_FIELDS = tuple(Run.model_fields)
_OUTPUT = {
    "description": "The run's final values (with __interrupt__ when interrupted, __error__ when failed)."
}


def run_locations(run: dict[str, Any], suffix: str = "") -> dict[str, str]:
    """``Content-Location`` (the SDK's ``on_run_created`` reads it) and, with ``suffix``, a ``Location`` to
    reconnect to (the SDK follows it when a stream or a wait is cut)."""
    base = f"/threads/{run['thread_id']}/runs/{run['run_id']}"
    headers = {"Content-Location": base}
    if suffix:
        headers["Location"] = base + suffix
    return headers


async def _create(req: ApiRequest, body: b.RunCreate, thread_id: str | None) -> dict[str, Any]:
    plan = plan_run(body, thread_id=thread_id, kind="create")
    return await _runs.start_run(req.client, **plan.fields)


@router.route("POST", "/threads/{thread_id}/runs", body=b.RunCreate, response=Run, errors=(404, 409, 422))
async def create_run(req: ApiRequest) -> Response:
    """Create a run on a thread, in the background."""
    run = await _create(req, req.body, req.path["thread_id"])
    return JSONResponse(run_out(run), headers=run_locations(run))


@router.route("POST", "/runs", body=b.RunCreate, response=Run, errors=(404, 409, 422))
async def create_stateless_run(req: ApiRequest) -> Response:
    """Create a stateless run (on a fresh thread), in the background."""
    run = await _create(req, req.body, None)
    return JSONResponse(run_out(run), headers=run_locations(run))


@router.route("POST", "/runs/batch", body=list[b.RunBatchItem], response=list[Run], errors=(404, 409, 422))
async def create_run_batch(req: ApiRequest) -> Response:
    """Create several runs (each thread-bound when it names a thread, else stateless)."""
    plans = [plan_run(item, thread_id=item.thread_id, kind="create") for item in req.body]
    runs = [await _runs.start_run(req.client, **plan.fields) for plan in plans]
    return JSONResponse([run_out(run) for run in runs])


def _error_output(exc: BaseException) -> dict[str, Any]:
    if isinstance(exc, grpc.aio.AioRpcError):
        if exc.code() == grpc.StatusCode.UNAVAILABLE:
            # Cut the response: langgraph-sdk reconnects to `Location` (the join) when a wait is cut short.
            raise exc
        return {"__error__": {"error": str(exc.code().name), "message": exc.details() or ""}}
    return {"__error__": {"error": type(exc).__name__, "message": str(exc)}}


def _wait_response(req: ApiRequest, run: dict[str, Any], *, cancel_on_disconnect: bool) -> KeptAliveJSON:
    client = req.client

    async def cancel() -> None:
        await _runs.cancel_quietly(client, run)

    return KeptAliveJSON(
        lambda: _runs.wait_for_output(client, run),
        heartbeat_seconds=req.settings.wait_heartbeat_seconds,
        headers=run_locations(run, "/join"),
        on_disconnect=cancel if cancel_on_disconnect else None,
        on_error=_error_output,
    )


async def _create_and_wait(req: ApiRequest, thread_id: str | None) -> KeptAliveJSON:
    plan = plan_run(req.body, thread_id=thread_id, kind="wait")
    run = await _runs.start_run(req.client, **plan.fields)
    return _wait_response(req, run, cancel_on_disconnect=plan.cancel_on_disconnect)


@router.route(
    "POST", "/threads/{thread_id}/runs/wait", body=b.RunCreate, response=_OUTPUT, errors=(404, 409, 422)
)
async def create_run_and_wait(req: ApiRequest) -> Response:
    """Create a run on a thread and answer its final values when it ends."""
    return await _create_and_wait(req, req.path["thread_id"])  # type: ignore[return-value]


@router.route("POST", "/runs/wait", body=b.RunCreate, response=_OUTPUT, errors=(404, 409, 422))
async def create_stateless_run_and_wait(req: ApiRequest) -> Response:
    """Create a stateless run and answer its final values when it ends."""
    return await _create_and_wait(req, None)  # type: ignore[return-value]


@router.route("GET", "/threads/{thread_id}/runs", query=b.RunListQuery, response=list[Run])
async def list_runs(req: ApiRequest) -> Response:
    """A thread's runs, newest first."""
    query: b.RunListQuery = req.query
    thread_id = req.path["thread_id"]
    await req.client.threads.get(thread_id)  # 404 for an unknown thread, not an empty list
    runs = await req.client.runs.list(
        thread_id, limit=query.limit, offset=query.offset, status=query.status or ""
    )
    return JSONResponse([select(run_out(r), query.select, allowed=_FIELDS) for r in runs])


@router.route("GET", "/threads/{thread_id}/runs/{run_id}", response=Run)
async def get_run(req: ApiRequest) -> Response:
    """Get a run."""
    return JSONResponse(
        run_out(await req.client.runs.get(req.path["run_id"], thread_id=req.path["thread_id"]))
    )


@router.route("DELETE", "/threads/{thread_id}/runs/{run_id}", status=204, errors=(404, 409))
async def delete_run(req: ApiRequest) -> Response:
    """Delete a finished run with its events."""
    await req.client.runs.delete(req.path["run_id"], thread_id=req.path["thread_id"])
    return no_content()


@router.route(
    "POST",
    "/threads/{thread_id}/runs/{run_id}/cancel",
    query=b.CancelQuery,
    status=202,
    errors=(404, 409, 422),
)
async def cancel_run(req: ApiRequest) -> Response:
    """Stop a run at its next step (``rollback``: and remove it); ``wait=1`` answers when it has stopped."""
    query: b.CancelQuery = req.query
    await req.client.runs.cancel(
        req.path["run_id"], thread_id=req.path["thread_id"], action=query.action, wait=query.wait
    )
    return Response(status_code=204 if query.wait else 202)


@router.route(
    "POST", "/runs/cancel", body=b.CancelManyBody, query=b.CancelManyQuery, status=204, errors=(404, 422)
)
async def cancel_runs(req: ApiRequest) -> Response:
    """Stop several runs: by ids, or every run of a thread with a status."""
    body: b.CancelManyBody = req.body
    if not body.run_ids and not body.thread_id and not body.status:
        raise ApiError(422, "body: give run_ids, thread_id or status")
    await req.client.runs.cancel_many(
        thread_id=body.thread_id or "",
        run_ids=body.run_ids or [],
        status=body.status or "",
        action=req.query.action,
    )
    return no_content()


@router.route("GET", "/threads/{thread_id}/runs/{run_id}/join", response=_OUTPUT)
async def join_run(req: ApiRequest) -> Response:
    """Wait for a run to end and answer its final values."""
    run = await req.client.runs.get(req.path["run_id"], thread_id=req.path["thread_id"])
    return _wait_response(req, run, cancel_on_disconnect=False)  # type: ignore[return-value]
