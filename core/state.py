"""LangGraph ``StateSnapshot`` → the Agent Protocol's thread state shape (JSON-ready values)."""

from __future__ import annotations

from typing import Any

from protos import codec

__all__ = ["checkpoint_of", "interrupt_to_dict", "snapshot_to_dict"]


def checkpoint_of(config: dict[str, Any] | None) -> dict[str, Any] | None:
    """The ``{thread_id, checkpoint_ns, checkpoint_id, checkpoint_map}`` part of a checkpoint config."""
    if not config:
        return None
    configurable = config.get("configurable") or {}
    if "checkpoint_id" not in configurable:
        return None
    keys = ("thread_id", "checkpoint_ns", "checkpoint_id", "checkpoint_map")
    return {k: configurable[k] for k in keys if k in configurable}


def interrupt_to_dict(interrupt: Any) -> dict[str, Any]:
    """One ``Interrupt``: its value, its id, and the JSON Schema of the answer when the graph gave one."""
    out = {"value": interrupt.value, "id": interrupt.id}
    schema = getattr(interrupt, "response_schema", None)
    if schema is not None:
        if not isinstance(schema, dict):  # a Python type, before LangGraph surfaced it as JSON Schema
            from pydantic import TypeAdapter

            schema = TypeAdapter(schema).json_schema()
        out["response_schema"] = schema
    return out


def snapshot_to_dict(snapshot: Any) -> dict[str, Any]:
    """One state snapshot as LangGraph Platform returns it from /threads/{id}/state and /history."""
    tasks = []
    for task in snapshot.tasks:
        state = task.state
        if isinstance(state, dict):  # a subgraph's config (a dict has a ``values`` attribute too)
            state = {"configurable": state.get("configurable", {})}
        elif state is not None and hasattr(state, "tasks"):  # the subgraph's own snapshot
            state = snapshot_to_dict(state)
        tasks.append(
            {
                "id": task.id,
                "name": task.name,
                "path": list(task.path) if task.path else [],
                "error": repr(task.error) if task.error is not None else None,
                "interrupts": [interrupt_to_dict(i) for i in task.interrupts],
                "checkpoint": checkpoint_of(state)
                if isinstance(state, dict) and "configurable" in state
                else None,
                "state": state,
                "result": task.result,
            }
        )
    interrupts = [interrupt_to_dict(i) for i in getattr(snapshot, "interrupts", ())]
    return codec.to_jsonable(
        {
            "values": snapshot.values,
            "next": list(snapshot.next),
            "checkpoint": checkpoint_of(snapshot.config),
            "metadata": snapshot.metadata,
            "created_at": snapshot.created_at,
            "parent_checkpoint": checkpoint_of(snapshot.parent_config),
            "tasks": tasks,
            "interrupts": interrupts,
        }
    )
