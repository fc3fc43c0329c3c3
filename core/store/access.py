"""The seam where the auth layer decides which namespaces a caller may touch.

It has the shape of LangGraph's ``@auth.on.store()`` handlers: the handler gets the action and the
request's fields (``namespace`` — the prefix, for search and list — plus ``key``, ``value``, ``filter`` …)
and may rewrite ``namespace`` (say, prefix it with the user's id) or raise to refuse. The Store service
calls it before every operation, so graphs' own reads and writes (inside a run) are not filtered here:
a graph is trusted code.
"""

from __future__ import annotations

from typing import Any, Protocol

__all__ = ["ALLOW_ALL", "StoreAccess"]


class StoreAccess(Protocol):
    async def __call__(self, action: str, fields: dict[str, Any], context: Any) -> None:
        """Authorize ``action`` (put, get, delete, search, list_namespaces); may rewrite ``fields``.

        Raises:
            a ``core.errors.CoreError`` to refuse the request.
        """
        ...


async def _allow_all(action: str, fields: dict[str, Any], context: Any) -> None:
    """No auth configured: every caller reaches every namespace."""


ALLOW_ALL: StoreAccess = _allow_all
