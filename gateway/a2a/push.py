"""Push notifications: configs kept in the core (the task's thread metadata), sent through the outbox.

A follower reads a task's events (the same stream ``SubscribeToTask`` serves, from the core's event log) and
turns each into one delivery per config of the task, written to the core's outbox (``Webhooks.Enqueue``).
The webhook dispatcher (``gateway.webhooks``) sends them as it sends run webhooks: durably, retried with
backoff, signed, and only to addresses its policy allows. Deliveries of one task may arrive out of order
(the dispatcher sends concurrently and retries failures); each carries the task's status with its timestamp.
A follower lives in the gateway process that accepted the task: events after a restart of that process are
not followed (the deliveries already queued are sent).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import grpc
from a2a.server.context import ServerCallContext
from a2a.server.events.event_queue import Event
from a2a.server.tasks.base_push_notification_sender import BasePushNotificationSender
from a2a.server.tasks.push_notification_config_store import (
    PushNotificationConfigStore,
    normalize_push_notification_config,
)
from a2a.types.a2a_pb2 import TaskPushNotificationConfig
from a2a.utils.errors import TaskNotFoundError
from a2a.utils.proto_utils import to_stream_response
from google.protobuf import json_format

from clients.grpc import PorticoClient
from gateway.a2a.tasks import push_key

__all__ = ["CorePushConfigStore", "OutboxPushSender", "PushDispatcher"]

logger = logging.getLogger(__name__)


class CorePushConfigStore(PushNotificationConfigStore):
    """The SDK's config store on the core: a task's configs are a list under one key of its thread's metadata."""

    def __init__(self, client: PorticoClient) -> None:
        self.client = client

    async def _thread(self, task_id: str) -> dict[str, Any]:
        try:
            run = await self.client.runs.get(task_id)
            return await self.client.threads.get(run["thread_id"])
        except grpc.aio.AioRpcError as exc:
            if exc.code() == grpc.StatusCode.NOT_FOUND:
                raise TaskNotFoundError from exc
            raise

    async def _configs(self, task_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        thread = await self._thread(task_id)
        return thread, list((thread.get("metadata") or {}).get(push_key(task_id)) or [])

    async def set_info(
        self, task_id: str, notification_config: TaskPushNotificationConfig, context: ServerCallContext
    ) -> TaskPushNotificationConfig:
        config = normalize_push_notification_config(task_id, notification_config)
        thread, configs = await self._configs(task_id)
        stored = json_format.MessageToDict(config, preserving_proto_field_name=True)
        configs = [c for c in configs if c.get("id") != config.id] + [stored]
        await self.client.threads.update(thread["thread_id"], metadata={push_key(task_id): configs})
        return config

    async def get_info(self, task_id: str, context: ServerCallContext) -> list[TaskPushNotificationConfig]:
        _, configs = await self._configs(task_id)
        return [
            json_format.ParseDict(c, TaskPushNotificationConfig(), ignore_unknown_fields=True)
            for c in configs
        ]

    async def get_info_for_dispatch(self, task_id: str) -> list[TaskPushNotificationConfig]:
        # Auth (issue 7) scopes get_info to the caller; dispatch sends to every config of the task.
        return await self.get_info(task_id, ServerCallContext())

    async def delete_info(
        self, task_id: str, context: ServerCallContext, config_id: str | None = None
    ) -> None:
        thread, configs = await self._configs(task_id)
        kept = [c for c in configs if config_id is not None and c.get("id") != config_id]
        await self.client.threads.update(thread["thread_id"], metadata={push_key(task_id): kept})


class OutboxPushSender(BasePushNotificationSender):
    """The SDK's sender with its HTTP POST replaced by a delivery in the core's outbox."""

    def __init__(self, client: PorticoClient, config_store: PushNotificationConfigStore) -> None:
        super().__init__(httpx_client=None, config_store=config_store)  # type: ignore[arg-type]
        self.client = client

    async def _dispatch_notification(
        self, event: Event, push_info: TaskPushNotificationConfig, task_id: str
    ) -> bool:
        headers: dict[str, str] = {}
        if push_info.token:
            headers["X-A2A-Notification-Token"] = push_info.token
        if (
            push_info.HasField("authentication")
            and push_info.authentication.scheme
            and push_info.authentication.credentials
        ):
            headers["Authorization"] = (
                f"{push_info.authentication.scheme} {push_info.authentication.credentials}"
            )
        try:
            await self.client.webhooks.enqueue(
                url=push_info.url,
                kind="a2a_push",
                payload=json_format.MessageToDict(to_stream_response(event)),
                headers=headers,
                run_id=task_id,
            )
        except grpc.aio.AioRpcError as exc:
            logger.warning(
                "push notification not queued", extra={"task_id": task_id, "code": exc.code().name}
            )
            return False
        return True


class PushDispatcher:
    """Follows tasks that have push configs and queues their events for delivery; one follower per task."""

    def __init__(self) -> None:
        self._followers: dict[str, asyncio.Task[None]] = {}

    def watch(self, task_id: str, client: PorticoClient, events: Callable[[], AsyncIterator[Event]]) -> None:
        """Send ``events()`` of ``task_id`` to its configs, unless a follower already does."""
        current = self._followers.get(task_id)
        if current is not None and not current.done():
            return
        self._followers[task_id] = asyncio.create_task(self._follow(task_id, client, events))

    async def _follow(
        self, task_id: str, client: PorticoClient, events: Callable[[], AsyncIterator[Event]]
    ) -> None:
        try:
            sender = OutboxPushSender(client, CorePushConfigStore(client))
            async for event in events():
                await sender.send_notification(task_id, event)
        except (grpc.aio.AioRpcError, asyncio.CancelledError):
            logger.info("push follower stopped", extra={"task_id": task_id})
        except Exception:  # noqa: BLE001 - push is best effort; the task itself is unaffected
            logger.exception("push follower failed", extra={"task_id": task_id})
        finally:
            if self._followers.get(task_id) is asyncio.current_task():
                del self._followers[task_id]

    async def aclose(self) -> None:
        for task in list(self._followers.values()):
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
        self._followers.clear()
