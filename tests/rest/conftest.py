"""A real ``portico serve`` per test (core, workers and the REST gateway in process, on free ports) and
``langgraph-sdk`` clients pointed at it. In process, so the tests' gated graphs are released by the tests."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from langgraph_sdk import get_client
from langgraph_sdk.client import LangGraphClient

from core.settings import Settings
from portico.serve import Deployment

GRAPHS = Path(__file__).resolve().parent.parent / "graphs"
if str(GRAPHS) not in sys.path:
    sys.path.insert(0, str(GRAPHS))  # the served graphs and the tests share the `gates` module


def rest_settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        config_path=str(GRAPHS / "langgraph.json"),
        workers=4,
        heartbeat_seconds=0.2,
        lease_seconds=5.0,
        sweep_seconds=0.2,
    )


@pytest.fixture(params=["sqlite", "postgres"])
def rest_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "portico.db")
    try:
        return request.getfixturevalue("pg_url")
    except pytest.FixtureLookupError:
        pytest.skip("no pg_url fixture (PostgreSQL) in this suite")


@pytest.fixture
async def deployment(rest_database_url: str) -> AsyncIterator[Deployment]:
    dep = Deployment(rest_settings(rest_database_url), grpc_port=0, http_port=0)
    await dep.start()
    try:
        yield dep
    finally:
        await dep.stop()


@pytest.fixture
def server(deployment: Deployment) -> str:
    """The base URL of a running deployment's REST gateway."""
    return f"http://127.0.0.1:{deployment.http_port}"


@pytest.fixture
async def sdk(server: str) -> AsyncIterator[LangGraphClient]:
    client = get_client(url=server, api_key=None)
    try:
        yield client
    finally:
        await client.aclose()
