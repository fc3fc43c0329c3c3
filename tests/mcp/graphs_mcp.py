"""A graph for the MCP tests that the shared test graphs lack: one whose input JSON Schema cannot be built."""

from __future__ import annotations

from typing import Any

from langgraph.graph import START, StateGraph
from pydantic import BaseModel, ConfigDict


class Handle:
    """An arbitrary Python object in the state: pydantic cannot describe it as JSON Schema."""


class Opaque(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)
    n: int = 0
    handle: Handle | None = None


def _bump(state: Opaque) -> dict[str, Any]:
    return {"n": state.n + 1}


opaque = StateGraph(Opaque).add_node("bump", _bump).add_edge(START, "bump").compile()
