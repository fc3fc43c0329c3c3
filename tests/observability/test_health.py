"""Health follows the database: gRPC health and ``/ok`` turn NOT_SERVING / 503 when PostgreSQL stops and
come back by themselves when it starts again."""

from __future__ import annotations

import asyncio
from pathlib import Path

import grpc
import httpx
from grpc_health.v1 import health_pb2, health_pb2_grpc

from core.settings import Settings
from portico.serve import Deployment
from tests.observability.conftest import OwnPostgres

GRAPHS = Path(__file__).resolve().parent.parent / "graphs"
SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


async def _until(watch: grpc.aio.UnaryStreamCall, status: int) -> None:
    """Read the health Watch stream (pushed by the server: no polling) until it reports ``status``."""
    async with asyncio.timeout(30):
        async for reply in watch:
            if reply.status == status:
                return
    raise AssertionError("health stream ended")


async def test_health_follows_the_database(own_postgres: OwnPostgres) -> None:
    settings = Settings(database_url=own_postgres.url, config_path=str(GRAPHS / "langgraph.json"), workers=1)
    dep = Deployment(settings, grpc_port=0, http_port=0)
    await dep.start()
    assert dep.core is not None
    try:
        async with (
            grpc.aio.insecure_channel(dep.core.target) as channel,
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{dep.http_port}") as http,
        ):
            watch = health_pb2_grpc.HealthStub(channel).Watch(health_pb2.HealthCheckRequest())
            await _until(watch, SERVING)
            assert (await http.get("/ok")).json() == {"ok": True}

            await own_postgres.stop()
            await _until(watch, NOT_SERVING)
            down = await http.get("/ok")
            assert down.status_code == 503 and down.json()["ok"] is False

            await own_postgres.start()
            await _until(watch, SERVING)
            assert (await http.get("/ok")).json() == {"ok": True}
            # Back for real: the pool's connections to the stopped server were replaced.
            thread = await http.post("/threads", json={})
            assert thread.status_code == 200, thread.text
            watch.cancel()
    finally:
        await dep.stop()
