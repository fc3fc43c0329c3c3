"""An agent with long-term memory: it remembers facts in the store and recalls the closest one by meaning."""

from __future__ import annotations

import uuid
from typing import Any, TypedDict

from langgraph.graph import END, START, StateGraph
from langgraph.store.base import BaseStore


class State(TypedDict, total=False):
    user_id: str
    remember: str
    recall: str
    recalled: str | None
    memories: int


async def remember_and_recall(state: State, *, store: BaseStore) -> dict[str, Any]:
    namespace = ("memories", state["user_id"])
    if state.get("remember"):
        await store.aput(namespace, str(uuid.uuid4()), {"text": state["remember"]})
    update: dict[str, Any] = {"memories": len(await store.asearch(namespace, limit=100))}
    if state.get("recall"):
        hits = await store.asearch(namespace, query=state["recall"], limit=1)
        update["recalled"] = hits[0].value["text"] if hits else None
    return update


graph = (
    StateGraph(State)
    .add_node("remember_and_recall", remember_and_recall)
    .add_edge(START, "remember_and_recall")
    .add_edge("remember_and_recall", END)
    .compile()
)
