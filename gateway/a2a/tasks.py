"""A2A tasks and contexts read from the core: no second store.

A context is a thread: a client's ``contextId`` that is a UUID is the thread id; any other string maps to
``uuid5`` of the assistant and the string, and the thread keeps the original in its metadata, so the same
``contextId`` always finds the same thread. A task is a chain of runs on that thread: its id is the id of
the run that started it, and every later run of the task (a resume after ``input-required``, a follow-up
while it works) carries ``a2a_task_id`` in its metadata. The user message that started each run is kept
in the run's metadata; everything else (state, output, interrupts) is read from the run and its thread's
checkpoints, so a restart keeps every task. Push-notification configs and cancellations of tasks waiting
for input live in the thread's metadata under per-task keys.

One run joins a task without carrying its id: the run the core itself creates on the thread once the user
completes an Agent Auth authorization (``core.services.vault.resume_waiting_runs``, which knows nothing of
A2A). A run that resumes with the vault's "authorized" marker, started after a run of a task that waits
for authorization, continues that task.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import grpc
from a2a.types.a2a_pb2 import Message, Task, TaskState, TaskStatus
from google.protobuf import json_format

from clients.grpc import PorticoClient
from gateway._runs import flatten_interrupts
from gateway.a2a import mapping

__all__ = ["TaskRecord", "TaskView", "canceled_key", "context_thread_id", "push_key"]

TASK_KEY = "a2a_task_id"
CONTEXT_KEY = "a2a_context_id"
MESSAGE_KEY = "a2a_message"
PROMPT_KEY = "a2a_prompt"
ASSISTANT_KEY = "a2a_assistant_id"
_CONTEXT_NAMESPACE = uuid.UUID("0c6a0f0e-4f4b-4c36-9d43-a2a0c0147e11")
_MAX_RUNS = 1000


def push_key(task_id: str) -> str:
    return f"a2a_push:{task_id}"


def canceled_key(task_id: str) -> str:
    return f"a2a_canceled:{task_id}"


def context_thread_id(assistant_id: str, context_id: str) -> str:
    """The thread of a ``contextId``: itself when it is a UUID, else a uuid5 of the assistant and it."""
    try:
        return str(uuid.UUID(context_id))
    except ValueError:
        return str(uuid.uuid5(_CONTEXT_NAMESPACE, f"{assistant_id}\x1f{context_id}"))


def task_id_of(run: dict[str, Any]) -> str:
    return (run.get("metadata") or {}).get(TASK_KEY) or run["run_id"]


def is_a2a_run(run: dict[str, Any]) -> bool:
    return MESSAGE_KEY in (run.get("metadata") or {})


def _is_marker(value: Any) -> bool:
    return (
        isinstance(value, dict) and value.get("authorized") is True and isinstance(value.get("provider"), str)
    )


def is_authorization_resume(run: dict[str, Any]) -> bool:
    """Whether ``run`` is the core's resume after an authorization: not an A2A run, and its command resumes
    with ``{"provider", "authorized": True}`` (alone, or keyed by the interrupt it answers)."""
    metadata = run.get("metadata") or {}
    if TASK_KEY in metadata or MESSAGE_KEY in metadata:
        return False
    command = (run.get("kwargs") or {}).get("command")
    resume = command.get("resume") if isinstance(command, dict) else None
    if _is_marker(resume):
        return True
    return isinstance(resume, dict) and bool(resume) and all(_is_marker(v) for v in resume.values())


@dataclass
class TaskRecord:
    """One task as the core holds it: its thread and its runs, oldest first."""

    task_id: str
    thread: dict[str, Any]
    runs: list[dict[str, Any]]
    newest_on_thread: bool
    """Whether the task's latest run is the thread's latest run (its values and interrupts are the thread's)."""
    outcome: dict[str, Any] | None = None
    """The latest run's end state once read: ``values`` and ``interrupts`` (a list)."""
    state: int = TaskState.TASK_STATE_UNSPECIFIED

    @property
    def latest(self) -> dict[str, Any]:
        return self.runs[-1]

    @property
    def context_id(self) -> str:
        for run in self.runs:
            context = (run.get("metadata") or {}).get(CONTEXT_KEY)
            if context:
                return str(context)
        return str((self.thread.get("metadata") or {}).get(CONTEXT_KEY) or self.thread["thread_id"])


@dataclass
class TaskView:
    """Reads tasks from the core through one client."""

    client: PorticoClient
    _schemas: dict[str, Any] = field(default_factory=dict)

    async def input_schema(self, assistant_id: str) -> dict[str, Any] | None:
        if assistant_id not in self._schemas:
            try:
                schemas = await self.client.assistants.get_schemas(assistant_id)
            except grpc.aio.AioRpcError:
                schemas = None
            self._schemas[assistant_id] = (schemas or {}).get("input_schema")
        return self._schemas[assistant_id]

    async def ensure_context(self, assistant_id: str, context_id: str) -> tuple[str, str]:
        """The thread of ``context_id`` (a new context when empty), created on first use: (context_id, thread_id)."""
        if not context_id:
            context_id = str(uuid.uuid4())
        thread_id = context_thread_id(assistant_id, context_id)
        await self.client.threads.create(
            thread_id=thread_id,
            metadata={CONTEXT_KEY: context_id, ASSISTANT_KEY: assistant_id},
            if_exists="do_nothing",
        )
        return context_id, thread_id

    async def load(self, task_id: str, assistant_id: str) -> TaskRecord | None:
        """The task ``task_id`` of ``assistant_id`` (resolved id), or None when there is none."""
        try:
            first = await self.client.runs.get(task_id)
        except grpc.aio.AioRpcError as exc:
            if exc.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT):
                return None
            raise
        if first["assistant_id"] != assistant_id or task_id_of(first) != task_id:
            return None
        try:
            thread = await self.client.threads.get(first["thread_id"])
            runs = await self.client.runs.list(first["thread_id"], limit=_MAX_RUNS)
        except grpc.aio.AioRpcError as exc:
            if exc.code() == grpc.StatusCode.NOT_FOUND:
                return None
            raise
        records = self.records_of(thread, runs, only=task_id)
        return records[0] if records else None

    def records_of(
        self, thread: dict[str, Any], runs: list[dict[str, Any]], *, only: str | None = None
    ) -> list[TaskRecord]:
        """The tasks among ``runs`` (one thread's runs, newest first, as the core lists them)."""
        chains: dict[str, list[dict[str, Any]]] = {}
        prior: tuple[str, dict[str, Any]] | None = None  # the thread's previous run, and its task
        for run in reversed(runs):
            task_id = task_id_of(run)
            if prior is not None and prior[1]["status"] == "interrupted" and is_authorization_resume(run):
                # The core resumed the thread right after this task's run waited for the user's consent.
                task_id = prior[0]
            prior = (task_id, run)
            chains.setdefault(task_id, []).append(run)
        if only is not None:
            chains = {only: chains[only]} if only in chains else {}
        else:
            # A run started over another protocol is not an A2A task unless asked for by id.
            chains = {t: c for t, c in chains.items() if t != c[0]["run_id"] or is_a2a_run(c[0])}
        newest = runs[0]["run_id"] if runs else None
        return [
            TaskRecord(task_id=t, thread=thread, runs=chain, newest_on_thread=chain[-1]["run_id"] == newest)
            for t, chain in chains.items()
            if chain[0]["run_id"] == t  # the run that started the task is still there
        ]

    async def settle(self, record: TaskRecord) -> TaskRecord:
        """Read the latest run's outcome when it has ended, and the task state."""
        run = record.latest
        if (record.thread.get("metadata") or {}).get(canceled_key(record.task_id)):
            record.state = TaskState.TASK_STATE_CANCELED
            return record
        outcome = {"values": None, "interrupts": []}
        if run["status"] not in ("pending", "running"):
            outcome = await self._outcome(record)
        record.outcome = outcome
        record.state = mapping.task_state(
            run["status"],
            pending_interrupts=bool(outcome["interrupts"]),
            first_run=len(record.runs) == 1,
            authorization=mapping.authorization_request(outcome["interrupts"]) is not None,
        )
        return record

    async def _outcome(self, record: TaskRecord) -> dict[str, Any]:
        run, thread = record.latest, record.thread
        if record.newest_on_thread and thread.get("status") != "busy":
            interrupts = (
                flatten_interrupts(thread.get("interrupts")) if run["status"] == "interrupted" else []
            )
            return {"values": thread.get("values"), "interrupts": interrupts}
        # A later run moved the thread on: this run's own last checkpoint holds its end state.
        try:
            states = await self.client.threads.get_history(
                thread["thread_id"], limit=1, metadata={"run_id": run["run_id"]}
            )
        except grpc.aio.AioRpcError:
            states = []
        if not states:
            return {"values": None, "interrupts": []}
        state = states[0] or {}
        interrupts: list[Any] = []
        if run["status"] == "interrupted":
            for task in state.get("tasks") or []:
                interrupts.extend(task.get("interrupts") or [])
        return {"values": state.get("values"), "interrupts": interrupts}

    def to_task(self, record: TaskRecord, *, include_artifacts: bool = True) -> Task:
        """The A2A ``Task`` of a settled record, with its whole history."""
        context_id = record.context_id
        history: list[Message] = []
        for run in record.runs:
            metadata = run.get("metadata") or {}
            # A resume run keeps the question it answers, so the history reads question, answer, question …
            for key in (PROMPT_KEY, MESSAGE_KEY):
                raw = metadata.get(key)
                if isinstance(raw, dict):
                    message = mapping.message_from_dict(raw)
                    message.task_id, message.context_id = record.task_id, context_id
                    history.append(message)
        status_message = self._status_message(record, context_id)
        task = Task(id=record.task_id, context_id=context_id, history=history)
        status = TaskStatus(state=record.state, timestamp=mapping.timestamp(record.latest.get("updated_at")))
        if status_message is not None:
            status.message.CopyFrom(status_message)
        task.status.CopyFrom(status)
        if include_artifacts and record.state == TaskState.TASK_STATE_COMPLETED and record.outcome:
            parts = mapping.output_parts(record.outcome.get("values"))
            if parts:
                task.artifacts.append(mapping.result_artifact(parts))
        json_format.ParseDict(
            {"thread_id": record.thread["thread_id"], "run_ids": [r["run_id"] for r in record.runs]},
            task.metadata,
        )
        return task

    def _status_message(self, record: TaskRecord, context_id: str) -> Message | None:
        run = record.latest
        message_id = mapping.stable_id(run["run_id"], "status")
        parts = []
        if record.state == TaskState.TASK_STATE_INPUT_REQUIRED and record.outcome:
            parts = mapping.interrupt_parts(record.outcome["interrupts"])
        elif record.state == TaskState.TASK_STATE_AUTH_REQUIRED and record.outcome:
            request = mapping.authorization_request(record.outcome["interrupts"])
            parts = mapping.authorization_parts(request or {})
        elif record.state == TaskState.TASK_STATE_COMPLETED and record.outcome:
            parts = mapping.output_parts(record.outcome.get("values"))
        elif record.state == TaskState.TASK_STATE_FAILED:
            error = run.get("error") or {}
            parts = [
                mapping.text_part(f"{error.get('error', 'RunError')}: {error.get('message', '')}".strip())
            ]
        if not parts:
            return None
        return mapping.agent_message(message_id, record.task_id, context_id, parts)
