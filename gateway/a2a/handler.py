"""The transport-neutral A2A request handler, implemented directly on the core.

The SDK's ``DefaultRequestHandler`` runs an ``AgentExecutor`` inside the request's process and keeps each
active task (its event queue, its subscribers) in memory; a Portico task is a run that a worker executes,
that survives a restart, and whose events are already in the core's event log. So this handler implements
the SDK's ``RequestHandler`` interface against the core instead: SendMessage creates (or resumes) a run,
GetTask/ListTasks read runs and threads, SubscribeToTask and streaming read the event log from the start
(nothing is missed, whichever process serves the call), CancelTask cancels the run. The JSON-RPC, HTTP+JSON
and gRPC bindings and the 0.3 compatibility layer of the SDK all delegate to it.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import grpc
from a2a.server.agent_execution.active_task import INTERRUPTED_TASK_STATES, TERMINAL_TASK_STATES
from a2a.server.context import ServerCallContext
from a2a.server.events.event_queue import Event
from a2a.server.request_handlers.request_handler import RequestHandler, validate_request_params
from a2a.types.a2a_pb2 import (
    AgentCard,
    Artifact,
    CancelTaskRequest,
    DeleteTaskPushNotificationConfigRequest,
    GetExtendedAgentCardRequest,
    GetTaskPushNotificationConfigRequest,
    GetTaskRequest,
    ListTaskPushNotificationConfigsRequest,
    ListTaskPushNotificationConfigsResponse,
    ListTasksRequest,
    ListTasksResponse,
    Message,
    SendMessageRequest,
    SubscribeToTaskRequest,
    Task,
    TaskArtifactUpdateEvent,
    TaskPushNotificationConfig,
    TaskState,
    TaskStatus,
    TaskStatusUpdateEvent,
)
from a2a.utils.constants import DEFAULT_LIST_TASKS_PAGE_SIZE
from a2a.utils.errors import (
    InvalidParamsError,
    TaskNotCancelableError,
    TaskNotFoundError,
    UnsupportedOperationError,
)
from a2a.utils.task import apply_history_length, validate_history_length, validate_page_size

from clients.grpc import PorticoClient, call_metadata
from gateway._runs import ACTIVE_STATUSES, follow, start_run
from gateway.a2a import mapping
from gateway.a2a.cards import A2ASettings, Endpoints, build_card
from gateway.a2a.push import CorePushConfigStore, PushDispatcher
from gateway.a2a.tasks import (
    ASSISTANT_KEY,
    CONTEXT_KEY,
    MESSAGE_KEY,
    PROMPT_KEY,
    TASK_KEY,
    TaskRecord,
    TaskView,
    canceled_key,
    context_thread_id,
    push_key,
)
from gateway.metrics import open_stream

__all__ = ["PorticoRequestHandler"]

_PROGRESS_ARTIFACT_ID = "progress"
_TRANSPORT_METADATA = frozenset({"user-agent", "content-type", "te", "host", "accept-encoding"})


def _page_offset(token: str) -> int:
    if not token:
        return 0
    try:
        return max(0, int(base64.urlsafe_b64decode(token.encode()).decode()))
    except ValueError as exc:
        raise InvalidParamsError(message="page_token: not a token this server issued") from exc


def _page_token(offset: int) -> str:
    return base64.urlsafe_b64encode(str(offset).encode()).decode()


class PorticoRequestHandler(RequestHandler):
    """Serves every assistant of a deployment; the call context names the assistant.

    HTTP routes put the assistant from the path (and the core client and endpoints) into
    ``context.state``; gRPC callers name it as the request's ``tenant``; neither means the default one.
    """

    def __init__(self, settings: A2ASettings, client: PorticoClient | None = None) -> None:
        self.settings = settings
        self.client = client
        self.push = PushDispatcher()
        self._views: dict[int, TaskView] = {}

    # -- context ---------------------------------------------------------------------------------------

    def _client(self, context: ServerCallContext) -> PorticoClient:
        client = context.state.get("portico_client") or self.client
        if client is None:
            raise RuntimeError("the A2A handler has no core client")
        grpc_context = context.state.get("grpc_context")
        if grpc_context is not None:
            # Over A2A's gRPC binding nothing authenticated the caller yet: the core does, from the same
            # metadata a direct gRPC caller sends (HTTP callers were authenticated by AuthMiddleware).
            call_metadata.set(_forwarded(grpc_context.invocation_metadata()))
        return client

    def _view(self, client: PorticoClient) -> TaskView:
        view = self._views.get(id(client))
        if view is None or view.client is not client:
            view = self._views[id(client)] = TaskView(client)
        return view

    async def default_assistant(self, client: PorticoClient) -> str:
        if self.settings.default_assistant:
            return self.settings.default_assistant
        assistants = await client.assistants.search(metadata={"created_by": "system"}, limit=1000)
        if not assistants:
            raise TaskNotFoundError(message="this deployment serves no assistant")
        return str(sorted(assistants, key=lambda a: a["graph_id"])[0]["graph_id"])

    async def _assistant(self, context: ServerCallContext) -> tuple[PorticoClient, dict[str, Any]]:
        client = self._client(context)
        ref = context.state.get("assistant_id") or context.tenant or await self.default_assistant(client)
        try:
            return client, await client.assistants.get(ref)
        except grpc.aio.AioRpcError as exc:
            if exc.code() == grpc.StatusCode.NOT_FOUND:
                raise UnsupportedOperationError(message=f"no assistant {ref!r} here") from exc
            raise

    def _endpoints(self, context: ServerCallContext) -> Endpoints:
        endpoints = context.state.get("portico_endpoints")
        if isinstance(endpoints, Endpoints):
            return endpoints
        base = self.settings.public_url or "http://127.0.0.1"
        grpc_url = self.settings.grpc_url
        if grpc_url is None and self.settings.grpc_port:
            grpc_url = f"{urlsplit(base).hostname or '127.0.0.1'}:{self.settings.grpc_port}"
        return Endpoints(base_url=base, grpc_url=grpc_url)

    async def _record(self, view: TaskView, task_id: str, assistant: dict[str, Any]) -> TaskRecord:
        record = await view.load(task_id, assistant["assistant_id"]) if task_id else None
        if record is None:
            raise TaskNotFoundError(message=f"task {task_id} not found")
        return await view.settle(record)

    # -- messages --------------------------------------------------------------------------------------

    async def _send(
        self, params: SendMessageRequest, context: ServerCallContext
    ) -> tuple[PorticoClient, TaskView, dict[str, Any], TaskRecord, dict[str, Any]]:
        """Start the run a message asks for: a new task, a resume of one waiting for input, or a follow-up
        queued behind the run a task is working on. Returns the task as it stands and the new run."""
        validate_history_length(params.configuration)
        client, assistant = await self._assistant(context)
        view = self._view(client)
        message = params.message
        assistant_id = assistant["assistant_id"]
        metadata: dict[str, Any] = {MESSAGE_KEY: mapping.message_to_dict(message)}
        fields: dict[str, Any] = {}
        schema = await view.input_schema(assistant_id)
        if message.task_id:
            record = await self._record(view, message.task_id, assistant)
            if message.context_id and message.context_id != record.context_id:
                raise InvalidParamsError(
                    message=f"context {message.context_id} does not match context {record.context_id} of task {record.task_id}"
                )
            if record.state in TERMINAL_TASK_STATES:
                raise UnsupportedOperationError(
                    message=f"task {record.task_id} is {TaskState.Name(record.state)}; start a new task in its context"
                )
            if record.state == TaskState.TASK_STATE_AUTH_REQUIRED:
                # Only the user's consent at the provider moves it on (the core then resumes it by itself);
                # a message here would start the graph over on a thread that waits at an interrupt.
                raise UnsupportedOperationError(
                    message=f"task {record.task_id} waits for authorization at the URL of its status message; "
                    "it resumes by itself once granted"
                )
            task_id, context_id, thread_id = record.task_id, record.context_id, record.thread["thread_id"]
            if record.state == TaskState.TASK_STATE_INPUT_REQUIRED:
                fields["command"] = {"resume": mapping.resume_value(message)}
                prompt = view.to_task(record).status
                if prompt.HasField("message"):
                    metadata[PROMPT_KEY] = mapping.message_to_dict(prompt.message)
            else:
                fields["input"] = mapping.graph_input(message, schema)
            metadata[TASK_KEY] = task_id
        else:
            context_id, thread_id = await view.ensure_context(assistant_id, message.context_id)
            fields["input"] = mapping.graph_input(message, schema)
            task_id = ""
        metadata[CONTEXT_KEY] = context_id
        modes = ["values", "updates", "custom"]
        if "messages" in ((schema or {}).get("properties") or {}):
            modes.append("messages")
        run = await start_run(
            client,
            thread_id=thread_id,
            assistant_id=assistant_id,
            metadata=metadata,
            stream_mode=modes,
            multitask_strategy="enqueue",
            **fields,
        )
        task_id = task_id or run["run_id"]
        config = params.configuration
        if config.HasField("task_push_notification_config"):
            await CorePushConfigStore(client).set_info(task_id, config.task_push_notification_config, context)
        record = await self._record(view, task_id, assistant)
        if push_key(task_id) in (record.thread.get("metadata") or {}):
            self.push.watch(task_id, client, lambda: self._events(view, assistant, task_id))
        return client, view, assistant, record, run

    @validate_request_params
    async def on_message_send(self, params: SendMessageRequest, context: ServerCallContext) -> Task | Message:
        client, view, assistant, record, run = await self._send(params, context)
        if not params.configuration.return_immediately:
            await client.runs.join(run["run_id"], thread_id=run["thread_id"])
            record = await self._record(view, record.task_id, assistant)
        return apply_history_length(view.to_task(record), params.configuration)

    @validate_request_params
    async def on_message_send_stream(
        self, params: SendMessageRequest, context: ServerCallContext
    ) -> AsyncGenerator[Event, None]:
        with open_stream("a2a"):
            client, view, assistant, record, run = await self._send(params, context)
            yield apply_history_length(view.to_task(record), params.configuration)
            async for event in self._follow(view, assistant, record.task_id, run):
                yield event

    # -- task events -----------------------------------------------------------------------------------

    async def _events(self, view: TaskView, assistant: dict[str, Any], task_id: str) -> AsyncIterator[Event]:
        """A task's snapshot, then its updates until it ends or needs input (push and resubscribe).

        A task waiting for authorization goes on by itself once the user grants it: its updates follow then.
        """
        record = await self._record(view, task_id, assistant)
        yield view.to_task(record)
        if record.state == TaskState.TASK_STATE_AUTH_REQUIRED:
            record = await self._authorized(view, assistant, record)
        elif record.state in TERMINAL_TASK_STATES or record.state in INTERRUPTED_TASK_STATES:
            return
        async for event in self._follow(view, assistant, task_id, record.latest):
            yield event

    async def _authorized(self, view: TaskView, assistant: dict[str, Any], record: TaskRecord) -> TaskRecord:
        """The task once a run the core started on its thread (the resume after the user authorized) has
        joined it: woken by that run's first event on the thread's stream, never by a timer."""
        known = {run["run_id"] for run in record.runs}
        stream = follow(view.client, thread_id=record.thread["thread_id"])
        try:
            async for event in stream:
                if event["run_id"] in known:
                    continue
                known.add(event["run_id"])
                current = await self._record(view, record.task_id, assistant)
                if current.latest["run_id"] != record.latest["run_id"] or current.state != record.state:
                    return current
        finally:
            await stream.aclose()
        return await self._record(view, record.task_id, assistant)

    async def _follow(
        self, view: TaskView, assistant: dict[str, Any], task_id: str, run: dict[str, Any]
    ) -> AsyncIterator[Event]:
        """Status and artifact updates from the event log of ``run`` and the task's later runs, from their
        first event, then the final status."""
        client = view.client
        while True:
            context_id = str((run.get("metadata") or {}).get(CONTEXT_KEY) or "")
            record: TaskRecord | None = None
            if not context_id:
                record = await self._record(view, task_id, assistant)
                context_id = record.context_id
            streamed = False
            async for event in follow(client, run_id=run["run_id"]):
                name = event["event"].split("|", 1)[0]
                if name == "metadata":
                    yield TaskStatusUpdateEvent(
                        task_id=task_id,
                        context_id=context_id,
                        status=TaskStatus(
                            state=TaskState.TASK_STATE_WORKING, timestamp=mapping.timestamp(None)
                        ),
                    )
                elif name == "custom":
                    artifact = Artifact(
                        artifact_id=_PROGRESS_ARTIFACT_ID,
                        name="progress",
                        parts=[mapping.data_part(event["data"])],
                    )
                    yield TaskArtifactUpdateEvent(
                        task_id=task_id, context_id=context_id, artifact=artifact, append=True
                    )
                elif name == "messages":
                    text = _ai_chunk_text(event["data"])
                    if text:
                        artifact = mapping.result_artifact([mapping.text_part(text)])
                        yield TaskArtifactUpdateEvent(
                            task_id=task_id, context_id=context_id, artifact=artifact, append=streamed
                        )
                        streamed = True
            # The log can end a moment before the run's status is committed: wait for that, not for time.
            await client.runs.join(run["run_id"], thread_id=run["thread_id"])
            record = await self._record(view, task_id, assistant)
            if record.latest["run_id"] != run["run_id"] and record.latest["status"] in ACTIVE_STATUSES:
                run = record.latest  # a follow-up message queued another run of this task
                continue
            break
        task = view.to_task(record)
        if task.artifacts:
            yield TaskArtifactUpdateEvent(
                task_id=task_id,
                context_id=task.context_id,
                artifact=task.artifacts[0],
                append=False,
                last_chunk=True,
            )
        yield TaskStatusUpdateEvent(task_id=task_id, context_id=task.context_id, status=task.status)

    # -- tasks -----------------------------------------------------------------------------------------

    @validate_request_params
    async def on_get_task(self, params: GetTaskRequest, context: ServerCallContext) -> Task | None:
        validate_history_length(params)
        client, assistant = await self._assistant(context)
        view = self._view(client)
        record = await self._record(view, params.id, assistant)
        return apply_history_length(view.to_task(record), params)

    @validate_request_params
    async def on_list_tasks(self, params: ListTasksRequest, context: ServerCallContext) -> ListTasksResponse:
        validate_history_length(params)
        page_size = params.page_size if params.HasField("page_size") else DEFAULT_LIST_TASKS_PAGE_SIZE
        validate_page_size(page_size)
        client, assistant = await self._assistant(context)
        view = self._view(client)
        assistant_id = assistant["assistant_id"]
        if params.context_id:
            try:
                threads = [await client.threads.get(context_thread_id(assistant_id, params.context_id))]
            except grpc.aio.AioRpcError as exc:
                if exc.code() != grpc.StatusCode.NOT_FOUND:
                    raise
                threads = []
        else:
            threads = await client.threads.search(metadata={ASSISTANT_KEY: assistant_id}, limit=10_000)
        records: list[TaskRecord] = []
        for thread in threads:
            runs = await client.runs.list(thread["thread_id"], limit=10_000)
            records.extend(
                r for r in view.records_of(thread, runs) if r.runs[0]["assistant_id"] == assistant_id
            )
        tasks: list[Task] = []
        for record in records:
            await view.settle(record)
            if params.status and record.state != params.status:
                continue
            task = view.to_task(record, include_artifacts=params.include_artifacts)
            if (
                params.HasField("status_timestamp_after")
                and task.status.timestamp.ToDatetime() <= params.status_timestamp_after.ToDatetime()
            ):
                continue
            tasks.append(apply_history_length(task, params))
        tasks.sort(key=lambda t: (t.status.timestamp.seconds, t.status.timestamp.nanos, t.id), reverse=True)
        offset = _page_offset(params.page_token)
        page = tasks[offset : offset + page_size]
        more = offset + page_size < len(tasks)
        return ListTasksResponse(
            tasks=page,
            next_page_token=_page_token(offset + page_size) if more else "",
            page_size=page_size,
            total_size=len(tasks),
        )

    @validate_request_params
    async def on_cancel_task(self, params: CancelTaskRequest, context: ServerCallContext) -> Task | None:
        client, assistant = await self._assistant(context)
        view = self._view(client)
        record = await self._record(view, params.id, assistant)
        if record.state in TERMINAL_TASK_STATES:
            raise TaskNotCancelableError(message=f"task {record.task_id} is {TaskState.Name(record.state)}")
        for run in record.runs:
            if run["status"] in ACTIVE_STATUSES:
                try:
                    await client.runs.cancel(run["run_id"], thread_id=run["thread_id"], wait=True)
                except grpc.aio.AioRpcError as exc:
                    if exc.code() != grpc.StatusCode.NOT_FOUND:
                        raise
        record = await self._record(view, record.task_id, assistant)
        if record.state in (TaskState.TASK_STATE_COMPLETED, TaskState.TASK_STATE_FAILED):
            raise TaskNotCancelableError(
                message=f"task {record.task_id} ended {TaskState.Name(record.state)} first"
            )
        # Recorded on the thread, so a task that was waiting for input reads as canceled from now on.
        await client.threads.update(record.thread["thread_id"], metadata={canceled_key(record.task_id): True})
        record = await self._record(view, record.task_id, assistant)
        return view.to_task(record)

    @validate_request_params
    async def on_subscribe_to_task(
        self, params: SubscribeToTaskRequest, context: ServerCallContext
    ) -> AsyncGenerator[Event, None]:
        client, assistant = await self._assistant(context)
        view = self._view(client)
        record = await self._record(view, params.id, assistant)
        if record.state in TERMINAL_TASK_STATES:
            raise UnsupportedOperationError(
                message=f"task {record.task_id} is {TaskState.Name(record.state)}; nothing further to stream"
            )
        with open_stream("a2a"):
            async for event in self._events(view, assistant, record.task_id):
                yield event

    # -- push notification configs ---------------------------------------------------------------------

    async def _push_store(
        self, task_id: str, context: ServerCallContext
    ) -> tuple[CorePushConfigStore, TaskRecord]:
        client, assistant = await self._assistant(context)
        record = await self._record(self._view(client), task_id, assistant)
        return CorePushConfigStore(client), record

    @validate_request_params
    async def on_create_task_push_notification_config(
        self, params: TaskPushNotificationConfig, context: ServerCallContext
    ) -> TaskPushNotificationConfig:
        store, record = await self._push_store(params.task_id, context)
        stored = await store.set_info(record.task_id, params, context)
        if record.state not in TERMINAL_TASK_STATES:
            client, assistant = await self._assistant(context)
            view = self._view(client)
            self.push.watch(record.task_id, client, lambda: self._events(view, assistant, record.task_id))
        return stored

    @validate_request_params
    async def on_get_task_push_notification_config(
        self, params: GetTaskPushNotificationConfigRequest, context: ServerCallContext
    ) -> TaskPushNotificationConfig:
        store, record = await self._push_store(params.task_id, context)
        for config in await store.get_info(record.task_id, context):
            if config.id == params.id:
                return config
        raise TaskNotFoundError(message=f"task {record.task_id} has no push notification config {params.id}")

    @validate_request_params
    async def on_list_task_push_notification_configs(
        self, params: ListTaskPushNotificationConfigsRequest, context: ServerCallContext
    ) -> ListTaskPushNotificationConfigsResponse:
        store, record = await self._push_store(params.task_id, context)
        return ListTaskPushNotificationConfigsResponse(configs=await store.get_info(record.task_id, context))

    @validate_request_params
    async def on_delete_task_push_notification_config(
        self, params: DeleteTaskPushNotificationConfigRequest, context: ServerCallContext
    ) -> None:
        store, record = await self._push_store(params.task_id, context)
        await store.delete_info(record.task_id, context, params.id)

    # -- cards -----------------------------------------------------------------------------------------

    @validate_request_params
    async def on_get_extended_agent_card(
        self, params: GetExtendedAgentCardRequest, context: ServerCallContext
    ) -> AgentCard:
        # Reached only by an authenticated caller when the deployment has auth (AuthMiddleware answers 401
        # before; over gRPC the core refuses the assistant read). It is the public card for now: nothing is
        # hidden from anonymous callers yet.
        client, assistant = await self._assistant(context)
        return build_card(assistant, self._endpoints(context), self.settings)


def _forwarded(metadata: Any) -> tuple[tuple[str, str], ...]:
    """The caller's credentials among a gRPC call's metadata (text entries; not gRPC's own)."""
    return tuple(
        (key, value)
        for key, value in ((str(k).lower(), v) for k, v in metadata or ())
        if isinstance(value, str)
        and key not in _TRANSPORT_METADATA
        and not key.startswith((":", "grpc-"))
        and not key.endswith("-bin")
    )


def _ai_chunk_text(data: Any) -> str:
    """The text of a ``messages`` stream event (``[message chunk, metadata]``) from an AI message."""
    chunk = data[0] if isinstance(data, list) and data else data
    if not isinstance(chunk, dict) or chunk.get("type") not in ("ai", "AIMessageChunk"):
        return ""
    content = chunk.get("content")
    return content if isinstance(content, str) else ""
