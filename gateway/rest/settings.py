"""The REST gateway's configuration: one typed object, built once by whoever creates the app."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["GatewaySettings"]


@dataclass(frozen=True)
class GatewaySettings:
    heartbeat_seconds: float = 10.0
    """An idle SSE stream gets a ``: heartbeat`` comment this often, so proxies keep it open."""
    wait_heartbeat_seconds: float = 5.0
    """``/runs/wait`` and ``/join`` send a newline this often while the run is going (JSON ignores it)."""
    title: str = "Portico"
    version: str = "0.1.0"
