"""A graph's memories: written by a run on one thread, read by a run on another and through the API."""

from __future__ import annotations

import pytest
from langgraph_sdk.client import LangGraphClient

from clients.grpc import PorticoClient

pytestmark = pytest.mark.timeout(120)


async def test_memories_written_in_one_thread_are_recalled_in_the_next(
    client: PorticoClient, sdk: LangGraphClient
) -> None:
    first = await client.threads.create()
    for fact in (
        "My cat is called Miso.",
        "I work night shifts at a bakery.",
        "I am saving up for a trip to Peru.",
    ):
        await client.runs.wait(
            thread_id=first["thread_id"], assistant_id="memory", input={"user_id": "u7", "remember": fact}
        )

    second = await client.threads.create()
    state = (
        await client.runs.wait(
            thread_id=second["thread_id"],
            assistant_id="memory",
            input={"user_id": "u7", "recall": "Where am I going on holiday?"},
        )
    )["values"]
    assert state["recalled"] == "I am saving up for a trip to Peru." and state["memories"] == 3

    other_user = (await client.runs.wait(assistant_id="memory", input={"user_id": "u8", "recall": "my pet"}))[
        "values"
    ]
    assert other_user["recalled"] is None and other_user["memories"] == 0, "another user's namespace is empty"

    # The API sees what the graph wrote, and the graph sees what the API writes.
    api_items = (await sdk.store.search_items(["memories", "u7"], query="What is my pet's name?", limit=1))[
        "items"
    ]
    assert api_items[0]["value"] == {"text": "My cat is called Miso."}
    await sdk.store.put_item(["memories", "u7"], "from-api", {"text": "My favourite colour is teal."})
    state = (
        await client.runs.wait(
            thread_id=second["thread_id"],
            assistant_id="memory",
            input={"user_id": "u7", "recall": "Which colour do I like?"},
        )
    )["values"]
    assert state["recalled"] == "My favourite colour is teal." and state["memories"] == 4
