"""RunStore conformance, the queue: claims, leases, fencing, finishing and recovering lost runs."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from core.errors import InvalidArgument, LeaseLost
from core.storage import Storage
from core.storage._sql import DuplicateKey


async def test_claim_order_and_one_running_run_per_thread(storage: Storage, new_run, now) -> None:
    a1 = await new_run("ta")
    b1 = await new_run("tb")
    a2 = await new_run("ta")
    first = await storage.runs.claim("w1", lease_seconds=30, now=now)
    assert first.run["run_id"] == a1["run_id"], "oldest first"
    assert first.epoch == 1 and first.run["lease_epoch"] == 1 and first.run["attempt"] == 1
    assert first.run["status"] == "running" and first.run["lease_owner"] == "w1"
    assert first.run["lease_expires_at"] == now + timedelta(seconds=30)
    second = await storage.runs.claim("w2", lease_seconds=30, now=now)
    assert second.run["run_id"] == b1["run_id"], "ta is busy with a1, so its a2 waits"
    assert await storage.runs.claim("w3", lease_seconds=30, now=now) is None
    assert await storage.runs.finish(a1["run_id"], first.epoch, status="success", thread_status="idle")
    third = await storage.runs.claim("w3", lease_seconds=30, now=now)
    assert third.run["run_id"] == a2["run_id"]


async def test_concurrent_claims_take_distinct_runs(storage: Storage, new_run, now) -> None:
    for thread in ("t1", "t1", "t2", "t3"):
        await new_run(thread)
    claims = await asyncio.gather(*(storage.runs.claim(f"w{i}", lease_seconds=30, now=now) for i in range(6)))
    taken = [c.run for c in claims if c is not None]
    assert sorted(r["thread_id"] for r in taken) == ["t1", "t2", "t3"]
    assert len({r["run_id"] for r in taken}) == 3


async def test_available_at_delays_a_run(storage: Storage, new_run, now) -> None:
    later = now + timedelta(minutes=5)
    run = await new_run("t1", available_at=later)
    assert run["available_at"] == later
    assert await storage.runs.claim("w1", lease_seconds=30, now=now) is None
    assert await storage.runs.next_available_at() == later
    claimed = await storage.runs.claim("w1", lease_seconds=30, now=later)
    assert claimed.run["run_id"] == run["run_id"]
    assert await storage.runs.next_available_at() is None


async def test_heartbeat_and_lease_lost(storage: Storage, new_run, now) -> None:
    run = await new_run("t1")
    claimed = await storage.runs.claim("w1", lease_seconds=30, now=now)
    assert await storage.runs.heartbeat(run["run_id"], claimed.epoch, lease_seconds=60, now=now) is None
    assert (await storage.runs.get(run["run_id"]))["lease_expires_at"] == now + timedelta(seconds=60)
    assert await storage.runs.check_lease(run["run_id"], claimed.epoch) is True
    assert await storage.runs.check_lease(run["run_id"], claimed.epoch + 1) is False
    with pytest.raises(LeaseLost):
        await storage.runs.heartbeat(run["run_id"], claimed.epoch + 1, lease_seconds=60, now=now)
    await storage.runs.finish(run["run_id"], claimed.epoch, status="success", thread_status="idle")
    with pytest.raises(LeaseLost):
        await storage.runs.heartbeat(run["run_id"], claimed.epoch, lease_seconds=60, now=now)
    assert await storage.runs.check_lease(run["run_id"], claimed.epoch) is False
    with pytest.raises(LeaseLost):
        await storage.runs.heartbeat("nope", 1, lease_seconds=60, now=now)


async def test_stale_worker_is_fenced(storage: Storage, new_run, now) -> None:
    run = await new_run("t1")
    stale = await storage.runs.claim("w1", lease_seconds=10, now=now)
    assert await storage.events.append(run["run_id"], stale.epoch, [{"event": "values", "data": b"1"}])
    later = now + timedelta(seconds=11)
    assert await storage.runs.requeue_expired(now=later, max_attempts=3) == [run["run_id"]]
    # Between requeue and the next claim the run is pending: nobody may write.
    assert not await storage.events.append(run["run_id"], stale.epoch, [{"event": "values", "data": b"x"}])
    fresh = await storage.runs.claim("w2", lease_seconds=10, now=later)
    assert fresh.epoch == stale.epoch + 1 and fresh.run["attempt"] == 2

    assert not await storage.events.append(run["run_id"], stale.epoch, [{"event": "values", "data": b"2"}])
    assert not await storage.runs.finish(
        run["run_id"], stale.epoch, status="error", thread_status="error", values={"bad": 1}
    )
    assert not await storage.runs.release(run["run_id"], stale.epoch)
    with pytest.raises(LeaseLost):
        await storage.runs.heartbeat(run["run_id"], stale.epoch, lease_seconds=10, now=later)
    current = await storage.runs.get(run["run_id"])
    assert current["status"] == "running" and current["lease_owner"] == "w2"
    assert [e["data"] for e in await storage.events.read(run_id=run["run_id"])] == [b"1"]
    assert (await storage.threads.get("t1"))["values"] is None

    assert await storage.events.append(run["run_id"], fresh.epoch, [{"event": "values", "data": b"3"}])
    assert await storage.runs.finish(
        run["run_id"], fresh.epoch, status="success", thread_status="idle", values={"ok": 1}
    )
    assert [e["data"] for e in await storage.events.read(run_id=run["run_id"])] == [b"1", b"3"]


async def test_finish_updates_thread(storage: Storage, new_run, now) -> None:
    run = await new_run("t1")
    claimed = await storage.runs.claim("w1", lease_seconds=30, now=now)
    interrupts = {"task-1": [{"value": "approve?", "id": "int-1"}]}
    assert await storage.runs.finish(
        run["run_id"],
        claimed.epoch,
        status="interrupted",
        thread_status="interrupted",
        values={"messages": ["hi"]},
        interrupts=interrupts,
    )
    done = await storage.runs.get(run["run_id"])
    assert done["status"] == "interrupted" and done["lease_expires_at"] is None
    thread = await storage.threads.get("t1")
    assert thread["status"] == "interrupted" and thread["values"] == {"messages": ["hi"]}
    assert thread["interrupts"] == interrupts

    second = await new_run("t1")
    claimed = await storage.runs.claim("w1", lease_seconds=30, now=now)
    error = {"error": "ValueError", "message": "boom"}
    assert await storage.runs.finish(
        second["run_id"], claimed.epoch, status="error", error=error, thread_status="error"
    )
    assert (await storage.runs.get(second["run_id"]))["error"] == error
    thread = await storage.threads.get("t1")
    assert thread["status"] == "error" and thread["error"] == error
    assert thread["values"] == {"messages": ["hi"]}, "values=None keeps the last values"
    assert thread["interrupts"] == {}, "interrupts=None clears them"
    with pytest.raises(InvalidArgument):
        await storage.runs.finish(second["run_id"], claimed.epoch, status="done", thread_status="idle")


async def test_finish_keeps_thread_busy_while_a_run_is_pending(storage: Storage, new_run, now) -> None:
    run = await new_run("t1")
    claimed = await storage.runs.claim("w1", lease_seconds=30, now=now)
    await new_run("t1")
    assert await storage.runs.finish(
        run["run_id"], claimed.epoch, status="success", thread_status="idle", values=[1]
    )
    thread = await storage.threads.get("t1")
    assert thread["status"] == "busy" and thread["values"] == [1]


async def test_finish_with_delete_thread(storage: Storage, new_run, now) -> None:
    run = await new_run("stateless")
    claimed = await storage.runs.claim("w1", lease_seconds=30, now=now)
    await storage.events.append(run["run_id"], claimed.epoch, [{"event": "end", "data": b"null"}])
    assert await storage.runs.finish(
        run["run_id"], claimed.epoch, status="success", thread_status="idle", delete_thread=True
    )
    assert await storage.threads.get("stateless") is None
    assert await storage.runs.get(run["run_id"]) is None
    assert await storage.events.read(thread_id="stateless") == []


async def test_release_returns_run_without_counting_attempt(storage: Storage, new_run, now) -> None:
    run = await new_run("t1")
    claimed = await storage.runs.claim("w1", lease_seconds=30, now=now)
    assert await storage.runs.release(run["run_id"], claimed.epoch) is True
    released = await storage.runs.get(run["run_id"])
    assert released["status"] == "pending" and released["attempt"] == 0
    assert released["lease_owner"] is None and released["lease_expires_at"] is None
    assert await storage.runs.release(run["run_id"], claimed.epoch) is False
    again = await storage.runs.claim("w2", lease_seconds=30, now=now)
    assert again.run["attempt"] == 1 and again.epoch == claimed.epoch + 1


async def test_requeue_expired_gives_up_after_max_attempts(storage: Storage, new_run, now) -> None:
    run = await new_run("t1")
    other = await new_run("t2")
    t = now
    for attempt in (1, 2):
        claimed = await storage.runs.claim("w", lease_seconds=10, now=t)
        assert claimed.run["run_id"] == run["run_id"] and claimed.run["attempt"] == attempt
        assert await storage.runs.requeue_expired(now=t + timedelta(seconds=5), max_attempts=2) == [], (
            "not expired yet"
        )
        t += timedelta(seconds=11)
        requeued = await storage.runs.requeue_expired(now=t, max_attempts=2)
        if attempt == 1:
            assert requeued == [run["run_id"]]
            assert (await storage.runs.get(run["run_id"]))["status"] == "pending"
        else:
            assert requeued == []
    failed = await storage.runs.get(run["run_id"])
    assert failed["status"] == "error"
    assert (
        failed["error"]["error"] == "WorkerLost" and "gave up after 2 attempts" in failed["error"]["message"]
    )
    thread = await storage.threads.get("t1")
    assert thread["status"] == "error" and thread["error"] == failed["error"]
    assert (await storage.runs.get(other["run_id"]))["status"] == "pending", "other runs untouched"


async def test_requeue_owned_by_and_running_owners(storage: Storage, new_run, now) -> None:
    runs = [await new_run(f"t{i}") for i in range(3)]
    for worker in ("dead", "alive", "dead"):
        await storage.runs.claim(worker, lease_seconds=300, now=now)
    assert await storage.runs.running_owners() == ["alive", "dead"]
    assert await storage.runs.requeue_owned_by([], max_attempts=3) == []
    requeued = await storage.runs.requeue_owned_by(["dead", "unknown"], max_attempts=3)
    assert sorted(requeued) == [runs[0]["run_id"], runs[2]["run_id"]]
    assert await storage.runs.running_owners() == ["alive"]
    assert (await storage.runs.get(runs[1]["run_id"]))["status"] == "running"


async def test_database_refuses_a_second_running_run_on_a_thread(storage: Storage, new_run, now) -> None:
    await new_run("t1")
    second = await new_run("t1")
    await storage.runs.claim("w1", lease_seconds=30, now=now)
    # Whatever a future query gets wrong, the schema holds the line (a white-box check of the index).
    with pytest.raises(DuplicateKey):
        async with storage._db.write() as tx:  # noqa: SLF001
            await tx.execute(
                "UPDATE portico_runs SET status = 'running' WHERE run_id = :r", {"r": second["run_id"]}
            )
    assert (await storage.runs.get(second["run_id"]))["status"] == "pending"


async def test_count_pending_is_the_queue_depth(storage: Storage, new_run, now) -> None:
    assert await storage.runs.count_pending() == 0
    await new_run("t1")
    await new_run("t1")
    await new_run("t2", available_at=now + timedelta(minutes=5))  # a delayed run waits in the queue too
    assert await storage.runs.count_pending() == 3
    assert await storage.runs.claim("w1", lease_seconds=30, now=now) is not None
    assert await storage.runs.count_pending() == 2
