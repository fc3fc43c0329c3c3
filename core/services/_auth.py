"""Authorization steps the servicers share: a record is visible only when the caller's filter matches it.

A filtered-out record answers NOT_FOUND, exactly like one that does not exist, so nobody learns what
another tenant has.
"""

from __future__ import annotations

from typing import Any

from auth.identity import current
from core.errors import NotFound
from core.runtime import CoreRuntime
from core.storage._common import json_contains

__all__ = [
    "AUTH_CONFIG_KEYS",
    "authorized_assistant",
    "authorized_thread",
    "check_thread",
    "identity_of",
    "matches",
    "run_identity_config",
]

# The keys of ``config["configurable"]`` that say who a run acts for (LangGraph Platform's, plus tenant).
AUTH_CONFIG_KEYS = (
    "langgraph_auth_user",
    "langgraph_auth_user_id",
    "langgraph_auth_permissions",
    "portico_tenant",
)


def matches(metadata: dict[str, Any] | None, doc: dict[str, Any] | None) -> bool:
    """Whether a record's metadata satisfies an auth containment document (None: no filter)."""
    return doc is None or json_contains(metadata or {}, doc)


async def authorized_thread(
    rt: CoreRuntime, thread_id: str, action: str = "read", value: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The thread, when ``threads.<action>`` allows the caller to reach it; else NotFound/PermissionDenied.

    ``value`` is what the handler sees (default ``{"thread_id": …}``); it may change it in place.
    """
    doc = await rt.authz.check("threads", action, value if value is not None else {"thread_id": thread_id})
    return await _visible_thread(rt, thread_id, doc)


async def check_thread(
    rt: CoreRuntime, thread_id: str, action: str = "read", value: dict[str, Any] | None = None
) -> None:
    """``authorized_thread`` for callers that hold the thread's id only: reads the thread only when the
    handler returned a filter to test it against (so the open mode and filter-less handlers cost no read)."""
    doc = await rt.authz.check("threads", action, value if value is not None else {"thread_id": thread_id})
    if doc is not None:
        await _visible_thread(rt, thread_id, doc)


async def _visible_thread(rt: CoreRuntime, thread_id: str, doc: dict[str, Any] | None) -> dict[str, Any]:
    """The thread when it exists and ``doc`` (an auth filter) matches it; else NotFound."""
    thread = await rt.storage.threads.get(thread_id)
    if thread is None or not matches(thread.get("metadata"), doc):
        raise NotFound(f"thread {thread_id} not found")
    return thread


async def authorized_assistant(
    rt: CoreRuntime, assistant_id: str, action: str = "read", value: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The assistant (by id, or a graph's default by graph id) when ``assistants.<action>`` allows it."""
    doc = await rt.authz.check(
        "assistants", action, value if value is not None else {"assistant_id": assistant_id}
    )
    assistant = await rt.resolve_assistant(assistant_id)
    if not matches(assistant.get("metadata"), doc):
        raise NotFound(f"assistant {assistant_id} not found")
    return assistant


def identity_of(config: dict[str, Any] | None) -> dict[str, Any]:
    """The identity keys a run's (or a cron payload's) config carries."""
    configurable = (config or {}).get("configurable") or {}
    return {k: v for k, v in configurable.items() if k in AUTH_CONFIG_KEYS}


def run_identity_config(
    config: dict[str, Any] | None, identity: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A run's config with the caller's identity in ``configurable`` (whatever the caller put there).

    A caller cannot make a run act for someone else: the keys are always overwritten (or removed, in
    open mode), never taken from the request. ``identity`` (``identity_of`` another config) keeps a
    known identity instead of the caller's: a cron keeps its maker's, whoever updates it.
    """
    config = dict(config or {})
    configurable = {k: v for k, v in (config.get("configurable") or {}).items() if k not in AUTH_CONFIG_KEYS}
    ident = current()
    if identity is not None:
        configurable.update(identity)
    elif ident.kind in ("user", "operator"):
        configurable.update(
            {
                "langgraph_auth_user": ident.dict(),
                "langgraph_auth_user_id": ident.identity,
                "langgraph_auth_permissions": list(ident.permissions),
                "portico_tenant": ident.tenant,
            }
        )
    config["configurable"] = configurable
    return config
