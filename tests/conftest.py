"""Fixtures shared by every test package."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import uvicorn

# The server the suite expects (trust auth); a fresh database is made on it per test.
PG_ADMIN_URL = os.environ.get("PORTICO_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture
def pg_url() -> Iterator[str]:
    """The URL of a fresh, empty PostgreSQL database, dropped after the test (skips when no server)."""
    name = f"portico_t_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as e:
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {e}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each test twice: on a SQLite file, and on a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "portico.db")
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def serve_app() -> Callable[[Any], contextlib.AbstractAsyncContextManager[str]]:
    """Serves an ASGI app on a free port, as ``async with serve_app(app) as url``."""
    return _serve_app


@contextlib.asynccontextmanager
async def _serve_app(app: Any) -> AsyncIterator[str]:
    # The socket is bound and listening first, so it accepts before uvicorn is up: no waiting.
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    server = uvicorn.Server(uvicorn.Config(app, lifespan="on", log_level="warning"))
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        await task
        sock.close()
