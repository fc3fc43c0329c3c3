"""Operator roles: what an operator API key may do, separate from end users and their auth handlers.

``admin`` may do everything, key management included; ``developer`` everything but key management;
``viewer`` only reads, across every tenant. Operators are not filtered by the auth module's handlers (they
see every tenant's threads and runs); end users never hold a role, whatever their tokens say.
"""

from __future__ import annotations

__all__ = ["OPERATOR_ONLY", "READ_ACTIONS", "ROLES", "role_allows"]

ROLES = ("admin", "developer", "viewer")

READ_ACTIONS = frozenset({"read", "search", "get", "list_namespaces"})

# Deployment configuration, not user data: end users may not do these (unless the project opts in with
# ``auth.user_assistants = true``, LangGraph Platform's behaviour).
OPERATOR_ONLY = frozenset({("assistants", "create"), ("assistants", "update"), ("assistants", "delete")})


def role_allows(role: str | None, resource: str, action: str) -> bool:
    if role not in ROLES:
        return False
    if resource == "keys":
        return role == "admin"
    if role in ("admin", "developer"):
        return True
    return action in READ_ACTIONS
