"""A2A ↔ LangGraph values: message parts to graph input, run outcomes to task states, messages and artifacts.

Pure functions over plain values and the SDK's protobuf types; nothing here talks to the core.
"""

from __future__ import annotations

import uuid
from typing import Any

from a2a.types.a2a_pb2 import Artifact, Message, Part, Role, TaskState
from a2a.utils.errors import ContentTypeNotSupportedError
from google.protobuf import json_format, struct_pb2
from google.protobuf.timestamp_pb2 import Timestamp

__all__ = [
    "INPUT_MODES",
    "OUTPUT_MODES",
    "RESULT_ARTIFACT_ID",
    "agent_message",
    "authorization_parts",
    "authorization_request",
    "graph_input",
    "interrupt_parts",
    "message_from_dict",
    "message_to_dict",
    "output_parts",
    "resume_value",
    "stable_id",
    "task_state",
    "text_of",
    "timestamp",
]

INPUT_MODES = ["text/plain", "application/json"]
OUTPUT_MODES = ["text/plain", "application/json"]
RESULT_ARTIFACT_ID = "result"
AUTHORIZATION_REQUIRED = "authorization_required"  # portico.agent_auth's interrupt (adapters don't import it)
_TEXT_KEYS = ("input", "query", "question", "text", "prompt")
_ID_NAMESPACE = uuid.UUID("6f1f5d5e-2b6c-4a57-9a36-0d3f7f3a2a00")


def stable_id(*parts: str) -> str:
    """A deterministic id (uuid5), so a message or artifact keeps its id every time a task is read."""
    return str(uuid.uuid5(_ID_NAMESPACE, "\x1f".join(parts)))


def _value(obj: Any) -> struct_pb2.Value:
    return json_format.ParseDict(obj, struct_pb2.Value())


def text_part(text: str) -> Part:
    return Part(text=text, media_type="text/plain")


def data_part(data: Any) -> Part:
    part = Part(media_type="application/json")
    part.data.CopyFrom(_value(data))
    return part


def message_to_dict(message: Message) -> dict[str, Any]:
    return json_format.MessageToDict(message)


def message_from_dict(data: dict[str, Any]) -> Message:
    return json_format.ParseDict(data, Message(), ignore_unknown_fields=True)


def _split_parts(message: Message) -> tuple[list[str], list[Any]]:
    texts: list[str] = []
    data: list[Any] = []
    for part in message.parts:
        kind = part.WhichOneof("content")
        if kind == "text":
            texts.append(part.text)
        elif kind == "data":
            data.append(json_format.MessageToDict(part.data))
        else:
            raise ContentTypeNotSupportedError(
                message=f"{kind} parts are not supported; send text or data parts (accepted: {INPUT_MODES})"
            )
    return texts, data


def text_of(message: Message) -> str:
    """The message's text parts joined by newlines."""
    return "\n".join(p.text for p in message.parts if p.WhichOneof("content") == "text")


def graph_input(message: Message, input_schema: dict[str, Any] | None) -> dict[str, Any]:
    """The graph input for a user message.

    Data parts that are JSON objects are merged into the input; text goes to a human message when the graph
    has a ``messages`` key, else to the first of ``input``/``query``/``question``/``text``/``prompt`` the
    input schema declares.
    """
    texts, data = _split_parts(message)
    properties = (input_schema or {}).get("properties") or {}
    result: dict[str, Any] = {}
    for item in data:
        if isinstance(item, dict):
            result.update(item)
        else:
            result.setdefault("data", item)
    text = "\n".join(texts)
    if text:
        if "messages" in properties or not properties:
            content = {"role": "user", "content": text, "id": message.message_id or None}
            result["messages"] = [*(result.get("messages") or []), {k: v for k, v in content.items() if v}]
        else:
            key = next((k for k in _TEXT_KEYS if k in properties), None)
            if key is not None:
                result[key] = text
    return result


def resume_value(message: Message) -> Any:
    """What a follow-up message resumes an ``interrupt()`` with: its text, its one data value, or both."""
    texts, data = _split_parts(message)
    if data and not texts:
        return data[0] if len(data) == 1 else data
    text = "\n".join(texts)
    if texts and not data:
        return text
    return {"text": text, "data": data[0] if len(data) == 1 else data}


def _message_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            block if isinstance(block, str) else str(block.get("text", ""))
            for block in content
            if isinstance(block, str) or (isinstance(block, dict) and block.get("type") == "text")
        )
    return ""


def output_parts(values: Any) -> list[Part]:
    """The parts of a finished run's output: the last AI message's text for a chat graph, else the values."""
    if isinstance(values, dict):
        messages = values.get("messages")
        if isinstance(messages, list) and messages:
            last = messages[-1]
            if (
                isinstance(last, dict)
                and last.get("type") in ("ai", "AIMessageChunk")
                and last.get("content")
            ):
                return [text_part(_message_text(last["content"]))]
    if values is None:
        return []
    return [data_part(values)]


def interrupt_parts(interrupts: list[Any]) -> list[Part]:
    """The parts of an ``input-required`` status message: each pending interrupt's value."""
    parts = []
    for item in interrupts:
        value = item.get("value") if isinstance(item, dict) else item
        parts.append(text_part(value) if isinstance(value, str) else data_part(value))
    return parts


def authorization_request(interrupts: list[Any]) -> dict[str, Any] | None:
    """The pending Agent Auth interrupt (``portico.agent_auth.get_token``: ``{"type":
    "authorization_required", "provider", "url"}``) among ``interrupts``, if there is one."""
    for item in interrupts:
        value = item.get("value") if isinstance(item, dict) else item
        if isinstance(value, dict) and value.get("type") == AUTHORIZATION_REQUIRED:
            return value
    return None


def authorization_parts(request: dict[str, Any]) -> list[Part]:
    """The parts of an ``auth-required`` status message: where to authorize, in words and as data."""
    provider, url = str(request.get("provider") or ""), str(request.get("url") or "")
    return [
        text_part(f"Authorize {provider} at {url} to continue; the task resumes by itself once you have."),
        data_part({"provider": provider, "url": url}),
    ]


def agent_message(message_id: str, task_id: str, context_id: str, parts: list[Part]) -> Message:
    return Message(
        message_id=message_id, task_id=task_id, context_id=context_id, role=Role.ROLE_AGENT, parts=parts
    )


def result_artifact(parts: list[Part]) -> Artifact:
    return Artifact(artifact_id=RESULT_ARTIFACT_ID, name="result", parts=parts)


def task_state(
    run_status: str, *, pending_interrupts: bool, first_run: bool, authorization: bool = False
) -> int:
    """The A2A task state of a task whose latest run has ``run_status``.

    A run the core reports ``interrupted`` either stopped at an ``interrupt()`` (input required; auth
    required when it waits for the user to authorize a provider) or was cancelled; the pending interrupts
    tell them apart.
    """
    if run_status == "pending":
        return TaskState.TASK_STATE_SUBMITTED if first_run else TaskState.TASK_STATE_WORKING
    if run_status == "running":
        return TaskState.TASK_STATE_WORKING
    if run_status == "success":
        return TaskState.TASK_STATE_COMPLETED
    if run_status in ("error", "timeout"):
        return TaskState.TASK_STATE_FAILED
    if run_status == "interrupted":
        if authorization:
            return TaskState.TASK_STATE_AUTH_REQUIRED
        return TaskState.TASK_STATE_INPUT_REQUIRED if pending_interrupts else TaskState.TASK_STATE_CANCELED
    return TaskState.TASK_STATE_CANCELED  # "cancelled" and anything a later core adds that ends a run


def timestamp(value: str | None) -> Timestamp:
    stamp = Timestamp()
    if value:
        try:
            stamp.FromJsonString(value.replace("+00:00", "Z") if value.endswith("+00:00") else value)
        except ValueError:
            stamp.GetCurrentTime()
    else:
        stamp.GetCurrentTime()
    return stamp
