"""The Webhooks service: the outbox's side of the dispatcher protocol (claim, report), enqueue, history.

``Claim`` waits (up to ``wait_seconds``) for a delivery to become due instead of answering empty: it sleeps
on the in-process wake-up that a run's end (or PostgreSQL NOTIFY from another process) sets, or until the
next retry is due. Dispatchers therefore never poll.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import grpc

from core.errors import InvalidArgument, NotFound
from core.ids import new_id, utcnow
from core.runtime import DELIVERIES_KEY, CoreRuntime
from core.services._auth import authorized_thread
from core.services._errors import translate_errors
from core.services._validate import choice, json_field, object_field
from core.services.runs import webhook_url
from protos import codec
from protos.portico.v1 import webhooks_pb2, webhooks_pb2_grpc

__all__ = ["WebhooksService"]

_MAX_WAIT_SECONDS = 300.0


def _delivery(record: dict[str, Any]) -> webhooks_pb2.WebhookDelivery:
    return codec.to_message(webhooks_pb2.WebhookDelivery, record)


@translate_errors
class WebhooksService(webhooks_pb2_grpc.WebhooksServicer):
    def __init__(self, rt: CoreRuntime) -> None:
        self.rt = rt

    async def _authorize(self, run_id: str, thread_id: str) -> None:
        """A user reaches the deliveries of threads they may read; the rest is the gateway's."""
        if not self.rt.authz.enabled:
            return
        if thread_id:
            await authorized_thread(self.rt, thread_id)
        if run_id:
            run = await self.rt.storage.runs.get(run_id)
            if run is not None:
                await authorized_thread(self.rt, run["thread_id"])
            elif self.rt.authz.enabled and not thread_id:
                self.rt.authz.require_internal("deliveries of an unknown run")
        if not run_id and not thread_id:
            self.rt.authz.require_internal("deliveries of no run")

    async def Claim(
        self, request: webhooks_pb2.ClaimDeliveriesRequest, context: grpc.aio.ServicerContext
    ) -> webhooks_pb2.WebhookDeliveryList:
        self.rt.authz.require_internal("claiming deliveries")
        if not request.owner:
            raise InvalidArgument("owner: required")
        if request.limit < 0 or request.lease_seconds < 0 or request.wait_seconds < 0:
            raise InvalidArgument("limit, lease_seconds, wait_seconds: must be >= 0")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + min(request.wait_seconds, _MAX_WAIT_SECONDS)
        store = self.rt.storage.deliveries
        while True:
            wake = self.rt.notifier.waiter(DELIVERIES_KEY)
            try:
                claimed = await store.claim(
                    request.owner,
                    limit=request.limit or 10,
                    lease_seconds=request.lease_seconds or 30.0,
                    now=utcnow(),
                )
                remaining = deadline - loop.time()
                if claimed or remaining <= 0:
                    return codec.to_message(webhooks_pb2.WebhookDeliveryList, {"deliveries": claimed})
                due = await store.next_due_at()
                if due is not None:
                    remaining = min(remaining, max(0.0, (due - utcnow()).total_seconds()) + 0.001)
                await asyncio.wait({wake}, timeout=remaining)
            finally:
                wake.cancel()

    async def Report(
        self, request: webhooks_pb2.ReportDeliveryRequest, context: grpc.aio.ServicerContext
    ) -> webhooks_pb2.WebhookDelivery:
        self.rt.authz.require_internal("reporting deliveries")
        if not request.delivery_id:
            raise InvalidArgument("delivery_id: required")
        try:
            started = datetime.fromisoformat(request.started_at) if request.started_at else None
        except ValueError:
            raise InvalidArgument(f"started_at: not an RFC 3339 time: {request.started_at!r}") from None
        record = await self.rt.storage.deliveries.report(
            request.delivery_id,
            request.lease_epoch,
            delivered=request.delivered,
            status_code=request.status_code or None,
            error=request.error or None,
            retry_in_seconds=request.retry_in_seconds,
            started_at=started,
            duration_seconds=request.duration_seconds,
        )
        if record is None:
            current = await self.rt.storage.deliveries.get(request.delivery_id)
            if current is None:
                raise NotFound(f"delivery {request.delivery_id} not found")
            context.set_code(grpc.StatusCode.ABORTED)
            context.set_details(
                f"delivery {request.delivery_id}: lease epoch {request.lease_epoch} is no longer current"
            )
            return _delivery(current)
        if record["status"] == "pending":
            self.rt.notifier.notify(DELIVERIES_KEY)  # a waiting Claim recomputes when the retry is due
        return _delivery(record)

    async def Enqueue(
        self, request: webhooks_pb2.EnqueueDeliveryRequest, context: grpc.aio.ServicerContext
    ) -> webhooks_pb2.WebhookDelivery:
        await self._authorize(request.run_id, request.thread_id)
        url = webhook_url(request.url, "url")
        if url is None:
            raise InvalidArgument("url: required")
        kind = choice("kind", request.kind, {"webhook", "a2a_push"}, "webhook")
        headers = object_field("headers", request.headers) or {}
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items()):
            raise InvalidArgument("headers: must map names to strings")
        payload = json_field("payload", request.payload)
        record = await self.rt.storage.deliveries.enqueue(
            delivery_id=f"msg_{new_id()}",
            kind=kind,
            url=url,
            payload=payload,
            run_id=request.run_id or None,
            thread_id=request.thread_id or None,
            headers=headers,
        )
        await self.rt.wake_dispatchers()
        return _delivery(record)

    async def List(
        self, request: webhooks_pb2.ListDeliveriesRequest, context: grpc.aio.ServicerContext
    ) -> webhooks_pb2.WebhookDeliveryList:
        await self._authorize(request.run_id, request.thread_id)
        records = await self.rt.storage.deliveries.list(
            run_id=request.run_id or None, thread_id=request.thread_id or None, limit=request.limit or 100
        )
        return codec.to_message(webhooks_pb2.WebhookDeliveryList, {"deliveries": records})
