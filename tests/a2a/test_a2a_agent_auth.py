"""Agent Auth over A2A: a task whose graph needs the user's OAuth token is ``auth-required`` with the
authorization URL; once the user completes the callback the core resumes the thread by itself and the task
follows, to ``completed`` with what the token fetched. ``a2a-sdk`` clients, authenticated as the card
declares, against a deployment with an auth module and a respx-mocked provider (SQLite and PostgreSQL)."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator

import grpc
import httpx
import pytest
from a2a.client import ClientCallContext, ClientConfig, ClientFactory
from a2a.client.auth import AuthInterceptor, CredentialService
from a2a.client.client import Client
from a2a.types.a2a_pb2 import (
    GetTaskRequest,
    Message,
    Part,
    Role,
    SendMessageRequest,
    StreamResponse,
    SubscribeToTaskRequest,
    TaskState,
)
from a2a.utils.errors import TaskNotFoundError, UnsupportedOperationError
from google.protobuf import json_format

from portico.serve import Deployment
from tests.agent_auth.conftest import KEY1, PROJECT, FakeProvider, vault_settings
from tests.agent_auth.conftest import provider as provider  # noqa: PLC0414  # the respx-mocked provider
from tests.auth.conftest import ALICE

S = TaskState


class Token(CredentialService):
    def __init__(self, token: str) -> None:
        self.token = token

    async def get_credentials(
        self, security_scheme_name: str, context: ClientCallContext | None
    ) -> str | None:
        return self.token if security_scheme_name == "bearer" else None


@pytest.fixture
async def served(a2a_database_url: str, provider: FakeProvider) -> AsyncIterator[str]:
    """The Agent Auth project with the tests/auth module (alice and bob), served on free ports."""
    settings = vault_settings(
        a2a_database_url, f"k1:{KEY1}", config_path=str(PROJECT / "langgraph_users.json")
    )
    deployment = Deployment(settings, grpc_port=0, http_port=0)
    await deployment.start()
    try:
        yield f"http://127.0.0.1:{deployment.http_port}"
    finally:
        await deployment.stop()


@contextlib.asynccontextmanager
async def client_as(url: str, binding: str, token: str) -> AsyncIterator[Client]:
    async with httpx.AsyncClient(timeout=30) as http:
        config = ClientConfig(
            streaming=True,
            supported_protocol_bindings=[binding],
            httpx_client=http,
            grpc_channel_factory=grpc.aio.insecure_channel,
        )
        client = await ClientFactory(config).create_from_url(
            url, interceptors=[AuthInterceptor(Token(token))]
        )
        try:
            yield client
        finally:
            with contextlib.suppress(Exception):
                await client.close()


def message(text: str, *, task_id: str = "") -> Message:
    return Message(
        message_id=str(uuid.uuid4()), role=Role.ROLE_USER, parts=[Part(text=text)], task_id=task_id
    )


def states(events: list[StreamResponse]) -> list[int]:
    return [
        e.status_update.status.state if e.HasField("status_update") else e.task.status.state
        for e in events
        if e.HasField("status_update") or e.HasField("task")
    ]


@pytest.mark.parametrize("binding", ["JSONRPC", "HTTP+JSON", "GRPC"])
async def test_auth_required_then_completed_after_the_callback(
    served: str, provider: FakeProvider, binding: str
) -> None:
    card = f"{served}/a2a/profile"
    async with client_as(card, binding, "alice-token") as alice, client_as(card, binding, "bob-token") as bob:
        events = [e async for e in alice.send_message(SendMessageRequest(message=message("who am I there?")))]
        asked = events[-1].status_update
        assert asked.status.state == S.TASK_STATE_AUTH_REQUIRED, states(events)
        text, data = asked.status.message.parts
        request = json_format.MessageToDict(data.data)
        assert request["provider"] == "octo" and request["url"].startswith(
            "https://auth.octo.test/authorize?"
        )
        assert request["url"] in text.text
        task_id = asked.task_id
        got = await alice.get_task(GetTaskRequest(id=task_id))
        assert got.status.state == S.TASK_STATE_AUTH_REQUIRED
        assert json_format.MessageToDict(got.status.message.parts[1].data) == request
        # Only the consent moves it on; and it is Alice's alone.
        with pytest.raises(UnsupportedOperationError):
            async for _ in alice.send_message(SendMessageRequest(message=message("done", task_id=task_id))):
                pass
        with pytest.raises(TaskNotFoundError):
            await bob.get_task(GetTaskRequest(id=task_id))

        # A subscription opened while the task waits follows it through the resume.
        subscription = alice.subscribe(SubscribeToTaskRequest(id=task_id))
        snapshot = await anext(subscription)
        assert snapshot.task.status.state == S.TASK_STATE_AUTH_REQUIRED

        code, state = provider.visit(request["url"])
        async with httpx.AsyncClient(base_url=served) as http:
            done = await http.get(
                "/agent-auth/callback", params={"code": code, "state": state}, headers=ALICE
            )
        assert done.status_code == 200 and done.json()["resumed_runs"] == 1, done.text

        rest = [event async for event in subscription]
        assert states(rest)[0] == S.TASK_STATE_WORKING and states(rest)[-1] == S.TASK_STATE_COMPLETED, rest
        final = rest[-1].status_update
        assert final.task_id == task_id
        artifact = [e.artifact_update.artifact for e in rest if e.HasField("artifact_update")][-1]
        assert json_format.MessageToDict(artifact.parts[0].data)["login"] == "octocat"

        # GetTask agrees: the core's resume run is the task's latest run; the output came from the token.
        task = await alice.get_task(GetTaskRequest(id=task_id))
        assert task.status.state == S.TASK_STATE_COMPLETED
        assert json_format.MessageToDict(task.artifacts[0].parts[0].data)["login"] == "octocat"
        assert len(task.metadata["run_ids"]) == 2
        assert provider.routes["api"].call_count == 1
        with pytest.raises(TaskNotFoundError):
            await bob.get_task(GetTaskRequest(id=task_id))
