"""The vault's errors. Messages never carry a token, a code, a code verifier or a provider's raw answer."""

from __future__ import annotations

__all__ = [
    "AuthorizationRejected",
    "ProviderUnavailable",
    "StateMismatch",
    "UnknownProvider",
    "UnknownState",
    "VaultConfigError",
    "VaultError",
    "VaultKeyError",
]


class VaultError(Exception):
    """Base of the vault's errors."""


class VaultConfigError(VaultError):
    """The providers or the key ring are misconfigured (raised at start-up)."""


class VaultKeyError(VaultError):
    """A stored secret cannot be decrypted: its key is no longer in the ring, or it was tampered with or
    copied to another row (the associated data binds it to its tenant, user and provider)."""


class UnknownProvider(VaultError):
    """No provider of that name is configured."""


class UnknownState(VaultError):
    """The callback's ``state`` is unknown, already used or expired."""


class StateMismatch(VaultError):
    """The callback's ``state`` was issued to another user: completing it would hand them the grant."""


class AuthorizationRejected(VaultError):
    """The provider refused the grant (``invalid_grant``: a bad or used code, a revoked refresh token)."""


class ProviderUnavailable(VaultError):
    """The provider's endpoint failed or answered something that is not a token."""
