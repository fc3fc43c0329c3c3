"""Assistants as MCP tools: names, schemas and argument checks, derived from the core at request time.

Every assistant the caller can see is one tool. The name is the assistant's name made tool-safe; when
several assistants share one, the oldest keeps it and the others get a suffix from their id, so every
gateway process derives the same names from the same assistants (nothing is remembered between requests).
"""

from __future__ import annotations

import copy
import hashlib
import logging
import re
import time
from dataclasses import dataclass
from typing import Any

import mcp_types as types
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from clients.grpc import PorticoClient

__all__ = ["RESERVED_ARGUMENTS", "Catalog", "ToolSpec"]

logger = logging.getLogger(__name__)

RESERVED_ARGUMENTS = ("thread_id", "resume")
"""Arguments every tool takes besides the graph's input: where to run, and the answer to an interrupt."""

_EXTRA_PROPERTIES: dict[str, Any] = {
    "thread_id": {
        "type": "string",
        "description": "Run on this thread (from an earlier call's result) to continue a conversation; "
        "omit for a fresh thread.",
    },
    "resume": {
        "description": "The answer to the interrupt the thread is waiting for (needs thread_id); "
        "the graph's input fields are then not given.",
    },
}
_PERMISSIVE: dict[str, Any] = {"type": "object", "additionalProperties": True}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_SCHEMA_TTL_SECONDS = 60.0
_PAGE = 200


@dataclass(frozen=True)
class ToolSpec:
    """One assistant as a tool."""

    name: str
    assistant: dict[str, Any]
    input_schema: dict[str, Any]
    output_schema: dict[str, Any] | None
    wrapped_input: bool
    """The graph's input is not an object: the tool takes it as its ``input`` argument."""

    @property
    def assistant_id(self) -> str:
        return str(self.assistant["assistant_id"])

    def tool(self) -> types.Tool:
        assistant = self.assistant
        description = assistant.get("description") or (
            f"Runs the {assistant.get('graph_id')!r} agent (assistant {assistant.get('name') or self.assistant_id}) "
            "and returns its final state."
        )
        return types.Tool(
            name=self.name,
            title=assistant.get("name") or None,
            description=description,
            input_schema=self.input_schema,
            output_schema=self.output_schema,
        )

    def invalid_arguments(self, arguments: dict[str, Any]) -> str | None:
        """Why ``arguments`` do not fit the tool's input schema (naming the field), or None."""
        if "resume" in arguments:
            if not arguments.get("thread_id"):
                return "resume: needs thread_id, the thread whose interrupt it answers"
            extra = sorted(set(arguments) - set(RESERVED_ARGUMENTS))
            if extra:
                return f"{extra[0]}: give either the graph's input or resume, not both"
            checked: dict[str, Any] = {
                "type": "object",
                "properties": {"thread_id": _EXTRA_PROPERTIES["thread_id"]},
            }
            return _first_error(checked, arguments)
        return _first_error(self.input_schema, arguments)

    def graph_input(self, arguments: dict[str, Any]) -> Any:
        """The run's input: the arguments without the reserved ones."""
        if self.wrapped_input:
            return arguments.get("input")
        return {k: v for k, v in arguments.items() if k not in RESERVED_ARGUMENTS}


def _first_error(schema: dict[str, Any], instance: Any) -> str | None:
    try:
        validator = Draft202012Validator(schema)
        errors = sorted(validator.iter_errors(instance), key=lambda e: (list(e.absolute_path), e.message))
    except SchemaError:  # a graph schema jsonschema cannot use: the core will judge the input instead
        return None
    if not errors:
        return None
    error = errors[0]
    where = ".".join(str(part) for part in error.absolute_path)
    if error.validator == "required" or not where:
        return error.message
    return f"{where}: {error.message}"


def _safe_name(assistant: dict[str, Any]) -> str:
    name = _UNSAFE.sub("_", str(assistant.get("name") or assistant.get("graph_id") or "agent")).strip("_")
    return (name or "agent")[:100]


def input_schema_of(graph_schema: Any, tool: str) -> tuple[dict[str, Any], bool, list[str]]:
    """The tool's ``inputSchema`` from the graph's input schema, whether the input is wrapped, and warnings."""
    warnings: list[str] = []
    if not isinstance(graph_schema, dict) or not graph_schema:
        warnings.append(
            f"the graph input schema of tool {tool} cannot be expressed as JSON Schema; "
            "it is listed with a permissive schema"
        )
        schema = copy.deepcopy(_PERMISSIVE)
        wrapped = False
    elif graph_schema.get("type") == "object" or "properties" in graph_schema:
        schema = copy.deepcopy(graph_schema)
        schema["type"] = "object"
        wrapped = False
    else:
        defs = graph_schema.get("$defs")
        inner = {k: v for k, v in graph_schema.items() if k != "$defs"}
        schema = {"type": "object", "properties": {"input": inner}, "required": ["input"]}
        if defs:
            schema["$defs"] = defs
        wrapped = True
    properties = schema.setdefault("properties", {})
    for name in RESERVED_ARGUMENTS:
        if name in properties:
            warnings.append(
                f"graph input field {name!r} of tool {tool} is shadowed by the tool's own {name!r} argument"
            )
        properties[name] = copy.deepcopy(_EXTRA_PROPERTIES[name])
    return schema, wrapped, warnings


def output_schema_of(graph_schema: Any) -> dict[str, Any] | None:
    """The tool's ``outputSchema``: the graph's output schema when it describes an object, else none."""
    if not isinstance(graph_schema, dict) or graph_schema.get("type") != "object":
        return None
    schema = copy.deepcopy(graph_schema)
    # An interrupted run's result carries the pending interrupts beside the values, as LangGraph's invoke does.
    schema.setdefault("properties", {})["__interrupt__"] = {"type": "array"}
    return schema


class Catalog:
    """Reads the assistants visible to the caller and turns them into tools."""

    def __init__(self) -> None:
        # Graph schemas by (assistant_id, version, updated_at); refreshed after a short time because a
        # separate gateway process cannot see a core redeploy with new graph code.
        self._schemas: dict[tuple[Any, ...], tuple[float, dict[str, Any]]] = {}
        self._warned: set[tuple[Any, ...]] = set()

    async def assistants(self, client: PorticoClient) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        offset = 0
        while True:
            page = await client.assistants.search(limit=_PAGE, offset=offset)
            found.extend(page)
            if len(page) < _PAGE:
                return found
            offset += _PAGE

    @staticmethod
    def names(assistants: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """Tool name → assistant, the same for every process given the same assistants."""
        by_base: dict[str, list[dict[str, Any]]] = {}
        for assistant in assistants:
            by_base.setdefault(_safe_name(assistant), []).append(assistant)
        named: dict[str, dict[str, Any]] = {}
        for base, group in by_base.items():
            group.sort(key=lambda a: (str(a.get("created_at") or ""), str(a["assistant_id"])))
            named[base] = group[0]
            for other in group[1:]:
                named[f"{base}-{str(other['assistant_id'])[:8]}"] = other
        return named

    @staticmethod
    def fingerprint(assistants: list[dict[str, Any]]) -> str:
        """Changes whenever the tool list could: an assistant added, removed, renamed or updated."""
        parts = sorted(
            f"{a['assistant_id']}|{a.get('version')}|{a.get('updated_at')}|{a.get('name')}"
            for a in assistants
        )
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()

    async def spec(self, client: PorticoClient, name: str, assistant: dict[str, Any]) -> ToolSpec:
        schemas = await self._graph_schemas(client, assistant)
        input_schema, wrapped, warnings = input_schema_of(schemas.get("input_schema"), name)
        for warning in warnings:
            key = (assistant["assistant_id"], assistant.get("version"), warning)
            if key not in self._warned:  # once per assistant version, not on every tools/list
                self._warned.add(key)
                logger.warning(warning, extra={"tool": name, "assistant_id": assistant["assistant_id"]})
        return ToolSpec(
            name=name,
            assistant=assistant,
            input_schema=input_schema,
            output_schema=output_schema_of(schemas.get("output_schema")),
            wrapped_input=wrapped,
        )

    async def specs(self, client: PorticoClient) -> tuple[list[ToolSpec], str]:
        """Every visible assistant as a tool, and the fingerprint of the assistants they came from."""
        assistants = await self.assistants(client)
        named = self.names(assistants)
        specs = [await self.spec(client, name, assistant) for name, assistant in sorted(named.items())]
        return specs, self.fingerprint(assistants)

    async def find(self, client: PorticoClient, name: str) -> ToolSpec | None:
        named = self.names(await self.assistants(client))
        assistant = named.get(name)
        return None if assistant is None else await self.spec(client, name, assistant)

    async def _graph_schemas(self, client: PorticoClient, assistant: dict[str, Any]) -> dict[str, Any]:
        key = (assistant["assistant_id"], assistant.get("version"), assistant.get("updated_at"))
        now = time.monotonic()
        cached = self._schemas.get(key)
        if cached is not None and now - cached[0] < _SCHEMA_TTL_SECONDS:
            return cached[1]
        schemas = await client.assistants.get_schemas(assistant["assistant_id"])
        schemas = schemas if isinstance(schemas, dict) else {}
        if len(self._schemas) > 1024:
            self._schemas.clear()
        self._schemas[key] = (now, schemas)
        return schemas
