"""The vault in process, over real SQLite and PostgreSQL storage: single-flight refresh across processes,
encryption at rest bound to its row, key rotation, and refusing to start without keys."""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from auth.vault import (
    KeyRing,
    ProviderSpec,
    StateMismatch,
    TokenVault,
    UnknownState,
    VaultConfig,
    VaultConfigError,
    VaultKeyError,
)
from core.graphs import load_project
from core.storage import open_storage
from portico import cli
from portico.serve import Deployment
from tests.agent_auth.conftest import KEY0, KEY1, PROJECT, FakeProvider, vault_settings


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2030, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def _config(keys: str, **options: Any) -> VaultConfig:
    project = load_project(PROJECT / "langgraph.json")
    return VaultConfig.resolve(project.auth_providers, os.environ, keys=keys, **options)


async def _authorize(vault: TokenVault, provider: FakeProvider, user: str = "alice") -> dict[str, Any]:
    url, state = await vault.start_authorization("acme", user, "octo")
    code, returned = provider.visit(url)
    assert returned == state
    assert await vault.complete_authorization("acme", user, state, code) == "octo"
    token = await vault.get_token("acme", user, "octo")
    assert token is not None
    return token


async def test_concurrent_gets_across_processes_refresh_once(storage: Any, provider: FakeProvider) -> None:
    clock = Clock()
    # Two vaults on one database stand for two processes (each its own lease owner and in-process future).
    one = TokenVault(_config(f"k1:{KEY1}"), storage.vault, clock=clock)
    two = TokenVault(_config(f"k1:{KEY1}"), storage.vault, clock=clock)
    first = await _authorize(one, provider)
    assert [r["grant_type"] for r in provider.token_requests] == ["authorization_code"]

    # The provider holds the refresh until the other "process" has found the lease taken.
    refused = asyncio.Event()
    take = storage.vault.take_refresh_lease

    async def watched(*args: Any, **kwargs: Any) -> bool:
        taken = await take(*args, **kwargs)
        if not taken:
            refused.set()
        return taken

    storage.vault.take_refresh_lease = watched
    provider.refresh_gate = refused
    clock.now += timedelta(seconds=3600 - 30)  # inside the refresh skew (60 s), not yet expired
    results = await asyncio.gather(*(v.get_token("acme", "alice", "octo") for v in [one, two] * 10))
    assert provider.routes["token"].call_count == 2  # the code exchange and exactly one refresh
    refreshed = {r["access_token"] for r in results}
    assert refreshed == {provider.issued[1]["access_token"]} and first["access_token"] not in refreshed
    # Served from the row afterwards: no further provider calls.
    assert (await two.get_token("acme", "alice", "octo"))["access_token"] in refreshed
    assert provider.routes["token"].call_count == 2


async def test_revoked_refresh_token_forgets_the_grant(storage: Any, provider: FakeProvider) -> None:
    clock = Clock()
    vault = TokenVault(_config(f"k1:{KEY1}"), storage.vault, clock=clock)
    await _authorize(vault, provider)
    provider.revoke_all_refresh_tokens()
    clock.now += timedelta(hours=2)
    assert await vault.get_token("acme", "alice", "octo") is None
    assert await storage.vault.get_token("acme", "alice", "octo") is None


async def test_ciphertext_is_bound_to_its_row(storage: Any, provider: FakeProvider) -> None:
    vault = TokenVault(_config(f"k1:{KEY1}"), storage.vault, clock=Clock())
    token = await _authorize(vault, provider)
    row = await storage.vault.get_token("acme", "alice", "octo")
    assert token["access_token"].encode() not in row["ciphertext"]
    from auth.vault import Sealed

    copied = Sealed(row["key_id"], bytes(row["nonce"]), bytes(row["ciphertext"]))
    await storage.vault.put_token("acme", "mallory", "octo", copied, row["expires_at"])
    with pytest.raises(VaultKeyError, match="does not belong to this row"):
        await vault.get_token("acme", "mallory", "octo")
    await storage.vault.put_token("other", "alice", "octo", copied, row["expires_at"])
    with pytest.raises(VaultKeyError):
        await vault.get_token("other", "alice", "octo")
    assert (await vault.get_token("acme", "alice", "octo"))["access_token"] == token["access_token"]


async def test_state_is_single_use_bound_to_its_user_and_expires(
    storage: Any, provider: FakeProvider
) -> None:
    clock = Clock()
    vault = TokenVault(_config(f"k1:{KEY1}"), storage.vault, clock=clock)
    url, state = await vault.start_authorization("acme", "alice", "octo")
    code, _ = provider.visit(url)
    with pytest.raises(StateMismatch):
        await vault.complete_authorization("acme", "mallory", state, code)
    clock.now += timedelta(minutes=11)
    with pytest.raises(UnknownState):
        await vault.complete_authorization("acme", "alice", state, code)
    with pytest.raises(UnknownState):
        await vault.complete_authorization("acme", "alice", "made-up", code)
    assert provider.token_requests == []


async def test_rotation_reencrypts_so_the_old_key_can_go(storage: Any, provider: FakeProvider) -> None:
    old = TokenVault(_config(f"k0:{KEY0}"), storage.vault, clock=Clock())
    token = await _authorize(old, provider)
    await _authorize(old, provider, user="bob")
    both = TokenVault(_config(f"k1:{KEY1},k0:{KEY0}"), storage.vault, clock=Clock())
    assert await both.rotate() == 2
    assert await both.rotate() == 0
    assert (await storage.vault.get_token("acme", "alice", "octo"))["key_id"] == "k1"
    new_only = TokenVault(_config(f"k1:{KEY1}"), storage.vault, clock=Clock())
    assert (await new_only.get_token("acme", "alice", "octo"))["access_token"] == token["access_token"]
    # A row sealed under a key that was removed fails with a message naming the key.
    with pytest.raises(VaultKeyError, match="'k1', which is not in PORTICO_VAULT_KEYS"):
        await TokenVault(_config(f"k2:{KEY0}"), storage.vault).get_token("acme", "alice", "octo")


async def test_reading_under_an_old_key_reseals_lazily(storage: Any, provider: FakeProvider) -> None:
    await _authorize(TokenVault(_config(f"k0:{KEY0}"), storage.vault, clock=Clock()), provider)
    both = TokenVault(_config(f"k1:{KEY1},k0:{KEY0}"), storage.vault, clock=Clock())
    assert await both.get_token("acme", "alice", "octo")
    assert (await storage.vault.get_token("acme", "alice", "octo"))["key_id"] == "k1"


def test_cli_rotate(database_url: str, provider: FakeProvider, monkeypatch: pytest.MonkeyPatch) -> None:
    async def seed() -> None:
        store = open_storage(database_url)
        await store.setup()
        try:
            await _authorize(TokenVault(_config(f"k0:{KEY0}"), store.vault, clock=Clock()), provider)
        finally:
            await store.close()

    async def key_id() -> str:
        store = open_storage(database_url)
        await store.setup()
        try:
            token = await TokenVault(_config(f"k1:{KEY1}"), store.vault).get_token("acme", "alice", "octo")
            assert token is not None
            return (await store.vault.get_token("acme", "alice", "octo"))["key_id"]
        finally:
            await store.close()

    asyncio.run(seed())
    monkeypatch.setenv("PORTICO_VAULT_KEYS", f"k1:{KEY1},k0:{KEY0}")
    assert cli.main(["vault", "rotate", "--database", database_url]) == 0
    assert asyncio.run(key_id()) == "k1"


async def test_providers_without_keys_refuse_to_start(tmp_path: Any) -> None:
    dep = Deployment(vault_settings(str(tmp_path / "p.db"), ""), grpc_port=0, http_port=None)
    with pytest.raises(VaultConfigError, match="PORTICO_VAULT_KEYS is not set"):
        await dep.start()
    with pytest.raises(VaultConfigError, match="32 bytes"):
        KeyRing.parse("k:c2hvcnQ=")
    spec = ProviderSpec("x", "https://a/x", "https://a/t", (), "NOPE_ID_ENV", "NOPE_SECRET_ENV")
    with pytest.raises(VaultConfigError, match="NOPE_ID_ENV"):
        VaultConfig.resolve({"x": spec}, {}, keys=f"k1:{KEY1}")


def test_providers_in_portico_toml(tmp_path: Any) -> None:
    from core.graphs.project import ConfigError

    (tmp_path / "graphs.py").write_text("graph = None\n")
    table = """
[graphs]
g = "./graphs.py:graph"

[auth.providers.github]
authorize_url = "https://github.com/login/oauth/authorize"
token_url = "https://github.com/login/oauth/access_token"
scopes = ["repo"]
client_id_env = "GH_ID"
client_secret_env = "GH_SECRET"
"""
    (tmp_path / "portico.toml").write_text(table)
    [spec] = load_project(tmp_path).auth_providers.values()
    assert (spec.name, spec.scopes, spec.client_secret_env, spec.revoke_url) == (
        "github",
        ("repo",),
        "GH_SECRET",
        None,
    )
    (tmp_path / "portico.toml").write_text(
        table.replace('token_url = "https://github.com/login/oauth/access_token"\n', "")
    )
    with pytest.raises(ConfigError, match="auth.providers.github.token_url: required"):
        load_project(tmp_path)
