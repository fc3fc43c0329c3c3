"""Runs over HTTP with ``langgraph-sdk``: wait, background, batch, cancel, multitask strategies, interrupts."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from gates import gate, started
from langgraph_sdk.client import LangGraphClient
from langgraph_sdk.errors import ConflictError, NotFoundError

from core import ids as core_ids


def _gate_config() -> tuple[str, dict]:
    key = f"g-{uuid.uuid4()}"
    return key, {"configurable": {"gate": key}}


async def test_wait_background_join_list_delete(sdk: LangGraphClient) -> None:
    thread_id = (await sdk.threads.create())["thread_id"]
    assert (await sdk.runs.wait(thread_id, "steps", input={"n": 0}))["n"] == 3

    created: list[dict] = []
    run = await sdk.runs.create(
        thread_id, "steps", input={"n": 5}, metadata={"tag": "bg"}, on_run_created=created.append
    )
    assert run["status"] in ("pending", "running") and run["metadata"] == {"tag": "bg"}
    assert created == [{"run_id": run["run_id"], "thread_id": thread_id}]
    assert (await sdk.runs.join(thread_id, run["run_id"]))["n"] == 8
    got = await sdk.runs.get(thread_id, run["run_id"])
    assert got["status"] == "success" and got["assistant_id"]

    runs = await sdk.runs.list(thread_id)
    assert [r["run_id"] for r in runs][0] == run["run_id"] and len(runs) == 2
    assert await sdk.runs.list(thread_id, limit=1, select=["run_id"]) == [{"run_id": run["run_id"]}]
    assert len(await sdk.runs.list(thread_id, status="success")) == 2

    await sdk.runs.delete(thread_id, run["run_id"])
    with pytest.raises(NotFoundError):
        await sdk.runs.get(thread_id, run["run_id"])


async def test_stateless_wait_deletes_its_thread_after_the_grace_period(
    sdk: LangGraphClient, deployment
) -> None:
    created: list[dict] = []
    assert (await sdk.runs.wait(None, "steps", input={"n": 10}, on_run_created=created.append))["n"] == 13
    thread_id = created[0]["thread_id"]
    # Readable for the grace period (joins and late stream readers still get the outcome) ...
    assert (await sdk.runs.join(thread_id, created[0]["run_id"]))["n"] == 13
    # ... then the sweeper deletes it; move the clock past the grace period instead of waiting.
    real = core_ids.utcnow()
    core_ids.set_clock(lambda: real + timedelta(seconds=deployment.settings.stateless_grace_seconds + 1))
    try:
        await deployment.core.runtime.pool.sweep()
    finally:
        core_ids.set_clock(lambda: datetime.now(UTC))
    with pytest.raises(NotFoundError):
        await sdk.threads.get(thread_id)


async def test_stateless_keep_and_batch(sdk: LangGraphClient) -> None:
    run = await sdk.runs.create(None, "steps", input={"n": 0}, on_completion="keep")
    assert (await sdk.runs.join(run["thread_id"], run["run_id"]))["n"] == 3
    assert (await sdk.threads.get(run["thread_id"]))["values"]["n"] == 3

    thread_id = (await sdk.threads.create())["thread_id"]
    batch = await sdk.runs.create_batch(
        [
            {"assistant_id": "steps", "input": {"n": 1}, "on_completion": "keep"},
            {"assistant_id": "steps", "input": {"n": 2}, "thread_id": thread_id},
        ]
    )
    assert len(batch) == 2 and batch[1]["thread_id"] == thread_id
    outputs = [await sdk.runs.join(r["thread_id"], r["run_id"]) for r in batch]
    assert [o["n"] for o in outputs] == [4, 5]


async def test_failing_run(sdk: LangGraphClient) -> None:
    thread_id = (await sdk.threads.create())["thread_id"]
    parts = [p async for p in sdk.runs.stream(thread_id, "failing", input={}, stream_mode="updates")]
    assert parts[-1].event == "error"
    assert parts[-1].data["error"] == "ValueError" and "boom" in parts[-1].data["message"]
    with pytest.raises(Exception, match="ValueError"):
        await sdk.runs.wait(thread_id, "failing", input={})
    raw = await sdk.runs.wait(thread_id, "failing", input={}, raise_error=False)
    assert raw["__error__"]["error"] == "ValueError"
    assert (await sdk.threads.get(thread_id))["status"] == "error"


async def test_cancel_and_cancel_many(sdk: LangGraphClient) -> None:
    key, config = _gate_config()
    thread_id = (await sdk.threads.create())["thread_id"]
    run = await sdk.runs.create(thread_id, "gated", input={}, config=config)
    await started(key).wait()
    await sdk.runs.cancel(thread_id, run["run_id"], wait=True)
    assert (await sdk.runs.get(thread_id, run["run_id"]))["status"] == "interrupted"

    key2, config2 = _gate_config()
    running = await sdk.runs.create(thread_id, "gated", input={}, config=config2)
    queued = await sdk.runs.create(thread_id, "steps", input={}, multitask_strategy="enqueue")
    await started(key2).wait()
    await sdk.runs.cancel_many(thread_id=thread_id, status="all")
    for r in (running, queued):
        await sdk.runs.join(thread_id, r["run_id"])
        assert (await sdk.runs.get(thread_id, r["run_id"]))["status"] == "interrupted"


async def test_multitask_reject_and_enqueue(sdk: LangGraphClient) -> None:
    key, config = _gate_config()
    thread_id = (await sdk.threads.create())["thread_id"]
    first = await sdk.runs.create(thread_id, "gated", input={"n": 0}, config=config)
    await started(key).wait()
    with pytest.raises(ConflictError):
        await sdk.runs.create(thread_id, "steps", input={}, multitask_strategy="reject")
    with pytest.raises(httpx.HTTPStatusError) as info:  # the SDK's wait raises the plain httpx error
        await sdk.runs.wait(thread_id, "steps", input={}, multitask_strategy="reject")
    assert info.value.response.status_code == 409
    second = await sdk.runs.create(thread_id, "steps", input={}, multitask_strategy="enqueue")
    assert second["status"] == "pending"
    gate(key).set()
    await sdk.runs.join(thread_id, first["run_id"])
    final = await sdk.runs.join(thread_id, second["run_id"])
    assert final["trail"] == ["after", "gated", "after", "s1", "s2", "s3"]  # the second ran after the first


@pytest.mark.parametrize("strategy", ["interrupt", "rollback"])
async def test_multitask_interrupt_and_rollback(sdk: LangGraphClient, strategy: str) -> None:
    key, config = _gate_config()
    thread_id = (await sdk.threads.create())["thread_id"]
    first = await sdk.runs.create(thread_id, "gated", input={"n": 0}, config=config)
    await started(key).wait()
    values = await sdk.runs.wait(thread_id, "steps", input={"n": 0}, multitask_strategy=strategy)
    if strategy == "interrupt":
        assert (await sdk.runs.get(thread_id, first["run_id"]))["status"] == "interrupted"
        assert values["trail"][:1] == ["after"]  # progress of the interrupted run is kept
    else:
        with pytest.raises(NotFoundError):
            await sdk.runs.get(thread_id, first["run_id"])
        assert values["trail"] == ["s1", "s2", "s3"]  # the rolled-back run left nothing behind


async def test_interrupt_resume_by_value(sdk: LangGraphClient) -> None:
    thread_id = (await sdk.threads.create())["thread_id"]
    parts = [
        p async for p in sdk.runs.stream(thread_id, "approval", input={}, stream_mode=["updates", "values"])
    ]
    interrupt_update = next(p for p in parts if p.event == "updates" and "__interrupt__" in p.data)
    assert interrupt_update.data["__interrupt__"][0]["value"] == {"question": "approve?"}
    thread = await sdk.threads.get(thread_id)
    assert thread["status"] == "interrupted" and thread["interrupts"]
    state = await sdk.threads.get_state(thread_id)
    assert state["next"] == ["ask"] and state["interrupts"][0]["value"] == {"question": "approve?"}

    done = await sdk.runs.wait(thread_id, "approval", command={"resume": "yes"})
    assert done == {"n": 1, "answers": ["yes"]}
    assert (await sdk.threads.get(thread_id))["status"] == "idle"


async def test_interrupt_resume_by_id(sdk: LangGraphClient) -> None:
    thread_id = (await sdk.threads.create())["thread_id"]
    first = await sdk.runs.wait(thread_id, "parallel", input={})
    pending = {i["value"]["question"]: i["id"] for i in first["__interrupt__"]}
    assert set(pending) == {"a?", "b?"}

    one = await sdk.runs.wait(thread_id, "parallel", command={"resume": {pending["a?"]: "A"}})
    assert [i["id"] for i in one["__interrupt__"]] == [pending["b?"]]
    two = await sdk.runs.wait(thread_id, "parallel", command={"resume": {pending["b?"]: "B"}})
    assert sorted(two["answers"]) == ["A", "B"] and two["n"] == 2 and "__interrupt__" not in two


async def test_interrupt_before_and_goto(sdk: LangGraphClient) -> None:
    thread_id = (await sdk.threads.create())["thread_id"]
    await sdk.runs.wait(thread_id, "steps", input={"n": 0}, interrupt_before=["s2"])
    state = await sdk.threads.get_state(thread_id)
    assert state["next"] == ["s2"] and state["values"]["trail"] == ["s1"]
    resumed = await sdk.runs.wait(thread_id, "steps", input=None)
    assert resumed["trail"] == ["s1", "s2", "s3"]
    jumped = await sdk.runs.wait(thread_id, "steps", command={"goto": "s3", "update": {"n": 50}})
    assert jumped["n"] == 51 and jumped["trail"][-1] == "s3"


async def test_durability_context_and_after_seconds(sdk: LangGraphClient) -> None:
    thread_id = (await sdk.threads.create())["thread_id"]
    values = await sdk.runs.wait(
        thread_id, "steps", input={"n": 0}, durability="exit", context={"user": "u"}, after_seconds=0
    )
    assert values["n"] == 3
    # With durability "exit" only the final checkpoint of the run is written.
    assert len(await sdk.threads.get_history(thread_id, limit=100)) < 5


async def test_wait_heartbeats_do_not_break_the_sdk(sdk: LangGraphClient) -> None:
    key, config = _gate_config()
    thread_id = (await sdk.threads.create())["thread_id"]
    waiting = asyncio.ensure_future(sdk.runs.wait(thread_id, "gated", input={"n": 0}, config=config))
    await started(key).wait()
    gate(key).set()
    assert (await waiting)["n"] == 3
