"""The demo agent runs without an API key: it streams tokens, asks before its tool, and remembers the city."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, ToolMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.store.memory import InMemoryStore
from langgraph.types import Command

from core.graphs import GraphRegistry, import_object, load_project

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "examples" / "demo"


@pytest.fixture(autouse=True)
def scripted_model(monkeypatch) -> None:
    monkeypatch.delenv("PORTICO_DEMO_MODEL", raising=False)  # never reach a real model API from tests


@pytest.fixture
async def demo():
    registry = GraphRegistry(load_project(DEMO / "portico.toml"))
    return await registry.get("agent", {}, InMemorySaver(), InMemoryStore())


def weather(city: str) -> str:
    return import_object("./agent.py:get_weather", DEMO).invoke({"city": city})


@pytest.mark.parametrize("config_file", ["portico.toml", "langgraph.json"])
async def test_both_configs_serve_the_demo(config_file: str) -> None:
    project = load_project(DEMO / config_file)
    registry = GraphRegistry(project)
    assert registry.graph_ids() == ["agent"]
    assert "scripted model" in (registry.description("agent") or "")
    graph = await registry.get("agent", {}, InMemorySaver(), InMemoryStore())
    assert {"agent", "approve", "tools", "remember"} <= set(graph.nodes)


async def test_streams_tokens_interrupts_resumes_and_remembers(demo) -> None:
    config = {"configurable": {"thread_id": "t1", "user_id": "alice"}}
    tokens: list[str] = []
    interrupts = []
    question = {"messages": [{"role": "user", "content": "What's the weather in New York?"}]}
    async for mode, chunk in demo.astream(question, config, stream_mode=["messages", "updates"]):
        if (
            mode == "messages"
            and isinstance(chunk[0], AIMessageChunk)
            and chunk[1]["langgraph_node"] == "agent"
        ):
            tokens.append(chunk[0].content)
        elif mode == "updates" and "__interrupt__" in chunk:
            interrupts.extend(chunk["__interrupt__"])

    assert "".join(tokens) == "Let me check the weather in New York."
    assert len([t for t in tokens if t.strip()]) == 8  # word by word, like a real model
    assert len(interrupts) == 1
    assert interrupts[0].value["tool_calls"][0]["args"] == {"city": "New York"}
    assert "approved" in interrupts[0].value["question"]
    state = await demo.aget_state(config)
    assert state.next == ("approve",)
    assert await demo.store.aget(("memories", "alice"), "weather") is None  # nothing ran past the question

    final = await demo.ainvoke(Command(resume={"approved": True}), config)

    tool_message, answer = final["messages"][-2:]
    assert isinstance(tool_message, ToolMessage) and tool_message.content == weather("New York")
    assert (
        isinstance(answer, AIMessage)
        and answer.content == f"The weather in New York is {weather('New York')}."
    )
    memory = await demo.store.aget(("memories", "alice"), "weather")
    assert memory.value == {"city": "New York", "last_answer": answer.content}


async def test_declined_tool_is_not_run(demo) -> None:
    config = {"configurable": {"thread_id": "t2"}}
    await demo.ainvoke({"messages": [{"role": "user", "content": "Is it raining?"}]}, config)

    final = await demo.ainvoke(Command(resume={"approved": False}), config)

    tool_message, answer = final["messages"][-2:]
    assert tool_message.status == "error" and "declined" in tool_message.content
    assert answer.content == "No problem, I did not check the weather in Paris."  # the default city
    assert (await demo.store.aget(("memories", "demo"), "weather")).value["city"] == "Paris"


async def test_remembered_city_is_the_default_in_a_new_thread(demo) -> None:
    for thread_id, text in (("first", "Weather for Lyon please"), ("second", "And now?")):
        config = {"configurable": {"thread_id": thread_id, "user_id": "carol"}}
        result = await demo.ainvoke({"messages": [{"role": "user", "content": text}]}, config)
        assert result["messages"][-1].tool_calls[0]["args"] == {"city": "Lyon"}
        await demo.ainvoke(Command(resume="yes"), config)


def test_each_run_in_a_fresh_process(tmp_path: Path) -> None:
    """Start and resume in two processes sharing only SQLite files: nothing lives outside the graph state."""
    script = tmp_path / "run_demo.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import asyncio, json, sys
            from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
            from langgraph.store.sqlite.aio import AsyncSqliteStore
            from langgraph.types import Command
            from core.graphs import GraphRegistry, load_project

            async def main(step):
                registry = GraphRegistry(load_project({str(DEMO / "langgraph.json")!r}))
                async with (
                    AsyncSqliteSaver.from_conn_string({str(tmp_path / "checkpoints.db")!r}) as saver,
                    AsyncSqliteStore.from_conn_string({str(tmp_path / "store.db")!r}) as store,
                ):
                    await store.setup()
                    graph = await registry.get("agent", {{}}, saver, store)
                    config = {{"configurable": {{"thread_id": "t", "user_id": "dave"}}}}
                    if step == "start":
                        payload = {{"messages": [{{"role": "user", "content": "Weather in Oslo?"}}]}}
                    else:
                        payload = Command(resume="yes")
                    out = await graph.ainvoke(payload, config)
                    memory = await store.aget(("memories", "dave"), "weather")
                    print(json.dumps({{
                        "interrupted": "__interrupt__" in out,
                        "last": out["messages"][-1].content,
                        "memory": memory and memory.value,
                    }}))

            asyncio.run(main(sys.argv[1]))
            """
        )
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("PORTICO_DEMO_MODEL", None)

    def run(step: str) -> dict:
        done = subprocess.run(
            [sys.executable, str(script), step], env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout.strip().splitlines()[-1])

    started = run("start")
    assert started == {"interrupted": True, "last": "Let me check the weather in Oslo.", "memory": None}
    resumed = run("resume")
    assert resumed["interrupted"] is False
    assert resumed["last"] == f"The weather in Oslo is {weather('Oslo')}."
    assert resumed["memory"]["city"] == "Oslo"
