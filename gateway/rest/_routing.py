"""Routes that declare their body, query and response models, so one table drives validation and OpenAPI.

Each handler takes an :class:`ApiRequest` (the validated body and query, path parameters, the core client)
and returns a Starlette response. Bodies and queries are validated with pydantic models that forbid
unknown fields: a field the LangGraph API does not have is a 422 naming it, never silently dropped.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from pydantic import BaseModel, TypeAdapter, ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from clients.grpc import PorticoClient
from gateway.rest.errors import ApiError
from gateway.rest.settings import GatewaySettings

__all__ = ["ApiRequest", "ApiRoute", "Router", "validation_detail"]


@dataclass
class ApiRequest:
    raw: Request
    client: PorticoClient
    settings: GatewaySettings
    path: dict[str, str]
    body: Any = None
    query: Any = None


Handler = Callable[[ApiRequest], Awaitable[Response]]


@dataclass(frozen=True)
class ApiRoute:
    """One operation: what it accepts and answers, for validation and for ``/openapi.json``."""

    method: str
    path: str
    handler: Handler
    tag: str
    summary: str
    body: Any = None  # a pydantic model, or list[Model]
    query: type[BaseModel] | None = None
    response: Any = None  # a pydantic model, list[Model], a JSON schema dict, or None for no body
    status: int = 200
    sse: bool = False
    errors: tuple[int, ...] = (404, 409, 422)
    headers: tuple[str, ...] = field(default=())

    @property
    def openapi_path(self) -> str:
        return self.path.replace(":path}", "}")

    def starlette_route(self) -> Route:
        async def endpoint(request: Request) -> Response:
            state = request.app.state
            api = ApiRequest(
                raw=request, client=state.client, settings=state.settings, path=dict(request.path_params)
            )
            if self.query is not None:
                api.query = _validate(self.query, _query_dict(request, self.query), "query")
            elif request.query_params:
                raise ApiError(422, f"query.{next(iter(request.query_params))}: unknown parameter")
            if self.body is not None:
                api.body = _validate(self.body, await _body_json(request), "body")
            return await self.handler(api)

        return Route(self.path, endpoint, methods=[self.method], name=self.handler.__name__)


class Router:
    """Collects the routes of one resource (one tag in the OpenAPI document)."""

    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.routes: list[ApiRoute] = []

    def route(self, method: str, path: str, **options: Any) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            summary = (
                options.pop("summary", None) or (handler.__doc__ or handler.__name__).strip().splitlines()[0]
            )
            self.routes.append(
                ApiRoute(method=method, path=path, handler=handler, tag=self.tag, summary=summary, **options)
            )
            return handler

        return register


def validation_detail(exc: ValidationError, where: str) -> str:
    """``where.field: message`` for each problem, naming the field as the caller sent it."""
    parts = []
    for error in exc.errors():
        loc = ".".join(str(p) for p in (where, *error["loc"]))
        message = "unknown field" if error["type"] == "extra_forbidden" else error["msg"]
        parts.append(f"{loc}: {message}")
    return "; ".join(parts)


_ADAPTERS: dict[Any, TypeAdapter[Any]] = {}


def _validate(model: Any, data: Any, where: str) -> Any:
    adapter = _ADAPTERS.get(model)
    if adapter is None:
        adapter = _ADAPTERS[model] = TypeAdapter(model)
    try:
        return adapter.validate_python(data)
    except ValidationError as exc:
        raise ApiError(422, validation_detail(exc, where)) from None


async def _body_json(request: Request) -> Any:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise ApiError(422, "body: not valid JSON") from None


def _is_list(annotation: Any) -> bool:
    if typing.get_origin(annotation) is list:
        return True
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return any(_is_list(arg) for arg in typing.get_args(annotation))
    return False


def _query_dict(request: Request, model: type[BaseModel]) -> dict[str, Any]:
    """Query parameters for ``model``: repeated keys become lists; an empty value counts as absent."""
    params = request.query_params
    out: dict[str, Any] = {}
    for key in params:
        info = model.model_fields.get(key)
        values = [v for v in params.getlist(key) if v != ""]
        if info is not None and _is_list(info.annotation):
            if values:
                out[key] = values
        elif values:
            out[key] = values[-1]
        elif info is None:
            out[key] = ""  # still reported as an unknown parameter
    return out
