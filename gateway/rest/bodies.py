"""Request bodies and query parameters of the LangGraph Platform API, as ``langgraph-sdk`` sends them.

Every model forbids unknown fields. Fields whose values Portico cannot honour are accepted here and
rejected with a 422 naming them where the request is translated, so the caller always learns about it.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "API_STREAM_MODES",
    "AssistantCount",
    "AssistantCreate",
    "AssistantLatest",
    "AssistantPatch",
    "AssistantSearch",
    "AssistantVersions",
    "CancelManyBody",
    "CancelManyQuery",
    "CancelQuery",
    "CheckpointConfig",
    "checkpoint_dict",
    "Command",
    "DeleteAssistantQuery",
    "GraphQuery",
    "HistoryQuery",
    "JoinStreamQuery",
    "RunBatchItem",
    "RunCreate",
    "RunFields",
    "RunListQuery",
    "StateQuery",
    "StoreDelete",
    "StoreGetQuery",
    "StoreNamespaces",
    "StorePut",
    "StoreSearch",
    "SubgraphsQuery",
    "ThreadCount",
    "ThreadCreate",
    "ThreadGetQuery",
    "ThreadHistory",
    "ThreadPatch",
    "ThreadSearch",
    "ThreadStateCheckpoint",
    "ThreadStateUpdate",
    "ThreadStreamQuery",
]

StreamMode = Literal[
    "values",
    "messages",
    "updates",
    "events",
    "tasks",
    "checkpoints",
    "debug",
    "custom",
    "messages-tuple",
    "tools",
    "lifecycle",
]
API_STREAM_MODES: tuple[str, ...] = StreamMode.__args__  # type: ignore[attr-defined]
MultitaskStrategy = Literal["reject", "interrupt", "rollback", "enqueue"]
OnConflict = Literal["raise", "do_nothing"]
Durability = Literal["sync", "async", "exit"]
RunStatus = Literal["pending", "running", "error", "success", "timeout", "interrupted"]
ThreadStatus = Literal["idle", "busy", "interrupted", "error"]
SortOrder = Literal["asc", "desc"]
JsonObject = dict[str, Any]
_INT32_MAX = 2**31 - 1
_YEAR_SECONDS = 365 * 24 * 3600
_TTL_MAX_MINUTES = 100 * 365 * 24 * 60  # beyond this, expiry dates overflow


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CheckpointConfig(_Strict):
    thread_id: str | None = None
    checkpoint_ns: str | None = None
    checkpoint_id: str | None = None
    checkpoint_map: JsonObject | None = None


class Command(_Strict):
    """LangGraph's ``Command``: resume an interrupt, update the state, and/or go to nodes."""

    update: Any = None
    resume: Any = None
    goto: Any = None


# --- runs -------------------------------------------------------------------------------------------


class RunFields(_Strict):
    """The fields of a run that a run request and a cron's payload share."""

    input: Any = None
    checkpoint_during: bool | None = None
    metadata: JsonObject | None = None
    config: JsonObject | None = None
    context: JsonObject | None = None
    webhook: str | None = None
    interrupt_before: Literal["*"] | list[str] | None = None
    interrupt_after: Literal["*"] | list[str] | None = None
    stream_mode: StreamMode | list[StreamMode] | None = None
    stream_subgraphs: bool | None = None
    stream_resumable: bool | None = None
    durability: Durability | None = None


class RunCreate(RunFields):
    """A run to create (thread-bound or stateless), with every field the LangGraph API defines."""

    assistant_id: str = Field(description="An assistant id, or a graph id (its default assistant).")
    command: Command | None = None
    checkpoint: CheckpointConfig | None = None
    checkpoint_id: str | None = None
    on_disconnect: Literal["cancel", "continue"] | None = None
    on_completion: Literal["delete", "keep"] | None = None
    feedback_keys: list[str] | None = None
    multitask_strategy: MultitaskStrategy | None = None
    if_not_exists: Literal["create", "reject"] | None = None
    after_seconds: float | None = Field(default=None, ge=0, le=_YEAR_SECONDS)
    strict_resume: bool | None = None
    langsmith_tracer: JsonObject | None = None


class RunBatchItem(RunCreate):
    thread_id: str | None = None


class RunListQuery(_Strict):
    limit: int = Field(default=10, ge=0, le=10_000)
    offset: int = Field(default=0, ge=0, le=_INT32_MAX)
    status: RunStatus | None = None
    select: list[str] | None = None


class CancelQuery(_Strict):
    wait: bool = False
    action: Literal["interrupt", "rollback"] = "interrupt"


class CancelManyBody(_Strict):
    thread_id: str | None = None
    run_ids: list[str] | None = None
    status: Literal["pending", "running", "all"] | None = None


class CancelManyQuery(_Strict):
    action: Literal["interrupt", "rollback"] = "interrupt"


class JoinStreamQuery(_Strict):
    cancel_on_disconnect: bool = False
    stream_mode: list[StreamMode] | None = None


# --- threads ----------------------------------------------------------------------------------------


class ThreadTTL(_Strict):
    ttl: float = Field(ge=0, le=_TTL_MAX_MINUTES, description="Minutes.")
    strategy: str = "delete"


class SuperstepUpdate(_Strict):
    values: Any = None
    command: Command | None = None
    as_node: str


class Superstep(_Strict):
    updates: list[SuperstepUpdate]


class ThreadCreate(_Strict):
    thread_id: str | None = None
    metadata: JsonObject | None = None
    if_exists: OnConflict | None = None
    supersteps: list[Superstep] | None = None
    ttl: ThreadTTL | None = None


class ThreadPatch(_Strict):
    metadata: JsonObject | None = None
    ttl: ThreadTTL | None = None


class ThreadSearch(_Strict):
    metadata: JsonObject | None = None
    values: JsonObject | None = None
    ids: list[str] | None = None
    status: ThreadStatus | None = None
    limit: int = Field(default=10, ge=0, le=10_000)
    offset: int = Field(default=0, ge=0, le=_INT32_MAX)
    sort_by: Literal["thread_id", "status", "created_at", "updated_at", "state_updated_at"] | None = None
    sort_order: SortOrder | None = None
    select: list[str] | None = None
    extract: dict[str, str] | None = None


class ThreadCount(_Strict):
    metadata: JsonObject | None = None
    values: JsonObject | None = None
    status: ThreadStatus | None = None


class ThreadStateUpdate(_Strict):
    values: JsonObject | list[Any] | None = None
    as_node: str | None = None
    checkpoint: CheckpointConfig | None = None
    checkpoint_id: str | None = None


class ThreadStateCheckpoint(_Strict):
    checkpoint: CheckpointConfig
    subgraphs: bool = False
    select: list[str] | None = None


class ThreadHistory(_Strict):
    limit: int = Field(default=10, ge=1, le=10_000)
    before: str | CheckpointConfig | None = None
    metadata: JsonObject | None = None
    checkpoint: CheckpointConfig | None = None
    select: list[str] | None = None


class ThreadGetQuery(_Strict):
    include: list[str] | None = None


class StateQuery(_Strict):
    subgraphs: bool = False
    select: list[str] | None = None


class HistoryQuery(_Strict):
    limit: int = Field(default=10, ge=1, le=10_000)
    before: str | None = None


class ThreadStreamQuery(_Strict):
    stream_mode: list[Literal["run_modes", "lifecycle", "state_update"]] | None = None


# --- assistants -------------------------------------------------------------------------------------


class AssistantCreate(_Strict):
    graph_id: str
    assistant_id: str | None = None
    config: JsonObject | None = None
    context: JsonObject | None = None
    metadata: JsonObject | None = None
    if_exists: OnConflict | None = None
    name: str | None = None
    description: str | None = None


class AssistantPatch(_Strict):
    graph_id: str | None = None
    config: JsonObject | None = None
    context: JsonObject | None = None
    metadata: JsonObject | None = None
    name: str | None = None
    description: str | None = None


class AssistantSearch(_Strict):
    metadata: JsonObject | None = None
    graph_id: str | None = None
    name: str | None = None
    limit: int = Field(default=10, ge=0, le=10_000)
    offset: int = Field(default=0, ge=0, le=_INT32_MAX)
    sort_by: Literal["assistant_id", "graph_id", "name", "created_at", "updated_at"] | None = None
    sort_order: SortOrder | None = None
    select: list[str] | None = None


class AssistantCount(_Strict):
    metadata: JsonObject | None = None
    graph_id: str | None = None
    name: str | None = None


class AssistantVersions(_Strict):
    metadata: JsonObject | None = None
    limit: int = Field(default=10, ge=0, le=10_000)
    offset: int = Field(default=0, ge=0, le=_INT32_MAX)


class AssistantLatest(_Strict):
    version: int = Field(ge=1, le=_INT32_MAX)


class GraphQuery(_Strict):
    xray: str | None = Field(default=None, description="true, false, or a depth (integer).")


class SubgraphsQuery(_Strict):
    recurse: bool = False


class DeleteAssistantQuery(_Strict):
    delete_threads: bool = False


# --- store ------------------------------------------------------------------------------------------


class StorePut(_Strict):
    namespace: list[str]
    key: str
    value: JsonObject
    index: Literal[False] | list[str] | None = None
    ttl: float | None = Field(default=None, ge=0, le=_TTL_MAX_MINUTES, description="Minutes.")


class StoreDelete(_Strict):
    namespace: list[str]
    key: str


class StoreGetQuery(_Strict):
    namespace: str | None = Field(default=None, description="Namespace labels joined by '.'.")
    key: str
    refresh_ttl: bool | None = None


class StoreSearch(_Strict):
    namespace_prefix: list[str] = Field(default_factory=list)
    filter: JsonObject | None = None
    limit: int = Field(default=10, ge=0, le=10_000)
    offset: int = Field(default=0, ge=0, le=_INT32_MAX)
    query: str | None = None
    refresh_ttl: bool | None = None


class StoreNamespaces(_Strict):
    prefix: list[str] | None = None
    suffix: list[str] | None = None
    max_depth: int | None = Field(default=None, ge=1, le=_INT32_MAX)
    limit: int = Field(default=100, ge=0, le=10_000)
    offset: int = Field(default=0, ge=0, le=_INT32_MAX)


def checkpoint_dict(
    checkpoint: CheckpointConfig | None, checkpoint_id: str | None = None
) -> dict[str, Any] | None:
    """The checkpoint to address as the core takes it (unset keys dropped); None for the latest."""
    out = checkpoint.model_dump(exclude_none=True) if checkpoint is not None else {}
    if checkpoint_id:
        out["checkpoint_id"] = checkpoint_id
    return out or None
