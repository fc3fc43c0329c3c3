"""A project's auth, read once from its config (``[auth]`` in portico.toml, ``auth`` in langgraph.json).

    [auth]
    path = "./auth.py:auth"     # the Auth object (LangGraph's decorators)
    default = "deny"            # refuse resource × action pairs no handler covers (LangGraph: "allow")
    user_assistants = false     # true: end users may create/update/delete assistants through handlers

No ``path``: the open local mode, where every caller may do everything (said loudly at start-up).
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import langgraph_sdk

from auth.authenticate import Authenticator
from auth.authorize import Authorizer
from auth.handlers import AuthConfigError, load_auth, unhandled
from auth.signing import secret_from_env

__all__ = ["AuthSetup"]

log = logging.getLogger("portico.auth")


@dataclass
class AuthSetup:
    auth: langgraph_sdk.Auth | None = None
    default: str = "allow"
    user_assistants: bool = False
    secret: bytes | None = None
    """Signs the identities the gateway sends the core (``PORTICO_AUTH_SECRET``, or one per process)."""

    @classmethod
    def from_config(
        cls, config: dict[str, Any] | None, root: Path, *, secret: bytes | None = None
    ) -> AuthSetup:
        config = config or {}
        default = config.get("default")
        if default is not None and default not in ("allow", "deny"):
            raise AuthConfigError(f"auth.default: must be 'allow' or 'deny', got {default!r}")
        user_assistants = config.get("user_assistants", False)
        if not isinstance(user_assistants, bool):
            raise AuthConfigError("auth.user_assistants: must be true or false")
        auth = load_auth(config["path"], root) if config.get("path") else None
        return cls(
            auth=auth,
            default=default or getattr(auth, "default", "allow"),
            user_assistants=user_assistants,
            secret=secret or secret_from_env() or secrets.token_bytes(32),
        )

    @property
    def enabled(self) -> bool:
        return self.auth is not None

    def authenticator(self) -> Authenticator | None:
        return Authenticator(self.auth) if self.auth is not None else None

    def authorizer(self) -> Authorizer:
        return Authorizer(self.auth, default=self.default, user_assistants=self.user_assistants)

    def announce(self, *, require: bool = False) -> None:
        """Say at start-up what protects this deployment; ``require`` refuses to start without auth."""
        if self.auth is None:
            if require:
                raise AuthConfigError("--require-auth: no auth module is configured (set auth.path)")
            log.warning(
                "NO AUTH CONFIGURED: open local mode, every caller may read and change everything. "
                "Set auth.path in portico.toml / langgraph.json before exposing this deployment."
            )
            print("portico: WARNING no auth configured: open local mode (anyone may do anything)", flush=True)
            return
        missing = unhandled(self.auth)
        verdict = "refused (default deny)" if self.default == "deny" else "allowed (default allow)"
        for pair in missing:
            log.warning("auth: no handler for %s: %s", pair, verdict)
        if missing:
            print(f"portico: auth: no handler for {', '.join(missing)}: {verdict}", flush=True)
