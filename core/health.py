"""Whether the database answers: the state behind gRPC health (and so the gateway's ``/ok``).

How loss is learnt: on PostgreSQL the LISTEN connection the core holds anyway drops the moment the server
goes away, and reconnects when it is back; the storage reports both (``on_connection_change``) and a probe
runs at once. Nothing notifies about a database that hangs without closing connections, or about SQLite
(a local file), so a light probe (``SELECT 1`` on the pool, with a timeout) also runs every
``Settings.health_probe_seconds``, and every second while the database is down, so recovery is seen by
itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from core.storage.base import Storage

__all__ = ["DatabaseHealth"]

log = logging.getLogger(__name__)

_DOWN_PROBE_SECONDS = 1.0


class DatabaseHealth:
    """Probes ``storage`` and calls ``on_change(up)`` whenever the answer changes."""

    def __init__(
        self,
        storage: Storage,
        on_change: Callable[[bool], Awaitable[None]],
        *,
        probe_seconds: float = 10.0,
        timeout_seconds: float = 3.0,
    ) -> None:
        self.storage = storage
        self.on_change = on_change
        self.probe_seconds = probe_seconds
        self.timeout_seconds = timeout_seconds
        self.up = True
        self._poke = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if hasattr(self.storage, "on_connection_change"):  # PostgreSQL: its LISTEN connection tells us first
            self.storage.on_connection_change = self.poke  # type: ignore[attr-defined]
        self._task = asyncio.create_task(self._watch(), name="portico-db-health")

    def poke(self) -> None:
        """Probe now (a connection was lost or made)."""
        self._poke.set()

    async def probe(self) -> bool:
        try:
            return await asyncio.wait_for(self.storage.ping(), self.timeout_seconds)
        except TimeoutError:
            return False

    async def _watch(self) -> None:
        while True:
            interval = self.probe_seconds if self.up else _DOWN_PROBE_SECONDS
            with contextlib.suppress(TimeoutError, asyncio.TimeoutError):
                await asyncio.wait_for(self._poke.wait(), interval)
            self._poke.clear()
            up = await self.probe()
            if up != self.up:
                self.up = up
                if up:
                    log.info("the database answers again")
                else:
                    log.error("the database does not answer: health is NOT_SERVING")
                try:
                    await self.on_change(up)
                except Exception:  # noqa: BLE001 - keep watching whatever a listener does
                    log.exception("health change listener failed")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(BaseException):
                await self._task
            self._task = None
