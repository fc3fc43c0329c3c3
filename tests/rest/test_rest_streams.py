"""SSE over HTTP with ``langgraph-sdk``: stream modes, subgraphs, event ids, Last-Event-ID resumption,
heartbeats, on_disconnect=cancel, and RemoteGraph as a node of a local graph."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from gates import gate, started
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import START, StateGraph
from langgraph.pregel.remote import RemoteGraph
from langgraph_sdk.client import LangGraphClient
from langgraph_sdk.schema import StreamPart

from gateway.rest import GatewaySettings, create_app
from portico.serve import Deployment


async def _collect(stream: Any, limit: int | None = None) -> list[StreamPart]:
    parts: list[StreamPart] = []
    async for part in stream:
        parts.append(part)
        if limit is not None and len(parts) >= limit:
            break
    await stream.aclose()
    return parts


async def test_every_stream_mode(sdk: LangGraphClient) -> None:
    thread_id = (await sdk.threads.create())["thread_id"]
    modes = ["values", "updates", "custom", "debug", "tasks", "checkpoints"]
    parts = await _collect(sdk.runs.stream(thread_id, "nested", input={"n": 0}, stream_mode=modes))
    assert parts[0].event == "metadata"
    assert set(parts[0].data) >= {"run_id", "attempt"} and parts[0].data["attempt"] == 1
    assert {p.event for p in parts} == {"metadata", *modes} - {
        "custom"
    }  # custom is emitted inside the subgraph
    ids = [int(p.id) for p in parts]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)  # every event carries the core's seq
    assert parts[-1].event in ("values", "checkpoints", "debug", "tasks")
    values = [p.data for p in parts if p.event == "values"]
    assert values[-1]["n"] == 2

    sub = await _collect(
        sdk.runs.stream(
            thread_id, "nested", input={"n": 0}, stream_mode=["custom", "updates"], stream_subgraphs=True
        )
    )
    names = [p.event for p in sub]
    assert any(n.startswith("custom|child:") for n in names)
    assert any(n.startswith("updates|child:") for n in names) and "updates" in names
    custom = next(p for p in sub if p.event.startswith("custom|"))
    assert custom.data == {"progress": 50}


async def test_messages_and_messages_tuple(sdk: LangGraphClient) -> None:
    thread_id = (await sdk.threads.create())["thread_id"]
    chat_input = {"messages": [{"role": "user", "content": "hi"}]}
    tuples = await _collect(
        sdk.runs.stream(thread_id, "chat", input=chat_input, stream_mode="messages-tuple")
    )
    chunks = [p.data for p in tuples if p.event == "messages"]
    assert "".join(c[0]["content"] for c in chunks) == "hello there from a scripted model"
    assert chunks[0][1]["langgraph_node"] == "model"

    parts = await _collect(sdk.runs.stream(thread_id, "chat", input=chat_input, stream_mode="messages"))
    names = [p.event for p in parts]
    assert names[:3] == ["metadata", "messages/metadata", "messages/partial"]
    partials = [p.data[0]["content"] for p in parts if p.event == "messages/partial"]
    assert partials[-1] == "hello there from a scripted model"
    assert all(b.startswith(a) for a, b in zip(partials, partials[1:], strict=False))  # accumulated, growing
    assert names.count("messages/metadata") == 1


async def test_last_event_id_resumes_without_loss_or_repeat(sdk: LangGraphClient) -> None:
    thread_id = (await sdk.threads.create())["thread_id"]
    stream = sdk.runs.stream(
        thread_id, "steps20", input={"n": 0}, stream_mode=["updates", "values"], stream_resumable=True
    )
    head = await _collect(stream, limit=7)  # then the caller goes away; the run goes on
    run_id = head[0].data["run_id"]
    tail = await _collect(sdk.runs.join_stream(thread_id, run_id, last_event_id=head[-1].id))
    everything = await _collect(sdk.runs.join_stream(thread_id, run_id))  # finished: replayed from the log
    assert [(p.id, p.event, p.data) for p in head + tail] == [(p.id, p.event, p.data) for p in everything]
    assert everything[-1].data["n"] == 20

    # Subgraph events resume the same way.
    stream = sdk.runs.stream(
        thread_id, "nested", input={"n": 0}, stream_mode=["updates", "custom"], stream_subgraphs=True
    )
    head = await _collect(stream, limit=2)
    rest = await _collect(sdk.runs.join_stream(thread_id, head[0].data["run_id"], last_event_id=head[-1].id))
    full = await _collect(sdk.runs.join_stream(thread_id, head[0].data["run_id"]))
    assert [p.id for p in head + rest] == [p.id for p in full]
    assert any("|" in p.event for p in rest + head)


async def test_resumed_messages_stream_keeps_accumulating(sdk: LangGraphClient) -> None:
    thread_id = (await sdk.threads.create())["thread_id"]
    chat_input = {"messages": [{"role": "user", "content": "hi"}]}
    head = await _collect(
        sdk.runs.stream(thread_id, "chat", input=chat_input, stream_mode="messages"), limit=3
    )
    assert head[-1].event == "messages/partial" and head[-1].data[0]["content"] == "hello"
    tail = await _collect(
        sdk.runs.join_stream(
            thread_id, head[0].data["run_id"], last_event_id=head[-1].id, stream_mode="messages"
        )
    )
    assert tail[0].data[0]["content"] == "hello "  # not just " ": the accumulator was replayed
    assert (
        [p for p in tail if p.event == "messages/partial"][-1].data[0]["content"].endswith("scripted model")
    )


async def test_join_without_modes_renders_as_the_creator_asked(sdk: LangGraphClient) -> None:
    # What langgraph-sdk does on its own when a stream is cut: GET the `Location`, no stream_mode.
    thread_id = (await sdk.threads.create())["thread_id"]
    chat_input = {"messages": [{"role": "user", "content": "hi"}]}
    head = await _collect(
        sdk.runs.stream(thread_id, "chat", input=chat_input, stream_mode="messages"), limit=3
    )
    tail = await _collect(sdk.runs.join_stream(thread_id, head[0].data["run_id"], last_event_id=head[-1].id))
    assert tail[0].event == "messages/partial" and tail[0].data[0]["content"] == "hello "


async def test_thread_join_stream(sdk: LangGraphClient) -> None:
    thread_id = (await sdk.threads.create())["thread_id"]
    first = await _collect(sdk.runs.stream(thread_id, "steps", input={"n": 0}, stream_mode="updates"))
    second = await _collect(sdk.runs.stream(thread_id, "steps", input={"n": 0}, stream_mode="values"))
    last_id = second[-1].id
    joined: list[StreamPart] = []
    stream = await sdk.threads.join_stream(thread_id, last_event_id=first[-1].id)
    async for part in stream:  # a thread stream stays open: stop once the last known event arrived
        joined.append(part)
        if part.id == last_id:
            break
    await stream.aclose()
    assert [(p.id, p.event) for p in joined] == [(p.id, p.event) for p in second]


async def test_on_disconnect_cancel_stops_the_run(sdk: LangGraphClient) -> None:
    key = f"g-{uuid.uuid4()}"
    thread_id = (await sdk.threads.create())["thread_id"]
    stream = sdk.runs.stream(
        thread_id,
        "gated",
        input={"n": 0},
        config={"configurable": {"gate": key}},
        stream_mode="updates",
        on_disconnect="cancel",
    )
    first = await anext(stream)
    await started(key).wait()
    await stream.aclose()  # the caller goes away mid-run
    run_id = first.data["run_id"]
    await sdk.runs.join(thread_id, run_id)
    assert (await sdk.runs.get(thread_id, run_id))["status"] == "interrupted"

    # on_disconnect=continue (the default) leaves the run going.
    key2 = f"g-{uuid.uuid4()}"
    stream = sdk.runs.stream(thread_id, "gated", input={"n": 0}, config={"configurable": {"gate": key2}})
    first = await anext(stream)
    await started(key2).wait()
    await stream.aclose()
    gate(key2).set()
    await sdk.runs.join(thread_id, first.data["run_id"])
    assert (await sdk.runs.get(thread_id, first.data["run_id"]))["status"] == "success"


async def test_join_stream_cancel_on_disconnect(sdk: LangGraphClient) -> None:
    key = f"g-{uuid.uuid4()}"
    thread_id = (await sdk.threads.create())["thread_id"]
    run = await sdk.runs.create(thread_id, "gated", input={}, config={"configurable": {"gate": key}})
    await started(key).wait()
    stream = sdk.runs.join_stream(thread_id, run["run_id"], cancel_on_disconnect=True)
    await anext(stream)
    await stream.aclose()
    await sdk.runs.join(thread_id, run["run_id"])
    assert (await sdk.runs.get(thread_id, run["run_id"]))["status"] == "interrupted"


async def test_idle_streams_get_heartbeats(
    deployment: Deployment, sdk: LangGraphClient, serve_app: Any
) -> None:
    assert deployment.core is not None
    app = create_app(deployment.core.target, settings=GatewaySettings(heartbeat_seconds=0.05))
    key = f"g-{uuid.uuid4()}"
    thread_id = (await sdk.threads.create())["thread_id"]
    body = {
        "assistant_id": "gated",
        "input": {},
        "config": {"configurable": {"gate": key}},
        "stream_mode": "updates",
    }
    lines: list[str] = []
    async with serve_app(app) as url, httpx.AsyncClient(base_url=url) as http:
        async with http.stream("POST", f"/threads/{thread_id}/runs/stream", json=body) as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            assert response.headers["location"].endswith("/stream")
            async for line in response.aiter_lines():
                lines.append(line)
                if line == ": heartbeat":
                    gate(key).set()  # idle while the gated node waits: a heartbeat came, now let it finish
    assert ": heartbeat" in lines
    assert "event: updates" in lines


async def test_remote_graph_as_a_subgraph_node(server: str, sdk: LangGraphClient) -> None:
    remote = RemoteGraph("steps", url=server, api_key=None)
    local = (
        StateGraph(dict)
        .add_node("remote", remote)
        .add_edge(START, "remote")
        .compile(checkpointer=InMemorySaver())
    )
    thread_id = str(uuid.uuid4())
    config = {"configurable": {"thread_id": thread_id}}
    result = await local.ainvoke({"n": 1}, config)
    assert result["n"] == 4 and result["trail"] == ["s1", "s2", "s3"]
    assert (await sdk.threads.get(thread_id))["values"]["n"] == 4  # the remote ran on the same thread id

    # An interrupt inside the remote graph interrupts the local one (RemoteGraph reads it off the stream).
    approval = RemoteGraph("approval", url=server, api_key=None)
    outer = (
        StateGraph(dict)
        .add_node("remote", approval)
        .add_edge(START, "remote")
        .compile(checkpointer=InMemorySaver())
    )
    outer_thread = str(uuid.uuid4())
    paused = await outer.ainvoke({"n": 0}, {"configurable": {"thread_id": outer_thread}})
    assert paused["__interrupt__"][0].value == {"question": "approve?"}
    (remote_run,) = await sdk.runs.list(outer_thread)
    await sdk.runs.join(outer_thread, remote_run["run_id"])  # RemoteGraph stops reading at the interrupt
    assert (await sdk.threads.get(outer_thread))["status"] == "interrupted"
    # The remote thread resumes through the API, as the interrupt's id names it.
    interrupt_id = paused["__interrupt__"][0].id
    done = await sdk.runs.wait(outer_thread, "approval", command={"resume": {interrupt_id: "ok"}})
    assert done["answers"] == ["ok"]
