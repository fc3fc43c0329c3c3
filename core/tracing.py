"""OpenTelemetry tracing of runs: a span per run that continues the caller's trace.

Only the OpenTelemetry API is used here: with no SDK installed (``pip install -e ".[otel]"``) and configured
(``portico/tracing.py``, from the standard ``OTEL_*`` variables), spans cost next to nothing and go nowhere,
but a caller's ``traceparent`` still passes through. The trace context of the request that created a run is
kept in the run's kwargs (``trace``), so the worker that executes it — maybe in another process, maybe after
a restart — continues the same trace.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from opentelemetry import propagate, trace

__all__ = ["NodeSpans", "carrier", "node_spans", "record_outcome", "rpc_span", "run_span"]

_tracer = trace.get_tracer("portico")
_KEYS = ("traceparent", "tracestate")


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
def run_span(run: dict[str, Any]) -> Iterator[trace.Span]:
    """The span of one execution of ``run``, child of the request that created it."""
    parent = propagate.extract((run.get("kwargs") or {}).get("trace") or {})
    attributes = {
        "portico.run_id": run["run_id"],
        "portico.thread_id": run["thread_id"],
        "portico.assistant_id": run["assistant_id"],
        "portico.attempt": int(run.get("attempt") or 0),
    }
    with _tracer.start_as_current_span("run", context=parent, attributes=attributes) as span:
        yield span


def record_outcome(status: str, error: dict[str, Any] | None = None) -> None:
    """Put a run's final status (and error type, never its message contents) on the current span."""
    span = trace.get_current_span()
    span.set_attribute("portico.status", status)
    if status == "error":
        span.set_status(trace.StatusCode.ERROR, (error or {}).get("error"))


class NodeSpans(BaseCallbackHandler):
    """LangChain callbacks → a span per graph node, tool call and chat-model call, under the run's span.

    Inputs and outputs (message contents) are not recorded; token usage is, where the model reports it.
    Attached only when the run's span records, so tracing off costs the graph nothing.
    """

    run_inline = True  # called on the event loop, in order, rather than in a thread

    def __init__(self, parent: trace.Span) -> None:
        self._parent = parent
        self._spans: dict[UUID, trace.Span] = {}
        self._own: set[UUID] = set()

    def _enclosing(self, parent_run_id: UUID | None) -> trace.Span:
        return self._spans.get(parent_run_id, self._parent) if parent_run_id else self._parent

    def _start(
        self, run_id: UUID, parent_run_id: UUID | None, name: str | None, attributes: dict[str, Any]
    ) -> None:
        enclosing = self._enclosing(parent_run_id)
        if name is None:  # LangChain's own plumbing: its children belong to the enclosing span
            self._spans[run_id] = enclosing
            return
        context = trace.set_span_in_context(enclosing)
        self._spans[run_id] = _tracer.start_span(name, context=context, attributes=attributes)
        self._own.add(run_id)

    def _end(self, run_id: UUID, error: BaseException | None = None, **attributes: Any) -> None:
        span = self._spans.pop(run_id, None)
        if span is None or run_id not in self._own:
            return
        self._own.discard(run_id)
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
        is_node = node is not None and kw.get("name") == node
        self._start(
            run_id, parent_run_id, f"node {node}" if is_node else None, {"langgraph.node": node or ""}
        )

    def on_chain_end(self, outputs: Any, *, run_id: UUID, **kw: Any) -> None:
        self._end(run_id)

    def on_chain_error(self, error: BaseException, *, run_id: UUID, **kw: Any) -> None:
        # An interrupt() travels as an exception through its node: not an error of the run.
        self._end(run_id, None if type(error).__name__ == "GraphInterrupt" else error)

    def on_tool_start(
        self, serialized: Any, input_str: str, *, run_id: UUID, parent_run_id: UUID | None = None, **kw: Any
    ) -> None:
        name = kw.get("name") or (serialized or {}).get("name") or "tool"
        self._start(run_id, parent_run_id, f"tool {name}", {"gen_ai.tool.name": name})

    def on_tool_end(self, output: Any, *, run_id: UUID, **kw: Any) -> None:
        self._end(run_id)

    def on_tool_error(self, error: BaseException, *, run_id: UUID, **kw: Any) -> None:
        self._end(run_id, error)

    def on_chat_model_start(
        self, serialized: Any, messages: Any, *, run_id: UUID, parent_run_id: UUID | None = None, **kw: Any
    ) -> None:
        model = (kw.get("metadata") or {}).get("ls_model_name") or kw.get("name") or "chat_model"
        self._start(run_id, parent_run_id, f"chat {model}", {"gen_ai.request.model": str(model)})

    def on_llm_end(self, response: Any, *, run_id: UUID, **kw: Any) -> None:
        usage: dict[str, Any] = {}
        for generations in getattr(response, "generations", None) or []:
            for generation in generations:
                usage = getattr(getattr(generation, "message", None), "usage_metadata", None) or usage
        self._end(
            run_id,
            **{
                "gen_ai.usage.input_tokens": usage.get("input_tokens"),
                "gen_ai.usage.output_tokens": usage.get("output_tokens"),
            },
        )

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kw: Any) -> None:
        self._end(run_id, error)


def node_spans() -> list[NodeSpans]:
    """The callbacks to add to a run's config: none unless the current (run) span records."""
    span = trace.get_current_span()
    return [NodeSpans(span)] if span.is_recording() else []
