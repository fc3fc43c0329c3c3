"""AssistantStore conformance: CRUD, versions, search."""

from __future__ import annotations

from datetime import datetime

import pytest

from core.errors import Conflict, InvalidArgument
from core.storage import Storage


async def _seed(storage: Storage) -> None:
    for i, (graph, name, meta) in enumerate(
        [
            ("agent", "Support Bot", {"team": "a", "tier": 1}),
            ("agent", "Sales bot", {"team": "b", "tier": 1}),
            ("rag", "Researcher", {"team": "a", "tier": 2, "tags": ["x", "y"]}),
            ("rag", "100%_sure", {"team": "c"}),
        ]
    ):
        await storage.assistants.create(
            {"assistant_id": f"as{i}", "graph_id": graph, "name": name, "metadata": meta}
        )


async def test_create_get_delete(storage: Storage) -> None:
    created = await storage.assistants.create(
        {
            "assistant_id": "a1",
            "graph_id": "agent",
            "name": "Bot",
            "description": "helps",
            "config": {"configurable": {"model": "m"}},
            "context": {"lang": "en"},
            "metadata": {"owner": "me"},
        }
    )
    assert created["version"] == 1
    assert (
        isinstance(created["created_at"], datetime) and created["created_at"].utcoffset().total_seconds() == 0
    )
    got = await storage.assistants.get("a1")
    assert got == created
    assert got["config"] == {"configurable": {"model": "m"}} and got["context"] == {"lang": "en"}
    assert await storage.assistants.delete("a1") is True
    assert await storage.assistants.get("a1") is None
    assert await storage.assistants.delete("a1") is False
    assert await storage.assistants.list_versions("a1") == []


async def test_create_taken_id(storage: Storage) -> None:
    first = await storage.assistants.create({"assistant_id": "a1", "graph_id": "agent", "name": "one"})
    with pytest.raises(Conflict):
        await storage.assistants.create({"assistant_id": "a1", "graph_id": "other"})
    same = await storage.assistants.create(
        {"assistant_id": "a1", "graph_id": "other"}, if_exists="do_nothing"
    )
    assert same == first
    with pytest.raises(InvalidArgument):
        await storage.assistants.create({"assistant_id": "a2"})


async def test_update_writes_versions_and_set_latest(storage: Storage) -> None:
    await storage.assistants.create(
        {"assistant_id": "a1", "graph_id": "agent", "name": "v1", "config": {"k": 1}, "metadata": {"a": 1}}
    )
    v2 = await storage.assistants.update("a1", {"name": "v2", "metadata": {"b": 2}})
    assert v2["version"] == 2 and v2["name"] == "v2"
    assert v2["metadata"] == {"a": 1, "b": 2}, "metadata is merged"
    assert v2["config"] == {"k": 1}, "fields not named are kept"
    v3 = await storage.assistants.update("a1", {"config": {"k": 3}})
    assert v3["version"] == 3 and v3["name"] == "v2" and v3["config"] == {"k": 3}
    assert v3["updated_at"] >= v2["updated_at"] and v3["created_at"] == v2["created_at"]

    versions = await storage.assistants.list_versions("a1")
    assert [v["version"] for v in versions] == [3, 2, 1]
    assert [v["name"] for v in versions] == ["v2", "v2", "v1"]
    assert [v["version"] for v in await storage.assistants.list_versions("a1", limit=1, offset=1)] == [2]
    assert [v["version"] for v in await storage.assistants.list_versions("a1", metadata={"b": 2})] == [3, 2]

    back = await storage.assistants.set_latest("a1", 1)
    assert back["version"] == 1 and back["name"] == "v1" and back["metadata"] == {"a": 1}
    assert await storage.assistants.get("a1") == back
    # The next update goes past the highest version, not the current one.
    v4 = await storage.assistants.update("a1", {"description": "d"})
    assert v4["version"] == 4 and v4["name"] == "v1" and v4["description"] == "d"

    assert await storage.assistants.set_latest("a1", 99) is None
    assert await storage.assistants.set_latest("nope", 1) is None
    assert await storage.assistants.update("nope", {"name": "x"}) is None
    with pytest.raises(InvalidArgument):
        await storage.assistants.update("a1", {"version": 7})


async def test_search_filters_and_count(storage: Storage) -> None:
    await _seed(storage)
    ids = lambda rows: sorted(r["assistant_id"] for r in rows)  # noqa: E731
    assert ids(await storage.assistants.search(graph_id="agent")) == ["as0", "as1"]
    assert ids(await storage.assistants.search(name="BOT")) == ["as0", "as1"], "case-insensitive substring"
    assert ids(await storage.assistants.search(name="%_")) == ["as3"], "wildcards are literal"
    assert ids(await storage.assistants.search(name="_")) == ["as3"]
    assert ids(await storage.assistants.search(metadata={"team": "a"})) == ["as0", "as2"]
    assert ids(await storage.assistants.search(metadata={"team": "a", "tier": 2})) == ["as2"]
    assert ids(await storage.assistants.search(metadata={"tags": ["y"]})) == ["as2"], "array containment"
    assert ids(await storage.assistants.search(metadata={"tier": True})) == [], "true is not 1"
    assert ids(await storage.assistants.search(graph_id="rag", metadata={"team": "c"})) == ["as3"]
    assert await storage.assistants.count() == 4
    assert await storage.assistants.count(graph_id="rag") == 2
    assert await storage.assistants.count(metadata={"tier": 1}) == 2
    assert await storage.assistants.count(name="bot", metadata={"team": "b"}) == 1


async def test_search_sort_and_pagination(storage: Storage) -> None:
    await _seed(storage)
    newest_first = await storage.assistants.search()
    assert [a["assistant_id"] for a in newest_first] == ["as3", "as2", "as1", "as0"]
    by_name = await storage.assistants.search(sort_by="name", sort_order="asc")
    assert [a["name"] for a in by_name] == ["100%_sure", "Researcher", "Sales bot", "Support Bot"]
    pages = [
        await storage.assistants.search(sort_by="assistant_id", sort_order="asc", limit=2, offset=o)
        for o in (0, 2, 4)
    ]
    assert [[a["assistant_id"] for a in p] for p in pages] == [["as0", "as1"], ["as2", "as3"], []]
    with pytest.raises(InvalidArgument):
        await storage.assistants.search(sort_by="metadata")
    with pytest.raises(InvalidArgument):
        await storage.assistants.search(sort_order="sideways")
