"""Graphs the test suite serves. Each shows one behaviour of the runtime; none needs a model API.

``gated`` nodes wait on an ``asyncio.Event`` that a test releases (in-process deployments only), so tests
control timing without sleeping. ``steps`` appends a line per node execution to the file named by
``configurable.log_path``, so tests count side effects across crashes.
"""

from __future__ import annotations

import asyncio
import logging
import operator
import os
from typing import Annotated, Any, TypedDict

from gates import gate, started
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from langchain_core.runnables import RunnableConfig
from langgraph.config import get_stream_writer
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.types import Send, interrupt


class Count(TypedDict, total=False):
    n: int
    trail: Annotated[list[str], operator.add]


def _step(name: str):
    async def node(state: Count, config: RunnableConfig) -> dict[str, Any]:
        configurable = config.get("configurable", {})
        path = configurable.get("log_path")
        if path:
            with open(path, "a") as f:
                f.write(f"{configurable.get('run_id')} {name}\n")
        pause = float(configurable.get("pause_seconds") or os.environ.get("PORTICO_TEST_PAUSE", "0") or 0)
        if pause:
            # Crash tests kill the process while a node sleeps; the test waits on the log file, not on time.
            await asyncio.sleep(pause)
        return {"n": state.get("n", 0) + 1, "trail": [name]}

    return node


def make_steps(count: int) -> Any:
    builder = StateGraph(Count)
    names = [f"s{i}" for i in range(1, count + 1)]
    for name in names:
        builder.add_node(name, _step(name))
    builder.add_edge(START, names[0])
    for a, b in zip(names, names[1:], strict=False):
        builder.add_edge(a, b)
    builder.add_edge(names[-1], END)
    return builder.compile()


steps = make_steps(3)
steps20 = make_steps(20)


async def _gated(state: Count, config: RunnableConfig) -> dict[str, Any]:
    key = config["configurable"].get("gate") or "default"
    started(key).set()
    await gate(key).wait()
    return {"n": state.get("n", 0) + 1, "trail": ["gated"]}


async def _after(state: Count) -> dict[str, Any]:
    return {"n": state.get("n", 0) + 1, "trail": ["after"]}


gated = (
    StateGraph(Count)
    .add_node("first", _after)
    .add_node("gated", _gated)
    .add_node("after", _after)
    .add_edge(START, "first")
    .add_edge("first", "gated")
    .add_edge("gated", "after")
    .add_edge("after", END)
    .compile()
)


class Approval(TypedDict, total=False):
    n: int
    answers: Annotated[list[Any], operator.add]


def _ask(question: str, response_schema: dict[str, Any] | None = None):
    def node(state: Approval) -> dict[str, Any]:
        answer = interrupt({"question": question}, response_schema=response_schema)
        return {"answers": [answer]}

    return node


def _fan_out(state: Approval) -> list[Send]:
    return [Send("ask_a", state), Send("ask_b", state)]


def _done(state: Approval) -> dict[str, Any]:
    return {"n": len(state.get("answers", []))}


# One interrupt: prepare → ask → done.
approval = (
    StateGraph(Approval)
    .add_node("prepare", lambda s: {"n": 0})
    .add_node("ask", _ask("approve?", {"type": "string", "description": "yes or no"}))
    .add_node("done", _done)
    .add_edge(START, "prepare")
    .add_edge("prepare", "ask")
    .add_edge("ask", "done")
    .add_edge("done", END)
    .compile()
)

# Two parallel interrupts in one super-step.
parallel = (
    StateGraph(Approval)
    .add_node("ask_a", _ask("a?"))
    .add_node("ask_b", _ask("b?"))
    .add_node("done", _done)
    .add_conditional_edges(START, _fan_out, ["ask_a", "ask_b"])
    .add_edge("ask_a", "done")
    .add_edge("ask_b", "done")
    .add_edge("done", END)
    .compile()
)


def _boom(state: Count) -> dict[str, Any]:
    logging.getLogger("graphs").warning("the boom node is about to fail")  # graph code's logs carry run ids
    raise ValueError("boom: the node failed on purpose")


failing = (
    StateGraph(Count)
    .add_node("ok", _after)
    .add_node("boom", _boom)
    .add_edge(START, "ok")
    .add_edge("ok", "boom")
    .compile()
)


def _custom(state: Count) -> dict[str, Any]:
    get_stream_writer()({"progress": 50})
    return {"n": 1, "trail": ["inner"]}


_inner = StateGraph(Count).add_node("inner", _custom).add_edge(START, "inner").compile()
nested = (
    StateGraph(Count)
    .add_node("child", _inner)
    .add_node("outer", _after)
    .add_edge(START, "child")
    .add_edge("child", "outer")
    .compile()
)


def _chat(state: MessagesState) -> dict[str, Any]:
    model = GenericFakeChatModel(messages=iter([AIMessage(content="hello there from a scripted model")]))
    return {"messages": [model.invoke(state["messages"])]}


chat = (
    StateGraph(MessagesState)
    .add_node("model", _chat)
    .add_edge(START, "model")
    .add_edge("model", END)
    .compile()
)
