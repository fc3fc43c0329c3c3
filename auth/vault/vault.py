"""``TokenVault``: per (tenant, user, provider) OAuth tokens, sealed at rest, refreshed before they expire.

Refresh runs at most once per token across processes. In a process, concurrent callers share one future;
across processes the refresher first takes a lease on the token row with a compare-and-set UPDATE, then
re-reads the row (another process may have refreshed it a moment ago) and only then calls the provider.
Callers that find the lease taken wait — 100 ms, doubling to 1 s, bounded by the lease — and re-read the
row until it holds a fresh token. A refresh answered ``invalid_grant`` (revoked) deletes the token, so
the next use asks the user to authorize again; a provider that is down leaves a still-valid token usable.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from auth.vault.config import ProviderConfig, VaultConfig
from auth.vault.crypto import KeyRing, Sealed, associated_data
from auth.vault.errors import (
    AuthorizationRejected,
    ProviderUnavailable,
    StateMismatch,
    UnknownProvider,
    UnknownState,
    VaultConfigError,
)
from auth.vault.oauth import OAuthClient, new_code_verifier
from auth.vault.store import VaultStore

__all__ = ["TokenVault", "state_hash"]

log = logging.getLogger(__name__)

Key = tuple[str, str, str]  # (tenant, user_id, provider)
_MAX_POLL_SECONDS = 1.0


def _utcnow() -> datetime:
    return datetime.now(UTC)


def state_hash(state: str) -> str:
    """The stored key of an authorization: the state itself never lands in the database."""
    return hashlib.sha256(state.encode()).hexdigest()


def _sealed(row: dict[str, Any]) -> Sealed:
    return Sealed(row["key_id"], bytes(row["nonce"]), bytes(row["ciphertext"]))


class TokenVault:
    """The vault of one process. ``clock`` is injectable (tests move time instead of sleeping)."""

    def __init__(
        self,
        config: VaultConfig,
        store: VaultStore,
        *,
        clock: Callable[[], datetime] = _utcnow,
        owner: str | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self.clock = clock
        self.owner = owner or f"vault-{uuid.uuid4().hex[:12]}"
        self.poll_seconds = 0.1
        self._inflight: dict[Key, asyncio.Future[dict[str, Any] | None]] = {}

    # ------------------------------------------------------------------------------------------ config

    @property
    def provider_names(self) -> list[str]:
        return sorted(self.config.providers)

    def provider(self, name: str) -> ProviderConfig:
        provider = self.config.providers.get(name)
        if provider is None:
            known = ", ".join(self.provider_names) or "none"
            raise UnknownProvider(f"provider {name!r} is not configured; configured: {known}")
        return provider

    def _oauth(self, name: str) -> OAuthClient:
        provider = self.provider(name)
        return OAuthClient(provider, self.config.redirect_uri(provider))

    @property
    def _keys(self) -> KeyRing:
        if self.config.keys is None:
            raise VaultConfigError("PORTICO_VAULT_KEYS is not set: the vault cannot store or read tokens")
        return self.config.keys

    def _seal(self, purpose: str, key: tuple[str, ...], value: Any) -> Sealed:
        return self._keys.seal(orjson.dumps(value), associated_data(purpose, *key))

    def _open(self, purpose: str, key: tuple[str, ...], sealed: Sealed) -> Any:
        return orjson.loads(self._keys.open(sealed, associated_data(purpose, *key)))

    # ----------------------------------------------------------------------------------- authorization

    async def start_authorization(self, tenant: str, user_id: str, provider: str) -> tuple[str, str]:
        """A new authorization for the user: the provider URL to visit and its ``state`` (bound to them)."""
        oauth = self._oauth(provider)
        state = secrets.token_urlsafe(32)
        verifier = new_code_verifier()
        digest = state_hash(state)
        now = self.clock()
        sealed = self._seal("pkce", (tenant, user_id, provider, digest), verifier)
        await self.store.delete_expired_authorizations(now)
        await self.store.put_authorization(
            digest,
            tenant,
            user_id,
            provider,
            sealed,
            now + timedelta(seconds=self.config.authorization_ttl_seconds),
        )
        return oauth.authorization_url(state, verifier), state

    async def complete_authorization(self, tenant: str, user_id: str, state: str, code: str) -> str:
        """Exchange the callback's code for a token of the user who started the authorization; returns
        the provider. Only that user may complete it, once, before it expires."""
        digest = state_hash(state)
        row = await self.store.get_authorization(digest)
        if row is None or row["expires_at"] <= self.clock():
            raise UnknownState("state: unknown, already used or expired authorization; start it again")
        if (row["tenant"], row["user_id"]) != (tenant, user_id):
            # Not consumed: the rightful user can still complete it.
            raise StateMismatch("state: this authorization was started by another user")
        if not await self.store.delete_authorization(digest):
            raise UnknownState("state: unknown, already used or expired authorization; start it again")
        provider = row["provider"]
        verifier = self._open("pkce", (tenant, user_id, provider, digest), _sealed(row))
        token = await self._oauth(provider).exchange_code(code, verifier)
        await self._store_token((tenant, user_id, provider), token)
        return provider

    async def _store_token(self, key: Key, token: dict[str, Any]) -> dict[str, Any]:
        token = self._with_expiry(token)
        await self.store.put_token(*key, self._seal("token", key, token), self._expires(token))
        return token

    def _with_expiry(self, token: dict[str, Any]) -> dict[str, Any]:
        # Expiry by this vault's clock from expires_in (authlib's own expires_at uses the wall clock).
        token = dict(token)
        token.pop("expires_at", None)
        expires_in = token.get("expires_in")
        if isinstance(expires_in, int | float) and not isinstance(expires_in, bool) and expires_in > 0:
            token["expires_at"] = (self.clock() + timedelta(seconds=float(expires_in))).timestamp()
        return token

    @staticmethod
    def _expires(token: dict[str, Any]) -> datetime | None:
        at = token.get("expires_at")
        return datetime.fromtimestamp(at, UTC) if isinstance(at, int | float) else None

    # ------------------------------------------------------------------------------------------- tokens

    def _fresh(self, row: dict[str, Any]) -> bool:
        expires = row.get("expires_at")
        skew = timedelta(seconds=self.config.refresh_skew_seconds)
        return expires is None or self.clock() < expires - skew

    async def _read(self, key: Key, row: dict[str, Any]) -> dict[str, Any]:
        sealed = _sealed(row)
        token = self._open("token", key, sealed)
        if sealed.key_id != self._keys.current_id:
            # Re-encrypted lazily under the current key; a concurrent writer wins (compare-and-set).
            await self.store.reseal_token(*key, sealed, self._seal("token", key, token))
        return token

    async def get_token(self, tenant: str, user_id: str, provider: str) -> dict[str, Any] | None:
        """The user's token (refreshed first when it expires within the skew); None when they have not
        authorized the provider or their grant was revoked."""
        self.provider(provider)
        key = (tenant, user_id, provider)
        row = await self.store.get_token(*key)
        if row is None:
            return None
        if self._fresh(row):
            return await self._read(key, row)
        inflight = self._inflight.get(key)
        if inflight is not None:
            try:
                return await asyncio.shield(inflight)
            except asyncio.CancelledError:
                if not inflight.cancelled():
                    raise  # this caller was cancelled
                return await self.get_token(tenant, user_id, provider)  # the refresher was: try again
        future: asyncio.Future[dict[str, Any] | None] = asyncio.get_running_loop().create_future()
        future.add_done_callback(lambda f: f.cancelled() or f.exception())  # retrieved even with no waiter
        self._inflight[key] = future
        try:
            result = await self._refresh(key)
        except asyncio.CancelledError:
            future.cancel()
            raise
        except BaseException as exc:
            future.set_exception(exc)
            raise
        else:
            future.set_result(result)
            return result
        finally:
            self._inflight.pop(key, None)

    async def _refresh(self, key: Key) -> dict[str, Any] | None:
        deadline = time.monotonic() + self.config.lease_seconds + 5.0
        delay = self.poll_seconds
        while True:
            now = self.clock()
            if await self.store.take_refresh_lease(
                *key, self.owner, now=now, lease_seconds=self.config.lease_seconds
            ):
                try:
                    return await self._refresh_holding_lease(key)
                finally:
                    await self.store.release_refresh_lease(*key, self.owner)
            # Another process refreshes: wait for its result in the row.
            await asyncio.sleep(delay)
            delay = min(delay * 2, _MAX_POLL_SECONDS)
            row = await self.store.get_token(*key)
            if row is None:
                return None
            if self._fresh(row):
                return await self._read(key, row)
            if time.monotonic() > deadline:
                raise ProviderUnavailable(f"{key[2]}: another process's token refresh did not finish in time")

    async def _refresh_holding_lease(self, key: Key) -> dict[str, Any] | None:
        row = await self.store.get_token(*key)
        if row is None:
            return None
        token = await self._read(key, row)
        if self._fresh(row):
            return token  # refreshed by another process between our read and our lease
        refresh_token = token.get("refresh_token")
        expired = row["expires_at"] is not None and self.clock() >= row["expires_at"]
        if not refresh_token:
            if expired:
                await self.store.delete_token(*key)
                return None
            return token
        try:
            fresh = await self._oauth(key[2]).refresh(refresh_token)
        except AuthorizationRejected:
            log.info("refresh token rejected; the user must authorize again", extra={"provider": key[2]})
            await self.store.delete_token(*key)
            return None
        except ProviderUnavailable:
            if not expired:
                log.warning("token refresh failed; using the current token", extra={"provider": key[2]})
                return token
            raise
        fresh = self._with_expiry(fresh)
        await self.store.finish_refresh(
            *key, self.owner, self._seal("token", key, fresh), self._expires(fresh)
        )
        return fresh

    async def status(self, tenant: str, user_id: str) -> list[dict[str, Any]]:
        """Every configured provider with whether the user holds a token for it."""
        rows = {r["provider"]: r for r in await self.store.list_tokens(tenant, user_id)}
        out = []
        for name in self.provider_names:
            row = rows.get(name)
            out.append(
                {
                    "provider": name,
                    "authorized": row is not None,
                    "expires_at": row.get("expires_at") if row else None,
                    "scopes": list(self.config.providers[name].spec.scopes),
                }
            )
        return out

    async def revoke(self, tenant: str, user_id: str, provider: str) -> bool:
        """Forget the user's token, asking the provider to revoke it first when it has a revoke URL."""
        oauth = self._oauth(provider)
        key = (tenant, user_id, provider)
        row = await self.store.get_token(*key)
        if row is None:
            return False
        if self.provider(provider).spec.revoke_url:
            try:
                token = self._open("token", key, _sealed(row))
            except Exception:  # noqa: BLE001 - an unreadable token is deleted all the same
                token = {}
            if token.get("refresh_token"):
                await oauth.revoke(token["refresh_token"], "refresh_token")
            elif token.get("access_token"):
                await oauth.revoke(token["access_token"], "access_token")
        return await self.store.delete_token(*key)

    async def record_wait(
        self, tenant: str, user_id: str, provider: str, *, thread_id: str, run_id: str, assistant_id: str
    ) -> None:
        """Remember that a run on ``thread_id`` is interrupted until the user authorizes ``provider``."""
        await self.store.add_wait(
            thread_id=thread_id,
            provider=provider,
            run_id=run_id,
            assistant_id=assistant_id,
            tenant=tenant,
            user_id=user_id,
        )

    async def rotate(self, *, batch: int = 100) -> int:
        """Re-encrypt every token under the current key; returns how many were re-encrypted."""
        current = self._keys.current_id
        done = 0
        while True:
            rows = await self.store.tokens_not_under(current, limit=batch)
            if not rows:
                return done
            for row in rows:
                key = (row["tenant"], row["user_id"], row["provider"])
                sealed = _sealed(row)
                token = self._open("token", key, sealed)
                if await self.store.reseal_token(*key, sealed, self._seal("token", key, token)):
                    done += 1
