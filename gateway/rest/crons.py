"""Crons: create (stateless or on a thread), update, delete, search, count — the routes ``langgraph-sdk``'s
``client.crons`` calls. A cron's run fields travel to the core as its ``payload``; the core validates them
as it validates a run, so a bad field is a 422 naming it at creation, never a failed firing later."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from starlette.responses import Response

from gateway.rest._json import JSONResponse, no_content
from gateway.rest._routing import ApiRequest, Router
from gateway.rest.bodies import JsonObject, MultitaskStrategy, RunFields, SortOrder
from gateway.rest.errors import ApiError
from gateway.rest.schemas import select
from gateway.rest.streams import api_stream_modes, core_stream_modes

__all__ = ["router"]

router = Router("Crons")

_CRON_FIELDS = (
    "cron_id",
    "assistant_id",
    "thread_id",
    "on_run_completed",
    "end_time",
    "schedule",
    "timezone",
    "created_at",
    "updated_at",
    "payload",
    "user_id",
    "next_run_date",
    "metadata",
    "enabled",
)
# Run fields a cron body may carry; they become the payload of every run it creates.
# A cron's payload: the run fields it shares with a run request, and its multitask strategy.
_RUN_FIELDS = (*RunFields.model_fields, "multitask_strategy")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _CronRun(RunFields):
    timezone: str | None = Field(default=None, description="IANA time zone of the schedule (default UTC).")
    enabled: bool | None = None


class CronCreate(_CronRun):
    schedule: str = Field(description="A 5-field cron expression.")
    assistant_id: str = Field(description="An assistant id, or a graph id (its default assistant).")
    end_time: AwareDatetime | None = None
    multitask_strategy: MultitaskStrategy | None = None
    on_run_completed: Literal["delete", "keep"] | None = None


class CronPatch(_CronRun):
    schedule: str | None = None
    end_time: AwareDatetime | None = None
    on_run_completed: Literal["delete", "keep"] | None = None


CronSortBy = Literal[
    "cron_id", "assistant_id", "thread_id", "next_run_date", "end_time", "created_at", "updated_at"
]


class CronSearch(_Strict):
    assistant_id: str | None = None
    thread_id: str | None = None
    enabled: bool | None = None
    metadata: JsonObject | None = None
    limit: int = Field(default=10, ge=1, le=1000)
    offset: int = Field(default=0, ge=0)
    sort_by: CronSortBy | None = None
    sort_order: SortOrder | None = None
    select: list[str] | None = None


class CronCount(_Strict):
    assistant_id: str | None = None
    thread_id: str | None = None
    enabled: bool | None = None
    metadata: JsonObject | None = None


class Cron(BaseModel):
    model_config = ConfigDict(extra="allow")
    cron_id: str
    assistant_id: str
    thread_id: str | None = None
    schedule: str
    timezone: str | None = None
    end_time: str | None = None
    next_run_date: str | None = None
    enabled: bool
    on_run_completed: str | None = None
    payload: dict[str, Any]
    metadata: dict[str, Any]
    user_id: str | None = None
    created_at: str
    updated_at: str


def _payload(body: _CronRun) -> dict[str, Any]:
    """The run fields the body set, in the core's terms."""
    payload = {name: getattr(body, name) for name in _RUN_FIELDS if name in body.model_fields_set}
    payload = {k: v for k, v in payload.items() if v is not None}
    if payload.get("stream_mode") is not None:
        payload["stream_mode"] = core_stream_modes(api_stream_modes(payload["stream_mode"]))
    return payload


def _out(cron: dict[str, Any]) -> dict[str, Any]:
    out = {name: cron.get(name) for name in _CRON_FIELDS}
    for name in ("thread_id", "timezone", "end_time", "next_run_date", "on_run_completed", "user_id"):
        out[name] = out[name] or None
    out["payload"] = out["payload"] or {}
    out["metadata"] = out["metadata"] or {}
    return out


def _iso(value: datetime | None) -> str:
    return value.isoformat() if value is not None else ""


async def _create(req: ApiRequest, thread_id: str) -> Response:
    body: CronCreate = req.body
    if thread_id and body.on_run_completed is not None:
        raise ApiError(422, "body.on_run_completed: applies to stateless crons only")
    fields: dict[str, Any] = {
        "assistant_id": body.assistant_id,
        "thread_id": thread_id,
        "schedule": body.schedule,
        "payload": _payload(body),
        "metadata": body.metadata or {},
        "timezone": body.timezone or "",
        "end_time": _iso(body.end_time),
        "on_run_completed": body.on_run_completed or "",
    }
    if body.enabled is not None:
        fields["enabled"] = body.enabled
    return JSONResponse(_out(await req.client.crons.create(**fields)))


@router.route("POST", "/threads/{thread_id}/runs/crons", body=CronCreate, response=Cron, errors=(404, 422))
async def create_thread_cron(req: ApiRequest) -> Response:
    """Create a cron whose every firing is a run on this thread (subject to its multitask strategy)."""
    return await _create(req, req.path["thread_id"])


@router.route("POST", "/runs/crons", body=CronCreate, response=Cron, errors=(404, 422))
async def create_cron(req: ApiRequest) -> Response:
    """Create a stateless cron: each firing runs on a fresh thread (kept or deleted per on_run_completed)."""
    return await _create(req, "")


@router.route("PATCH", "/runs/crons/{cron_id}", body=CronPatch, response=Cron, errors=(404, 422))
async def update_cron(req: ApiRequest) -> Response:
    """Change a cron: schedule, time zone, end time, enabled, or the runs it creates."""
    body: CronPatch = req.body
    given = body.model_fields_set
    fields: dict[str, Any] = {}
    for name in ("schedule", "timezone", "enabled", "on_run_completed"):
        if name in given and getattr(body, name) is not None:
            fields[name] = getattr(body, name)
    if "end_time" in given:  # an explicit null clears it
        fields["end_time"] = _iso(body.end_time)
    payload = _payload(body)
    if payload:
        fields["payload"] = payload
    if body.metadata:
        fields["metadata"] = body.metadata
    return JSONResponse(_out(await req.client.crons.update(req.path["cron_id"], **fields)))


@router.route("DELETE", "/runs/crons/{cron_id}", status=204, errors=(404,))
async def delete_cron(req: ApiRequest) -> Response:
    """Delete a cron; runs it already created are not touched."""
    await req.client.crons.delete(req.path["cron_id"])
    return no_content()


def _filters(body: CronSearch | CronCount) -> dict[str, Any]:
    fields: dict[str, Any] = {"assistant_id": body.assistant_id or "", "thread_id": body.thread_id or ""}
    if body.enabled is not None:
        fields["enabled"] = body.enabled
    if body.metadata:
        fields["metadata"] = body.metadata
    return fields


@router.route("POST", "/runs/crons/search", body=CronSearch, response=list[Cron], errors=(422,))
async def search_crons(req: ApiRequest) -> Response:
    """Crons matching the filters."""
    body: CronSearch = req.body
    crons = await req.client.crons.search(
        **_filters(body),
        limit=body.limit,
        offset=body.offset,
        sort_by=body.sort_by or "",
        sort_order=body.sort_order or "",
    )
    return JSONResponse([select(_out(c), body.select, allowed=_CRON_FIELDS) for c in crons])


@router.route("POST", "/runs/crons/count", body=CronCount, response={"type": "integer"}, errors=(422,))
async def count_crons(req: ApiRequest) -> Response:
    """How many crons match the filters."""
    return JSONResponse(await req.client.crons.count(**_filters(req.body)))
