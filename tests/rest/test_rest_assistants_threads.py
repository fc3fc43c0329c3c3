"""Assistants, threads, state and history over HTTP with ``langgraph-sdk``, against a real deployment."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest
from langgraph_sdk import get_sync_client
from langgraph_sdk.client import LangGraphClient
from langgraph_sdk.errors import ConflictError, NotFoundError, UnprocessableEntityError


async def test_assistants_lifecycle(sdk: LangGraphClient) -> None:
    default = await sdk.assistants.get("steps")  # a graph id finds its default assistant
    assert default["graph_id"] == "steps"
    created = await sdk.assistants.create(
        "steps", config={"tags": ["a"]}, metadata={"team": "x"}, name="mine", description="for tests"
    )
    assistant_id = created["assistant_id"]
    assert created["version"] == 1 and created["description"] == "for tests"
    again = await sdk.assistants.create("steps", assistant_id=assistant_id, if_exists="do_nothing")
    assert again["assistant_id"] == assistant_id
    with pytest.raises(ConflictError):
        await sdk.assistants.create("steps", assistant_id=assistant_id)

    patched = await sdk.assistants.update(assistant_id, metadata={"stage": "two"}, name="renamed")
    assert patched["version"] == 2 and patched["name"] == "renamed"
    versions = await sdk.assistants.get_versions(assistant_id)
    assert [v["version"] for v in versions] == [2, 1]
    latest = await sdk.assistants.set_latest(assistant_id, 1)
    assert latest["version"] == 1 and latest["name"] == "mine"

    found = await sdk.assistants.search(metadata={"team": "x"}, select=["assistant_id", "name"])
    assert found == [{"assistant_id": assistant_id, "name": "mine"}]
    page = await sdk.assistants.search(graph_id="steps", limit=1, response_format="object")
    assert len(page["assistants"]) == 1 and page["next"] == "1"
    assert await sdk.assistants.count(graph_id="steps") == 2

    graph = await sdk.assistants.get_graph(assistant_id)
    assert {n["id"] for n in graph["nodes"]} >= {"s1", "s2", "s3"}
    schemas = await sdk.assistants.get_schemas(assistant_id)
    assert schemas["graph_id"] == "steps" and "input_schema" in schemas
    subgraphs = await sdk.assistants.get_subgraphs("nested")
    assert "child" in subgraphs
    assert "child" in await sdk.assistants.get_subgraphs("nested", namespace="child")

    await sdk.assistants.delete(assistant_id)
    with pytest.raises(NotFoundError) as info:
        await sdk.assistants.get(assistant_id)
    assert info.value.response.json()["detail"]


async def test_threads_crud_search_copy(sdk: LangGraphClient) -> None:
    thread_id = str(uuid.uuid4())
    thread = await sdk.threads.create(thread_id=thread_id, metadata={"user": "ada"}, graph_id="steps")
    assert thread["thread_id"] == thread_id and thread["status"] == "idle"
    assert thread["metadata"]["user"] == "ada"
    with pytest.raises(ConflictError):
        await sdk.threads.create(thread_id=thread_id)
    same = await sdk.threads.create(thread_id=thread_id, if_exists="do_nothing")
    assert same["thread_id"] == thread_id

    patched = await sdk.threads.update(thread_id, metadata={"topic": "maths"})
    assert patched["metadata"]["user"] == "ada" and patched["metadata"]["topic"] == "maths"
    assert await sdk.threads.update(thread_id, metadata={"x": 1}, return_minimal=True) is None

    await sdk.runs.wait(thread_id, "steps", input={"n": 0})
    got = await sdk.threads.get(thread_id)
    assert got["values"]["n"] == 3 and got["status"] == "idle"

    found = await sdk.threads.search(metadata={"user": "ada"}, status="idle", select=["thread_id", "status"])
    assert found == [{"thread_id": thread_id, "status": "idle"}]
    assert await sdk.threads.count(metadata={"user": "ada"}) == 1
    assert [t["thread_id"] for t in await sdk.threads.search(ids=[thread_id])] == [thread_id]

    copy = await sdk.threads.copy(thread_id)
    assert copy["thread_id"] != thread_id
    assert (await sdk.threads.get_state(copy["thread_id"]))["values"]["n"] == 3

    await sdk.threads.delete(thread_id)
    with pytest.raises(NotFoundError):
        await sdk.threads.get(thread_id)
    with pytest.raises(NotFoundError):
        await sdk.threads.get_state(thread_id)


async def test_state_history_and_time_travel(sdk: LangGraphClient, server: str) -> None:
    thread = await sdk.threads.create()
    thread_id = thread["thread_id"]
    await sdk.runs.wait(thread_id, "steps", input={"n": 0})
    state = await sdk.threads.get_state(thread_id)
    assert state["values"]["trail"] == ["s1", "s2", "s3"] and state["next"] == []
    assert (await sdk.threads.get_state(thread_id, select=["values.n"]))["values"] == {"n": 3}

    history = await sdk.threads.get_history(thread_id, limit=10)
    assert history[0]["checkpoint"]["checkpoint_id"] == state["checkpoint"]["checkpoint_id"]
    after_s1 = next(h for h in history if h["next"] == ["s2"])
    older = await sdk.threads.get_history(thread_id, before=after_s1["checkpoint"], limit=10)
    assert all(h["metadata"]["step"] < after_s1["metadata"]["step"] for h in older)
    async with httpx.AsyncClient(base_url=server) as http:
        plain = (await http.get(f"/threads/{thread_id}/history", params={"limit": 2})).json()
    assert len(plain) == 2

    at = await sdk.threads.get_state(thread_id, checkpoint_id=after_s1["checkpoint"]["checkpoint_id"])
    assert at["values"]["trail"] == ["s1"]
    at_post = await sdk.threads.get_state(thread_id, checkpoint=after_s1["checkpoint"])
    assert at_post["values"] == at["values"]

    # Fork: run again from after s1; the original branch stays in the history.
    forked = await sdk.runs.wait(
        thread_id, "steps", input=None, checkpoint_id=after_s1["checkpoint"]["checkpoint_id"]
    )
    assert forked["trail"] == ["s1", "s2", "s3"]
    assert len(await sdk.threads.get_history(thread_id, limit=100)) > len(history)

    # A state update from a past checkpoint forks too.
    update = await sdk.threads.update_state(
        thread_id, {"n": 100}, as_node="s1", checkpoint_id=after_s1["checkpoint"]["checkpoint_id"]
    )
    assert update["checkpoint"]["checkpoint_id"]
    latest = await sdk.threads.get_state(thread_id)
    assert latest["values"]["n"] == 100 and latest["next"] == ["s2"]


async def test_sync_client(server: str) -> None:
    def session() -> tuple[int, str]:
        with get_sync_client(url=server, api_key=None) as client:
            thread = client.threads.create()
            values = client.runs.wait(thread["thread_id"], "steps", input={"n": 1})
            parts = list(
                client.runs.stream(thread["thread_id"], "steps", input={"n": 0}, stream_mode="updates")
            )
            return values["n"], ",".join(p.event for p in parts)

    n, events = await asyncio.to_thread(session)
    assert n == 4
    assert events == "metadata,updates,updates,updates"


async def test_error_shapes(sdk: LangGraphClient) -> None:
    missing = str(uuid.uuid4())
    with pytest.raises(NotFoundError):
        await sdk.threads.get(missing)
    with pytest.raises(NotFoundError):
        await sdk.runs.create(missing, "steps", input={})
    with pytest.raises(NotFoundError):
        await sdk.runs.create(None, "no-such-graph", input={})
    with pytest.raises(UnprocessableEntityError) as info:
        await sdk.runs.create(None, "steps", input={}, stream_mode="events")
    assert "stream_mode" in info.value.message
