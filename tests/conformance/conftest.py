"""The conformance suite's fixtures: every test runs once per backend."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from core.storage import Storage, open_storage

OpenStorage = Callable[[], Awaitable[Storage]]
NewRun = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    """The backend under test."""
    return request.param


@pytest.fixture
def storage_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where the backend keeps its data: a file in a not yet existing folder, or a fresh database."""
    if backend == "postgres":
        return request.getfixturevalue("pg_url")
    return str(tmp_path / "nested" / "portico.db")


class TickingClock:
    """A storage clock that starts at ``start`` and moves one millisecond per reading: distinct, known times."""

    def __init__(self, start: datetime) -> None:
        self.start = start
        self._ticks = itertools.count()

    def __call__(self) -> datetime:
        return self.start + timedelta(milliseconds=next(self._ticks))


@pytest.fixture
def clock() -> TickingClock:
    """The clock every storage of the test reads."""
    return TickingClock(datetime(2030, 1, 1, tzinfo=UTC))


@pytest.fixture
def now(clock: TickingClock) -> datetime:
    """A time well after everything the test creates: what it passes to calls that take ``now``."""
    return clock.start + timedelta(hours=1)


@pytest.fixture
async def open_another(storage_url: str, clock: TickingClock) -> AsyncIterator[OpenStorage]:
    """Opens further storages on the same data, as another process would; closed after the test."""
    opened: list[Storage] = []

    async def _open() -> Storage:
        other = open_storage(storage_url, clock=clock)
        opened.append(other)
        await other.setup()
        return other

    yield _open
    for other in opened:
        await other.close()


@pytest.fixture
async def storage(open_another: OpenStorage) -> Storage:
    """A set-up storage on empty data."""
    return await open_another()


@pytest.fixture
def new_run(storage: Storage) -> NewRun:
    """Creates a run (and its thread when missing) with generated ids: ``await new_run("t1", strategy=…)``."""
    counter = itertools.count(1)

    async def _new_run(
        thread_id: str = "t1", *, run_id: str | None = None, strategy: str = "enqueue", **extra: Any
    ):
        record = {
            "run_id": run_id or f"{thread_id}-r{next(counter)}",
            "thread_id": thread_id,
            "assistant_id": "a1",
            "multitask_strategy": strategy,
            "kwargs": {"input": {"n": 1}},
            **extra,
        }
        run, _ = await storage.runs.create(record, if_not_exists="create")
        return run

    return _new_run
