"""The REST layer's own logic, without a core: stream-mode mapping, event rendering, SSE framing, run plans."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk
from langgraph_sdk.sse import SSEDecoder

from gateway import _runs
from gateway.rest.bodies import RunCreate
from gateway.rest.errors import ApiError
from gateway.rest.run_requests import modes_of, plan_run
from gateway.rest.sse import encode_event
from gateway.rest.streams import EventRenderer, api_stream_modes, core_stream_modes
from protos import codec


def _tuple(message: object, node: str = "model") -> list[object]:
    return codec.to_jsonable([message, {"langgraph_node": node, "langgraph_step": 1}])


def test_messages_tuple_is_the_raw_core_event() -> None:
    renderer = EventRenderer(["messages-tuple"])
    data = _tuple(AIMessageChunk(content="hel", id="m1"))
    assert renderer.render("messages", data) == [("messages", data)]
    assert renderer.render("messages|child:1", data) == [("messages|child:1", data)]


def test_messages_mode_accumulates_chunks_by_id() -> None:
    renderer = EventRenderer(["messages"])
    first = renderer.render("messages", _tuple(AIMessageChunk(content="hel", id="m1")))
    assert [name for name, _ in first] == ["messages/metadata", "messages/partial"]
    assert first[0][1] == {"m1": {"metadata": {"langgraph_node": "model", "langgraph_step": 1}}}
    assert first[1][1][0]["content"] == "hel" and first[1][1][0]["type"] == "ai"
    second = renderer.render("messages", _tuple(AIMessageChunk(content="lo", id="m1")))
    assert [name for name, _ in second] == ["messages/partial"]
    assert second[0][1][0]["content"] == "hello"
    complete = renderer.render("messages", _tuple(AIMessage(content="done", id="m2")))
    assert [name for name, _ in complete] == ["messages/metadata", "messages/complete"]
    assert complete[1][1][0]["content"] == "done"


def test_both_message_modes_together() -> None:
    renderer = EventRenderer(["messages", "messages-tuple"])
    names = [name for name, _ in renderer.render("messages", _tuple(AIMessageChunk(content="a", id="x")))]
    assert names == ["messages", "messages/metadata", "messages/partial"]


def test_modes_not_asked_for_are_dropped_and_run_events_kept() -> None:
    renderer = EventRenderer(["updates"])
    assert renderer.render("values", {"n": 1}) == []
    assert renderer.render("updates|child:1", {"a": 1}) == [("updates|child:1", {"a": 1})]
    assert renderer.render("metadata", {"run_id": "r"}) == [("metadata", {"run_id": "r"})]
    assert renderer.render("error", {"error": "ValueError"}) == [("error", {"error": "ValueError"})]
    assert renderer.render("end", None) == []


def test_stream_mode_mapping() -> None:
    assert api_stream_modes(None) == ["values"]
    assert api_stream_modes("updates") == ["updates"]
    assert api_stream_modes(["values", "values", "messages"]) == ["values", "messages"]
    assert core_stream_modes(["messages-tuple", "messages", "custom"]) == ["messages", "custom"]
    with pytest.raises(ApiError) as info:
        api_stream_modes(["values", "events"])
    assert info.value.status == 422 and "stream_mode" in info.value.detail


def test_sse_framing_round_trips_through_the_sdk_decoder() -> None:
    decoder = SSEDecoder()
    frame = encode_event("values", {"text": "line\nbreak"}, "7")
    parts = [decoder.decode(line) for line in frame.split(b"\n")]
    part = next(p for p in parts if p is not None)
    assert part.event == "values" and part.data == {"text": "line\nbreak"} and part.id == "7"


def test_plan_maps_every_field_and_refuses_what_it_cannot_honour() -> None:
    body = RunCreate(
        assistant_id="agent",
        input={"x": 1},
        stream_mode=["messages-tuple", "updates"],
        checkpoint_id="c1",
        interrupt_before="*",
        checkpoint_during=False,
        strict_resume=True,
        multitask_strategy="rollback",
        on_disconnect="cancel",
        after_seconds=2,
    )
    plan = plan_run(body, thread_id="t1", kind="stream")
    fields = plan.fields
    assert fields["stream_mode"] == ["messages", "updates"]
    assert fields["requested_stream_mode"] == ["messages-tuple", "updates"]
    assert fields["checkpoint"] == {"checkpoint_id": "c1"}
    assert fields["interrupt_before"] == ["*"]
    assert fields["durability"] == "exit"
    assert fields["config"]["configurable"]["__pregel_strict_resume"] is True
    assert fields["multitask_strategy"] == "rollback" and fields["thread_id"] == "t1"
    assert plan.cancel_on_disconnect
    stateless = plan_run(
        RunCreate(assistant_id="agent", on_completion="keep"), thread_id=None, kind="wait"
    ).fields
    assert stateless["on_completion"] == "keep" and "thread_id" not in stateless

    for bad, field in [
        (RunCreate(assistant_id="a", feedback_keys=["x"]), "feedback_keys"),
        (RunCreate(assistant_id="a", langsmith_tracer={"project_name": "p"}), "langsmith_tracer"),
        (RunCreate(assistant_id="a", input={}, command={"resume": 1}), "command"),
        (RunCreate(assistant_id="a", on_completion="delete"), "on_completion"),
        (RunCreate(assistant_id="a", stream_mode="events"), "stream_mode"),
    ]:
        with pytest.raises(ApiError) as info:
            plan_run(bad, thread_id="t", kind="stream")
        assert info.value.detail.startswith(field), info.value.detail
    with pytest.raises(ApiError):
        plan_run(RunCreate(assistant_id="a", on_disconnect="cancel"), thread_id="t", kind="create")


def test_modes_of_prefers_the_requested_modes() -> None:
    assert modes_of({"kwargs": {"stream_mode": ["messages"], "requested_stream_mode": ["messages"]}}) == [
        "messages"
    ]
    assert modes_of({"kwargs": {"stream_mode": ["messages", "values"]}}) == ["messages-tuple", "values"]


def test_output_of_a_run() -> None:
    interrupted = {
        "run": {"status": "interrupted"},
        "values": {"n": 1},
        "interrupts": {"task": [{"value": {"q": 1}, "id": "i1"}]},
    }
    assert _runs.output_of(interrupted) == {"n": 1, "__interrupt__": [{"value": {"q": 1}, "id": "i1"}]}
    failed = {"run": {"status": "error", "error": {"error": "ValueError", "message": "boom"}}, "values": {}}
    assert _runs.output_of(failed) == {"__error__": {"error": "ValueError", "message": "boom"}}
    assert _runs.output_of({"run": {"status": "success"}, "values": None}) == {}
