"""A real ``portico serve`` with the auth project (two users of two tenants, owner-only handlers), on
SQLite and PostgreSQL, plus clients for each caller over REST (``langgraph-sdk``) and gRPC."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from langgraph_sdk import get_client

from clients.grpc import PorticoClient
from core.settings import Settings
from portico.serve import Deployment

HERE = Path(__file__).resolve().parent
PROJECT = HERE / "project" / "langgraph.json"
ALICE = {"Authorization": "Bearer alice-token"}
BOB = {"Authorization": "Bearer bob-token"}


def auth_settings(database_url: str, config: Path = PROJECT) -> Settings:
    return Settings(
        database_url=database_url,
        config_path=str(config),
        workers=4,
        heartbeat_seconds=0.2,
        lease_seconds=5.0,
        sweep_seconds=0.2,
    )


@pytest.fixture
async def deployment(database_url: str) -> AsyncIterator[Deployment]:
    dep = Deployment(auth_settings(database_url), grpc_port=0, http_port=0)
    await dep.start()
    try:
        yield dep
    finally:
        await dep.stop()


@pytest.fixture
def base_url(deployment: Deployment) -> str:
    return f"http://127.0.0.1:{deployment.http_port}"


def rest(base_url: str, *, headers: dict[str, str] | None = None, api_key: str | None = None) -> Any:
    """A ``langgraph-sdk`` client as one caller (``api_key`` is sent as ``x-api-key``)."""
    return get_client(url=base_url, api_key=api_key, headers=headers or {})


def grpc_client(deployment: Deployment, metadata: dict[str, str]) -> PorticoClient:
    assert deployment.core is not None
    return PorticoClient.connect(
        deployment.core.target, metadata=[(k.lower(), v) for k, v in metadata.items()]
    )


@pytest.fixture
async def operator_key(deployment: Deployment) -> Any:
    """``await operator_key("admin")`` → a new operator key of that role."""
    assert deployment.core is not None
    keys = deployment.core.runtime.operator_keys

    async def make(role: str) -> str:
        _, secret = await keys.create(f"{role}-key", role)
        return secret

    return make
