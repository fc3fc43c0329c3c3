"""EventStore conformance: one seq order per thread, reads by run and by thread, retention."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.errors import InvalidArgument
from core.storage import Storage


async def _run_with_events(storage: Storage, new_run, now, thread_id: str, payloads: list[bytes]) -> str:
    run = await new_run(thread_id)
    claimed = await storage.runs.claim("w1", lease_seconds=60, now=now)
    assert claimed.run["run_id"] == run["run_id"]
    batch = [{"event": "metadata", "data": b'{"run_id": "x"}'}] + [
        {"event": "values", "data": p} for p in payloads
    ]
    assert await storage.events.append(run["run_id"], claimed.epoch, batch)
    assert await storage.runs.finish(run["run_id"], claimed.epoch, status="success", thread_status="idle")
    return run["run_id"]


async def test_append_and_read(storage: Storage, new_run, now) -> None:
    assert await storage.events.last_seq("t1") == 0
    r1 = await _run_with_events(storage, new_run, now, "t1", [b"1", b"2"])
    r2 = await _run_with_events(storage, new_run, now, "t1", [b"3"])
    await _run_with_events(storage, new_run, now, "t2", [b"other"])

    by_run = await storage.events.read(run_id=r1)
    assert [(e["seq"], e["event"], e["data"]) for e in by_run] == [
        (1, "metadata", b'{"run_id": "x"}'),
        (2, "values", b"1"),
        (3, "values", b"2"),
    ]
    assert all(e["run_id"] == r1 and e["thread_id"] == "t1" for e in by_run)
    assert [e["seq"] for e in await storage.events.read(run_id=r2)] == [4, 5], (
        "seq continues across the thread's runs"
    )
    assert [e["seq"] for e in await storage.events.read(thread_id="t1")] == [1, 2, 3, 4, 5]
    assert [e["data"] for e in await storage.events.read(thread_id="t1", after_seq=3)] == [
        b'{"run_id": "x"}',
        b"3",
    ]
    assert [e["seq"] for e in await storage.events.read(run_id=r1, after_seq=1, limit=1)] == [2]
    assert await storage.events.read(run_id=r1, after_seq=3) == []
    assert [e["seq"] for e in await storage.events.read(thread_id="t2")] == [1, 2], "seq is per thread"
    assert await storage.events.last_seq("t1") == 5
    with pytest.raises(InvalidArgument):
        await storage.events.read()


async def test_append_keeps_given_seq_and_encodes_values(storage: Storage, new_run, now) -> None:
    run = await new_run("t1")
    claimed = await storage.runs.claim("w1", lease_seconds=60, now=now)
    assert await storage.events.append(
        run["run_id"], claimed.epoch, [{"event": "a", "data": b"1", "seq": 10}]
    )
    assert await storage.events.append(run["run_id"], claimed.epoch, [{"event": "b", "data": {"k": [1]}}])
    assert await storage.events.append(run["run_id"], claimed.epoch, [])
    events = await storage.events.read(run_id=run["run_id"])
    assert [(e["seq"], e["data"]) for e in events] == [(10, b"1"), (11, b'{"k":[1]}')]


async def test_append_to_a_run_that_is_not_running(storage: Storage, new_run) -> None:
    run = await new_run("t1")
    assert not await storage.events.append(run["run_id"], 0, [{"event": "values", "data": b"1"}])
    assert not await storage.events.append("nope", 1, [{"event": "values", "data": b"1"}])
    assert await storage.events.read(thread_id="t1") == []


async def test_retention_drops_events_of_runs_ended_before_cutoff(storage: Storage, new_run, now) -> None:
    ended = await _run_with_events(storage, new_run, now, "t1", [b"1"])
    live = await new_run("t2")
    claimed = await storage.runs.claim("w2", lease_seconds=60, now=now)
    await storage.events.append(live["run_id"], claimed.epoch, [{"event": "values", "data": b"live"}])

    assert await storage.events.delete_finished_before(now - timedelta(hours=1)) == 0
    assert len(await storage.events.read(run_id=ended)) == 2
    assert await storage.events.delete_finished_before(now + timedelta(hours=1)) == 2
    assert await storage.events.read(run_id=ended) == []
    assert len(await storage.events.read(run_id=live["run_id"])) == 1, "a running run keeps its events"
    assert await storage.runs.get(ended) is not None, "the run itself stays"

    # A stream resumed from an old Last-Event-ID must not miss the thread's next events: seqs never restart.
    assert await storage.events.last_seq("t1") == 2
    after = await _run_with_events(storage, new_run, now, "t1", [b"again"])
    assert [e["seq"] for e in await storage.events.read(run_id=after)] == [3, 4]
