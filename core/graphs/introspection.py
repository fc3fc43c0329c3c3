"""What the Agent Protocol's ``/assistants/{id}/graph``, ``/schemas`` and ``/subgraphs`` return.

Shaped like langgraph-api's answers, so LangGraph Studio and ``langgraph-sdk`` callers see the same JSON.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import Any, TypeAlias, cast, get_type_hints, is_typeddict

import pydantic
from langgraph.pregel import Pregel

from core.errors import InvalidArgument

__all__ = ["graph_json", "graph_schemas", "subgraphs"]

logger = logging.getLogger(__name__)

Graph: TypeAlias = Pregel[Any, Any, Any, Any]

# Run-scoped keys LangGraph puts into `configurable`; a config schema shown to users must not offer them.
_INTERNAL_CONFIG_KEYS = (
    "__pregel_checkpointer",
    "__pregel_store",
    "checkpoint_id",
    "checkpoint_ns",
    "thread_id",
)


def graph_json(graph: Graph, xray: bool | int = False) -> dict[str, Any]:
    """The drawable graph as JSON (nodes and edges); ``xray`` includes subgraphs, to a depth if an int."""
    if not isinstance(xray, bool) and (not isinstance(xray, int) or xray <= 0):
        raise InvalidArgument(f"xray: expected a boolean or a positive integer, got {xray!r}")
    try:
        data = graph.get_graph(xray=xray).to_json()
    except NotImplementedError:
        raise InvalidArgument(f"graph {graph.name!r} does not support visualization") from None
    for node in data.get("nodes", []):
        if isinstance(node.get("data"), dict):
            # The Python class path of each node's runnable: noise to clients, dropped as langgraph-api does.
            node["data"].pop("id", None)
    return data


def graph_schemas(graph: Graph, graph_id: str) -> dict[str, Any]:
    """JSON Schemas of a graph's input, output, state, config and context; None where one cannot be built."""
    return {"graph_id": graph_id, **_schemas(graph)}


async def subgraphs(
    graph: Graph, namespace: str | None = None, recurse: bool = False
) -> dict[str, dict[str, Any]]:
    """Schemas of a graph's subgraphs by namespace (no ``graph_id`` key, as langgraph-api returns them)."""
    try:
        return {
            ns: _schemas(sub) async for ns, sub in graph.aget_subgraphs(namespace=namespace, recurse=recurse)
        }
    except NotImplementedError:
        raise InvalidArgument(f"graph {graph.name!r} does not support listing subgraphs") from None


def _schemas(graph: Any) -> dict[str, dict[str, Any] | None]:
    builder = getattr(graph, "builder", None)
    context_type = getattr(graph, "context_schema", None)
    return {
        "input_schema": _safely(
            graph,
            "input",
            graph.get_input_jsonschema,
            builder and (lambda: _type_jsonschema(builder.input_schema, graph.get_name("Input"))),
        ),
        "output_schema": _safely(
            graph,
            "output",
            graph.get_output_jsonschema,
            builder and (lambda: _type_jsonschema(builder.output_schema, graph.get_name("Output"))),
        ),
        "state_schema": _safely(graph, "state", lambda: _state_jsonschema(graph)),
        "config_schema": _safely(graph, "config", lambda: _config_jsonschema(context_type)),
        "context_schema": _safely(
            graph,
            "context",
            graph.get_context_jsonschema,
            context_type and (lambda: _type_jsonschema(context_type, "Context")),
        ),
    }


def _safely(graph: Any, what: str, *attempts: Callable[[], Any] | None) -> dict[str, Any] | None:
    error: Exception | None = None
    for attempt in attempts:
        if attempt is None:
            continue
        try:
            return cast(dict[str, Any] | None, attempt())
        except Exception as exc:  # a graph that a schema cannot describe still runs: never fail here
            error = error or exc
    logger.warning(
        "cannot build the %s schema of graph %s: %s", what, graph.name, error, extra={"graph": graph.name}
    )
    return None


def _type_jsonschema(typ: Any, title: str) -> dict[str, Any]:
    if isinstance(typ, type) and issubclass(typ, pydantic.BaseModel):
        return typ.model_json_schema()
    try:
        return pydantic.TypeAdapter(typ).json_schema()
    except Exception:
        # pydantic refuses `typing.TypedDict` before Python 3.12, the usual way to declare state: describe
        # it field by field instead, degrading a field pydantic cannot describe to "any".
        if not (is_typeddict(typ) or dataclasses.is_dataclass(typ)):
            raise
    required = getattr(typ, "__required_keys__", None)
    fields = {
        key: (_describable(hint), ... if required is not None and key in required else None)
        for key, hint in get_type_hints(typ).items()
    }
    model: type[pydantic.BaseModel] = pydantic.create_model(getattr(typ, "__name__", title), **fields)  # type: ignore[call-overload]
    return model.model_json_schema()


def _describable(hint: Any) -> Any:
    try:
        pydantic.TypeAdapter(hint).json_schema()
        return hint
    except Exception:
        return Any


def _state_jsonschema(graph: Any) -> dict[str, Any]:
    # The state as its channels accept updates, like langgraph-api's state schema.
    fields = {key: (_describable(graph.channels[key].UpdateType), None) for key in graph.stream_channels_list}
    model: type[pydantic.BaseModel] = pydantic.create_model(graph.get_name("State"), **fields)  # type: ignore[call-overload]
    return model.model_json_schema()


def _config_jsonschema(context_type: Any) -> dict[str, Any]:
    # LangGraph 1 folded `config_schema` into `context_schema`; langgraph-api still reports it as the schema of
    # `configurable`, minus the run-scoped keys.
    if context_type is None:
        return {}
    schema = _type_jsonschema(context_type, "Configurable")
    for key in _INTERNAL_CONFIG_KEYS:
        schema.get("properties", {}).pop(key, None)
    if hasattr(context_type, "__name__"):
        schema["title"] = context_type.__name__
    return schema
