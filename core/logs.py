"""Structured logs: every line logged inside a run carries its run_id, thread_id and assistant_id, and every
line logged inside a traced request or run its OpenTelemetry trace_id and span_id.

The ids live in context variables (the run's set by the worker around each run, the trace's by
OpenTelemetry), so graph code (nodes, tools, model callbacks) logging through ``logging`` gets them too;
asyncio tasks and LangGraph's executor threads copy the context. The trace ids come from the current span's
context, which is valid whenever a caller sent a ``traceparent`` or an SDK is configured: a line can be
found from its trace, even when the spans themselves go nowhere. Output is readable by default (``message key=value …``) or one JSON object per line. Fields
whose names look like credentials are replaced by ``[redacted]``: tokens and secrets never reach a log.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from opentelemetry import trace

__all__ = ["JsonFormatter", "ReadableFormatter", "RunContextFilter", "configure_logging", "run_context"]

_RUN: ContextVar[dict[str, str] | None] = ContextVar("portico_run", default=None)
_SECRET = re.compile(r"token|secret|password|passwd|authorization|api[_-]?key|cookie|credential", re.I)
# Attributes every LogRecord has: anything else on a record came from ``extra=`` (or the run context).
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}


@contextlib.contextmanager
def run_context(run_id: str, thread_id: str, assistant_id: str) -> Iterator[None]:
    """Stamp every log record made inside the block (and in tasks it starts) with the run's ids."""
    token = _RUN.set({"run_id": run_id, "thread_id": thread_id, "assistant_id": assistant_id})
    try:
        yield
    finally:
        _RUN.reset(token)


class RunContextFilter(logging.Filter):
    """Adds the current run's ids and the current trace_id/span_id (W3C hex) to a record (explicit ``extra=``
    values win)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in (_RUN.get() or {}).items():
            if not hasattr(record, key):
                setattr(record, key, value)
        span = trace.get_current_span().get_span_context()
        if span.is_valid and not hasattr(record, "trace_id"):
            record.trace_id = f"{span.trace_id:032x}"
            record.span_id = f"{span.span_id:016x}"
        return True


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    return {
        key: "[redacted]" if _SECRET.search(key) else value
        for key, value in vars(record).items()
        if key not in _STANDARD and not key.startswith("_")
    }


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, message, the structured fields, exc_info."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **_fields(record),
        }
        if record.exc_info:
            line["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


class ReadableFormatter(logging.Formatter):
    """``time LEVEL logger message key=value …`` for a terminal."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 - logging's name
        fields = " ".join(f"{k}={v}" for k, v in _fields(record).items())
        return f"{super().formatMessage(record)} {fields}" if fields else super().formatMessage(record)


def configure_logging(fmt: str = "text", level: str | int = "INFO") -> logging.Handler:
    """Log to stderr in ``fmt`` ("text" or "json") with run and trace ids on every line; returns the handler."""
    handler = logging.StreamHandler()
    handler.addFilter(RunContextFilter())
    handler.setFormatter(JsonFormatter() if fmt.strip().lower() == "json" else ReadableFormatter())
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
    return handler
