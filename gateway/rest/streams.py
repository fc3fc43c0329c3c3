"""LangGraph API stream modes ↔ the core's events.

The core runs LangGraph with LangGraph's own stream modes and stores each chunk as an event named after its
mode (``mode|ns1|ns2`` inside subgraphs): ``messages`` holds the raw ``(message_chunk, metadata)`` tuple. The
API names things differently: ``messages-tuple`` is that raw tuple, while ``messages`` is LangGraph
Platform's accumulated form — ``messages/metadata`` once per message id, then ``messages/partial`` (the
message so far) for streamed chunks or ``messages/complete`` for whole messages. This module maps the API's
modes onto the core's and renders the core's events back in the API's shape.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from langchain_core import messages as lc

from gateway.rest.errors import unsupported
from protos import codec

__all__ = ["EventRenderer", "api_stream_modes", "core_stream_modes"]

# LangGraph stream modes the core runs and stores under the same name.
_LANGGRAPH_MODES = ("values", "updates", "messages", "custom", "debug", "tasks", "checkpoints")
_UNSUPPORTED = {
    "events": "stream mode 'events' (LangChain callback events) is not supported; use 'messages-tuple' or 'debug'",
    "tools": "stream mode 'tools' is not supported; use 'updates' or 'tasks'",
    "lifecycle": "stream mode 'lifecycle' is not supported; use 'tasks' with stream_subgraphs",
}


def api_stream_modes(stream_mode: str | Sequence[str] | None, *, field: str = "stream_mode") -> list[str]:
    """The requested API modes as a list without repeats (default ``["values"]``); 422 for unsupported ones."""
    if stream_mode is None:
        modes = ["values"]
    elif isinstance(stream_mode, str):
        modes = [stream_mode]
    else:
        modes = list(dict.fromkeys(stream_mode)) or ["values"]
    for mode in modes:
        if mode in _UNSUPPORTED:
            raise unsupported(field, _UNSUPPORTED[mode])
    return modes


def core_stream_modes(api_modes: Iterable[str]) -> list[str]:
    """The LangGraph stream modes the core must run to serve ``api_modes``."""
    out: list[str] = []
    for mode in api_modes:
        core = "messages" if mode == "messages-tuple" else mode
        if core in _LANGGRAPH_MODES and core not in out:
            out.append(core)
    return out


class EventRenderer:
    """Renders one stream's core events as API events for the requested API modes (stateful: messages)."""

    def __init__(self, api_modes: Iterable[str]) -> None:
        self.modes = set(api_modes)
        self._messages: dict[str, lc.BaseMessage] = {}

    def render(self, event: str, data: Any) -> list[tuple[str, Any]]:
        """The API events (name, data) for one core event; none when the caller did not ask for its mode."""
        mode, bar, namespace = event.partition("|")
        suffix = bar + namespace
        if mode == "end":
            return []
        if mode == "messages":
            out: list[tuple[str, Any]] = []
            if "messages-tuple" in self.modes:
                out.append((event, data))
            if "messages" in self.modes:
                out.extend(self._accumulate(data, suffix))
            return out
        if mode in _LANGGRAPH_MODES:
            return [(event, data)] if mode in self.modes else []
        return [(event, data)]  # metadata, error and anything else the core reports about the run

    def _accumulate(self, data: Any, suffix: str) -> list[tuple[str, Any]]:
        if not (isinstance(data, (list, tuple)) and len(data) == 2):
            return []
        raw, metadata = data
        message = _to_message(raw)
        if message is None:
            return [("messages/complete" + suffix, [raw])]
        out: list[tuple[str, Any]] = []
        key = message.id
        if key is None:
            current = message
        else:
            previous = self._messages.get(key)
            if previous is None:
                out.append(("messages/metadata" + suffix, {key: {"metadata": metadata}}))
                current = message
            elif isinstance(previous, lc.BaseMessageChunk) and isinstance(message, lc.BaseMessageChunk):
                current = previous + message
            else:
                current = message
            self._messages[key] = current
        kind = "messages/partial" if isinstance(message, lc.BaseMessageChunk) else "messages/complete"
        out.append((kind + suffix, [codec.to_jsonable(lc.message_chunk_to_message(current))]))
        return out


_MESSAGE_TYPES: dict[str, type[lc.BaseMessage]] = {
    cls.model_fields["type"].default: cls
    for cls in (
        lc.AIMessage,
        lc.AIMessageChunk,
        lc.HumanMessage,
        lc.HumanMessageChunk,
        lc.SystemMessage,
        lc.SystemMessageChunk,
        lc.ToolMessage,
        lc.ToolMessageChunk,
        lc.ChatMessage,
        lc.ChatMessageChunk,
        lc.FunctionMessage,
        lc.FunctionMessageChunk,
    )
}


def _to_message(raw: Any) -> lc.BaseMessage | None:
    """A LangChain message from its JSON form (as the codec wrote it), or None if it is not one."""
    if not isinstance(raw, dict):
        return None
    cls = _MESSAGE_TYPES.get(str(raw.get("type")))
    if cls is None:
        return None
    try:
        return cls.model_validate(raw)
    except Exception:  # noqa: BLE001 - an unexpected shape is passed through as it is
        return None
