"""LangGraph ``StateSnapshot`` → the Agent Protocol's thread state shape (JSON-ready values)."""

from __future__ import annotations

from typing import Any

from protos import codec

__all__ = ["snapshot_to_dict", "checkpoint_of"]


def checkpoint_of(config: dict[str, Any] | None) -> dict[str, Any] | None:
    """The ``{thread_id, checkpoint_ns, checkpoint_id, checkpoint_map}`` part of a checkpoint config."""
    if not config:
        return None
    configurable = config.get("configurable") or {}
    if "checkpoint_id" not in configurable:
        return None
    keys = ("thread_id", "checkpoint_ns", "checkpoint_id", "checkpoint_map")
    return {k: configurable[k] for k in keys if k in configurable}


def snapshot_to_dict(snapshot: Any) -> dict[str, Any]:
    """One state snapshot as LangGraph Platform returns it from /threads/{id}/state and /history."""
    tasks = []
    for task in snapshot.tasks:
        state = task.state
        if state is not None and hasattr(state, "values"):
            state = snapshot_to_dict(state)
        elif isinstance(state, dict):
            state = {"configurable": state.get("configurable", {})}
        tasks.append(
            {
                "id": task.id,
                "name": task.name,
                "path": list(task.path) if task.path else [],
                "error": repr(task.error) if task.error is not None else None,
                "interrupts": [{"value": i.value, "id": i.id} for i in task.interrupts],
                "checkpoint": checkpoint_of(state) if isinstance(state, dict) and "configurable" in state else None,
                "state": state,
                "result": task.result,
            }
        )
    interrupts = [{"value": i.value, "id": i.id} for i in getattr(snapshot, "interrupts", ())]
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
