"""Storage lifecycle conformance: migrations, reopening, worker liveness, notifications, health."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from core.errors import Conflict
from core.storage import Storage, open_storage
from core.storage._sql import MIGRATIONS, migrate
from core.storage.postgres import PostgresStorage
from core.storage.sqlite import SqliteStorage


async def test_concurrent_first_setups(open_another) -> None:
    first, second = await asyncio.gather(open_another(), open_another())
    await first.threads.create("t1")
    assert await second.threads.get("t1") is not None


async def test_migrations_are_idempotent(storage: Storage, open_another) -> None:
    await storage.threads.create("t1", metadata={"kept": True})
    await storage.setup()
    again = await open_another()
    assert (await again.threads.get("t1"))["metadata"] == {"kept": True}
    assert await migrate(again._db) == len(MIGRATIONS)  # noqa: SLF001 - the runner, applied a third time


async def test_close_and_setup_again_keeps_data(storage: Storage) -> None:
    await storage.assistants.create({"assistant_id": "a1", "graph_id": "g"})
    assert await storage.ping() is True
    await storage.close()
    assert await storage.ping() is False
    await storage.setup()
    assert (await storage.assistants.get("a1"))["graph_id"] == "g"
    assert await storage.store.aget(("ns",), "missing") is None, "LangGraph's store is usable"


async def test_dead_workers_skip_own(storage: Storage) -> None:
    await storage.register_worker("w1")
    await storage.register_worker("w1")
    assert await storage.dead_workers([]) == []
    assert await storage.dead_workers(["w1", "gone", "gone", "w1"]) == ["gone"]


async def test_dead_workers_of_another_process(storage: Storage, open_another, backend: str) -> None:
    other = await open_another()
    await other.register_worker("w-other")
    if backend == "sqlite":
        # One process serves a file: a worker another instance registered is not one of ours.
        assert await storage.dead_workers(["w-other"]) == ["w-other"]
        return
    assert await storage.dead_workers(["w-other"]) == [], "its advisory lock is held"
    with pytest.raises(Conflict):
        await storage.register_worker("w-other")
    await other.close()
    assert await storage.dead_workers(["w-other", "never"]) == ["w-other", "never"]
    await storage.register_worker("w-other")  # the id is free again


async def test_notify_reaches_listeners_in_other_processes(
    storage: Storage, open_another, backend: str
) -> None:
    heard: asyncio.Queue[tuple[str, str]] = asyncio.Queue()

    async def on_async(channel: str, payload: str) -> None:
        await heard.put(("async", f"{channel}:{payload}"))

    await storage.listen(lambda channel, payload: heard.put_nowait(("sync", f"{channel}:{payload}")))
    await storage.listen(on_async)
    other = await open_another()
    await other.notify("portico_runs", "run-1")
    await other.notify("portico_events", "thread-1")
    if backend == "sqlite":
        assert heard.empty(), "a single-process backend signals in memory, not through storage"
        return
    got = [await asyncio.wait_for(heard.get(), timeout=10) for _ in range(4)]
    assert sorted(got) == [
        ("async", "portico_events:thread-1"),
        ("async", "portico_runs:run-1"),
        ("sync", "portico_events:thread-1"),
        ("sync", "portico_runs:run-1"),
    ]


def test_open_storage_picks_backend_by_url(tmp_path: Path) -> None:
    assert isinstance(open_storage("postgresql://u@h/db"), PostgresStorage)
    assert isinstance(open_storage("postgres://u@h/db"), PostgresStorage)
    plain = open_storage(str(tmp_path / "a.db"))
    assert isinstance(plain, SqliteStorage) and plain.path == tmp_path / "a.db"
    absolute = open_storage(f"sqlite:///{tmp_path}/b.db")
    assert isinstance(absolute, SqliteStorage) and absolute.path == tmp_path / "b.db"
    assert open_storage("sqlite:///rel/c.db").path == Path("rel/c.db")
