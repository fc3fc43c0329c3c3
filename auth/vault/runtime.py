"""The vault that graph code reaches at run time (``portico.agent_auth.get_token``).

The core runtime binds its ``TokenVault`` in the context its workers start from, so every run task it
launches inherits it; two runtimes in one process (tests, embedding) each keep their own.
"""

from __future__ import annotations

import contextvars
from typing import Any

__all__ = ["bind_vault", "bound_vault", "unbind_vault"]

_vault: contextvars.ContextVar[Any] = contextvars.ContextVar("portico_vault", default=None)
_fallback: list[Any] = []


def bind_vault(vault: Any) -> contextvars.Token[Any]:
    """Make ``vault`` (a ``RunVault``-like object) the one runs in this context use."""
    _fallback[:] = [vault]
    return _vault.set(vault)


def unbind_vault(vault: Any) -> None:
    """Forget ``vault`` as the process-wide fallback (the runtime that bound it is closing)."""
    if _fallback and _fallback[0] is vault:
        _fallback.clear()


def bound_vault() -> Any:
    """The vault of the runtime executing this run; the last bound one when called outside its tasks
    (a thread pool without a copied context)."""
    vault = _vault.get()
    if vault is None and _fallback:
        return _fallback[0]
    return vault
