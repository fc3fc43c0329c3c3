"""A LangGraph API run request → the core's ``CreateRunRequest`` fields, every field honoured or refused."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from gateway.rest.bodies import RunCreate, checkpoint_dict
from gateway.rest.errors import unsupported
from gateway.rest.streams import api_stream_modes, core_stream_modes

__all__ = ["RunPlan", "modes_of", "plan_run"]

# LangGraph reads this configurable key to refuse a resume that answers no pending interrupt.
_STRICT_RESUME_KEY = "__pregel_strict_resume"


@dataclass(frozen=True)
class RunPlan:
    fields: dict[str, Any]
    """Keyword arguments for ``client.runs.create``."""
    api_modes: list[str]
    """The stream modes as the caller named them (rendering of the core's events)."""
    cancel_on_disconnect: bool


def _nodes(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    return ["*"] if value == "*" else list(value)


def plan_run(body: RunCreate, *, thread_id: str | None, kind: Literal["create", "stream", "wait"]) -> RunPlan:
    """Check ``body`` against what Portico supports and build the core request for it."""
    stateless = not thread_id
    if body.input is not None and body.command is not None:
        raise unsupported("command", "give either input or command, not both")
    if body.feedback_keys:
        raise unsupported("feedback_keys", "LangSmith feedback is not supported")
    if body.langsmith_tracer:
        raise unsupported("langsmith_tracer", "LangSmith tracing is not supported")
    if not stateless and body.on_completion == "delete":
        raise unsupported(
            "on_completion", "'delete' applies to stateless runs; a thread-bound run keeps its thread"
        )
    if kind == "create" and body.on_disconnect == "cancel":
        raise unsupported(
            "on_disconnect",
            "'cancel' needs a streaming or waiting request; a background run has no caller to watch",
        )
    modes = api_stream_modes(body.stream_mode)

    config = dict(body.config or {})
    if body.strict_resume:
        config["configurable"] = {**(config.get("configurable") or {}), _STRICT_RESUME_KEY: True}
    durability = body.durability
    if durability is None and body.checkpoint_during is not None:  # the legacy flag, as LangGraph maps it
        durability = "async" if body.checkpoint_during else "exit"

    fields: dict[str, Any] = {
        "assistant_id": body.assistant_id,
        "input": body.input,
        "command": body.command.model_dump(exclude_none=True) if body.command is not None else None,
        "config": config or None,
        "context": body.context,
        "metadata": body.metadata,
        "stream_mode": core_stream_modes(modes),
        "requested_stream_mode": modes,
        "stream_subgraphs": bool(body.stream_subgraphs),
        "stream_resumable": bool(body.stream_resumable),
        "interrupt_before": _nodes(body.interrupt_before),
        "interrupt_after": _nodes(body.interrupt_after),
        "multitask_strategy": body.multitask_strategy or "",
        "checkpoint": checkpoint_dict(body.checkpoint, body.checkpoint_id),
        "durability": durability or "",
        "webhook": body.webhook or "",
        "after_seconds": float(body.after_seconds or 0.0),
    }
    if stateless:
        fields["on_completion"] = body.on_completion or "delete"
    else:
        fields["thread_id"] = thread_id
        fields["if_not_exists"] = body.if_not_exists or ""
    return RunPlan(fields=fields, api_modes=modes, cancel_on_disconnect=body.on_disconnect == "cancel")


def modes_of(run: dict[str, Any]) -> list[str]:
    """The API stream modes a run was created with (for join streams that do not name their own)."""
    kwargs = run.get("kwargs") or {}
    requested = kwargs.get("requested_stream_mode")
    if requested:
        return list(requested)
    # Created by another protocol (or before requested modes were kept): the raw tuple is the lossless form.
    core = kwargs.get("stream_mode") or ["values"]
    if isinstance(core, str):
        core = [core]
    return ["messages-tuple" if mode == "messages" else mode for mode in core]
