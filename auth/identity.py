"""Who is calling: the identity the edge authenticated, carried to the core and into runs.

The gateway (or the core's own gRPC edge) authenticates each request once and sets the identity for the
rest of the call; everything downstream reads ``current()``. Runs carry the identity of the user who made
them in ``config["configurable"]`` under LangGraph Platform's keys (``langgraph_auth_user``,
``langgraph_auth_user_id``, ``langgraph_auth_permissions``) plus ``portico_tenant``.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ANONYMOUS", "Identity", "current", "use"]


@dataclass(frozen=True)
class Identity:
    """An authenticated caller (or the anonymous caller of an open deployment)."""

    identity: str
    """The user's id ("" for anonymous)."""
    kind: str = "anonymous"
    """"user" (an end user, via the auth module), "operator" (an API key with a role), "gateway" (the
    gateway's own calls: webhook dispatch, metrics) or "anonymous" (no auth configured)."""
    tenant: str = ""
    """The user's tenant: the auth handler's ``tenant_id``/``tenant``/``org_id`` field, else ""."""
    permissions: tuple[str, ...] = ()
    display_name: str = ""
    is_authenticated: bool = False
    fields: Mapping[str, Any] = field(default_factory=dict)
    """Every field the authenticate handler returned (identity, permissions and its own extras)."""
    role: str | None = None
    """An operator's role: "admin", "developer" or "viewer"."""

    # LangGraph's ``BaseUser`` protocol, so handlers get ``ctx.user.identity``, ``ctx.user["org"]`` …
    def __getitem__(self, key: str) -> Any:
        return self.fields[key]

    def __contains__(self, key: object) -> bool:
        return key in self.fields

    def __iter__(self) -> Iterator[str]:
        return iter(self.fields)

    def dict(self) -> dict[str, Any]:
        return {
            **self.fields,
            "identity": self.identity,
            "display_name": self.display_name,
            "is_authenticated": self.is_authenticated,
            "permissions": list(self.permissions),
        }


ANONYMOUS = Identity("")

_current: contextvars.ContextVar[Identity] = contextvars.ContextVar("portico_identity", default=ANONYMOUS)


def current() -> Identity:
    """The caller of the request or RPC being served (``ANONYMOUS`` outside one, or with auth off)."""
    return _current.get()


def use(identity: Identity) -> contextvars.Token[Identity]:
    """Make ``identity`` the caller for the rest of this context (``_current.reset(token)`` undoes it)."""
    return _current.set(identity)
