"""Agent Auth for graph code: one call for the user's OAuth token at run time.

    from portico.agent_auth import get_token

    async def call_github(state):
        token = await get_token("github")
        ...

The user is the run's (``config["configurable"]["langgraph_auth_user_id"]`` and ``["portico_tenant"]``,
stamped by the edge; "" in an open deployment). When they have not authorized the provider — or its
refresh token was revoked — the run interrupts with ``{"type": "authorization_required", "provider",
"url"}``; the URL's ``state`` is bound to that user. Once they complete the callback, the core resumes the
thread by itself and the node runs again, this time getting the token.

A node that resumes re-executes from its start: ``get_token`` answers the resume meant for it (so a later
``interrupt()`` in the same node still gets its own resume value) and only then reads the vault. The
interrupt carries the URL only: tokens never reach events, checkpoints or errors.
"""

from __future__ import annotations

import contextvars
from typing import Any

from langgraph.config import get_config
from langgraph.types import interrupt

from auth.vault import bound_vault

__all__ = ["AUTHORIZATION_REQUIRED", "AgentAuthError", "get_credentials", "get_token"]

AUTHORIZATION_REQUIRED = "authorization_required"
# Resume values get_token already took in the running task: (id(scratchpad), provider) → (scratchpad, count).
_taken: contextvars.ContextVar[dict[tuple[int, str], tuple[Any, int]] | None] = contextvars.ContextVar(
    "portico_agent_auth_taken", default=None
)


class AgentAuthError(RuntimeError):
    """``get_token`` was called outside a Portico run (no vault, or no run config)."""


def _is_marker(value: Any, provider: str) -> bool:
    return isinstance(value, dict) and value.get("provider") == provider and value.get("authorized") is True


def _resume_waiting(configurable: dict[str, Any], provider: str) -> bool:
    """True when the next interrupt of this task has this provider's "authorized" resume waiting."""
    scratchpad = configurable.get("__pregel_scratchpad")
    if scratchpad is None:
        return False
    taken = _taken.get()
    if taken is None:
        taken = {}
        _taken.set(taken)
    key = (id(scratchpad), provider)
    _, count = taken.get(key, (scratchpad, 0))
    in_task = sum(1 for value in (scratchpad.resume or ()) if _is_marker(value, provider))
    if in_task > count or _is_marker(scratchpad.get_null_resume(False), provider):
        taken[key] = (scratchpad, count + 1)
        return True
    return False


async def get_credentials(provider: str) -> dict[str, Any]:
    """The user's token for ``provider`` (``access_token``, ``token_type``, ``expires_at``, ``scope`` …;
    never the refresh token), refreshed first if it is about to expire. Interrupts the run with the
    authorization URL when the user has not authorized the provider."""
    vault = bound_vault()
    if vault is None:
        raise AgentAuthError("get_token: no token vault here; it works inside runs served by Portico")
    config = get_config()
    configurable = config.get("configurable") or {}
    tenant = str(configurable.get("portico_tenant") or "")
    user_id = str(configurable.get("langgraph_auth_user_id") or "")
    vault.provider(provider)  # an unknown provider fails the run with a clear message
    while True:
        if _resume_waiting(configurable, provider):
            interrupt({"type": AUTHORIZATION_REQUIRED, "provider": provider})  # returns the resume value
        token = await vault.get_token(tenant, user_id, provider)
        if token is not None:
            return {k: v for k, v in token.items() if k != "refresh_token"}
        thread_id, run_id = configurable.get("thread_id"), configurable.get("run_id")
        if thread_id and run_id:
            await vault.record_wait(
                tenant,
                user_id,
                provider,
                thread_id=str(thread_id),
                run_id=str(run_id),
                assistant_id=str(configurable.get("assistant_id") or ""),
            )
        url, _state = await vault.start_authorization(tenant, user_id, provider)
        # Raises GraphInterrupt; returns only when the caller resumed this interrupt by hand (then the
        # vault is read again, and a still missing grant interrupts once more).
        interrupt({"type": AUTHORIZATION_REQUIRED, "provider": provider, "url": url})


async def get_token(provider: str) -> str:
    """The user's access token for ``provider`` (see ``get_credentials``)."""
    return str((await get_credentials(provider))["access_token"])
