"""The webhook dispatcher: drains the core's outbox over gRPC and POSTs each delivery.

Protocol with the core (``Webhooks`` service): ``Claim`` leases due deliveries to this dispatcher (and
waits for one when none is due, so nothing here polls), each is sent once, and ``Report`` records the
attempt: delivered, retry after the schedule's next delay (with jitter), or failed after the last one.
A dispatcher that dies mid-send loses nothing: its lease lapses and another claim sends the delivery
again under the same ``webhook-id`` (at-least-once; receivers deduplicate on the id).

Every attempt is checked by ``TargetPolicy`` (scheme, domains, resolved addresses) and the connection is
made to the address that was checked; redirects are never followed. A refused target fails at once: the
policy would refuse every retry too.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from datetime import UTC, datetime
from typing import Any

import grpc
import httpx
import orjson

from clients.grpc import PorticoClient
from clients.webhooks import sign
from gateway.metrics import WEBHOOK_DELIVERIES
from gateway.webhooks.safety import Refused
from gateway.webhooks.settings import WebhookSettings

__all__ = ["WebhookDispatcher"]

log = logging.getLogger(__name__)

_USER_AGENT = "Portico-Webhooks/1"
_CORE_RETRY_SECONDS = 1.0


class WebhookDispatcher:
    def __init__(self, client: PorticoClient, settings: WebhookSettings, *, owner: str | None = None) -> None:
        self.client = client
        self.settings = settings
        self.owner = owner or f"dispatcher-{random.getrandbits(48):012x}"
        self._http = httpx.AsyncClient(
            follow_redirects=False,
            trust_env=False,  # a proxy would connect on our behalf to whatever the name resolves to there
            timeout=httpx.Timeout(settings.timeout_seconds),
            limits=httpx.Limits(max_keepalive_connections=0),  # a fresh, pinned connection per attempt
        )
        self._inflight: set[asyncio.Task[None]] = set()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="portico-webhooks")

    async def aclose(self) -> None:
        """Stop claiming and abandon attempts in flight (their leases lapse; they are sent again later)."""
        tasks = [t for t in (self._task, *self._inflight) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._task = None
        await self._http.aclose()

    async def _loop(self) -> None:
        while True:
            if len(self._inflight) >= self.settings.concurrency:
                await asyncio.wait(self._inflight, return_when=asyncio.FIRST_COMPLETED)
                continue
            try:
                deliveries = await self.client.webhooks.claim(
                    owner=self.owner,
                    limit=self.settings.concurrency - len(self._inflight),
                    lease_seconds=self.settings.lease_seconds,
                    wait_seconds=self.settings.claim_wait_seconds,
                )
            except grpc.aio.AioRpcError as exc:
                log.warning("claiming deliveries failed; retrying", extra={"code": exc.code().name})
                await asyncio.sleep(_CORE_RETRY_SECONDS)
                continue
            for delivery in deliveries:
                task = asyncio.create_task(self._deliver(delivery))
                self._inflight.add(task)
                task.add_done_callback(self._inflight.discard)

    def retry_delay(self, attempts: int) -> float:
        """Seconds before the next attempt after ``attempts`` failed ones; < 0 when the schedule is spent."""
        if attempts >= len(self.settings.schedule):
            return -1.0
        delay = self.settings.schedule[attempts]
        jitter = self.settings.jitter
        return max(0.0, delay * random.uniform(1 - jitter, 1 + jitter)) if jitter else delay

    async def _deliver(self, delivery: dict[str, Any]) -> None:
        started = datetime.now(UTC)
        t0 = time.monotonic()
        status_code, error, final = await self._attempt(delivery)
        delivered = status_code is not None and 200 <= status_code < 300
        retry = -1.0 if final or delivered else self.retry_delay(delivery["attempts"])
        WEBHOOK_DELIVERIES.labels(
            outcome="delivered" if delivered else "retry" if retry >= 0 else "failed"
        ).inc()
        extra = {
            "delivery_id": delivery["delivery_id"],
            "run_id": delivery.get("run_id"),
            "status_code": status_code,
        }
        if delivered:
            log.info("webhook delivered", extra=extra)
        else:
            log.warning("webhook attempt failed", extra={**extra, "error": error, "retry_in": retry})
        try:
            await self.client.webhooks.report(
                delivery["delivery_id"],
                delivery["lease_epoch"],
                delivered=delivered,
                status_code=status_code or 0,
                error=error or "",
                retry_in_seconds=retry,
                started_at=started,
                duration_seconds=time.monotonic() - t0,
            )
        except grpc.aio.AioRpcError as exc:
            # ABORTED: our lease lapsed and another dispatcher holds the delivery; anything else: the
            # lease will lapse and the delivery is sent again. Either way nothing is lost.
            log.warning("could not report a delivery", extra={**extra, "code": exc.code().name})

    async def _attempt(self, delivery: dict[str, Any]) -> tuple[int | None, str | None, bool]:
        """(status code, error, final): final when retrying cannot help (the policy refuses the target)."""
        try:
            target = await self.settings.policy.resolve(delivery["url"])
        except Refused as exc:
            return None, f"refused: {exc}", True
        payload = delivery.get("payload")
        if delivery.get("kind") == "webhook" and isinstance(payload, dict):
            payload = {**payload, "webhook_sent_at": datetime.now(UTC).isoformat()}
        body = orjson.dumps(payload)
        msg_id = delivery["delivery_id"]
        timestamp = int(time.time())
        headers = {
            **self.settings.headers,
            **(delivery.get("headers") or {}),
            "Host": target.host_header,
            "Content-Type": "application/json",
            "User-Agent": _USER_AGENT,
            "webhook-id": msg_id,
            "webhook-timestamp": str(timestamp),
        }
        if self.settings.secrets:
            headers["webhook-signature"] = sign(self.settings.secrets, msg_id, timestamp, body)
        extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
        try:
            async with asyncio.timeout(self.settings.timeout_seconds):
                response = await self._http.post(
                    target.pinned_url, content=body, headers=headers, extensions=extensions
                )
        except TimeoutError:
            return None, f"timed out after {self.settings.timeout_seconds} s", False
        except httpx.HTTPError as exc:
            return None, f"{type(exc).__name__}: {exc}", False
        if 300 <= response.status_code < 400:
            return response.status_code, "redirect not followed", False
        error = None if response.is_success else f"HTTP {response.status_code}"
        return response.status_code, error, False
