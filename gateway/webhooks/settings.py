"""The webhook dispatcher's settings: one typed object, read once from ``PORTICO_WEBHOOK_*``."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from gateway.webhooks.safety import TargetPolicy

__all__ = ["DEFAULT_SCHEDULE", "WebhookSettings"]

DEFAULT_SCHEDULE: tuple[float, ...] = (0, 5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600)
"""Seconds before each attempt: the Standard Webhooks schedule (8 attempts over about 27 hours)."""

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def _list(value: str | None) -> tuple[str, ...]:
    return tuple(p.strip() for p in (value or "").replace(" ", ",").split(",") if p.strip())


def substitute_env(value: str, env: Mapping[str, str]) -> str:
    """``${NAME}`` replaced by the environment variable, so secrets in headers stay out of config files."""

    def repl(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in env:
            raise ValueError(f"webhook header refers to ${{{name}}}, which is not set")
        return env[name]

    return _VAR.sub(repl, value)


@dataclass(frozen=True)
class WebhookSettings:
    enabled: bool = True
    """Run a dispatcher in this process (any number of processes may)."""
    secrets: tuple[str, ...] = ()
    """``whsec_…`` signing secrets; each delivery is signed with every one (two during a rotation)."""
    policy: TargetPolicy = field(default_factory=TargetPolicy)
    headers: Mapping[str, str] = field(default_factory=dict)
    """Extra headers on every delivery (values already env-substituted)."""
    schedule: tuple[float, ...] = DEFAULT_SCHEDULE
    jitter: float = 0.1
    """Each retry delay is scaled by a random factor in [1 - jitter, 1 + jitter]."""
    timeout_seconds: float = 15.0
    """One attempt, connection to last byte."""
    concurrency: int = 16
    claim_wait_seconds: float = 30.0

    @property
    def lease_seconds(self) -> float:
        """How long a claimed delivery stays ours: the attempt's timeout with room to report it."""
        return self.timeout_seconds + max(2.0, self.timeout_seconds / 2)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> WebhookSettings:
        """``PORTICO_WEBHOOK_SECRETS`` (comma-separated), ``…_ALLOW_HTTP``, ``…_ALLOW_LOOPBACK``,
        ``…_ALLOW_PRIVATE``, ``…_ALLOWED_DOMAINS``, ``…_HEADERS`` (``Name: value`` lines or ``;``-separated,
        ``${VAR}`` substituted), ``…_SCHEDULE`` (seconds, comma-separated), ``…_JITTER``, ``…_TIMEOUT``,
        ``…_CONCURRENCY``, ``…_DISPATCHER`` (0 turns it off)."""
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        if "PORTICO_WEBHOOK_DISPATCHER" in env:
            values["enabled"] = _flag(env["PORTICO_WEBHOOK_DISPATCHER"])
        values["secrets"] = _list(env.get("PORTICO_WEBHOOK_SECRETS") or env.get("PORTICO_WEBHOOK_SECRET"))
        values["policy"] = TargetPolicy(
            allow_http=_flag(env.get("PORTICO_WEBHOOK_ALLOW_HTTP")),
            allow_loopback=_flag(env.get("PORTICO_WEBHOOK_ALLOW_LOOPBACK")),
            allow_private=_flag(env.get("PORTICO_WEBHOOK_ALLOW_PRIVATE")),
            allowed_domains=_list(env.get("PORTICO_WEBHOOK_ALLOWED_DOMAINS")),
        )
        headers: dict[str, str] = {}
        for line in re.split(r"[\n;]", env.get("PORTICO_WEBHOOK_HEADERS", "")):
            if line.strip():
                name, sep, value = line.partition(":")
                if not sep or not name.strip():
                    raise ValueError(f"PORTICO_WEBHOOK_HEADERS: expected 'Name: value', got {line!r}")
                headers[name.strip()] = substitute_env(value.strip(), env)
        values["headers"] = headers
        if env.get("PORTICO_WEBHOOK_SCHEDULE"):
            values["schedule"] = tuple(float(x) for x in _list(env["PORTICO_WEBHOOK_SCHEDULE"]))
        if env.get("PORTICO_WEBHOOK_JITTER"):
            values["jitter"] = float(env["PORTICO_WEBHOOK_JITTER"])
        if env.get("PORTICO_WEBHOOK_TIMEOUT"):
            values["timeout_seconds"] = float(env["PORTICO_WEBHOOK_TIMEOUT"])
        if env.get("PORTICO_WEBHOOK_CONCURRENCY"):
            values["concurrency"] = int(env["PORTICO_WEBHOOK_CONCURRENCY"])
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]
