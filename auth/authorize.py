"""Authorization in the core: every operation asks ``Authorizer.check(resource, action, value)``.

The caller is ``auth.identity.current()`` (set by the core's gRPC edge from the signed gateway header, an
operator key, or the auth module run on a direct caller's metadata). For an end user the most specific
handler decides: it may stamp ``value`` (the service then uses the stamped value), deny (``False`` or an
exception: never a 500) or return a filter, which ``check`` returns as a containment document for the
service to apply inside its query. Operators are decided by their role alone.
"""

from __future__ import annotations

import logging
from typing import Any

import langgraph_sdk
from langgraph_sdk.auth.exceptions import HTTPException
from langgraph_sdk.auth.types import AuthContext

from auth.errors import AuthFailure, NotFound, PermissionDenied, Unauthenticated
from auth.filters import containment
from auth.handlers import find_handler
from auth.identity import Identity, current
from auth.rbac import OPERATOR_ONLY, role_allows

__all__ = ["Authorizer", "OPEN"]

log = logging.getLogger(__name__)


class Authorizer:
    """Decides for the current caller; ``Authorizer(None)`` is the open local mode (everyone may do all)."""

    def __init__(
        self, auth: langgraph_sdk.Auth | None, *, default: str | None = None, user_assistants: bool = False
    ) -> None:
        self.auth = auth
        self.default = default or getattr(auth, "default", "allow")
        self.user_assistants = user_assistants

    @property
    def enabled(self) -> bool:
        return self.auth is not None

    def is_operator(self, role: str | None = None) -> bool:
        """Whether the caller is an operator (with ``role``, or any role that allows it)."""
        ident = current()
        return ident.kind == "operator" and (role is None or ident.role == role)

    def require_role(self, resource: str, action: str) -> None:
        """For the operator surface (key management …): an operator whose role allows it, or open mode."""
        if not self.enabled:
            return
        ident = current()
        if ident.kind != "operator" or not role_allows(ident.role, resource, action):
            raise PermissionDenied(f"{resource}.{action} needs an operator key with a role that allows it")

    def require_internal(self, what: str) -> None:
        """For the gateway's own RPCs (webhook dispatch, metrics): the gateway or an admin operator."""
        if not self.enabled:
            return
        ident = current()
        if ident.kind == "gateway" or (ident.kind == "operator" and ident.role == "admin"):
            return
        raise PermissionDenied(f"{what} is for the gateway and admin operators")

    async def check(self, resource: str, action: str, value: dict[str, Any]) -> dict[str, Any] | None:
        """Authorize ``resource.action`` on ``value`` (which a handler may change in place).

        Returns a containment document to apply to the resource's metadata, or None for no filter.
        Raises ``PermissionDenied`` / ``NotFound`` / ``Unauthenticated``.
        """
        if self.auth is None:
            return None
        ident = current()
        if ident.kind == "operator":
            if not role_allows(ident.role, resource, action):
                raise PermissionDenied(f"role {ident.role!r} may not {resource}.{action}")
            return None
        if ident.kind == "gateway":  # its own calls: the MCP tool-list watcher reads assistants
            if resource == "assistants" and action in ("read", "search"):
                return None
            raise PermissionDenied(f"the gateway may not {resource}.{action} on its own")
        if ident.kind != "user":
            raise Unauthenticated("authentication required")
        if (resource, action) in OPERATOR_ONLY and not self.user_assistants:
            raise PermissionDenied(f"{resource}.{action} is for operators")
        return await self._run_handler(ident, resource, action, value)

    async def _run_handler(
        self, ident: Identity, resource: str, action: str, value: dict[str, Any]
    ) -> dict[str, Any] | None:
        assert self.auth is not None
        # Assistants are the deployment's configuration (operators manage them) unless the project lets
        # users own them: then every handler applies; else only ``@auth.on.assistants…`` handlers do, so
        # a catch-all owner filter does not hide the deployment's assistants from its users.
        shared = resource == "assistants" and not self.user_assistants
        handler = find_handler(self.auth, resource, action, resource_only=shared)
        if handler is None:
            if shared:
                return None
            if self.default == "deny":
                raise PermissionDenied(f"{resource}.{action}: no auth handler allows it")
            return None
        ctx = AuthContext(permissions=list(ident.permissions), user=ident, resource=resource, action=action)  # type: ignore[arg-type]
        try:
            result = await handler(ctx=ctx, value=value)
        except HTTPException as exc:
            if exc.status_code == 404:
                raise NotFound(exc.detail) from None
            if exc.status_code == 401:
                raise Unauthenticated(exc.detail) from None
            raise PermissionDenied(exc.detail) from None
        except AuthFailure:
            raise
        except Exception as exc:  # noqa: BLE001 - a failing handler denies; it is never a 500
            log.warning("auth handler for %s.%s failed: %s", resource, action, type(exc).__name__)
            raise PermissionDenied(f"{resource}.{action}: denied (the auth handler failed)") from None
        if result is None or result is True:
            return None
        if result is False:
            raise PermissionDenied("Forbidden")
        return containment(result)


OPEN = Authorizer(None)
