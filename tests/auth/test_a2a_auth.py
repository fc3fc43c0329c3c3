"""A2A under the auth module: cards declare how to authenticate, callers without a token get 401, and user B
can neither read, cancel, follow nor continue user A's task (it does not exist for B), over the ``a2a-sdk``
client on each binding; nothing of A's changes."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import grpc
import httpx
import pytest
from a2a.client import ClientCallContext, ClientConfig, ClientFactory
from a2a.client.auth import AuthInterceptor, CredentialService
from a2a.client.client import Client
from a2a.types import a2a_pb2_grpc
from a2a.types.a2a_pb2 import (
    CancelTaskRequest,
    GetExtendedAgentCardRequest,
    GetTaskRequest,
    ListTasksRequest,
    Message,
    Part,
    Role,
    SendMessageRequest,
    SubscribeToTaskRequest,
    TaskState,
)
from a2a.utils.errors import TaskNotFoundError
from google.protobuf import json_format

from tests.auth.conftest import ALICE, BOB

BINDINGS = ["JSONRPC", "HTTP+JSON", "GRPC"]


class BearerToken(CredentialService):
    """One user's token, for whichever bearer scheme the card declares."""

    def __init__(self, token: str) -> None:
        self.token = token

    async def get_credentials(
        self, security_scheme_name: str, context: ClientCallContext | None
    ) -> str | None:
        return self.token if security_scheme_name == "bearer" else None


def message(text: str, *, task_id: str = "") -> Message:
    return Message(
        message_id=str(uuid.uuid4()), role=Role.ROLE_USER, parts=[Part(text=text)], task_id=task_id
    )


@pytest.fixture
async def connect() -> AsyncIterator[Callable[..., Any]]:
    """``await connect(card_url, binding, token)``: a client that authenticates as the card says it must."""
    opened: list[tuple[Client, httpx.AsyncClient]] = []

    async def make(url: str, binding: str, token: str, *, streaming: bool = False) -> Client:
        http = httpx.AsyncClient(timeout=30)
        config = ClientConfig(
            streaming=streaming,
            supported_protocol_bindings=[binding],
            httpx_client=http,
            grpc_channel_factory=grpc.aio.insecure_channel,
        )
        interceptor = AuthInterceptor(BearerToken(token))
        client = await ClientFactory(config).create_from_url(url, interceptors=[interceptor])
        opened.append((client, http))
        return client

    yield make
    for client, http in opened:
        with contextlib.suppress(Exception):
            await client.close()
        await http.aclose()


async def test_cards_declare_the_schemes_and_requests_without_a_token_are_401(base_url: str) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        # Cards stay public: a client reads how to authenticate before it has a token.
        card = (await http.get("/a2a/whoami/.well-known/agent-card.json")).json()
        schemes = card["securitySchemes"]
        assert schemes.keys() == {"bearer", "operatorKey"}
        assert schemes["bearer"]["httpAuthSecurityScheme"]["scheme"] == "Bearer"
        api_key = schemes["operatorKey"]["apiKeySecurityScheme"]
        assert (api_key["location"], api_key["name"]) == ("header", "x-api-key")
        assert card["securityRequirements"] == [
            {"schemes": {"bearer": {}}},
            {"schemes": {"operatorKey": {}}},
        ]
        assert card["capabilities"]["extendedAgentCard"] is True
        assert (await http.get("/.well-known/agent-card.json")).json()["securitySchemes"].keys() == {
            "bearer",
            "operatorKey",
        }

        send = {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "SendMessage",
            "params": {"message": json_format.MessageToDict(message("hi"))},
        }
        headers = {"A2A-Version": "1.0"}
        for path, body in (
            ("/a2a/whoami", send),
            ("/a2a/whoami", {"jsonrpc": "2.0", "id": 2, "method": "GetExtendedAgentCard", "params": {}}),
        ):
            assert (await http.post(path, json=body, headers=headers)).status_code == 401
            wrong = {**headers, "Authorization": "Bearer nope"}
            assert (await http.post(path, json=body, headers=wrong)).status_code == 401
        for method, path in (
            ("POST", "/a2a/whoami/message:send"),
            ("GET", "/a2a/whoami/tasks"),
            ("GET", f"/a2a/whoami/tasks/{uuid.uuid4()}"),
            ("GET", "/a2a/whoami/extendedAgentCard"),
            ("POST", "/message:send"),
            ("GET", "/extendedAgentCard"),
        ):
            answered = await http.request(method, path, json=send["params"], headers=headers)
            assert answered.status_code == 401, (method, path, answered.text)
        assert (await http.get("/a2a")).status_code == 401  # the list of agents is not discovery

        # With a token: the extended card, over both HTTP bindings.
        extended = await http.post(
            "/a2a/whoami",
            json={"jsonrpc": "2.0", "id": 3, "method": "GetExtendedAgentCard", "params": {}},
            headers={**headers, **ALICE},
        )
        assert extended.json()["result"]["name"] == "whoami", extended.text
        rest_card = await http.get("/a2a/whoami/extendedAgentCard", headers={**headers, **ALICE})
        assert rest_card.status_code == 200 and rest_card.json()["securitySchemes"], rest_card.text


@pytest.mark.parametrize("binding", BINDINGS)
async def test_user_b_cannot_reach_user_a_task(base_url: str, connect: Any, binding: str) -> None:
    card = f"{base_url}/a2a/approve"
    alice = await connect(card, binding, "alice-token")
    bob = await connect(card, binding, "bob-token", streaming=True)
    assert (await alice.get_extended_agent_card(GetExtendedAgentCardRequest())).name == "approve"

    # Alice's task waits for her approval; the run acted for her.
    [sent] = [e async for e in alice.send_message(SendMessageRequest(message=message("start")))]
    task = sent.task
    assert task.status.state == TaskState.TASK_STATE_INPUT_REQUIRED
    before = await alice.get_task(GetTaskRequest(id=task.id))
    assert json_format.MessageToDict(before.status.message.parts[0].data) == {"question": "approve?"}

    # Bob: not found, whatever he tries, in the protocol's own error.
    with pytest.raises(TaskNotFoundError):
        await bob.get_task(GetTaskRequest(id=task.id))
    with pytest.raises(TaskNotFoundError):
        await bob.cancel_task(CancelTaskRequest(id=task.id))
    with pytest.raises(TaskNotFoundError):
        async for _ in bob.subscribe(SubscribeToTaskRequest(id=task.id)):
            pass
    with pytest.raises(TaskNotFoundError):
        async for _ in bob.send_message(SendMessageRequest(message=message("yes", task_id=task.id))):
            pass
    assert [t.id for t in (await bob.list_tasks(ListTasksRequest())).tasks] == []
    assert task.id in [t.id for t in (await alice.list_tasks(ListTasksRequest())).tasks]

    # Alice's task is as it was, and still hers to finish.
    after = await alice.get_task(GetTaskRequest(id=task.id))
    assert after.status.state == TaskState.TASK_STATE_INPUT_REQUIRED
    assert len(after.history) == len(before.history) == 1
    [done] = [
        e async for e in alice.send_message(SendMessageRequest(message=message("yes", task_id=task.id)))
    ]
    assert done.task.status.state == TaskState.TASK_STATE_COMPLETED
    result = json_format.MessageToDict(done.task.artifacts[0].parts[0].data)
    assert result == {"user": "alice", "tenant": "acme", "approved": "yes"}


@pytest.mark.parametrize("status", ["JSONRPC", "HTTP+JSON"])
async def test_raw_refusals_have_a2a_error_shapes(base_url: str, status: str) -> None:
    """Bob's refusals as the wire carries them: JSON-RPC's task-not-found code, HTTP+JSON's 404."""
    headers = {"A2A-Version": "1.0"}
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        sent = await http.post(
            "/a2a/whoami",
            json={
                "jsonrpc": "2.0",
                "id": 1,
                "method": "SendMessage",
                "params": {"message": json_format.MessageToDict(message("hi"))},
            },
            headers={**headers, **ALICE},
        )
        task = sent.json()["result"]["task"]
        assert task["status"]["state"] == "TASK_STATE_COMPLETED", task
        if status == "JSONRPC":
            for method, params in (("GetTask", {"id": task["id"]}), ("CancelTask", {"id": task["id"]})):
                answered = await http.post(
                    "/a2a/whoami",
                    json={"jsonrpc": "2.0", "id": 2, "method": method, "params": params},
                    headers={**headers, **BOB},
                )
                assert answered.json()["error"]["code"] == -32001, answered.text
        else:
            got = await http.get(f"/a2a/whoami/tasks/{task['id']}", headers={**headers, **BOB})
            assert got.status_code == 404, got.text
            cancel = await http.post(f"/a2a/whoami/tasks/{task['id']}:cancel", headers={**headers, **BOB})
            assert cancel.status_code == 404, cancel.text
        mine = await http.get(f"/a2a/whoami/tasks/{task['id']}", headers={**headers, **ALICE})
        assert mine.json()["status"]["state"] == "TASK_STATE_COMPLETED"


async def test_grpc_binding_authenticates_the_call_metadata(deployment: Any) -> None:
    """The A2A gRPC binding on the core's port: no or a bad token is UNAUTHENTICATED, a user's token works."""
    assert deployment.core is not None
    request = GetTaskRequest(id=str(uuid.uuid4()), tenant="whoami")
    async with grpc.aio.insecure_channel(deployment.core.target) as channel:
        stub = a2a_pb2_grpc.A2AServiceStub(channel)
        for metadata in ((), (("authorization", "Bearer nope"),)):
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await stub.GetTask(request, metadata=metadata)
            assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
        with pytest.raises(grpc.aio.AioRpcError) as missing:
            await stub.GetTask(request, metadata=(("authorization", "Bearer alice-token"),))
        assert missing.value.code() == grpc.StatusCode.NOT_FOUND  # authenticated: the task just isn't there
