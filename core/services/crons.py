"""The Crons service: create (stateless or on a thread), get, update, delete, search, count.

A cron's ``payload`` is the run each firing creates, in the fields of ``CreateRunRequest`` (input, config,
context, metadata, webhook, stream_mode, durability, multitask_strategy …); it is validated exactly as a
run request is, at create and update, so a firing never meets a request that ``Runs.Create`` would refuse.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import grpc

from auth.identity import current
from core.errors import InvalidArgument, NotFound
from core.ids import new_id
from core.runtime import CoreRuntime
from core.schedule import next_fire_after, validate_schedule, zone
from core.services._auth import (
    authorized_thread,
    identity_of,
    matches,
    run_identity_config,
)
from core.services._errors import translate_errors
from core.services._validate import choice, object_field
from core.services.runs import run_kwargs
from core.storage._common import as_utc
from protos import codec
from protos.portico.v1 import common_pb2, crons_pb2, crons_pb2_grpc, runs_pb2

__all__ = ["CronsService", "PAYLOAD_FIELDS", "run_request"]

PAYLOAD_FIELDS = frozenset(
    {
        "input",
        "command",
        "config",
        "context",
        "metadata",
        "webhook",
        "stream_mode",
        "stream_subgraphs",
        "stream_resumable",
        "interrupt_before",
        "interrupt_after",
        "durability",
        "checkpoint_during",
        "multitask_strategy",
        "timeout_seconds",
    }
)
_SORTABLE = ("cron_id", "assistant_id", "thread_id", "next_run_date", "end_time", "created_at", "updated_at")


def run_request(cron: dict[str, Any]) -> runs_pb2.CreateRunRequest:
    """The run a firing of ``cron`` creates."""
    fields = dict(cron.get("payload") or {})
    for key in ("stream_mode", "interrupt_before", "interrupt_after"):
        if isinstance(fields.get(key), str):
            fields[key] = [fields[key]]
    fields["assistant_id"] = cron["assistant_id"]
    fields["thread_id"] = cron.get("thread_id") or ""
    if not cron.get("thread_id"):
        fields["on_completion"] = cron.get("on_run_completed") or "delete"
    return codec.to_message(runs_pb2.CreateRunRequest, fields)


def _end_time(raw: str) -> datetime | None:
    if not raw:
        return None
    try:
        return as_utc(datetime.fromisoformat(raw))
    except ValueError:
        raise InvalidArgument(f"end_time: not an ISO 8601 time: {raw!r}") from None


def _message(cron: dict[str, Any]) -> crons_pb2.Cron:
    out = dict(cron)
    for key in ("end_time", "next_run_date"):
        if isinstance(out.get(key), datetime):
            out[key] = out[key].isoformat()
    return codec.to_message(crons_pb2.Cron, out)


@translate_errors
class CronsService(crons_pb2_grpc.CronsServicer):
    def __init__(self, rt: CoreRuntime) -> None:
        self.rt = rt

    @staticmethod
    def _payload(raw: bytes) -> dict[str, Any]:
        payload = object_field("payload", raw) or {}
        unknown = sorted(set(payload) - PAYLOAD_FIELDS)
        if unknown:
            raise InvalidArgument(f"payload: unknown fields {unknown}; allowed: {sorted(PAYLOAD_FIELDS)}")
        return payload

    def _check_run(self, cron: dict[str, Any]) -> None:
        """Refuse now what the firing's ``Runs.Create`` would refuse later."""
        request = run_request(cron)
        run_kwargs(request)
        choice(
            "multitask_strategy",
            request.multitask_strategy,
            {"reject", "enqueue", "interrupt", "rollback"},
            "",
        )

    def _schedule_next(self, cron: dict[str, Any]) -> None:
        """Set ``next_run_date`` from now; disabled crons and crons past their end have none."""
        now = self.rt.cron_clock()
        nxt = next_fire_after(cron["schedule"], cron.get("timezone"), now) if cron["enabled"] else None
        end = cron.get("end_time")
        if nxt is not None and end is not None and nxt > end:
            nxt = None
            cron["enabled"] = False
        cron["next_run_date"] = nxt

    async def Create(
        self, request: crons_pb2.CreateCronRequest, context: grpc.aio.ServicerContext
    ) -> crons_pb2.Cron:
        if not request.assistant_id:
            raise InvalidArgument("assistant_id: required")
        schedule = validate_schedule(request.schedule)
        zone(request.timezone)
        assistant = await self.rt.resolve_assistant(request.assistant_id)
        if request.thread_id:
            await authorized_thread(self.rt, request.thread_id)
        on_completed = choice("on_run_completed", request.on_run_completed, {"delete", "keep"}, "delete")
        cron: dict[str, Any] = {
            "cron_id": new_id(),
            "assistant_id": assistant["assistant_id"],
            "thread_id": request.thread_id or None,
            "schedule": schedule,
            "timezone": request.timezone or None,
            "metadata": object_field("metadata", request.metadata) or {},
            "on_run_completed": None if request.thread_id else on_completed,
            "end_time": _end_time(request.end_time),
            "enabled": request.enabled if request.HasField("enabled") else True,
        }
        cron["payload"] = self._payload(request.payload)
        ident = current()
        cron["user_id"] = ident.identity if ident.kind == "user" else None
        value = {
            "payload": cron["payload"],
            "schedule": schedule,
            "cron_id": cron["cron_id"],
            "thread_id": cron["thread_id"],
            "user_id": cron["user_id"],
            "end_time": cron["end_time"],
            "metadata": cron["metadata"],
        }
        await self.rt.authz.check("crons", "create", value)
        cron["metadata"] = value["metadata"]
        # Its firings run as the cron's maker, whoever is calling when they happen (nobody).
        cron["payload"]["config"] = run_identity_config(cron["payload"].get("config"))
        self._check_run(cron)
        self._schedule_next(cron)
        created = await self.rt.storage.crons.create(cron)
        await self.rt.wake_schedulers()
        return _message(created)

    async def _get(self, cron_id: str, action: str = "read") -> dict[str, Any]:
        """The cron, when ``crons.<action>`` allows the caller; an end user reaches only their own."""
        doc = await self.rt.authz.check("crons", action, {"cron_id": cron_id})
        cron = await self.rt.storage.crons.get(cron_id)
        if cron is None or not matches(cron.get("metadata"), doc) or not self._owns(cron):
            raise NotFound(f"cron {cron_id} not found")
        return cron

    def _owns(self, cron: dict[str, Any]) -> bool:
        ident = current()
        return not self.rt.authz.enabled or ident.kind != "user" or cron.get("user_id") == ident.identity

    def _user_scope(self) -> str | None:
        ident = current()
        return ident.identity if self.rt.authz.enabled and ident.kind == "user" else None

    async def Get(
        self, request: crons_pb2.GetCronRequest, context: grpc.aio.ServicerContext
    ) -> crons_pb2.Cron:
        return _message(await self._get(request.cron_id))

    async def Update(
        self, request: crons_pb2.UpdateCronRequest, context: grpc.aio.ServicerContext
    ) -> crons_pb2.Cron:
        cron = await self._get(request.cron_id, "update")
        reschedule = False
        if request.HasField("schedule"):
            cron["schedule"] = validate_schedule(request.schedule)
            reschedule = True
        if request.HasField("timezone"):
            zone(request.timezone)
            cron["timezone"] = request.timezone or None
            reschedule = True
        if request.HasField("end_time"):
            cron["end_time"] = _end_time(request.end_time)
            reschedule = True
        if request.HasField("enabled"):
            reschedule = reschedule or request.enabled != cron["enabled"]
            cron["enabled"] = request.enabled
        if request.HasField("on_run_completed"):
            if cron.get("thread_id"):
                raise InvalidArgument("on_run_completed: applies to stateless crons only")
            cron["on_run_completed"] = choice(
                "on_run_completed", request.on_run_completed, {"delete", "keep"}, "delete"
            )
        if request.payload:
            payload = self._payload(request.payload)
            if "config" in payload:  # the cron keeps acting for its maker, whoever updates it
                maker = identity_of(cron["payload"].get("config"))
                payload["config"] = run_identity_config(payload["config"], identity=maker)
            cron["payload"] = {**cron["payload"], **payload}
        metadata = object_field("metadata", request.metadata)
        if metadata:
            cron["metadata"] = {**cron["metadata"], **metadata}
        self._check_run(cron)
        if reschedule:
            self._schedule_next(cron)
        # The store writes the columns an update may change and ignores the rest of the record.
        updated = await self.rt.storage.crons.update(cron["cron_id"], cron)
        if updated is None:
            raise NotFound(f"cron {request.cron_id} not found")
        await self.rt.wake_schedulers()
        return _message(updated)

    async def Delete(
        self, request: crons_pb2.GetCronRequest, context: grpc.aio.ServicerContext
    ) -> common_pb2.Empty:
        await self._get(request.cron_id, "delete")
        if not await self.rt.storage.crons.delete(request.cron_id):
            raise NotFound(f"cron {request.cron_id} not found")
        return common_pb2.Empty()

    def _filters(self, request: crons_pb2.SearchCronsRequest) -> dict[str, Any]:
        return {
            "assistant_id": request.assistant_id or None,
            "thread_id": request.thread_id or None,
            "enabled": request.enabled if request.HasField("enabled") else None,
            "metadata": object_field("metadata", request.metadata),
        }

    async def _assistant_filter(self, filters: dict[str, Any]) -> None:
        # A graph id finds its default assistant's crons, as the SDK's docs promise.
        if filters["assistant_id"]:
            try:
                filters["assistant_id"] = (await self.rt.resolve_assistant(filters["assistant_id"]))[
                    "assistant_id"
                ]
            except NotFound:
                pass

    async def Search(
        self, request: crons_pb2.SearchCronsRequest, context: grpc.aio.ServicerContext
    ) -> crons_pb2.CronList:
        filters = self._filters(request)
        await self._assistant_filter(filters)
        if request.limit < 0 or request.offset < 0:
            raise InvalidArgument("limit, offset: must be >= 0")
        crons = await self.rt.storage.crons.search(
            **filters,
            **await self._search_scope(request, filters),
            limit=request.limit or 10,
            offset=request.offset,
            sort_by=choice("sort_by", request.sort_by, _SORTABLE, "created_at"),
            sort_order=choice("sort_order", request.sort_order.lower(), {"asc", "desc"}, "desc"),
        )
        return crons_pb2.CronList(crons=[_message(c) for c in crons])

    async def Count(
        self, request: crons_pb2.SearchCronsRequest, context: grpc.aio.ServicerContext
    ) -> common_pb2.CountResponse:
        filters = self._filters(request)
        await self._assistant_filter(filters)
        scope = await self._search_scope(request, filters)
        return common_pb2.CountResponse(count=await self.rt.storage.crons.count(**filters, **scope))

    async def _search_scope(self, request: Any, filters: dict[str, Any]) -> dict[str, Any]:
        value = {**filters, "limit": request.limit, "offset": request.offset}
        value["metadata"] = dict(filters["metadata"] or {})  # a handler's copy: it may stamp, not filter
        return {"auth": await self.rt.authz.check("crons", "search", value), "user_id": self._user_scope()}
