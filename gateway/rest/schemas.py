"""What the API answers: the core's records reshaped as LangGraph Platform returns them, and their schemas.

The response models document ``/openapi.json``; they are permissive (every field optional, extra fields
allowed) because ``select`` may return any subset of the fields.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ConfigDict

from gateway.rest.errors import unsupported

__all__ = [
    "Assistant",
    "ErrorResponse",
    "Item",
    "ListNamespaceResponse",
    "Run",
    "SearchItemsResponse",
    "Thread",
    "ThreadState",
    "ThreadUpdateStateResponse",
    "assistant_out",
    "item_out",
    "run_out",
    "select",
    "select_state",
    "thread_out",
]


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class ErrorResponse(BaseModel):
    detail: str


class Assistant(_Open):
    assistant_id: str | None = None
    graph_id: str | None = None
    config: dict[str, Any] | None = None
    context: dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None
    version: int | None = None
    name: str | None = None
    description: str | None = None
    created_at: str | None = None
    updated_at: str | None = None


class Thread(_Open):
    thread_id: str | None = None
    status: str | None = None
    metadata: dict[str, Any] | None = None
    values: Any = None
    interrupts: dict[str, Any] | None = None
    config: dict[str, Any] | None = None
    error: Any = None
    created_at: str | None = None
    updated_at: str | None = None


class Checkpoint(_Open):
    thread_id: str | None = None
    checkpoint_ns: str | None = None
    checkpoint_id: str | None = None
    checkpoint_map: dict[str, Any] | None = None


class ThreadState(_Open):
    values: Any = None
    next: list[str] | None = None
    checkpoint: Checkpoint | None = None
    metadata: dict[str, Any] | None = None
    created_at: str | None = None
    parent_checkpoint: Checkpoint | None = None
    tasks: list[dict[str, Any]] | None = None
    interrupts: list[Any] | None = None


class ThreadUpdateStateResponse(_Open):
    checkpoint: Checkpoint | None = None


class Run(_Open):
    run_id: str | None = None
    thread_id: str | None = None
    assistant_id: str | None = None
    status: str | None = None
    metadata: dict[str, Any] | None = None
    kwargs: dict[str, Any] | None = None
    multitask_strategy: str | None = None
    created_at: str | None = None
    updated_at: str | None = None


class Item(_Open):
    namespace: list[str] | None = None
    key: str | None = None
    value: dict[str, Any] | None = None
    created_at: str | None = None
    updated_at: str | None = None
    score: float | None = None


class SearchItemsResponse(BaseModel):
    items: list[Item]


class ListNamespaceResponse(BaseModel):
    namespaces: list[list[str]]


def assistant_out(record: dict[str, Any]) -> dict[str, Any]:
    return {
        "assistant_id": record["assistant_id"],
        "graph_id": record["graph_id"],
        "config": record.get("config") or {},
        "context": record.get("context") or {},
        "metadata": record.get("metadata") or {},
        "version": record.get("version"),
        "name": record.get("name") or record["assistant_id"],
        "description": record.get("description") or None,
        "created_at": record.get("created_at"),
        "updated_at": record.get("updated_at"),
    }


def thread_out(record: dict[str, Any]) -> dict[str, Any]:
    return {
        "thread_id": record["thread_id"],
        "created_at": record.get("created_at"),
        "updated_at": record.get("updated_at"),
        "metadata": record.get("metadata") or {},
        "status": record.get("status") or "idle",
        "config": record.get("config") or {},
        "values": record.get("values"),
        "interrupts": record.get("interrupts") or {},
        "error": record.get("error"),
    }


def run_out(record: dict[str, Any]) -> dict[str, Any]:
    kwargs = dict(record.get("kwargs") or {})
    return {
        "run_id": record["run_id"],
        "thread_id": record.get("thread_id"),
        "assistant_id": record.get("assistant_id"),
        "created_at": record.get("created_at"),
        "updated_at": record.get("updated_at"),
        "status": record.get("status"),
        "metadata": record.get("metadata") or {},
        "kwargs": kwargs,
        "multitask_strategy": record.get("multitask_strategy") or "enqueue",
    }


def item_out(record: dict[str, Any]) -> dict[str, Any]:
    out = {
        "namespace": list(record.get("namespace") or []),
        "key": record["key"],
        "value": record.get("value") or {},
        "created_at": record.get("created_at"),
        "updated_at": record.get("updated_at"),
    }
    if record.get("score") is not None:
        out["score"] = record["score"]
    return out


def select(
    record: dict[str, Any], fields: Iterable[str] | None, *, allowed: Iterable[str], name: str = "select"
) -> dict[str, Any]:
    """Only the ``fields`` of ``record`` (all when None); a field the resource does not have is a 422."""
    if not fields:
        return record
    allowed = set(allowed)
    for field in fields:
        if field not in allowed:
            raise unsupported(name, f"unknown field {field!r}; one of {', '.join(sorted(allowed))}")
    return {k: v for k, v in record.items() if k in fields}


_STATE_FIELDS = (
    "values",
    "next",
    "tasks",
    "checkpoint",
    "metadata",
    "created_at",
    "parent_checkpoint",
    "interrupts",
)


def select_state(state: dict[str, Any], fields: Iterable[str] | None) -> dict[str, Any]:
    """A thread state with only ``fields``; ``values.<key>`` keeps one key of the values."""
    if not fields:
        return state
    out: dict[str, Any] = {}
    value_keys: list[str] = []
    for field in fields:
        top, dot, key = field.partition(".")
        if top not in _STATE_FIELDS or (dot and top != "values"):
            raise unsupported(
                "select", f"unknown field {field!r}; one of {', '.join(_STATE_FIELDS)} or values.<key>"
            )
        if dot:
            value_keys.append(key)
        else:
            out[top] = state.get(top)
    values = state.get("values")
    if value_keys and "values" not in out and isinstance(values, dict):
        out["values"] = {k: values[k] for k in value_keys if k in values}
    return out
