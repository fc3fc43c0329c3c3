"""Start a run on the core and follow it: the one helper every gateway adapter (REST, MCP, A2A) shares.

Adapters translate their protocol's request into core fields, then use these functions to create the run,
read its events from the core's event log (stored ones after a sequence number, then the live tail), wait
for its outcome, or stop it when the caller goes away. Nothing here knows a wire format.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from typing import Any

import grpc

from clients.grpc import PorticoClient

__all__ = [
    "ACTIVE_STATUSES",
    "cancel_quietly",
    "flatten_interrupts",
    "follow",
    "output_of",
    "start_run",
    "wait_for_output",
]

logger = logging.getLogger(__name__)

ACTIVE_STATUSES = frozenset({"pending", "running"})
_FAILED_STATUSES = frozenset({"error", "timeout"})


async def start_run(client: PorticoClient, **fields: Any) -> dict[str, Any]:
    """Create a run (``thread_id`` empty or absent: stateless) and return its row."""
    return await client.runs.create(**fields)


async def follow(
    client: PorticoClient,
    *,
    run_id: str = "",
    thread_id: str = "",
    after_seq: int = 0,
    stream_mode: Sequence[str] = (),
) -> AsyncIterator[dict[str, Any]]:
    """The events of one run (or, with no ``run_id``, of every run of a thread) with seq > ``after_seq``.

    Yields the core's events as dicts (``run_id``, ``seq``, ``event``, ``data``) in seq order; the stored
    ones first, then the live tail, until the run ends (thread streams: until the core ends them).
    """
    async for event in client.runs.stream(
        run_id, thread_id=thread_id, after_seq=after_seq, stream_mode=stream_mode
    ):
        yield event


def flatten_interrupts(interrupts: Any) -> list[Any]:
    """The core's ``{task_id: [interrupt, …]}`` as one list, in task order (LangGraph's ``__interrupt__``)."""
    if not interrupts:
        return []
    if isinstance(interrupts, list):
        return interrupts
    return [item for items in interrupts.values() for item in (items or [])]


def output_of(result: dict[str, Any]) -> Any:
    """What a caller waiting on a run gets, as LangGraph's ``invoke`` would return it.

    Final values; for an interrupted run, the values with ``__interrupt__`` listing the pending interrupts;
    for a failed run, ``{"__error__": {"error": type, "message": text}}``.
    """
    run = result.get("run") or {}
    if run.get("status") in _FAILED_STATUSES:
        error = run.get("error") or {}
        return {"__error__": {"error": error.get("error", "RunError"), "message": error.get("message", "")}}
    values = result.get("values")
    interrupts = flatten_interrupts(result.get("interrupts"))
    if interrupts:
        if values is None:
            values = {}
        if isinstance(values, dict):
            values = {**values, "__interrupt__": interrupts}
    return values if values is not None else {}


async def wait_for_output(client: PorticoClient, run: dict[str, Any]) -> Any:
    """Wait for ``run`` to end and return :func:`output_of` its result."""
    result = await client.runs.join(run["run_id"], thread_id=run.get("thread_id") or "")
    return output_of(result)


async def cancel_quietly(client: PorticoClient, run: dict[str, Any], *, action: str = "interrupt") -> None:
    """Ask the core to stop ``run`` (its caller went away); a run that already ended is left as it is."""
    with contextlib.suppress(grpc.aio.AioRpcError):
        await client.runs.cancel(run["run_id"], thread_id=run.get("thread_id") or "", action=action)
        logger.info(
            "cancelled run on disconnect", extra={"run_id": run["run_id"], "thread_id": run.get("thread_id")}
        )
