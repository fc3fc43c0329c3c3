"""Agent Auth providers, as configured in ``[auth.providers.<name>]`` (or ``auth.providers`` in langgraph.json).

    [auth.providers.github]
    authorize_url = "https://github.com/login/oauth/authorize"
    token_url = "https://github.com/login/oauth/access_token"
    scopes = ["repo"]
    client_id_env = "GITHUB_CLIENT_ID"          # names of environment variables, never the secrets
    client_secret_env = "GITHUB_CLIENT_SECRET"
    revoke_url = "…"                             # optional
    redirect_uri = "…"                           # optional; default <public url>/agent-auth/callback

``parse_providers`` checks the shape when the project is loaded; ``VaultConfig.resolve`` reads the
environment once at start-up (client credentials, ``PORTICO_VAULT_KEYS``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from auth.vault.crypto import KeyRing
from auth.vault.errors import VaultConfigError

__all__ = ["CALLBACK_PATH", "ProviderConfig", "ProviderSpec", "VaultConfig", "parse_providers"]

CALLBACK_PATH = "/agent-auth/callback"
_URL_KEYS = ("authorize_url", "token_url")
_OPTIONAL = ("revoke_url", "redirect_uri")
_KNOWN = {*_URL_KEYS, *_OPTIONAL, "scopes", "client_id_env", "client_secret_env"}


@dataclass(frozen=True)
class ProviderSpec:
    """A provider as written in the config (environment variable names, not their values)."""

    name: str
    authorize_url: str
    token_url: str
    scopes: tuple[str, ...]
    client_id_env: str
    client_secret_env: str
    revoke_url: str | None = None
    redirect_uri: str | None = None


@dataclass(frozen=True)
class ProviderConfig:
    """A provider ready to use: its client credentials read from the environment."""

    spec: ProviderSpec
    client_id: str
    client_secret: str = field(repr=False)

    @property
    def name(self) -> str:
        return self.spec.name


def parse_providers(value: Any, where: str) -> dict[str, ProviderSpec]:
    """Validate ``auth.providers``; the message of a ``VaultConfigError`` names the key."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise VaultConfigError(f"{where}: auth.providers: expected a table of provider names")
    specs = {}
    for name, table in value.items():
        key = f"{where}: auth.providers.{name}"
        if not isinstance(name, str) or not name.replace("-", "").replace("_", "").isalnum():
            raise VaultConfigError(f"{key}: a provider name is letters, digits, '-' and '_'")
        if not isinstance(table, dict):
            raise VaultConfigError(f"{key}: expected a table")
        unknown = sorted(set(table) - _KNOWN)
        if unknown:
            raise VaultConfigError(f"{key}: unknown keys {unknown}")
        for required in (*_URL_KEYS, "client_id_env", "client_secret_env"):
            if not isinstance(table.get(required), str) or not table[required]:
                raise VaultConfigError(f"{key}.{required}: required string")
        for url_key in (*_URL_KEYS, *_OPTIONAL):
            url = table.get(url_key)
            if url is not None and (not isinstance(url, str) or not url.startswith(("https://", "http://"))):
                raise VaultConfigError(f"{key}.{url_key}: expected an http(s) URL")
        scopes = table.get("scopes", [])
        if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
            raise VaultConfigError(f"{key}.scopes: expected a list of strings")
        specs[name] = ProviderSpec(
            name=name,
            authorize_url=table["authorize_url"],
            token_url=table["token_url"],
            scopes=tuple(scopes),
            client_id_env=table["client_id_env"],
            client_secret_env=table["client_secret_env"],
            revoke_url=table.get("revoke_url"),
            redirect_uri=table.get("redirect_uri"),
        )
    return specs


@dataclass(frozen=True)
class VaultConfig:
    """Everything the vault reads, resolved once at start-up."""

    providers: dict[str, ProviderConfig] = field(default_factory=dict)
    keys: KeyRing | None = None
    public_url: str = "http://127.0.0.1:8123"
    """The gateway's public base URL, for default redirect URIs."""
    refresh_skew_seconds: float = 60.0
    """A token is refreshed this long before it expires."""
    lease_seconds: float = 30.0
    """How long one process may hold a token's refresh before another may take over."""
    authorization_ttl_seconds: float = 600.0
    """How long a started authorization (its state and PKCE verifier) can be completed."""

    @classmethod
    def resolve(
        cls,
        specs: Mapping[str, ProviderSpec],
        environ: Mapping[str, str],
        *,
        keys: str = "",
        public_url: str | None = None,
        **options: Any,
    ) -> VaultConfig:
        """Read client credentials and the key ring. Providers without keys refuse to start: the vault
        never stores a token in plaintext."""
        ring = KeyRing.parse(keys) if keys.strip() else None
        if specs and ring is None:
            raise VaultConfigError(
                f"auth.providers ({', '.join(sorted(specs))}) are configured but PORTICO_VAULT_KEYS is not set; "
                "tokens are only stored encrypted. Set PORTICO_VAULT_KEYS='k1:<base64 of 32 random bytes>' "
                "(`portico vault keygen` prints one)"
            )
        config = cls(keys=ring, **options)
        if public_url:
            config = replace(config, public_url=public_url.rstrip("/"))
        providers = {}
        for name, spec in specs.items():
            missing = [env for env in (spec.client_id_env, spec.client_secret_env) if not environ.get(env)]
            if missing:
                raise VaultConfigError(f"auth.providers.{name}: environment variables {missing} are not set")
            providers[name] = ProviderConfig(
                spec, client_id=environ[spec.client_id_env], client_secret=environ[spec.client_secret_env]
            )
        return replace(config, providers=providers)

    def redirect_uri(self, provider: ProviderConfig) -> str:
        return provider.spec.redirect_uri or f"{self.public_url}{CALLBACK_PATH}"
