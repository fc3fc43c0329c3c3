"""OpenTelemetry tracing of runs: a span per run that continues the caller's trace.

Only the OpenTelemetry API is used here: with no SDK installed (``pip install -e ".[otel]"``) and configured
(``portico/tracing.py``, from the standard ``OTEL_*`` variables), spans cost next to nothing and go nowhere,
but a caller's ``traceparent`` still passes through. The trace context of the request that created a run is
kept in the run's kwargs (``trace``), so the worker that executes it — maybe in another process, maybe after
a restart — continues the same trace.

Message contents (a run's input, nodes' inputs and outputs, prompts and completions, tool arguments and
results) are recorded only when the deployment opts in (``[telemetry] record_content = true``): they may hold
personal data, and spans often travel to a third-party backend.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from opentelemetry import propagate, trace

__all__ = ["NodeSpans", "carrier", "node_spans", "record_outcome", "rpc_span", "run_span"]

_tracer = trace.get_tracer("portico")
_KEYS = ("traceparent", "tracestate")
_CONTENT: ContextVar[bool] = ContextVar("portico_trace_content", default=False)
"""Whether the current run's spans record message contents (set by ``run_span``)."""
_MAX_CONTENT = 16_384  # characters of one content attribute: enough to read, bounded for the exporter


def carrier() -> dict[str, str]:
    """The current trace context as W3C headers (empty when there is none)."""
    out: dict[str, str] = {}
    propagate.inject(out)
    return out


@contextlib.contextmanager
def rpc_span(name: str, metadata: Sequence[tuple[str, Any]] | None) -> Iterator[trace.Span]:
    """A server span for a core RPC, child of the trace context its gRPC metadata carries."""
    headers = {k: v for k, v in (metadata or ()) if k in _KEYS and isinstance(v, str)}
    with _tracer.start_as_current_span(
        name, context=propagate.extract(headers), kind=trace.SpanKind.SERVER
    ) as span:
        yield span


@contextlib.contextmanager
def run_span(run: dict[str, Any], *, record_content: bool = False) -> Iterator[trace.Span]:
    """The span of one execution of ``run``, child of the request that created it.

    Args:
        record_content: put the run's input (and its nodes', tools' and models' contents) on spans.
    """
    kwargs = run.get("kwargs") or {}
    parent = propagate.extract(kwargs.get("trace") or {})
    attributes = {
        "portico.run_id": run["run_id"],
        "portico.thread_id": run["thread_id"],
        "portico.assistant_id": run["assistant_id"],
        "portico.attempt": int(run.get("attempt") or 0),
    }
    tenant = ((kwargs.get("config") or {}).get("configurable") or {}).get("portico_tenant")
    if tenant:  # the tenant of the user the run acts for (set by the core, never by the caller)
        attributes["portico.tenant"] = str(tenant)
    with _tracer.start_as_current_span("run", context=parent, attributes=attributes) as span:
        recording = record_content and span.is_recording()
        if recording:
            span.set_attribute("portico.run.input", _content(kwargs.get("command") or kwargs.get("input")))
        token = _CONTENT.set(recording)
        try:
            yield span
        finally:
            _CONTENT.reset(token)


def record_outcome(status: str, error: dict[str, Any] | None = None) -> None:
    """Put a run's final status (and error type, never its message contents) on the current span."""
    span = trace.get_current_span()
    span.set_attribute("portico.status", status)
    if status == "error":
        span.set_status(trace.StatusCode.ERROR, (error or {}).get("error"))


class NodeSpans(BaseCallbackHandler):
    """LangChain callbacks → a span per graph node, tool call and chat-model call, under the run's span.

    Token usage is recorded where the model reports it; inputs and outputs (message contents) only with
    ``record_content``. Attached only when the run's span records, so tracing off costs the graph nothing.
    """

    run_inline = True  # called on the event loop, in order, rather than in a thread

    def __init__(self, parent: trace.Span, *, record_content: bool = False) -> None:
        self._record_content = record_content
        # Each entry: a LangChain run's span and the context its children start in (made once, when a
        # child first needs it). Plumbing runs (no span of their own) share their enclosing entry.
        self._root: list[Any] = [parent, trace.set_span_in_context(parent)]
        self._entries: dict[UUID, list[Any]] = {}
        self._own: set[UUID] = set()

    def _start(
        self, run_id: UUID, parent_run_id: UUID | None, name: str | None, attributes: dict[str, Any]
    ) -> trace.Span | None:
        enclosing = self._entries.get(parent_run_id, self._root) if parent_run_id else self._root
        if name is None:  # LangChain's own plumbing: its children belong to the enclosing span
            self._entries[run_id] = enclosing
            return None
        if enclosing[1] is None:
            enclosing[1] = trace.set_span_in_context(enclosing[0])
        span = _tracer.start_span(name, context=enclosing[1], attributes=attributes)
        self._entries[run_id] = [span, None]
        self._own.add(run_id)
        return span

    def _end(self, run_id: UUID, error: BaseException | None = None, **attributes: Any) -> None:
        entry = self._entries.pop(run_id, None)
        if entry is None or run_id not in self._own:
            return
        self._own.discard(run_id)
        span = entry[0]
        for key, value in attributes.items():
            if value is not None:
                span.set_attribute(key, value)
        if error is not None:
            span.record_exception(error)
            span.set_status(trace.StatusCode.ERROR, type(error).__name__)
        span.end()

    def on_chain_start(
        self, serialized: Any, inputs: Any, *, run_id: UUID, parent_run_id: UUID | None = None, **kw: Any
    ) -> None:
        node = (kw.get("metadata") or {}).get("langgraph_node")
        if node is None or kw.get("name") != node:
            self._start(run_id, parent_run_id, None, {})
            return
        attributes = {"langgraph.node": node}
        if self._record_content:
            attributes["portico.node.input"] = _content(inputs)
        self._start(run_id, parent_run_id, f"node {node}", attributes)

    def on_chain_end(self, outputs: Any, *, run_id: UUID, **kw: Any) -> None:
        if self._record_content and run_id in self._own:
            self._end(run_id, **{"portico.node.output": _content(outputs)})
        else:
            self._end(run_id)

    def on_chain_error(self, error: BaseException, *, run_id: UUID, **kw: Any) -> None:
        # An interrupt() travels as an exception through its node: not an error of the run.
        self._end(run_id, None if type(error).__name__ == "GraphInterrupt" else error)

    def on_tool_start(
        self, serialized: Any, input_str: str, *, run_id: UUID, parent_run_id: UUID | None = None, **kw: Any
    ) -> None:
        name = kw.get("name") or (serialized or {}).get("name") or "tool"
        attributes = {"gen_ai.tool.name": name}
        if self._record_content:
            attributes["gen_ai.tool.call.arguments"] = _content(kw.get("inputs") or input_str)
        self._start(run_id, parent_run_id, f"tool {name}", attributes)

    def on_tool_end(self, output: Any, *, run_id: UUID, **kw: Any) -> None:
        if self._record_content and run_id in self._own:
            self._end(run_id, **{"gen_ai.tool.call.result": _content(output)})
        else:
            self._end(run_id)

    def on_tool_error(self, error: BaseException, *, run_id: UUID, **kw: Any) -> None:
        self._end(run_id, error)

    def on_chat_model_start(
        self, serialized: Any, messages: Any, *, run_id: UUID, parent_run_id: UUID | None = None, **kw: Any
    ) -> None:
        model = (kw.get("metadata") or {}).get("ls_model_name") or kw.get("name") or "chat_model"
        attributes = {"gen_ai.request.model": str(model)}
        if self._record_content:
            # One list of messages per prompt; a chat model call has one prompt.
            prompts = messages or [[]]
            attributes["gen_ai.input.messages"] = _content(prompts[0] if len(prompts) == 1 else prompts)
        self._start(run_id, parent_run_id, f"chat {model}", attributes)

    def on_llm_end(self, response: Any, *, run_id: UUID, **kw: Any) -> None:
        usage: dict[str, Any] = {}
        outputs: list[Any] = []
        for generations in getattr(response, "generations", None) or []:
            for generation in generations:
                message = getattr(generation, "message", None)
                usage = getattr(message, "usage_metadata", None) or usage
                outputs.append(message if message is not None else getattr(generation, "text", None))
        attributes = {
            "gen_ai.usage.input_tokens": usage.get("input_tokens"),
            "gen_ai.usage.output_tokens": usage.get("output_tokens"),
        }
        if self._record_content and run_id in self._own:
            attributes["gen_ai.output.messages"] = _content(outputs)
        self._end(run_id, **attributes)

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kw: Any) -> None:
        self._end(run_id, error)


def node_spans() -> list[NodeSpans]:
    """The callbacks to add to a run's config: none unless the current (run) span records."""
    span = trace.get_current_span()
    return [NodeSpans(span, record_content=_CONTENT.get())] if span.is_recording() else []


def _plain(value: Any) -> Any:
    """A JSON-able stand-in for a value ``json`` cannot encode: a message as role and content, else text."""
    content = getattr(value, "content", None)
    role = getattr(value, "type", None)
    if isinstance(role, str) and content is not None:
        out: dict[str, Any] = {"role": role, "content": content}
        if getattr(value, "tool_calls", None):
            out["tool_calls"] = value.tool_calls
        return out
    if hasattr(value, "model_dump"):
        return value.model_dump()
    return str(value)


def _content(value: Any) -> str:
    """``value`` as the JSON text of a content attribute, cut to ``_MAX_CONTENT`` characters."""
    try:
        text = value if isinstance(value, str) else json.dumps(value, default=_plain, ensure_ascii=False)
    except (TypeError, ValueError):  # a circular structure, a non-string key …
        text = str(value)
    return text if len(text) <= _MAX_CONTENT else text[:_MAX_CONTENT] + "…"
