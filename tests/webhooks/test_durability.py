"""A delivery survives kill -9 of the server: between the run's end and the send, and in the middle of it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from standardwebhooks.webhooks import Webhook
from starlette.requests import Request
from starlette.responses import Response

from clients.grpc import PorticoClient
from tests.core.conftest import ServerProcess, free_port
from tests.webhooks.conftest import SECRET, Receiver, eventually

pytestmark = pytest.mark.slow


@pytest.fixture
def spawn(tmp_path: Path) -> Iterator[Callable[[str], ServerProcess]]:
    started: list[ServerProcess] = []

    def make(database_url: str) -> ServerProcess:
        server = ServerProcess(database_url, free_port(), tmp_path)
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture
def webhook_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name, value in {
        "PORTICO_WEBHOOK_ALLOW_HTTP": "1",
        "PORTICO_WEBHOOK_ALLOW_LOOPBACK": "1",
        "PORTICO_WEBHOOK_SECRETS": SECRET,
        "PORTICO_WEBHOOK_TIMEOUT": "1",
        "PORTICO_WEBHOOK_SCHEDULE": "0,0.2,0.2,0.2",
    }.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


async def test_kill_9_after_the_run_ended_then_delivered_after_restart(
    database_url: str, receiver: Receiver, spawn, webhook_env: pytest.MonkeyPatch
) -> None:
    webhook_env.setenv("PORTICO_WEBHOOK_DISPATCHER", "0")  # the run ends; nothing sends its webhook yet
    server = spawn(database_url)
    await server.start()
    async with PorticoClient.connect(server.target) as client:
        result = await client.runs.wait(assistant_id="steps", input={"n": 1}, webhook=receiver.url)
        run_id = result["run"]["run_id"]
        [pending] = await client.webhooks.list(run_id=run_id)
        assert pending["status"] == "pending" and pending["attempts"] == 0
    server.kill()
    assert receiver.hits == []

    webhook_env.setenv("PORTICO_WEBHOOK_DISPATCHER", "1")
    restarted = spawn(database_url)
    await restarted.start()
    [hit] = await receiver.wait_for(1)
    payload = Webhook(SECRET).verify(hit.body, hit.headers)
    assert payload["run_id"] == run_id and payload["status"] == "success" and payload["values"]["n"] == 4
    assert hit.headers["webhook-id"] == f"run_{run_id}"


async def test_kill_9_during_an_attempt_is_sent_again_with_the_same_id(
    database_url: str, receiver: Receiver, spawn, webhook_env: pytest.MonkeyPatch
) -> None:
    if "://" in database_url:
        pytest.skip("the lease protocol is the same SQL on both backends; one restart test per backend above")
    first, release = asyncio.Event(), asyncio.Event()

    async def hang_first(request: Request) -> Response:
        if not first.is_set():
            first.set()
            await release.wait()  # the attempt does not complete before its server dies
        return Response(status_code=204)

    receiver.respond = hang_first
    server = spawn(database_url)
    await server.start()
    async with PorticoClient.connect(server.target) as client:
        result = await client.runs.wait(assistant_id="steps", input={}, webhook=receiver.url)
    await asyncio.wait_for(first.wait(), 30)
    server.kill()
    restarted = spawn(database_url)
    await restarted.start()
    hits = await receiver.wait_for(2)
    release.set()
    assert {h.headers["webhook-id"] for h in hits} == {f"run_{result['run']['run_id']}"}
    async with PorticoClient.connect(restarted.target) as client:

        async def delivered() -> bool:
            [d] = await client.webhooks.list(run_id=result["run"]["run_id"])
            return d["status"] == "delivered"

        await eventually(delivered)
