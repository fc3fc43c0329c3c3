"""A real ``portico serve`` per test (core, workers, REST + MCP gateway in process, on free ports), on
SQLite and PostgreSQL, and official ``mcp`` clients of both protocol revisions pointed at its ``/mcp``."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from clients.grpc import PorticoClient
from core.settings import Settings
from portico.serve import Deployment

HERE = Path(__file__).resolve().parent
GRAPHS = HERE.parent / "graphs"
if str(GRAPHS) not in sys.path:
    sys.path.insert(0, str(GRAPHS))  # the served graphs and the tests share the `gates` module

LEGACY = "legacy"  # the 2025-11-25 initialize handshake: a stateful session
MODERN = "2026-07-28"  # stateless: every request self-contained


def mcp_settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        config_path=str(HERE / "langgraph.json"),
        workers=4,
        heartbeat_seconds=0.2,
        lease_seconds=5.0,
        sweep_seconds=0.2,
    )


@pytest.fixture(params=["sqlite", "postgres"])
def mcp_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "portico.db")
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
async def deployment(mcp_database_url: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Deployment]:
    # Stateful sessions hear of assistant changes within a fraction of a second (the default is 5 s).
    monkeypatch.setenv("PORTICO_MCP_LIST_CHANGED_SECONDS", "0.1")
    dep = Deployment(mcp_settings(mcp_database_url), grpc_port=0, http_port=0)
    await dep.start()
    try:
        yield dep
    finally:
        await dep.stop()


@pytest.fixture
def mcp_url(deployment: Deployment) -> str:
    return f"http://127.0.0.1:{deployment.http_port}/mcp"


@pytest.fixture
async def core(deployment: Deployment) -> AsyncIterator[PorticoClient]:
    """The core's own gRPC client, for what a test sets up or checks behind MCP's back."""
    assert deployment.core is not None
    client = PorticoClient.connect(deployment.core.target)
    try:
        yield client
    finally:
        await client.close()


@pytest.fixture(params=[LEGACY, MODERN], ids=["2025-11-25", "2026-07-28"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def connect(mcp_url: str, mode: str) -> Callable[..., Client]:
    """``connect(**client_kwargs)``: an official MCP client of the test's protocol revision on ``/mcp``."""

    def make(**kwargs: Any) -> Client:
        return Client(mcp_url, mode=mode, **kwargs)

    return make


@pytest.fixture
def serve_gateway(
    serve_app: Callable[[Any], contextlib.AbstractAsyncContextManager[str]],
) -> Callable[[Any], contextlib.AbstractAsyncContextManager[str]]:
    """Serves another gateway app on a free port (a second replica), as ``async with serve_gateway(app) as url``."""
    return serve_app
