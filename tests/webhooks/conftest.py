"""Webhook receivers on loopback and deployments whose dispatcher may deliver to them."""

from __future__ import annotations

import asyncio
import socket
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from clients.grpc import PorticoClient
from core.settings import Settings
from gateway.webhooks import TargetPolicy, WebhookSettings
from portico.serve import Deployment

GRAPHS = Path(__file__).resolve().parent.parent / "graphs"
if str(GRAPHS) not in sys.path:
    sys.path.insert(0, str(GRAPHS))

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
OLD_SECRET = "whsec_" + "c2VjcmV0LWJlZm9yZS10aGUtcm90YXRpb24="
LOOPBACK = TargetPolicy(allow_http=True, allow_loopback=True)


def settings(database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "config_path": str(GRAPHS / "langgraph.json"),
        "workers": 4,
        "heartbeat_seconds": 0.2,
        "lease_seconds": 5.0,
        "sweep_seconds": 0.2,
        "cron_scheduler": False,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def hook_settings(**overrides: Any) -> WebhookSettings:
    values: dict[str, Any] = {
        "secrets": (SECRET,),
        "policy": LOOPBACK,
        "schedule": (0, 0.2, 0.2),
        "jitter": 0.0,
        "timeout_seconds": 2.0,
        "claim_wait_seconds": 5.0,
    }
    values.update(overrides)
    return WebhookSettings(**values)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Hit:
    body: bytes
    headers: dict[str, str]
    at: float  # time.monotonic()

    @property
    def json(self) -> Any:
        import orjson

        return orjson.loads(self.body)


@dataclass
class Receiver:
    """A loopback HTTP endpoint recording what it is sent; ``answers`` are status codes to reply in turn
    (then 200), ``respond`` overrides that per request."""

    port: int = field(default_factory=free_port)
    answers: list[int] = field(default_factory=list)
    respond: Callable[[Request], Awaitable[Response]] | None = None
    hits: list[Hit] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._changed = asyncio.Condition()
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    async def _endpoint(self, request: Request) -> Response:
        body = await request.body()
        async with self._changed:
            self.hits.append(Hit(body, dict(request.headers), time.monotonic()))
            self._changed.notify_all()
        if self.respond is not None:
            return await self.respond(request)
        code = self.answers.pop(0) if self.answers else 200
        return Response(status_code=code)

    async def start(self) -> None:
        app = Starlette(routes=[Route("/hook", self._endpoint, methods=["POST"])])
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        sock.listen(64)
        self._sock = sock
        self._server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="warning"))
        self._server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
        # The socket already listens, so connections queue until uvicorn accepts them: no wait here.
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await self._task
            self._sock.close()
            self._server = None

    async def wait_for(self, count: int, within: float = 30) -> list[Hit]:
        async def enough() -> list[Hit]:
            async with self._changed:
                await self._changed.wait_for(lambda: len(self.hits) >= count)
                return list(self.hits)

        return await asyncio.wait_for(enough(), within)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    rec = Receiver()
    await rec.start()
    yield rec
    await rec.stop()


@pytest.fixture
async def deploy(
    database_url: str,
) -> AsyncIterator[Callable[..., Awaitable[tuple[Deployment, PorticoClient]]]]:
    """Start a deployment (no HTTP) with the given webhook settings; returns it and a client."""
    started: list[tuple[Deployment, PorticoClient]] = []

    async def make(
        webhooks: WebhookSettings | None = None, http: bool = False, **overrides: object
    ) -> tuple[Deployment, PorticoClient]:
        dep = Deployment(
            settings(database_url, **overrides),
            grpc_port=0,
            http_port=0 if http else None,
            webhooks=webhooks or hook_settings(),
        )
        await dep.start()
        assert dep.core is not None
        client = PorticoClient.connect(dep.core.target)
        started.append((dep, client))
        return dep, client

    yield make
    for dep, client in reversed(started):
        await client.close()
        await dep.stop()


async def eventually(check: Callable[[], Awaitable[Any]], within: float = 20.0) -> Any:
    """Wait until ``check()`` returns something truthy (for state only the core can be asked about)."""
    deadline = time.monotonic() + within
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {within} s (last: {value!r})")
        await asyncio.sleep(0.05)
