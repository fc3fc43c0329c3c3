"""Deployments whose cron time the tests control: a simulated clock, and schedulers ticked by hand."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from clients.grpc import PorticoClient
from core.settings import Settings
from portico.serve import Deployment

GRAPHS = Path(__file__).resolve().parent.parent / "graphs"
if str(GRAPHS) not in sys.path:
    sys.path.insert(0, str(GRAPHS))


class SimClock:
    """The time crons are scheduled by; a test moves it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


Deploy = Callable[..., Awaitable[tuple[Deployment, PorticoClient]]]


@pytest.fixture
async def deploy(database_url: str) -> AsyncIterator[Deploy]:
    """``await deploy(clock, url=None, **settings)``: a deployment (no HTTP) on ``url`` (default: this
    test's database) whose crons run on ``clock``; its scheduler loop is off, the test calls ``tick``."""
    started: list[tuple[Deployment, PorticoClient]] = []

    async def make(
        clock: SimClock, url: str | None = None, http: bool = False, **overrides: object
    ) -> tuple[Deployment, PorticoClient]:
        values: dict[str, object] = {
            "database_url": url or database_url,
            "config_path": str(GRAPHS / "langgraph.json"),
            "workers": 4,
            "heartbeat_seconds": 0.2,
            "lease_seconds": 5.0,
            "sweep_seconds": 0.2,
            "cron_scheduler": False,
        }
        values.update(overrides)
        dep = Deployment(Settings(**values), grpc_port=0, http_port=0 if http else None)  # type: ignore[arg-type]
        await dep.start()
        assert dep.core is not None
        dep.core.runtime.cron_clock = clock
        await dep.core.runtime.scheduler.stop()  # a loop started by the settings ran on the real clock
        client = PorticoClient.connect(dep.core.target)
        started.append((dep, client))
        return dep, client

    yield make
    for dep, client in reversed(started):
        await client.close()
        await dep.stop()


async def tick(dep: Deployment, now: datetime) -> list[dict]:
    assert dep.core is not None
    return await dep.core.runtime.scheduler.tick(now)
