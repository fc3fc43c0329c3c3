"""An OAuth provider mocked with respx (authorize, token, revoke, and an API that checks the bearer), and
deployments of the Agent Auth test project on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx

from auth.vault import generate_key
from core.settings import Settings
from portico.serve import Deployment

PROJECT = Path(__file__).resolve().parent / "project"
KEY0 = generate_key()
KEY1 = generate_key()
TOKEN_URL = "https://auth.octo.test/token"
REVOKE_URL = "https://auth.octo.test/revoke"
API_URL = "https://api.octo.test/user"


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


@dataclass
class FakeProvider:
    """The provider's side: codes it issued (with their PKCE challenge), live tokens, revocations."""

    expires_in: int = 3600
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    access_tokens: set[str] = field(default_factory=set)
    refresh_tokens: set[str] = field(default_factory=set)
    issued: list[dict[str, Any]] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    revoked: list[str] = field(default_factory=list)
    routes: dict[str, respx.Route] = field(default_factory=dict)
    refresh_gate: asyncio.Event | None = None
    """When set, refresh requests are held until it is (to make concurrent refreshes overlap)."""

    def visit(self, url: str) -> tuple[str, str]:
        """The user approves at the authorization URL: the code the provider redirects back with, and the state."""
        query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        assert query["response_type"] == "code" and query["code_challenge_method"] == "S256"
        code = "code-" + secrets.token_urlsafe(8)
        self.codes[code] = query
        return code, query["state"]

    def _issue(self) -> httpx.Response:
        token = {
            "access_token": "at-" + secrets.token_urlsafe(24),
            "refresh_token": "rt-" + secrets.token_urlsafe(24),
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "scope": "user:read repo",
        }
        self.access_tokens.add(token["access_token"])
        self.refresh_tokens.add(token["refresh_token"])
        self.issued.append(token)
        return httpx.Response(200, json=token)

    async def token(self, request: httpx.Request) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        self.token_requests.append(form)
        basic = request.headers.get("authorization", "")
        creds = base64.b64decode(basic.removeprefix("Basic ")).decode() if basic.startswith("Basic ") else ""
        if (
            creds != "portico-test-client:portico-test-secret"
            and form.get("client_secret") != "portico-test-secret"
        ):
            return httpx.Response(401, json={"error": "invalid_client"})
        if form["grant_type"] == "authorization_code":
            issued = self.codes.pop(form.get("code", ""), None)
            if issued is None or s256(form.get("code_verifier", "")) != issued["code_challenge"]:
                return httpx.Response(400, json={"error": "invalid_grant"})
            if form.get("redirect_uri") != issued["redirect_uri"]:
                return httpx.Response(400, json={"error": "invalid_grant"})
            return self._issue()
        if form["grant_type"] == "refresh_token":
            if self.refresh_gate is not None:
                await self.refresh_gate.wait()
            if form.get("refresh_token") not in self.refresh_tokens:
                return httpx.Response(400, json={"error": "invalid_grant", "error_description": "revoked"})
            return self._issue()
        return httpx.Response(400, json={"error": "unsupported_grant_type"})

    def revoke(self, request: httpx.Request) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        self.revoked.append(form["token"])
        self.refresh_tokens.discard(form["token"])
        self.access_tokens.discard(form["token"])
        return httpx.Response(200)

    def revoke_all_refresh_tokens(self) -> None:
        self.refresh_tokens.clear()

    def api(self, request: httpx.Request) -> httpx.Response:
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ")
        if bearer not in self.access_tokens:
            return httpx.Response(401, json={"error": "bad token"})
        return httpx.Response(200, json={"login": "octocat"})

    @property
    def secrets(self) -> list[str]:
        """Every token it ever issued (what must never appear at rest in clear, nor in events)."""
        return [t[k] for t in self.issued for k in ("access_token", "refresh_token")]


@pytest.fixture
def provider() -> Iterator[FakeProvider]:
    fake = FakeProvider()
    # Only the provider's hosts are mocked; the tests' own HTTP to the gateway goes through for real.
    with respx.mock(assert_all_called=False, assert_all_mocked=False) as mock:
        fake.routes["token"] = mock.post(TOKEN_URL).mock(side_effect=fake.token)
        fake.routes["revoke"] = mock.post(REVOKE_URL).mock(side_effect=fake.revoke)
        fake.routes["api"] = mock.get(API_URL).mock(side_effect=fake.api)
        mock.route(host="127.0.0.1").pass_through()
        yield fake


@pytest.fixture
async def storage(database_url: str) -> AsyncIterator[Any]:
    """A bare storage on a fresh database (vault tests drive ``TokenVault`` over it directly)."""
    from core.storage import open_storage

    store = open_storage(database_url)
    await store.setup()
    yield store
    await store.close()


def vault_settings(database_url: str, keys: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "config_path": str(PROJECT / "langgraph.json"),
        "workers": 4,
        "heartbeat_seconds": 0.2,
        "lease_seconds": 5.0,
        "sweep_seconds": 0.2,
        "cron_scheduler": False,
        "vault_keys": keys,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
async def deployment(database_url: str, provider: FakeProvider) -> AsyncIterator[Deployment]:
    dep = Deployment(vault_settings(database_url, f"k1:{KEY1}"), grpc_port=0, http_port=0)
    await dep.start()
    try:
        yield dep
    finally:
        await dep.stop()


@pytest.fixture
def server(deployment: Deployment) -> str:
    return f"http://127.0.0.1:{deployment.http_port}"
