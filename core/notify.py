"""In-process wake-ups keyed by name; PostgreSQL NOTIFY feeds the same keys across processes.

A waiter is registered *before* the state it waits on is read, so a notification between the read and the
wait is never lost; nothing here polls.
"""

from __future__ import annotations

import asyncio

__all__ = ["Notifier"]


class Notifier:
    def __init__(self) -> None:
        self._waiters: dict[str, set[asyncio.Future[None]]] = {}

    def waiter(self, key: str) -> asyncio.Future[None]:
        """A future resolved by the next ``notify(key)``; cancel it when no longer needed."""
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        waiters = self._waiters.setdefault(key, set())
        waiters.add(fut)
        fut.add_done_callback(lambda f: self._discard(key, f))
        return fut

    def _discard(self, key: str, fut: asyncio.Future[None]) -> None:
        waiters = self._waiters.get(key)
        if waiters is not None:
            waiters.discard(fut)
            if not waiters:
                del self._waiters[key]

    def notify(self, key: str) -> None:
        """Wake every current waiter on ``key``."""
        for fut in list(self._waiters.get(key, ())):
            if not fut.done():
                fut.set_result(None)

    def has_waiters(self, key: str) -> bool:
        return bool(self._waiters.get(key))
