"""The REST boundary's one error table: gRPC status codes from the core → HTTP statuses, as ``{"detail": …}``."""

from __future__ import annotations

import logging

import grpc
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from gateway.rest._json import JSONResponse

__all__ = ["ApiError", "EXCEPTION_HANDLERS", "http_status", "unsupported"]

logger = logging.getLogger(__name__)

_STATUS_BY_CODE: dict[grpc.StatusCode, int] = {
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.INVALID_ARGUMENT: 422,
    grpc.StatusCode.OUT_OF_RANGE: 422,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.FAILED_PRECONDITION: 409,
    grpc.StatusCode.ABORTED: 409,
    grpc.StatusCode.UNAUTHENTICATED: 401,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
    grpc.StatusCode.UNIMPLEMENTED: 501,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DEADLINE_EXCEEDED: 504,
}


class ApiError(Exception):
    """An error answered as ``status`` with ``{"detail": detail}``."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def unsupported(field: str, why: str) -> ApiError:
    """A 422 for a LangGraph API field set to a value Portico does not support (never silently ignored)."""
    return ApiError(422, f"{field}: {why}")


def http_status(code: grpc.StatusCode | None) -> int:
    """The HTTP status for a gRPC status code from the core (500 for anything unexpected)."""
    return _STATUS_BY_CODE.get(code, 500) if code is not None else 500


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return JSONResponse({"detail": exc.detail}, status_code=exc.status)


async def _rpc_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, grpc.aio.AioRpcError)
    status = http_status(exc.code())
    if status >= 500:
        logger.warning("core call failed", extra={"code": str(exc.code()), "path": request.url.path})
    return JSONResponse({"detail": exc.details() or str(exc.code())}, status_code=status)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)


EXCEPTION_HANDLERS = {
    ApiError: _api_error,
    grpc.aio.AioRpcError: _rpc_error,
    HTTPException: _http_error,
}
