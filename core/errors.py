"""Domain errors raised in the core; translated to gRPC status codes once, in ``core.services``."""

from __future__ import annotations

from auth.errors import PermissionDenied, Unauthenticated

__all__ = [
    "Conflict",
    "CoreError",
    "FailedPrecondition",
    "InvalidArgument",
    "LeaseLost",
    "NotFound",
    "PermissionDenied",
    "ThreadBusy",
    "Unauthenticated",
]


class CoreError(Exception):
    """Base of the errors a caller may see."""


class NotFound(CoreError):
    """An unknown assistant, graph, thread, run or item."""


class InvalidArgument(CoreError):
    """Malformed input; the message names the field."""


class Conflict(CoreError):
    """The request conflicts with the current state (an id taken, an active run deleted)."""


class FailedPrecondition(CoreError):
    """The resource is not in a state that allows the operation (e.g. a thread no graph has run on)."""


class ThreadBusy(Conflict):
    """A run was created on a busy thread under multitask_strategy="reject"."""


class LeaseLost(Exception):
    """A worker's lease on a run is gone: another worker holds it, or the run ended. Internal only."""
