"""Events shared between in-process test deployments and the tests that drive them.

Imported as the top-level module ``gates`` by both the served graphs (their folder is on ``sys.path``)
and the tests, so both see the same objects.
"""

from __future__ import annotations

import asyncio

GATES: dict[str, asyncio.Event] = {}
STARTED: dict[str, asyncio.Event] = {}


def gate(name: str) -> asyncio.Event:
    """Released by a test; a gated node waits on it."""
    return GATES.setdefault(name, asyncio.Event())


def started(name: str) -> asyncio.Event:
    """Set by a gated node when it starts waiting."""
    return STARTED.setdefault(name, asyncio.Event())
