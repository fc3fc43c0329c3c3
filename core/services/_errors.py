"""The core's one error table: domain errors → gRPC status codes, applied to every servicer method."""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import grpc
from langgraph.errors import InvalidUpdateError
from langgraph.store.base import InvalidNamespaceError

from auth import errors as auth_errors
from auth.identity import use
from auth.vault.errors import AuthorizationRejected, StateMismatch, UnknownProvider, UnknownState, VaultError
from core.errors import (
    Conflict,
    CoreError,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    ThreadBusy,
    Unauthenticated,
)

__all__ = ["STATUS_OF", "translate_errors"]

log = logging.getLogger(__name__)

# Most specific first.
STATUS_OF: list[tuple[type[BaseException], grpc.StatusCode]] = [
    (ThreadBusy, grpc.StatusCode.FAILED_PRECONDITION),
    (NotFound, grpc.StatusCode.NOT_FOUND),
    (Unauthenticated, grpc.StatusCode.UNAUTHENTICATED),
    (PermissionDenied, grpc.StatusCode.PERMISSION_DENIED),
    (auth_errors.NotFound, grpc.StatusCode.NOT_FOUND),
    (auth_errors.InvalidArgument, grpc.StatusCode.INVALID_ARGUMENT),
    (InvalidArgument, grpc.StatusCode.INVALID_ARGUMENT),
    # LangGraph's own verdicts on a caller's input: a state update naming no node, a reserved namespace.
    (InvalidUpdateError, grpc.StatusCode.INVALID_ARGUMENT),
    (InvalidNamespaceError, grpc.StatusCode.INVALID_ARGUMENT),
    (Conflict, grpc.StatusCode.ALREADY_EXISTS),
    (CoreError, grpc.StatusCode.FAILED_PRECONDITION),
    # The token vault's verdicts (Agent Auth): a state issued to another user is a refusal, not a typo.
    (StateMismatch, grpc.StatusCode.PERMISSION_DENIED),
    (UnknownProvider, grpc.StatusCode.NOT_FOUND),
    (UnknownState, grpc.StatusCode.INVALID_ARGUMENT),
    (AuthorizationRejected, grpc.StatusCode.INVALID_ARGUMENT),
    (VaultError, grpc.StatusCode.FAILED_PRECONDITION),
]

T = TypeVar("T")


def _code(exc: BaseException) -> grpc.StatusCode | None:
    for cls, code in STATUS_OF:
        if isinstance(exc, cls):
            return code
    return None


async def _abort(context: grpc.aio.ServicerContext, exc: Exception) -> None:
    code = _code(exc)
    if code is None:
        log.exception("internal error")
        await context.abort(grpc.StatusCode.INTERNAL, f"internal error: {type(exc).__name__}: {exc}")
    await context.abort(code, str(exc))


async def _identify(servicer: Any, context: grpc.aio.ServicerContext) -> None:
    """Make the verified caller ``auth.identity.current()`` for the rest of this RPC (its own task)."""
    use(await servicer.rt.edge.identify(context.invocation_metadata()))


def _wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
    if inspect.isasyncgenfunction(fn):

        @functools.wraps(fn)
        async def gen(self: Any, request: Any, context: grpc.aio.ServicerContext) -> Any:
            try:
                await _identify(self, context)
                async for item in fn(self, request, context):
                    yield item
            except (CoreError, auth_errors.AuthFailure) as exc:
                await _abort(context, exc)

        return gen

    @functools.wraps(fn)
    async def unary(self: Any, request: Any, context: grpc.aio.ServicerContext) -> Any:
        try:
            await _identify(self, context)
            return await fn(self, request, context)
        except (CoreError, auth_errors.AuthFailure) as exc:
            await _abort(context, exc)
        except grpc.aio.AbortError:
            raise
        except Exception as exc:  # noqa: BLE001 - answered as INTERNAL with the cause, the server lives on
            await _abort(context, exc)

    return unary


def translate_errors(cls: type[T]) -> type[T]:
    """Class decorator: every public RPC method of a servicer answers domain errors with their status."""
    for name, fn in list(vars(cls).items()):
        if not name.startswith("_") and (inspect.iscoroutinefunction(fn) or inspect.isasyncgenfunction(fn)):
            setattr(cls, name, _wrap(fn))
    return cls
