"""A real core per test: ``portico serve``'s wiring in process, on a free gRPC port, SQLite or PostgreSQL."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from clients.grpc import PorticoClient
from core.settings import Settings
from portico.serve import Deployment

GRAPHS = Path(__file__).resolve().parent.parent / "graphs"
sys.path.insert(0, str(GRAPHS))  # so tests share the `gates` module with the served graphs


def fast_settings(database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "config_path": str(GRAPHS / "langgraph.json"),
        "workers": 4,
        "heartbeat_seconds": 0.2,
        "lease_seconds": 5.0,
        "sweep_seconds": 0.2,
        "stateless_grace_seconds": 5.0,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
async def deployment(database_url: str) -> AsyncIterator[Deployment]:
    dep = Deployment(fast_settings(database_url), grpc_port=0, http_port=None)
    await dep.start()
    try:
        yield dep
    finally:
        await dep.stop()


@pytest.fixture
async def client(deployment: Deployment) -> AsyncIterator[PorticoClient]:
    assert deployment.core is not None
    async with PorticoClient.connect(deployment.core.target) as c:
        yield c


class ServerProcess:
    """``portico serve`` in a subprocess, so tests can SIGKILL or SIGTERM it."""

    def __init__(self, database_url: str, grpc_port: int, tmp: Path, extra: list[str] | None = None) -> None:
        self.database_url = database_url
        self.grpc_port = grpc_port
        self.tmp = tmp
        self.extra = extra or []
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = tmp / f"server-{grpc_port}.log"

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"

    async def start(self) -> None:
        cmd = [
            sys.executable,
            "-m",
            "portico",
            "serve",
            "--no-http",
            "--config",
            str(GRAPHS / "langgraph.json"),
            "--database",
            self.database_url,
            "--grpc-port",
            str(self.grpc_port),
            "--workers",
            "2",
            "--sweep-seconds",
            "0.2",
            "--heartbeat-seconds",
            "0.2",
            *self.extra,
        ]
        out = self.log.open("ab")
        self.proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=self.tmp)
        # Ready when gRPC health says SERVING; wait_for_ready makes the channel wait for the socket.
        async with grpc.aio.insecure_channel(self.target) as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            reply = await stub.Check(health_pb2.HealthCheckRequest(), wait_for_ready=True, timeout=60)
            assert reply.status == health_pb2.HealthCheckResponse.SERVING, self.log.read_text()

    def freeze(self) -> None:
        """SIGSTOP: the process holds its connections (and locks) but does nothing, like a stalled host."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGSTOP)

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)

    def terminate(self) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(60)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(30)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def spawn(tmp_path: Path) -> Iterator[Callable[..., ServerProcess]]:
    started: list[ServerProcess] = []

    def make(database_url: str, *, port: int | None = None, extra: list[str] | None = None) -> ServerProcess:
        server = ServerProcess(database_url, port or free_port(), tmp_path, extra)
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()
