"""Runs through the core's gRPC API on SQLite and PostgreSQL: lifecycle, streams, interrupts, faults."""

from __future__ import annotations

import asyncio
import uuid

import gates
import grpc
import pytest

from clients.grpc import PorticoClient


def _gate() -> str:
    return f"g-{uuid.uuid4()}"


async def _events(client: PorticoClient, run_id: str, after: int = 0) -> list[dict]:
    return [e async for e in client.runs.stream(run_id, after_seq=after)]


async def test_run_to_success_records_values_and_thread_status(client: PorticoClient) -> None:
    thread = await client.threads.create(metadata={"owner": "t"})
    result = await client.runs.wait(thread_id=thread["thread_id"], assistant_id="steps", input={"n": 10})
    assert result["run"]["status"] == "success"
    assert result["values"] == {"n": 13, "trail": ["s1", "s2", "s3"]}
    thread = await client.threads.get(thread["thread_id"])
    assert thread["status"] == "idle"
    assert thread["values"]["n"] == 13
    state = await client.threads.get_state(thread["thread_id"])
    assert state["values"]["n"] == 13 and state["next"] == []


async def test_stream_replays_from_any_seq_without_loss_or_repeat(client: PorticoClient) -> None:
    thread = await client.threads.create()
    run = await client.runs.create(
        thread_id=thread["thread_id"], assistant_id="steps", input={"n": 0}, stream_mode=["values", "updates"]
    )
    full = await _events(client, run["run_id"])
    names = [e["event"] for e in full]
    assert names[0] == "metadata"
    assert names.count("updates") == 3 and names.count("values") == 4
    seqs = [e["seq"] for e in full]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    for cut in range(len(full)):
        tail = await _events(client, run["run_id"], after=full[cut]["seq"])
        assert [e["seq"] for e in tail] == seqs[cut + 1 :]
    assert full[-1]["data"] == {"n": 3, "trail": ["s1", "s2", "s3"]}


async def test_live_stream_follows_a_running_run(client: PorticoClient) -> None:
    g = _gate()
    thread = await client.threads.create()
    run = await client.runs.create(
        thread_id=thread["thread_id"],
        assistant_id="gated",
        input={},
        config={"configurable": {"gate": g}},
        stream_mode=["updates"],
    )
    seen: list[str] = []

    async def follow() -> None:
        async for event in client.runs.stream(run["run_id"]):
            seen.append(event["event"])
            if event["event"] == "updates" and "first" in event["data"]:
                gates.gate(g).set()

    await asyncio.wait_for(follow(), 30)
    assert seen == ["metadata", "updates", "updates", "updates"]


async def test_interrupt_then_resume_by_value(client: PorticoClient) -> None:
    thread = await client.threads.create()
    tid = thread["thread_id"]
    first = await client.runs.wait(thread_id=tid, assistant_id="approval", input={})
    assert first["run"]["status"] == "interrupted"
    thread = await client.threads.get(tid)
    assert thread["status"] == "interrupted"
    [(task_id, [pending])] = thread["interrupts"].items()
    assert pending["value"] == {"question": "approve?"}
    # The graph's schema for the answer travels with the interrupt (MCP renders it as the question's form).
    assert pending["response_schema"] == {"type": "string", "description": "yes or no"}
    state = await client.threads.get_state(tid)
    assert state["interrupts"][0]["response_schema"] == pending["response_schema"]
    second = await client.runs.wait(thread_id=tid, assistant_id="approval", command={"resume": "yes"})
    assert second["run"]["status"] == "success"
    assert second["values"]["answers"] == ["yes"]
    assert (await client.threads.get(tid))["status"] == "idle"


async def test_parallel_interrupts_resumed_one_at_a_time_and_together(client: PorticoClient) -> None:
    tid = (await client.threads.create())["thread_id"]
    await client.runs.wait(thread_id=tid, assistant_id="parallel", input={})
    interrupts = [i for group in (await client.threads.get(tid))["interrupts"].values() for i in group]
    assert sorted(i["value"]["question"] for i in interrupts) == ["a?", "b?"]
    by_q = {i["value"]["question"]: i["id"] for i in interrupts}
    one = await client.runs.wait(
        thread_id=tid, assistant_id="parallel", command={"resume": {by_q["a?"]: "A"}}
    )
    assert one["run"]["status"] == "interrupted"
    left = [i for group in (await client.threads.get(tid))["interrupts"].values() for i in group]
    assert [i["value"]["question"] for i in left] == ["b?"]
    two = await client.runs.wait(
        thread_id=tid, assistant_id="parallel", command={"resume": {left[0]["id"]: "B"}}
    )
    assert two["run"]["status"] == "success"
    assert sorted(two["values"]["answers"]) == ["A", "B"]

    tid2 = (await client.threads.create())["thread_id"]
    await client.runs.wait(thread_id=tid2, assistant_id="parallel", input={})
    both = {
        i["id"]: i["value"]["question"].upper()[0]
        for g in (await client.threads.get(tid2))["interrupts"].values()
        for i in g
    }
    done = await client.runs.wait(thread_id=tid2, assistant_id="parallel", command={"resume": both})
    assert done["run"]["status"] == "success" and sorted(done["values"]["answers"]) == ["A", "B"]


async def test_node_error_fails_the_run_not_the_server(client: PorticoClient) -> None:
    tid = (await client.threads.create())["thread_id"]
    result = await client.runs.wait(thread_id=tid, assistant_id="failing", input={}, stream_mode=["updates"])
    assert result["run"]["status"] == "error"
    assert result["run"]["error"] == {"error": "ValueError", "message": "boom: the node failed on purpose"}
    assert (await client.threads.get(tid))["status"] == "error"
    events = await _events(client, result["run"]["run_id"])
    assert events[-1]["event"] == "error" and events[-1]["data"]["error"] == "ValueError"
    ok = await client.runs.wait(thread_id=tid, assistant_id="steps", input={"n": 0})
    assert ok["run"]["status"] == "success"


async def test_cancel_interrupts_a_running_run_and_keeps_progress(client: PorticoClient) -> None:
    g = _gate()
    tid = (await client.threads.create())["thread_id"]
    run = await client.runs.create(
        thread_id=tid, assistant_id="gated", input={}, config={"configurable": {"gate": g}}, durability="sync"
    )
    await asyncio.wait_for(gates.started(g).wait(), 30)
    cancelled = await client.runs.cancel(run["run_id"], thread_id=tid, wait=True)
    assert cancelled["status"] == "interrupted"
    state = await client.threads.get_state(tid)
    assert state["values"]["trail"] == ["after"] and state["next"] == ["gated"]


async def test_timeout_marks_the_run(client: PorticoClient) -> None:
    tid = (await client.threads.create())["thread_id"]
    result = await client.runs.wait(
        thread_id=tid,
        assistant_id="gated",
        input={},
        config={"configurable": {"gate": _gate()}},
        timeout_seconds=0.3,
    )
    assert result["run"]["status"] == "timeout"
    assert result["run"]["error"]["error"] == "TimeoutError"


async def test_multitask_reject(client: PorticoClient) -> None:
    g = _gate()
    tid = (await client.threads.create())["thread_id"]
    first = await client.runs.create(
        thread_id=tid, assistant_id="gated", input={}, config={"configurable": {"gate": g}}
    )
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await client.runs.create(thread_id=tid, assistant_id="steps", input={}, multitask_strategy="reject")
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    gates.gate(g).set()
    assert (await client.runs.join(first["run_id"]))["run"]["status"] == "success"


async def test_multitask_enqueue_runs_in_order(client: PorticoClient) -> None:
    g = _gate()
    tid = (await client.threads.create())["thread_id"]
    first = await client.runs.create(
        thread_id=tid, assistant_id="gated", input={"n": 0}, config={"configurable": {"gate": g}}
    )
    second = await client.runs.create(
        thread_id=tid, assistant_id="steps", input={"n": 100}, multitask_strategy="enqueue"
    )
    await asyncio.wait_for(gates.started(g).wait(), 30)
    assert (await client.runs.get(second["run_id"]))["status"] == "pending"
    gates.gate(g).set()
    done = await client.runs.join(second["run_id"])
    assert (await client.runs.get(first["run_id"]))["status"] == "success"
    assert done["run"]["status"] == "success"
    # The queued run started after the first one ended, on its final state.
    assert done["values"]["trail"] == ["after", "gated", "after", "s1", "s2", "s3"]


async def test_multitask_interrupt_keeps_progress_and_runs_the_new_one(client: PorticoClient) -> None:
    g = _gate()
    tid = (await client.threads.create())["thread_id"]
    first = await client.runs.create(
        thread_id=tid,
        assistant_id="gated",
        input={"n": 0},
        config={"configurable": {"gate": g}},
        durability="sync",
    )
    await asyncio.wait_for(gates.started(g).wait(), 30)
    second = await client.runs.create(
        thread_id=tid, assistant_id="steps", input={"n": 100}, multitask_strategy="interrupt"
    )
    done = await client.runs.join(second["run_id"])
    assert (await client.runs.get(first["run_id"]))["status"] == "interrupted"
    assert done["run"]["status"] == "success"
    assert done["values"]["trail"][0] == "after"  # the interrupted run's first step was kept
    assert done["values"]["n"] == 103


async def test_multitask_rollback_removes_the_old_run_and_its_checkpoints(client: PorticoClient) -> None:
    tid = (await client.threads.create())["thread_id"]
    await client.runs.wait(
        thread_id=tid,
        assistant_id="gated",
        input={"n": 0},
        config={"configurable": {"gate": "open-" + _gate()}},
        timeout_seconds=0.2,
    )
    before = await client.threads.get_history(tid, limit=100)
    g = _gate()
    first = await client.runs.create(
        thread_id=tid,
        assistant_id="gated",
        input={"n": 50},
        config={"configurable": {"gate": g}},
        durability="sync",
    )
    await asyncio.wait_for(gates.started(g).wait(), 30)
    second = await client.runs.create(
        thread_id=tid, assistant_id="steps", input={"n": 7}, multitask_strategy="rollback"
    )
    done = await client.runs.join(second["run_id"])
    assert done["run"]["status"] == "success"
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await client.runs.get(first["run_id"])
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    history = await client.threads.get_history(tid, limit=100)
    run_ids = {h["metadata"].get("run_id") for h in history}
    assert first["run_id"] not in run_ids
    assert {h["checkpoint"]["checkpoint_id"] for h in before} <= {
        h["checkpoint"]["checkpoint_id"] for h in history
    }


async def test_time_travel_forks_from_a_past_checkpoint(client: PorticoClient) -> None:
    tid = (await client.threads.create())["thread_id"]
    await client.runs.wait(thread_id=tid, assistant_id="steps", input={"n": 0}, durability="sync")
    history = await client.threads.get_history(tid, limit=100)
    after_s1 = next(h for h in history if h["next"] == ["s2"])
    fork = await client.runs.wait(
        thread_id=tid,
        assistant_id="steps",
        input=None,
        checkpoint={"checkpoint_id": after_s1["checkpoint"]["checkpoint_id"]},
    )
    assert fork["values"] == {"n": 3, "trail": ["s1", "s2", "s3"]}
    new_history = await client.threads.get_history(tid, limit=100)
    # s2 and s3 ran again on a new branch; the original branch's checkpoints are all still there.
    assert len(new_history) >= len(history) + 2
    assert {h["checkpoint"]["checkpoint_id"] for h in history} <= {
        h["checkpoint"]["checkpoint_id"] for h in new_history
    }
    original = await client.threads.get_state(tid, checkpoint=history[0]["checkpoint"])
    assert original["values"]["n"] == 3 and original["checkpoint"] == history[0]["checkpoint"]
    # A state update forks too.
    cfg = await client.threads.update_state(tid, {"n": 41}, as_node="s3")
    assert (await client.threads.get_state(tid))["values"]["n"] == 41
    assert cfg["checkpoint_id"] != history[0]["checkpoint"]["checkpoint_id"]


async def test_stream_modes_and_subgraphs(client: PorticoClient) -> None:
    tid = (await client.threads.create())["thread_id"]
    run = await client.runs.create(
        thread_id=tid,
        assistant_id="nested",
        input={},
        stream_mode=["updates", "custom", "debug", "tasks", "checkpoints", "values"],
        stream_subgraphs=True,
    )
    events = await _events(client, run["run_id"])
    kinds = {e["event"].split("|")[0] for e in events}
    assert {"metadata", "updates", "custom", "debug", "tasks", "checkpoints", "values"} <= kinds
    sub = [e for e in events if e["event"].startswith("custom|child:")]
    assert sub and sub[0]["data"] == {"progress": 50}

    chat = (await client.threads.create())["thread_id"]
    run = await client.runs.create(
        thread_id=chat,
        assistant_id="chat",
        input={"messages": [{"role": "user", "content": "hi"}]},
        stream_mode=["messages"],
    )
    tokens = [
        e["data"][0]["content"] for e in await _events(client, run["run_id"]) if e["event"] == "messages"
    ]
    assert len(tokens) > 3 and "".join(tokens) == "hello there from a scripted model"


async def test_delayed_and_stateless_runs(client: PorticoClient) -> None:
    tid = (await client.threads.create())["thread_id"]
    delayed = await client.runs.create(thread_id=tid, assistant_id="steps", input={"n": 1}, after_seconds=0.3)
    assert (await client.runs.get(delayed["run_id"]))["status"] == "pending"
    assert (await client.runs.join(delayed["run_id"]))["values"]["n"] == 4

    stateless = await client.runs.wait(assistant_id="steps", input={"n": 5})
    assert stateless["run"]["status"] == "success"
    assert stateless["values"]["n"] == 8
    kept = await client.runs.wait(assistant_id="steps", input={"n": 5}, on_completion="keep")
    assert (await client.threads.get(kept["run"]["thread_id"]))["values"]["n"] == 8


@pytest.mark.parametrize(
    ("fields", "code", "needle"),
    [
        ({"assistant_id": "nope", "input": {}}, grpc.StatusCode.NOT_FOUND, "nope"),
        (
            {"assistant_id": "steps", "thread_id": "missing", "input": {}},
            grpc.StatusCode.NOT_FOUND,
            "missing",
        ),
        ({"assistant_id": "steps", "input": b"{not json"}, grpc.StatusCode.INVALID_ARGUMENT, "input"),
        ({"assistant_id": "steps", "config": [1, 2]}, grpc.StatusCode.INVALID_ARGUMENT, "config"),
        (
            {"assistant_id": "steps", "stream_mode": ["events"]},
            grpc.StatusCode.INVALID_ARGUMENT,
            "stream_mode",
        ),
        (
            {"assistant_id": "steps", "multitask_strategy": "bogus"},
            grpc.StatusCode.INVALID_ARGUMENT,
            "multitask_strategy",
        ),
        ({"assistant_id": "steps", "durability": "never"}, grpc.StatusCode.INVALID_ARGUMENT, "durability"),
        (
            {"assistant_id": "steps", "input": {}, "command": {"resume": 1}},
            grpc.StatusCode.INVALID_ARGUMENT,
            "input",
        ),
        ({"assistant_id": ""}, grpc.StatusCode.INVALID_ARGUMENT, "assistant_id"),
    ],
)
async def test_bad_run_requests_name_the_field(
    client: PorticoClient, fields: dict, code: grpc.StatusCode, needle: str
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await client.runs.create(**fields)
    assert err.value.code() == code
    assert needle in (err.value.details() or "")


async def test_unknown_ids_are_not_found(client: PorticoClient) -> None:
    for call in (
        client.threads.get("missing"),
        client.runs.get("missing"),
        client.assistants.get("missing"),
        client.runs.join("missing"),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await call
        assert err.value.code() == grpc.StatusCode.NOT_FOUND


async def test_state_of_a_thread_paused_before_a_subgraph(client: PorticoClient) -> None:
    tid = (await client.threads.create())["thread_id"]
    result = await client.runs.wait(
        thread_id=tid, assistant_id="nested", input={}, interrupt_before=["child"]
    )
    assert result["run"]["status"] == "interrupted"
    # The pending task is a subgraph: without subgraphs=True its state is the subgraph's config.
    task = (await client.threads.get_state(tid))["tasks"][0]
    assert task["name"] == "child" and task["state"]["configurable"]["checkpoint_ns"].startswith("child:")
    assert (await client.threads.get_state(tid, subgraphs=True))["tasks"][0]["name"] == "child"


async def test_caller_mistakes_langgraph_rejects_are_invalid_argument(client: PorticoClient) -> None:
    tid = (await client.threads.create())["thread_id"]
    await client.runs.wait(thread_id=tid, assistant_id="steps", input={"n": 1})
    for call, needle in (
        (client.threads.update_state(tid, {"n": 1}, as_node="nope"), "nope"),
        (client.threads.get_history(tid, metadata={"a b;": 1}), "metadata"),
        (client.store.search(["docs"], filter={"x y": 1}), "filter"),
        (client.store.put(["langgraph"], "k", {"v": 1}), "langgraph"),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await call
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT, err.value.details()
        assert needle in (err.value.details() or "")
