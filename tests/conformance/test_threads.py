"""ThreadStore conformance: CRUD, metadata merge, state, search."""

from __future__ import annotations

import pytest

from core.errors import Conflict, InvalidArgument, NotFound
from core.storage import Storage


async def test_create_get_update_delete(storage: Storage) -> None:
    created = await storage.threads.create("t1", metadata={"user": "u1", "n": 1})
    assert created["status"] == "idle"
    assert created["metadata"] == {"user": "u1", "n": 1}
    assert created["values"] is None and created["interrupts"] == {} and created["error"] is None
    assert await storage.threads.get("t1") == created

    updated = await storage.threads.update("t1", metadata={"n": 2, "extra": True})
    assert updated["metadata"] == {"user": "u1", "n": 2, "extra": True}
    assert updated["updated_at"] >= created["updated_at"]
    assert await storage.threads.update("nope", metadata={"a": 1}) is None

    assert await storage.threads.delete("t1") is True
    assert await storage.threads.get("t1") is None
    assert await storage.threads.delete("t1") is False


async def test_create_taken_id(storage: Storage) -> None:
    first = await storage.threads.create("t1", metadata={"a": 1})
    with pytest.raises(Conflict):
        await storage.threads.create("t1")
    assert await storage.threads.create("t1", metadata={"b": 2}, if_exists="do_nothing") == first


async def test_set_state(storage: Storage) -> None:
    await storage.threads.create("t1")
    await storage.threads.set_state(
        "t1",
        values={"messages": ["hi"]},
        interrupts={"task": [{"value": "?", "id": "i1"}]},
        status="interrupted",
    )
    thread = await storage.threads.get("t1")
    assert thread["values"] == {"messages": ["hi"]}
    assert thread["interrupts"] == {"task": [{"value": "?", "id": "i1"}]}
    assert thread["status"] == "interrupted"
    # None leaves a field as it was.
    await storage.threads.set_state("t1", status="idle")
    thread = await storage.threads.get("t1")
    assert thread["values"] == {"messages": ["hi"]} and thread["status"] == "idle"
    await storage.threads.set_state("t1", interrupts={})
    assert (await storage.threads.get("t1"))["interrupts"] == {}
    with pytest.raises(NotFound):
        await storage.threads.set_state("nope", values={})
    with pytest.raises(InvalidArgument):
        await storage.threads.set_state("t1", status="sleeping")


async def test_search_and_count(storage: Storage) -> None:
    await storage.threads.create("t1", metadata={"user": "u1", "tags": ["a", "b"]})
    await storage.threads.create("t2", metadata={"user": "u2", "nested": {"x": 1, "y": 2}})
    await storage.threads.create("t3", metadata={"user": "u1"})
    await storage.threads.set_state("t2", values={"topic": "cats", "n": 3}, status="interrupted")
    await storage.threads.set_state("t3", values={"topic": "dogs"})

    def ids(rows: list[dict]) -> list[str]:
        return sorted(r["thread_id"] for r in rows)

    assert ids(await storage.threads.search(metadata={"user": "u1"})) == ["t1", "t3"]
    assert ids(await storage.threads.search(metadata={"tags": ["b"]})) == ["t1"]
    assert ids(await storage.threads.search(metadata={"nested": {"x": 1}})) == ["t2"]
    assert ids(await storage.threads.search(metadata={"nested": {"x": "1"}})) == [], "types must match"
    assert ids(await storage.threads.search(values={"topic": "cats"})) == ["t2"]
    assert ids(await storage.threads.search(values={"n": 3.0})) == ["t2"], (
        "3 and 3.0 are the same JSON number"
    )
    assert ids(await storage.threads.search(status="interrupted")) == ["t2"]
    assert ids(await storage.threads.search(status="idle")) == ["t1", "t3"]
    assert ids(await storage.threads.search(ids=["t3", "t1", "missing"])) == ["t1", "t3"]
    assert ids(await storage.threads.search(ids=[])) == []
    assert ids(await storage.threads.search(ids=["t1", "t3"], metadata={"tags": ["a"]})) == ["t1"]

    assert [t["thread_id"] for t in await storage.threads.search()] == ["t3", "t2", "t1"]
    asc = await storage.threads.search(sort_by="thread_id", sort_order="asc", limit=2, offset=1)
    assert [t["thread_id"] for t in asc] == ["t2", "t3"]
    by_update = await storage.threads.search(sort_by="updated_at", sort_order="desc", limit=1)
    assert [t["thread_id"] for t in by_update] == ["t3"]

    assert await storage.threads.count() == 3
    assert await storage.threads.count(metadata={"user": "u1"}) == 2
    assert await storage.threads.count(status="interrupted", values={"topic": "cats"}) == 1
    with pytest.raises(InvalidArgument):
        await storage.threads.search(sort_by="values")
    with pytest.raises(InvalidArgument):
        await storage.threads.count(status="asleep")


async def test_delete_removes_runs_and_events(storage: Storage, new_run, now) -> None:
    run = await new_run("t1")
    claimed = await storage.runs.claim("w1", lease_seconds=60, now=now)
    assert await storage.events.append(run["run_id"], claimed.epoch, [{"event": "values", "data": b"{}"}])
    assert await storage.threads.delete("t1") is True
    assert await storage.runs.get(run["run_id"]) is None
    assert await storage.events.read(thread_id="t1") == []
    assert await storage.events.read(run_id=run["run_id"]) == []
    assert await storage.events.last_seq("t1") == 0
