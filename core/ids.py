"""Ids and time come from here, so tests can control both."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

__all__ = ["new_id", "utcnow", "set_clock"]

_clock: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731


def new_id() -> str:
    """A new resource id (UUID, as LangGraph Platform uses)."""
    return str(uuid.uuid4())


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return _clock()


def set_clock(clock: Callable[[], datetime]) -> None:
    """Replace the clock (tests)."""
    global _clock
    _clock = clock
