"""The auth module a project points at (``auth.path``), and the lookup of its handlers.

Portico's ``Auth`` *is* ``langgraph_sdk.Auth`` (same decorators, same handler arguments), with one
addition: ``Auth(default="deny")`` refuses resource × action pairs that no handler covers. A plain
``langgraph_sdk.Auth`` instance is accepted as is (it lets such requests through, as LangGraph does).
"""

from __future__ import annotations

import importlib.util
import inspect
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import langgraph_sdk

__all__ = [
    "ACTIONS",
    "Auth",
    "AuthConfigError",
    "AUTHENTICATE_PARAMS",
    "find_handler",
    "load_auth",
    "unhandled",
]


class AuthConfigError(Exception):
    """The auth module cannot be loaded or is malformed (start-up fails with this message)."""


class Auth(langgraph_sdk.Auth):
    """``langgraph_sdk.Auth`` plus ``default``: "allow" (LangGraph's behaviour) or "deny"."""

    __slots__ = ("default",)

    def __init__(self, *, default: str = "allow") -> None:
        super().__init__()
        if default not in ("allow", "deny"):
            raise ValueError(f"default must be 'allow' or 'deny', got {default!r}")
        self.default = default


# Every resource × action the core authorizes (LangGraph's names; ``create_run`` is on threads).
ACTIONS: dict[str, tuple[str, ...]] = {
    "assistants": ("create", "read", "update", "delete", "search"),
    "threads": ("create", "read", "update", "delete", "search", "create_run"),
    "crons": ("create", "read", "update", "delete", "search"),
    "store": ("put", "get", "search", "delete", "list_namespaces"),
}

# The arguments an ``@auth.authenticate`` handler may name (LangGraph Platform's set).
AUTHENTICATE_PARAMS = frozenset(
    {"request", "headers", "authorization", "method", "path", "query_params", "path_params", "scopes"}
)


def find_handler(
    auth: langgraph_sdk.Auth, resource: str, action: str, *, resource_only: bool = False
) -> Callable[..., Any] | None:
    """The handler for ``resource.action``, most specific first: exact, resource-wide, action-wide, global.

    ``resource_only``: only a handler registered for this resource (exact or resource-wide).
    """
    handlers = auth._handlers
    keys = [(resource, action), (resource, "*")]
    if not resource_only:
        keys += [("*", action), ("*", "*")]
    for key in keys:
        if key in handlers and handlers[key]:
            return handlers[key][-1]
    if resource_only:
        return None
    return auth._global_handlers[-1] if auth._global_handlers else None


def unhandled(auth: langgraph_sdk.Auth) -> list[str]:
    """``resource.action`` pairs no handler covers (logged at start-up; refused under default="deny")."""
    return [
        f"{resource}.{action}"
        for resource, actions in ACTIONS.items()
        for action in actions
        if find_handler(auth, resource, action) is None
    ]


def _check_authenticate(auth: langgraph_sdk.Auth, where: str) -> None:
    handler = auth._authenticate_handler
    if handler is None:
        return
    if not inspect.iscoroutinefunction(handler):
        raise AuthConfigError(f"{where}: the @auth.authenticate handler must be an async function")
    unknown = [
        name
        for name, param in inspect.signature(handler).parameters.items()
        if name not in AUTHENTICATE_PARAMS and param.kind not in (param.VAR_KEYWORD, param.VAR_POSITIONAL)
    ]
    if unknown:
        raise AuthConfigError(
            f"{where}: @auth.authenticate asks for {unknown}; it may take {sorted(AUTHENTICATE_PARAMS)}"
        )


def load_auth(ref: str, root: Path) -> langgraph_sdk.Auth:
    """Import ``"./auth.py:auth"`` (a file relative to ``root``) or ``"package.module:auth"``."""
    path_part, sep, attr = ref.rpartition(":")
    if not sep or not path_part or not attr:
        raise AuthConfigError(f"auth.path: expected 'file.py:name' or 'module:name', got {ref!r}")
    try:
        if path_part.endswith(".py") or "/" in path_part:
            file = (root / path_part).resolve()
            if not file.is_file():
                raise AuthConfigError(f"auth.path: {file} does not exist")
            name = f"portico_auth_{abs(hash(str(file)))}"
            spec = importlib.util.spec_from_file_location(name, file)
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
        else:
            module = importlib.import_module(path_part)
    except AuthConfigError:
        raise
    except Exception as exc:  # noqa: BLE001 - the user's module failed to import: say so at start-up
        raise AuthConfigError(
            f"auth.path: importing {path_part} failed: {type(exc).__name__}: {exc}"
        ) from exc
    auth = getattr(module, attr, None)
    if not isinstance(auth, langgraph_sdk.Auth):
        raise AuthConfigError(f"auth.path: {ref} is {type(auth).__name__}, not an Auth object")
    _check_authenticate(auth, f"auth.path {ref}")
    return auth
