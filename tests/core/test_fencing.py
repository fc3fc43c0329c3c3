"""A worker whose lease was taken over cannot write checkpoints or events (fencing by lease epoch)."""

from __future__ import annotations

from datetime import timedelta

import graphs
import pytest

from core.errors import LeaseLost
from core.fencing import FencedCheckpointer
from core.ids import new_id, utcnow
from core.storage import open_storage


async def test_a_stale_worker_cannot_write_checkpoints_or_events(database_url: str) -> None:
    storage = open_storage(database_url)
    await storage.setup()
    try:
        now = utcnow()
        await storage.assistants.create(
            {"assistant_id": "a", "graph_id": "steps", "name": "a", "created_at": now, "updated_at": now}
        )
        run, _ = await storage.runs.create(
            {"run_id": new_id(), "thread_id": new_id(), "assistant_id": "a", "kwargs": {}},
            if_not_exists="create",
        )
        now = utcnow()
        old = await storage.runs.claim("w1", lease_seconds=1, now=now)
        assert old is not None
        # w1 stalls past its lease; the sweeper gives the run back and w2 claims it.
        later = now + timedelta(seconds=5)
        assert await storage.runs.requeue_expired(now=later, max_attempts=3) == [run["run_id"]]
        new = await storage.runs.claim("w2", lease_seconds=30, now=later)
        assert new is not None and new.epoch > old.epoch

        def fenced(epoch: int) -> FencedCheckpointer:
            async def valid() -> bool:
                return await storage.runs.check_lease(run["run_id"], epoch)

            return FencedCheckpointer(storage.checkpointer, valid)

        config = {"configurable": {"thread_id": run["thread_id"]}}
        stale = graphs.steps.copy(update={"checkpointer": fenced(old.epoch)})
        with pytest.raises(LeaseLost):
            await stale.ainvoke({"n": 0}, config, durability="sync")
        assert await storage.checkpointer.aget_tuple(config) is None
        event = {
            "thread_id": run["thread_id"],
            "run_id": run["run_id"],
            "seq": 1,
            "event": "values",
            "data": b"{}",
        }
        assert await storage.events.append(run["run_id"], old.epoch, [event]) is False
        assert await storage.events.read(run_id=run["run_id"]) == []

        current = graphs.steps.copy(update={"checkpointer": fenced(new.epoch)})
        assert (await current.ainvoke({"n": 0}, config, durability="sync"))["n"] == 3
        assert await storage.events.append(run["run_id"], new.epoch, [event]) is True
    finally:
        await storage.close()
