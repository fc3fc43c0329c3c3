"""Authorization filters: what a handler returns to scope a query to what the caller may see.

A filter maps metadata keys to a value (equality), ``{"$eq": value}`` or ``{"$contains": value}`` (the
key holds a list that contains the value, or every value of a list). Each filter becomes a JSON
containment document (``metadata @> doc`` in PostgreSQL, the same test in SQLite), so the storage applies
it inside its queries (and the same test on a record it has already read).
"""

from __future__ import annotations

from typing import Any

from auth.errors import PermissionDenied

__all__ = ["containment"]


def containment(filter_: Any) -> dict[str, Any]:
    """The containment document for a handler's filter; a malformed filter refuses the request."""
    if not isinstance(filter_, dict):
        raise PermissionDenied(f"auth handler returned {type(filter_).__name__}, not a filter dict")
    doc: dict[str, Any] = {}
    for key, cond in filter_.items():
        if not isinstance(key, str) or key.startswith("$"):
            raise PermissionDenied(f"auth filter: unsupported key {key!r} (use metadata keys)")
        if isinstance(cond, dict) and len(cond) == 1 and next(iter(cond)).startswith("$"):
            op, value = next(iter(cond.items()))
            if op == "$eq":
                doc[key] = value
            elif op == "$contains":
                doc[key] = list(value) if isinstance(value, list | tuple) else [value]
            else:
                raise PermissionDenied(f"auth filter: unsupported operator {op!r} (use $eq or $contains)")
        else:
            doc[key] = cond
    return doc
