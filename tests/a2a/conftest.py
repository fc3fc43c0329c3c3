"""A real ``portico serve`` per test (core, workers, gateway in process, on free ports; SQLite or PostgreSQL)
and ``a2a-sdk`` clients made from its agent cards, over the binding a test asks for."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import grpc
import httpx
import pytest
import uvicorn
from a2a.client import ClientConfig, ClientFactory
from a2a.client.client import Client
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from core.settings import Settings
from gateway.webhooks import TargetPolicy, WebhookSettings
from portico.serve import Deployment

GRAPHS = Path(__file__).resolve().parent.parent / "graphs"
if str(GRAPHS) not in sys.path:
    sys.path.insert(0, str(GRAPHS))  # the served graphs and the tests share the `gates` module


def a2a_settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        config_path=str(GRAPHS / "langgraph.json"),
        workers=4,
        heartbeat_seconds=0.2,
        lease_seconds=5.0,
        sweep_seconds=0.2,
    )


@pytest.fixture(params=["sqlite", "postgres"])
def a2a_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "portico.db")
    return request.getfixturevalue("pg_url")


class Server:
    """A deployment that a test can restart on the same database (new ports each time)."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.deployment: Deployment | None = None

    async def start(self) -> None:
        # Push notifications go through the webhook dispatcher; the receiver is on loopback over http.
        webhooks = WebhookSettings(policy=TargetPolicy(allow_http=True, allow_loopback=True))
        self.deployment = Deployment(
            a2a_settings(self.database_url), grpc_port=0, http_port=0, webhooks=webhooks
        )
        await self.deployment.start()

    async def stop(self) -> None:
        if self.deployment is not None:
            await self.deployment.stop()
            self.deployment = None

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    @property
    def url(self) -> str:
        assert self.deployment is not None
        return f"http://127.0.0.1:{self.deployment.http_port}"


@pytest.fixture
async def server(a2a_database_url: str) -> AsyncIterator[Server]:
    srv = Server(a2a_database_url)
    await srv.start()
    try:
        yield srv
    finally:
        await srv.stop()


@pytest.fixture
async def connect() -> AsyncIterator[Callable[..., Any]]:
    """``await connect(url, binding)``: an ``a2a-sdk`` client for the agent whose card is under ``url``."""
    opened: list[tuple[Client, httpx.AsyncClient]] = []

    async def make(url: str, binding: str, *, streaming: bool = True) -> Client:
        http = httpx.AsyncClient(timeout=30)
        config = ClientConfig(
            streaming=streaming,
            supported_protocol_bindings=[binding],
            httpx_client=http,
            grpc_channel_factory=grpc.aio.insecure_channel,
        )
        client = await ClientFactory(config).create_from_url(url)
        opened.append((client, http))
        return client

    yield make
    for client, http in opened:
        with contextlib.suppress(Exception):
            await client.close()
        await http.aclose()


class Receiver:
    """A local HTTP endpoint that records the push notifications it is sent."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self._changed = asyncio.Condition()
        self.url = ""

    async def endpoint(self, request: Request) -> Response:
        body = await request.json()
        async with self._changed:
            self.bodies.append(body)
            self.headers.append(dict(request.headers))
            self._changed.notify_all()
        return Response(status_code=200)

    async def wait_for(self, predicate: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        async def found() -> dict[str, Any]:
            async with self._changed:
                while True:
                    for body in self.bodies:
                        if predicate(body):
                            return body
                    await self._changed.wait()

        try:
            return await asyncio.wait_for(found(), 30)
        except TimeoutError:
            raise AssertionError(f"no such push notification among {self.bodies[-3:]}") from None


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    rec = Receiver()
    app = Starlette(routes=[Route("/push", rec.endpoint, methods=["POST"])])
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    srv = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="warning"))
    srv.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    task = asyncio.create_task(srv.serve(sockets=[sock]))
    rec.url = f"http://127.0.0.1:{sock.getsockname()[1]}/push"
    try:
        yield rec
    finally:
        srv.should_exit = True
        await task
        sock.close()
