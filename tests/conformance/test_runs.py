"""RunStore conformance, the run's life outside a worker: create, multitask strategies, cancel, list, delete."""

from __future__ import annotations

import asyncio

import pytest

from core.errors import Conflict, InvalidArgument, NotFound, ThreadBusy
from core.storage import Storage


def _record(run_id: str, thread_id: str = "t1", strategy: str = "enqueue") -> dict:
    return {"run_id": run_id, "thread_id": thread_id, "assistant_id": "a1", "multitask_strategy": strategy}


async def test_create_on_unknown_thread(storage: Storage) -> None:
    with pytest.raises(NotFound):
        await storage.runs.create(_record("r1", "ghost"))
    assert await storage.threads.get("ghost") is None
    run, stopped = await storage.runs.create(
        _record("r1", "ghost"), if_not_exists="create", thread_metadata={"m": 1}
    )
    assert stopped == []
    assert run["status"] == "pending" and run["attempt"] == 0 and run["lease_epoch"] == 0
    assert run["lease_owner"] is None and run["cancel_action"] is None and run["error"] is None
    assert run["available_at"] == run["created_at"]
    thread = await storage.threads.get("ghost")
    assert thread["metadata"] == {"m": 1} and thread["status"] == "busy"


async def test_create_keeps_payload_and_marks_thread_busy(storage: Storage) -> None:
    await storage.threads.create("t1")
    record = {
        **_record("r1"),
        "metadata": {"source": "api"},
        "kwargs": {"input": {"messages": [{"role": "user"}]}},
    }
    run, _ = await storage.runs.create(record)
    assert run["metadata"] == {"source": "api"}
    assert run["kwargs"] == {"input": {"messages": [{"role": "user"}]}}
    assert run["multitask_strategy"] == "enqueue"
    assert await storage.runs.get("r1") == run
    assert (await storage.threads.get("t1"))["status"] == "busy"
    with pytest.raises(Conflict):
        await storage.runs.create(_record("r1"))
    with pytest.raises(InvalidArgument):
        await storage.runs.create(_record("r2", strategy="shove"))


async def test_reject_on_busy_thread(storage: Storage, new_run) -> None:
    await new_run("t1")
    with pytest.raises(ThreadBusy):
        await storage.runs.create(_record("r2", strategy="reject"))
    assert await storage.runs.get("r2") is None


async def test_concurrent_rejects_on_idle_thread_admit_exactly_one(storage: Storage) -> None:
    await storage.threads.create("t1")
    results = await asyncio.gather(
        *(storage.runs.create(_record(f"r{i}", strategy="reject")) for i in range(4)), return_exceptions=True
    )
    created = [r for r in results if not isinstance(r, BaseException)]
    assert len(created) == 1, results
    assert all(isinstance(r, ThreadBusy) for r in results if isinstance(r, BaseException))
    assert len(await storage.runs.list("t1")) == 1


async def test_concurrent_creates_of_a_new_thread(storage: Storage) -> None:
    results = await asyncio.gather(
        *(storage.runs.create(_record(f"r{i}", "fresh", "reject"), if_not_exists="create") for i in range(3)),
        return_exceptions=True,
    )
    assert sum(not isinstance(r, BaseException) for r in results) == 1, results
    assert all(isinstance(r, ThreadBusy) for r in results if isinstance(r, BaseException))


async def test_enqueue_waits_its_turn(storage: Storage, new_run, now) -> None:
    first = await new_run("t1")
    second = await new_run("t1", strategy="enqueue")
    assert second["status"] == "pending"
    claimed = await storage.runs.claim("w1", lease_seconds=60, now=now)
    assert claimed.run["run_id"] == first["run_id"]
    assert await storage.runs.claim("w2", lease_seconds=60, now=now) is None, "one running run per thread"


@pytest.mark.parametrize("strategy", ["interrupt", "rollback"])
async def test_interrupt_and_rollback_stop_active_runs(storage: Storage, new_run, now, strategy: str) -> None:
    running = await new_run("t1")
    claimed = await storage.runs.claim("w1", lease_seconds=60, now=now)
    queued = await new_run("t1")
    run, stopped = await storage.runs.create(_record("r-new", strategy=strategy))
    assert stopped == [running["run_id"], queued["run_id"]]
    assert run["status"] == "pending"

    flagged = await storage.runs.get(running["run_id"])
    assert flagged["status"] == "running" and flagged["cancel_action"] == strategy
    assert (
        await storage.runs.heartbeat(running["run_id"], claimed.epoch, lease_seconds=60, now=now) == strategy
    )
    if strategy == "rollback":
        assert await storage.runs.get(queued["run_id"]) is None, "a pending run is deleted under rollback"
    else:
        stopped_run = await storage.runs.get(queued["run_id"])
        assert stopped_run["status"] == "interrupted" and stopped_run["cancel_action"] == "interrupt"

    # The new run waits for the stopped one to end, then is the next claimed.
    assert await storage.runs.claim("w2", lease_seconds=60, now=now) is None
    assert await storage.runs.finish(
        running["run_id"],
        claimed.epoch,
        status="interrupted",
        thread_status="idle",
        delete=strategy == "rollback",
    )
    assert (await storage.threads.get("t1"))["status"] == "busy"
    if strategy == "rollback":
        assert await storage.runs.get(running["run_id"]) is None
    nxt = await storage.runs.claim("w2", lease_seconds=60, now=now)
    assert nxt.run["run_id"] == "r-new"


async def test_request_cancel(storage: Storage, new_run, now) -> None:
    assert await storage.runs.request_cancel("nope", "interrupt") is None
    with pytest.raises(InvalidArgument):
        await storage.runs.request_cancel("nope", "explode")

    running = await new_run("t1")
    claimed = await storage.runs.claim("w1", lease_seconds=60, now=now)
    pending = await new_run("t1")
    rolled = await new_run("t1")

    out = await storage.runs.request_cancel(running["run_id"], "interrupt")
    assert out["status"] == "running" and out["cancel_action"] == "interrupt"
    assert (
        await storage.runs.heartbeat(running["run_id"], claimed.epoch, lease_seconds=60, now=now)
        == "interrupt"
    )

    out = await storage.runs.request_cancel(pending["run_id"], "interrupt")
    assert out["status"] == "interrupted" and out["cancel_action"] == "interrupt"
    out = await storage.runs.request_cancel(rolled["run_id"], "rollback")
    assert out["run_id"] == rolled["run_id"] and out["status"] == "pending", "returned as it was"
    assert await storage.runs.get(rolled["run_id"]) is None

    assert await storage.runs.finish(
        running["run_id"], claimed.epoch, status="interrupted", thread_status="idle"
    )
    done = await storage.runs.request_cancel(running["run_id"], "rollback")
    assert done["status"] == "interrupted" and done["cancel_action"] == "interrupt", (
        "terminal runs are unchanged"
    )
    assert (await storage.threads.get("t1"))["status"] == "idle"


async def test_cancel_of_only_pending_run_settles_thread(storage: Storage, new_run) -> None:
    await storage.threads.create("t1")
    await storage.threads.set_state(
        "t1", interrupts={"task": [{"id": "i1", "value": "?"}]}, status="interrupted"
    )
    run = await new_run("t1")
    assert (await storage.threads.get("t1"))["status"] == "busy"
    await storage.runs.request_cancel(run["run_id"], "cancel")
    assert (await storage.threads.get("t1"))["status"] == "interrupted", "back to what the last run left"


async def test_list_and_delete(storage: Storage, new_run, now) -> None:
    runs = [await new_run("t1") for _ in range(3)]
    await new_run("t2")
    listed = await storage.runs.list("t1")
    assert [r["run_id"] for r in listed] == [r["run_id"] for r in reversed(runs)], "newest first"
    assert [r["run_id"] for r in await storage.runs.list("t1", limit=1, offset=1)] == [runs[1]["run_id"]]
    claimed = await storage.runs.claim("w1", lease_seconds=60, now=now)
    assert claimed.run["run_id"] == runs[0]["run_id"]
    assert [r["run_id"] for r in await storage.runs.list("t1", status="running")] == [runs[0]["run_id"]]

    with pytest.raises(Conflict):
        await storage.runs.delete(runs[0]["run_id"])
    with pytest.raises(Conflict):
        await storage.runs.delete(runs[1]["run_id"])
    await storage.events.append(runs[0]["run_id"], claimed.epoch, [{"event": "values", "data": b"1"}])
    await storage.runs.finish(runs[0]["run_id"], claimed.epoch, status="success", thread_status="idle")
    assert await storage.runs.delete(runs[0]["run_id"]) is True
    assert await storage.runs.get(runs[0]["run_id"]) is None
    assert await storage.events.read(run_id=runs[0]["run_id"]) == []
    assert await storage.runs.delete(runs[0]["run_id"]) is False
