"""A graph that reports who its run acts for, and remembers it in the store."""

from __future__ import annotations

from typing import Any, TypedDict

from langchain_core.runnables import RunnableConfig
from langgraph.graph import END, START, StateGraph
from langgraph.store.base import BaseStore
from langgraph.types import interrupt


class State(TypedDict, total=False):
    user: str
    tenant: str
    approved: Any


async def _whoami(state: State, config: RunnableConfig, *, store: BaseStore) -> dict[str, Any]:
    configurable = config.get("configurable", {})
    user = configurable.get("langgraph_auth_user_id") or ""
    await store.aput((user or "anonymous", "runs"), "last", {"user": user})
    return {"user": user, "tenant": configurable.get("portico_tenant") or ""}


def _approve(state: State) -> dict[str, Any]:
    return {"approved": interrupt({"question": "approve?"})}


whoami = (
    StateGraph(State).add_node("whoami", _whoami).add_edge(START, "whoami").add_edge("whoami", END).compile()
)

approve = (
    StateGraph(State)
    .add_node("whoami", _whoami)
    .add_node("approve", _approve)
    .add_edge(START, "whoami")
    .add_edge("whoami", "approve")
    .add_edge("approve", END)
    .compile()
)
