"""CheckpointAdmin conformance, through a real LangGraph graph checkpointing via ``storage.checkpointer``."""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

import pytest
from langgraph.graph import END, START, StateGraph
from langgraph.types import Command, interrupt

from core.storage import Storage


class _State(TypedDict):
    steps: Annotated[list[str], operator.add]


def _ask(state: _State) -> dict[str, Any]:
    return {"steps": [f"ask:{interrupt('approve?')}"]}


def _graph(storage: Storage) -> Any:
    """a → sub (a subgraph: its own checkpoint namespace) → ask (interrupts) → end."""
    child_builder = StateGraph(_State)
    child_builder.add_node("inner", lambda s: {"steps": ["inner"]})
    child_builder.add_edge(START, "inner")
    child = child_builder.compile()

    async def sub(state: _State) -> dict[str, Any]:
        # Called from a node, the subgraph checkpoints under the node's namespace with the parent's saver.
        return {"steps": (await child.ainvoke({"steps": []}))["steps"]}

    builder = StateGraph(_State)
    builder.add_node("a", lambda s: {"steps": ["a"]})
    builder.add_node("sub", sub)
    builder.add_node("ask", _ask)
    builder.add_edge(START, "a")
    builder.add_edge("a", "sub")
    builder.add_edge("sub", "ask")
    builder.add_edge("ask", END)
    return builder.compile(checkpointer=storage.checkpointer)


def _config(thread_id: str) -> dict[str, Any]:
    return {"configurable": {"thread_id": thread_id}}


async def _checkpoint_ids(storage: Storage, thread_id: str) -> list[tuple[str, str]]:
    """(namespace, checkpoint id) of every checkpoint of the thread, all namespaces."""
    return sorted(
        [
            (c.config["configurable"]["checkpoint_ns"], c.config["configurable"]["checkpoint_id"])
            async for c in storage.checkpointer.alist(_config(thread_id))
        ]
    )


@pytest.fixture
async def interrupted(storage: Storage) -> Any:
    """The graph, run on thread "t1" up to its interrupt."""
    graph = _graph(storage)
    await graph.ainvoke({"steps": []}, _config("t1"))
    state = await graph.aget_state(_config("t1"))
    assert state.next == ("ask",) and state.values == {"steps": ["a", "inner"]}
    assert {ns.split(":")[0] for ns, _ in await _checkpoint_ids(storage, "t1")} == {"", "sub"}
    return graph


async def test_copy_thread(storage: Storage, interrupted: Any) -> None:
    graph = interrupted
    await storage.checkpoints.copy_thread("t1", "t2")
    original, copy = await graph.aget_state(_config("t1")), await graph.aget_state(_config("t2"))
    assert copy.values == original.values and copy.next == original.next
    assert [i.value for i in copy.interrupts] == ["approve?"], "pending writes are copied"
    assert await _checkpoint_ids(storage, "t2") == await _checkpoint_ids(storage, "t1")

    # The copy lives on by itself: resuming it leaves the original waiting.
    result = await graph.ainvoke(Command(resume="yes"), _config("t2"))
    assert result["steps"] == ["a", "inner", "ask:yes"]
    assert (await graph.aget_state(_config("t1"))).next == ("ask",)

    await storage.checkpoints.copy_thread("t1", "t2")  # rows already there are left alone
    assert (await graph.aget_state(_config("t2"))).values["steps"][-1] == "ask:yes"


async def test_delete_after_and_delete_thread(storage: Storage, interrupted: Any) -> None:
    graph = interrupted
    await storage.checkpoints.copy_thread("t1", "t2")
    history = [s async for s in graph.aget_state_history(_config("t1"))]
    cut = next(s for s in history if s.next == ("sub",))  # after "a", before the subgraph ran
    cut_id = cut.config["configurable"]["checkpoint_id"]

    await storage.checkpoints.delete_after("t1", cut_id)
    state = await graph.aget_state(_config("t1"))
    assert state.config["configurable"]["checkpoint_id"] == cut_id
    assert all(cid <= cut_id for _, cid in await _checkpoint_ids(storage, "t1")), "every namespace"
    assert [cid for ns, cid in await _checkpoint_ids(storage, "t1") if ns] == [], "the subgraph's are newer"
    assert (await graph.aget_state(_config("t2"))).next == ("ask",), "other threads untouched"

    # A rollback's next run starts from the kept state: ["a"], not the removed ["a", "inner"].
    result = await graph.ainvoke({"steps": ["new"]}, _config("t1"))
    assert result["steps"] == ["a", "new", "a", "inner"]

    await storage.checkpoints.delete_after("t1", None)
    assert await _checkpoint_ids(storage, "t1") == []
    assert (await graph.aget_state(_config("t1"))).values == {}
    await storage.checkpoints.delete_thread("t2")
    assert await _checkpoint_ids(storage, "t2") == []
