"""Pure helpers both backends share: time, JSON, argument checks and the run/thread rules."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from core.errors import InvalidArgument
from protos import codec

__all__ = [
    "CANCEL_ACTIONS",
    "MULTITASK_STRATEGIES",
    "THREAD_STATUSES",
    "Clock",
    "as_utc",
    "choice",
    "iso",
    "json_contains",
    "json_text",
    "order_by",
    "parse_time",
    "required",
    "settled_thread_status",
    "utcnow",
    "worker_lost",
]

Clock = Callable[[], datetime]

THREAD_STATUSES = ("idle", "busy", "interrupted", "error")
MULTITASK_STRATEGIES = ("reject", "enqueue", "interrupt", "rollback")
CANCEL_ACTIONS = ("interrupt", "rollback", "cancel", "timeout")


def utcnow() -> datetime:
    """The default clock: now, as an aware UTC datetime."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """``value`` in UTC; a naive datetime is taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def iso(value: datetime) -> str:
    """Fixed-width ISO text, so that SQLite compares timestamps correctly as strings."""
    return as_utc(value).isoformat(timespec="microseconds")


def parse_time(value: str | datetime | None) -> datetime | None:
    """An aware UTC datetime from ISO text (SQLite) or a datetime (PostgreSQL)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return as_utc(value)


def json_text(value: Any) -> str | None:
    """JSON text for a JSON column through the one codec (LangChain messages included); None stays NULL."""
    if value is None:
        return None
    return codec.dumps(value).decode()


def _same_scalar(doc: Any, pattern: Any) -> bool:
    # JSON has no bool/int overlap: Python's True == 1 must not match, while 1 == 1.0 must.
    if isinstance(doc, bool) or isinstance(pattern, bool):
        return isinstance(doc, bool) and isinstance(pattern, bool) and doc is pattern
    if isinstance(doc, int | float) and isinstance(pattern, int | float):
        return doc == pattern
    return type(doc) is type(pattern) and doc == pattern


def json_contains(doc: Any, pattern: Any) -> bool:
    """PostgreSQL's ``jsonb @>`` in Python, so SQLite filters exactly like PostgreSQL does."""
    if isinstance(pattern, dict):
        return isinstance(doc, dict) and all(
            k in doc and json_contains(doc[k], v) for k, v in pattern.items()
        )
    if isinstance(pattern, list):
        return isinstance(doc, list) and all(any(json_contains(d, p) for d in doc) for p in pattern)
    if isinstance(doc, dict | list):
        return False
    return _same_scalar(doc, pattern)


def choice(name: str, value: str, allowed: Iterable[str]) -> str:
    """``value`` when it is one of ``allowed``; ``InvalidArgument`` naming the field otherwise."""
    allowed = tuple(allowed)
    if value not in allowed:
        raise InvalidArgument(f"{name} must be one of {', '.join(allowed)}; got {value!r}")
    return value


def required(record: dict[str, Any], key: str) -> Any:
    """``record[key]``, or ``InvalidArgument`` when it is missing or empty."""
    value = record.get(key)
    if value is None or value == "":
        raise InvalidArgument(f"{key} is required")
    return value


def order_by(sort_by: str, sort_order: str, allowed: Iterable[str], tiebreak: str) -> str:
    """A validated ORDER BY clause; ``tiebreak`` (the id) makes pagination stable."""
    column = choice("sort_by", sort_by, allowed)
    direction = choice("sort_order", sort_order.lower(), ("asc", "desc")).upper()
    return f"ORDER BY {column} {direction}, {tiebreak} {direction}"


def settled_thread_status(thread: dict[str, Any]) -> str:
    """The status of a thread with no active run, judged from what its last run left behind."""
    if thread.get("interrupts"):
        return "interrupted"
    if thread.get("error") is not None:
        return "error"
    return "idle"


def worker_lost(attempts: int) -> dict[str, str]:
    """The error recorded on a run whose workers kept dying."""
    return {
        "error": "WorkerLost",
        "message": f"The run's worker was lost; gave up after {attempts} attempts",
    }
