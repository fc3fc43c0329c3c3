"""The core's configuration: one typed object, built once by the CLI (flags, then env, then defaults)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

__all__ = ["Settings", "DEFAULT_DATABASE"]

DEFAULT_DATABASE = "./.portico/portico.db"


@dataclass(frozen=True)
class Settings:
    """Everything the core reads; no module reads ``os.environ`` after this is built."""

    database_url: str = DEFAULT_DATABASE
    config_path: str | None = None
    workers: int = 8
    """Concurrent runs per worker process."""
    lease_seconds: float = 30.0
    """How long a claimed run stays owned without a heartbeat; a stuck worker loses it after this."""
    heartbeat_seconds: float = 5.0
    max_attempts: int = 3
    """A run that loses its worker this many times is marked error instead of being retried."""
    run_timeout_seconds: float | None = None
    """Default per-run timeout; a run may set its own."""
    event_retention_seconds: float = 3600.0
    """Events of a finished run stay replayable this long."""
    stateless_grace_seconds: float = 60.0
    """How long a finished stateless run's thread stays readable (join, stream) before it is deleted."""
    sweep_seconds: float = 2.0
    """How often lost leases and dead workers are looked for (recovery latency, not run latency)."""
    health_probe_seconds: float = 10.0
    """How often the database is probed for gRPC health (PostgreSQL's LISTEN connection reports loss sooner)."""
    cron_scheduler: bool = True
    """Run the cron scheduler in this process (any number of processes may; each firing happens once)."""
    require_auth: bool = False
    """Refuse to start without an auth module (``--require-auth``)."""
    record_content: bool = False
    """Put message contents (run and node inputs and outputs, prompts, completions, tool arguments and
    results) on trace spans; from ``[telemetry] record_content`` (see ``portico/tracing.py``)."""
    graph_env: dict[str, str] = field(default_factory=dict)
    vault_keys: str = field(default="", repr=False)
    """Agent Auth's key ring, ``kid:<base64 32 bytes>,…`` (env ``PORTICO_VAULT_KEYS``); the first encrypts."""
    public_url: str | None = None
    """The gateway's public base URL (env ``PORTICO_PUBLIC_URL``): OAuth callbacks default to
    ``<public_url>/agent-auth/callback``."""

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Defaults, then ``PORTICO_*`` environment variables, then explicit overrides (None: not given)."""
        env = os.environ
        values: dict[str, object] = {}
        if env.get("PORTICO_DATABASE_URL"):
            values["database_url"] = env["PORTICO_DATABASE_URL"]
        if env.get("PORTICO_WORKERS"):
            values["workers"] = int(env["PORTICO_WORKERS"])
        if env.get("PORTICO_MAX_ATTEMPTS"):
            values["max_attempts"] = int(env["PORTICO_MAX_ATTEMPTS"])
        if env.get("PORTICO_LEASE_SECONDS"):
            values["lease_seconds"] = float(env["PORTICO_LEASE_SECONDS"])
        if env.get("PORTICO_CRON_SCHEDULER"):
            values["cron_scheduler"] = env["PORTICO_CRON_SCHEDULER"].strip().lower() not in (
                "0",
                "false",
                "no",
                "off",
            )
        if env.get("PORTICO_REQUIRE_AUTH"):
            values["require_auth"] = env["PORTICO_REQUIRE_AUTH"].strip().lower() in ("1", "true", "yes", "on")
        if env.get("PORTICO_VAULT_KEYS"):
            values["vault_keys"] = env["PORTICO_VAULT_KEYS"]
        if env.get("PORTICO_PUBLIC_URL"):
            values["public_url"] = env["PORTICO_PUBLIC_URL"]
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]
