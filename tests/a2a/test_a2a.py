"""One A2A scenario over each binding (JSON-RPC, HTTP+JSON, gRPC), with the ``a2a-sdk`` client against a
real deployment on SQLite and PostgreSQL; then the bindings' raw error codes and the 0.3 layer."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from a2a.client.client import Client
from a2a.types.a2a_pb2 import (
    CancelTaskRequest,
    GetTaskRequest,
    ListTaskPushNotificationConfigsRequest,
    ListTasksRequest,
    Message,
    Part,
    Role,
    SendMessageConfiguration,
    SendMessageRequest,
    StreamResponse,
    SubscribeToTaskRequest,
    Task,
    TaskPushNotificationConfig,
    TaskState,
)
from a2a.utils.errors import TaskNotFoundError, UnsupportedOperationError
from gates import GATES, STARTED, gate, started  # type: ignore[import-not-found]
from google.protobuf import json_format

S = TaskState
BINDINGS = ["JSONRPC", "HTTP+JSON", "GRPC"]


def message(text: str | None = None, *, data: Any = None, task_id: str = "", context_id: str = "") -> Message:
    parts = []
    if text is not None:
        parts.append(Part(text=text))
    if data is not None:
        part = Part()
        part.data.CopyFrom(json_format.ParseDict(data, part.data))
        parts.append(part)
    return Message(
        message_id=str(uuid.uuid4()), role=Role.ROLE_USER, parts=parts, task_id=task_id, context_id=context_id
    )


async def collect(client: Client, request: SendMessageRequest) -> list[StreamResponse]:
    return [event async for event in client.send_message(request)]


async def send(client: Client, msg: Message, **config: Any) -> Task:
    """A non-streaming SendMessage (blocking unless ``return_immediately``); its task."""
    [response] = await collect(
        client, SendMessageRequest(message=msg, configuration=SendMessageConfiguration(**config))
    )
    assert response.HasField("task"), response
    return response.task


def final_state(events: list[StreamResponse]) -> int:
    updates = [e.status_update for e in events if e.HasField("status_update")]
    return updates[-1].status.state


def data_of(part: Part) -> Any:
    return json_format.MessageToDict(part.data)


def pushed_status(body: dict[str, Any], task_id: str) -> dict[str, Any]:
    """The task status a push notification carries (a whole task, or a status update), if it is ``task_id``'s."""
    if body.get("task", {}).get("id") == task_id:
        return body["task"]["status"]
    if body.get("statusUpdate", {}).get("taskId") == task_id:
        return body["statusUpdate"]["status"]
    return {}


def reset_gates() -> None:
    GATES.clear()
    STARTED.clear()


@pytest.mark.parametrize("binding", BINDINGS)
async def test_a2a_over_each_binding(server: Any, connect: Any, receiver: Any, binding: str) -> None:
    """Fixtures: ``server`` (a restartable deployment), ``connect`` (SDK clients from cards), ``receiver`` (push)."""
    reset_gates()
    # Discovery: the default assistant's card at the domain root; every URL a card advertises answers.
    async with httpx.AsyncClient(timeout=30) as http:
        root = (await http.get(f"{server.url}/.well-known/agent-card.json")).json()
        assert (
            root["name"] == "steps"
            and root["capabilities"]["streaming"]
            and root["capabilities"]["pushNotifications"]
        )
        assert "securitySchemes" not in root and "securityRequirements" not in root  # no auth module here
        bindings = {i["protocolBinding"] for i in root["supportedInterfaces"]}
        assert bindings == {"JSONRPC", "HTTP+JSON", "GRPC"}
        assert all("127.0.0.1" in i["url"] for i in root["supportedInterfaces"])  # from the request's Host
        listed = (await http.get(f"{server.url}/a2a")).json()["agents"]
        assert {a["card"]["name"] for a in listed} >= {"chat", "approval", "gated", "steps"}
        for entry in listed:
            assert (await http.get(entry["url"])).status_code == 200
        for interface in root["supportedInterfaces"]:
            if interface["protocolBinding"] == "HTTP+JSON" and interface["protocolVersion"] == "1.0":
                answered = await http.get(f"{interface['url']}/tasks", headers={"A2A-Version": "1.0"})
                assert answered.status_code == 200, answered.text
        proxied = (
            await http.get(
                f"{server.url}/a2a/chat/.well-known/agent-card.json", headers={"host": "agents.example:8443"}
            )
        ).json()
        assert proxied["supportedInterfaces"][0]["url"] == "http://agents.example:8443/a2a/chat"

    # The default assistant, found from the host alone; a graph without `messages` gets data in, data out.
    steps = await connect(server.url, binding, streaming=False)
    done = await send(steps, message("go", data={"n": 10}))
    assert done.status.state == S.TASK_STATE_COMPLETED
    assert data_of(done.artifacts[0].parts[0]) == {"n": 13, "trail": ["s1", "s2", "s3"]}

    # SendMessage, blocking: a chat graph gets a human message; its reply is the artifact and the final message.
    chat = await connect(f"{server.url}/a2a/chat", binding, streaming=False)
    task = await send(chat, message("hello", context_id="conversation one"))
    assert task.status.state == S.TASK_STATE_COMPLETED
    assert task.context_id == "conversation one"
    assert task.artifacts[0].parts[0].text == "hello there from a scripted model"
    assert task.status.message.role == Role.ROLE_AGENT and task.status.message.parts[0].text.startswith(
        "hello there"
    )
    # GetTask, with historyLength.
    got = await chat.get_task(GetTaskRequest(id=task.id))
    assert [m.parts[0].text for m in got.history] == ["hello"] and got.history[0].task_id == task.id
    assert len((await chat.get_task(GetTaskRequest(id=task.id, history_length=0))).history) == 0
    # The same non-UUID contextId finds the same thread: the second turn sees the first.
    again = await send(chat, message("and again", context_id="conversation one"))
    assert again.metadata["thread_id"] == task.metadata["thread_id"]
    listed_tasks = await chat.list_tasks(ListTasksRequest(context_id="conversation one"))
    assert {t.id for t in listed_tasks.tasks} == {task.id, again.id}

    # SendMessage, non-blocking, with a push config: the receiver hears the task complete.
    pushed = await send(
        chat,
        message("push me", context_id=task.context_id),
        return_immediately=True,
        task_push_notification_config=TaskPushNotificationConfig(url=receiver.url, token="secret-token"),
    )
    assert pushed.status.state in (S.TASK_STATE_SUBMITTED, S.TASK_STATE_WORKING, S.TASK_STATE_COMPLETED)
    body = await receiver.wait_for(
        lambda b: pushed_status(b, pushed.id).get("state") == "TASK_STATE_COMPLETED"
    )
    assert pushed_status(body, pushed.id)["message"]["parts"][0]["text"].startswith("hello there")
    assert receiver.headers[-1]["x-a2a-notification-token"] == "secret-token"
    configs = await chat.list_task_push_notification_configs(
        ListTaskPushNotificationConfigsRequest(task_id=pushed.id)
    )
    assert [c.url for c in configs.configs] == [receiver.url]

    # Unknown task: the protocol's error.
    with pytest.raises(TaskNotFoundError):
        await chat.get_task(GetTaskRequest(id=str(uuid.uuid4())))

    # interrupt() → input-required with the interrupt's value; the next message on the task resumes it.
    approval = await connect(f"{server.url}/a2a/approval", binding)
    events = await collect(approval, SendMessageRequest(message=message("start")))
    asked = events[-1].status_update
    assert asked.status.state == S.TASK_STATE_INPUT_REQUIRED
    assert data_of(asked.status.message.parts[0]) == {"question": "approve?"}
    events = await collect(approval, SendMessageRequest(message=message("yes", task_id=asked.task_id)))
    assert final_state(events) == S.TASK_STATE_COMPLETED
    artifact = [e.artifact_update.artifact for e in events if e.HasField("artifact_update")][-1]
    assert data_of(artifact.parts[0])["answers"] == ["yes"]
    history = (await approval.get_task(GetTaskRequest(id=asked.task_id))).history
    assert [m.role for m in history] == [Role.ROLE_USER, Role.ROLE_AGENT, Role.ROLE_USER]
    # A message to a finished task gets the protocol's error, not a new silent task.
    with pytest.raises(UnsupportedOperationError):
        await collect(approval, SendMessageRequest(message=message("more", task_id=asked.task_id)))
    # A task waiting for input can be cancelled.
    events = await collect(approval, SendMessageRequest(message=message("start again")))
    waiting = events[-1].status_update.task_id
    assert (await approval.cancel_task(CancelTaskRequest(id=waiting))).status.state == S.TASK_STATE_CANCELED

    # Streaming, a dropped stream, then SubscribeToTask: everything after the drop arrives.
    gated = await connect(f"{server.url}/a2a/gated", binding)
    stream = gated.send_message(SendMessageRequest(message=message("wait for the gate")))
    first = await anext(stream)
    task_id = first.task.id
    assert first.task.status.state in (S.TASK_STATE_SUBMITTED, S.TASK_STATE_WORKING)
    await started("default").wait()
    await stream.aclose()  # the client goes away; the task goes on
    resubscribed = gated.subscribe(SubscribeToTaskRequest(id=task_id))
    snapshot = await anext(resubscribed)
    assert snapshot.task.id == task_id and snapshot.task.status.state == S.TASK_STATE_WORKING
    gate("default").set()
    rest = [event async for event in resubscribed]
    assert final_state(rest) == S.TASK_STATE_COMPLETED
    assert data_of(rest[-2].artifact_update.artifact.parts[0])["trail"] == ["after", "gated", "after"]
    with pytest.raises(UnsupportedOperationError):  # nothing further to stream from a finished task
        await anext(gated.subscribe(SubscribeToTaskRequest(id=task_id)))

    # CancelTask while the task works.
    reset_gates()
    working = await send(
        await connect(f"{server.url}/a2a/gated", binding, streaming=False),
        message("x"),
        return_immediately=True,
    )
    await started("default").wait()
    canceled = await gated.cancel_task(CancelTaskRequest(id=working.id))
    assert canceled.status.state == S.TASK_STATE_CANCELED
    gate("default").set()

    # A restart keeps every task.
    await server.restart()
    chat = await connect(f"{server.url}/a2a/chat", binding, streaming=False)
    kept = await chat.get_task(GetTaskRequest(id=task.id))
    assert kept.status.state == S.TASK_STATE_COMPLETED and kept.artifacts[0].parts[0].text.startswith(
        "hello there"
    )
    gated = await connect(f"{server.url}/a2a/gated", binding, streaming=False)
    assert (await gated.get_task(GetTaskRequest(id=canceled.id))).status.state == S.TASK_STATE_CANCELED


async def test_jsonrpc_errors_and_the_03_layer(server: Any) -> None:
    endpoint = f"{server.url}/a2a/chat"
    v1 = {"A2A-Version": "1.0"}
    async with httpx.AsyncClient(timeout=30) as http:
        parse = (await http.post(endpoint, content=b"{not json", headers=v1)).json()
        assert parse["error"]["code"] == -32700
        invalid = (
            await http.post(
                endpoint,
                json={"jsonrpc": "2.0", "id": 1, "method": "SendMessage", "params": {"message": 7}},
                headers=v1,
            )
        ).json()
        assert invalid["error"]["code"] == -32602
        unknown = (
            await http.post(
                endpoint,
                json={"jsonrpc": "2.0", "id": 2, "method": "GetTask", "params": {"id": str(uuid.uuid4())}},
                headers=v1,
            )
        ).json()
        assert unknown["error"]["code"] == -32001
        missing = (
            await http.post(
                endpoint, json={"jsonrpc": "2.0", "id": 3, "method": "NoSuchMethod", "params": {}}, headers=v1
            )
        ).json()
        assert missing["error"]["code"] == -32601
        # No A2A-Version header means 0.3, as the SDK does: 1.0 methods are refused, 0.3 ones answered.
        old = (
            await http.post(
                endpoint, json={"jsonrpc": "2.0", "id": 4, "method": "GetTask", "params": {"id": "x"}}
            )
        ).json()
        assert old["error"]["code"] == -32009
        sent = (
            await http.post(
                endpoint,
                json={
                    "jsonrpc": "2.0",
                    "id": 5,
                    "method": "message/send",
                    "params": {
                        "message": {
                            "messageId": str(uuid.uuid4()),
                            "role": "user",
                            "kind": "message",
                            "parts": [{"kind": "text", "text": "hi"}],
                        }
                    },
                },
            )
        ).json()
        assert sent["result"]["status"]["state"] == "completed", sent
        fetched = (
            await http.post(
                endpoint,
                json={
                    "jsonrpc": "2.0",
                    "id": 6,
                    "method": "tasks/get",
                    "params": {"id": sent["result"]["id"]},
                },
            )
        ).json()
        assert fetched["result"]["artifacts"][0]["parts"][0]["text"] == "hello there from a scripted model"
