"""Agent Auth: OAuth tokens users grant to agents, sealed at rest and handed to graph code at run time."""

from auth.vault.config import CALLBACK_PATH, ProviderConfig, ProviderSpec, VaultConfig, parse_providers
from auth.vault.crypto import KeyRing, Sealed, associated_data, generate_key
from auth.vault.errors import (
    AuthorizationRejected,
    ProviderUnavailable,
    StateMismatch,
    UnknownProvider,
    UnknownState,
    VaultConfigError,
    VaultError,
    VaultKeyError,
)
from auth.vault.runtime import bind_vault, bound_vault, unbind_vault
from auth.vault.store import VaultStore
from auth.vault.vault import TokenVault, state_hash

__all__ = [
    "CALLBACK_PATH",
    "AuthorizationRejected",
    "KeyRing",
    "ProviderConfig",
    "ProviderSpec",
    "ProviderUnavailable",
    "Sealed",
    "StateMismatch",
    "TokenVault",
    "UnknownProvider",
    "UnknownState",
    "VaultConfig",
    "VaultConfigError",
    "VaultError",
    "VaultKeyError",
    "VaultStore",
    "associated_data",
    "bind_vault",
    "bound_vault",
    "generate_key",
    "parse_providers",
    "state_hash",
    "unbind_vault",
]
