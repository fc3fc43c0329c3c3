"""MCP authorization against a real ``portico serve`` with an OAuth issuer configured: RFC 9728 metadata,
``WWW-Authenticate`` challenges, issuer/audience/lifetime/scope checks, key rotation, the caller's
identity inside tool calls, and the token going nowhere past the edge. The official ``mcp`` client talks to
the served gateway over real sockets; only the issuer (metadata + JWKS) is mocked, with ``respx``."""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import httpx2
import pytest
import respx
from authlib.jose import JsonWebKey, JsonWebToken
from mcp import Client
from mcp.client.auth.utils import (
    build_protected_resource_metadata_discovery_urls,
    extract_resource_metadata_from_www_auth,
    extract_scope_from_www_auth,
    handle_protected_resource_response,
)
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

import gateway.mcp.calls
from auth import identity
from auth.identity import Identity
from auth.oauth_resource import IssuerKeys, JwtTokenVerifier, TokenRejected
from clients.grpc import PorticoClient
from gateway.mcp import McpGateway, McpOAuthSettings, McpSettings

ISSUER = "https://issuer.test"
SCOPE = "portico:tools"
THREAD = "io.portico/thread_id"
_JWT = JsonWebToken(["RS256"])


class Issuer:
    """A mocked authorization server: OpenID metadata (no RFC 8414 document) and a JWKS it can rotate."""

    def __init__(self, router: respx.MockRouter) -> None:
        self.keys = [JsonWebKey.generate_key("RSA", 2048, is_private=True, options={"kid": "key-1"})]
        self.jwks_fetches = 0
        router.get(f"{ISSUER}/.well-known/oauth-authorization-server").respond(404)
        router.get(f"{ISSUER}/.well-known/openid-configuration").respond(
            json={"issuer": ISSUER, "jwks_uri": f"{ISSUER}/jwks", "authorization_endpoint": f"{ISSUER}/auth"}
        )
        router.get(f"{ISSUER}/jwks").mock(side_effect=self._jwks)

    def _jwks(self, request: httpx.Request) -> httpx.Response:
        self.jwks_fetches += 1
        return httpx.Response(200, json={"keys": [key.as_dict(is_private=False) for key in self.keys]})

    def rotate(self) -> None:
        """Publish a new signing key (the old one stays published too, as issuers do while rotating)."""
        kid = f"key-{len(self.keys) + 1}"
        self.keys.append(JsonWebKey.generate_key("RSA", 2048, is_private=True, options={"kid": kid}))

    def token(self, audience: str, *, key: Any = None, **claims: Any) -> str:
        key = key or self.keys[-1]
        now = int(time.time())
        payload = {
            "iss": ISSUER,
            "sub": "alice",
            "aud": audience,
            "client_id": "ide-client",
            "scope": f"openid {SCOPE}",
            "iat": now,
            "exp": now + 300,
            "name": "Alice",
            **claims,
        }
        payload = {k: v for k, v in payload.items() if v is not None}
        return _JWT.encode({"alg": "RS256", "kid": key.kid}, payload, key).decode()


@pytest.fixture(autouse=True)
def issuer(monkeypatch: pytest.MonkeyPatch) -> Iterator[Issuer]:
    """The issuer, mocked for the gateway's key fetches; requests to the served gateway go through."""
    monkeypatch.setenv("PORTICO_MCP_OAUTH_ISSUER", ISSUER)
    monkeypatch.setenv("PORTICO_MCP_OAUTH_SCOPES", SCOPE)
    with respx.mock(assert_all_called=False) as router:
        router.route(host="127.0.0.1").pass_through()
        yield Issuer(router)


@contextlib.asynccontextmanager
async def _client(mcp_url: str, mode: str, token: str) -> AsyncIterator[Client]:
    async with create_mcp_http_client(headers={"Authorization": f"Bearer {token}"}) as http:
        async with Client(streamable_http_client(mcp_url, http_client=http), mode=mode) as client:
            yield client


async def _post(
    mcp_url: str,
    token: str | None = None,
    *,
    body: dict[str, Any] | None = None,
    version: str | None = "2026-07-28",
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """A raw POST (by default a stateless 2026-07-28 ``tools/list``), to see the HTTP answer itself."""
    sent = {
        "Content-Type": "application/json",
        "Accept": "application/json, text/event-stream",
        **(headers or {}),
    }
    if version is not None:
        sent["MCP-Protocol-Version"] = version
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    body = body or {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    async with httpx.AsyncClient() as http:
        return await http.post(mcp_url, headers=sent, json=body)


def _challenge(response: httpx.Response) -> str:
    return response.headers["WWW-Authenticate"]


async def test_no_token_is_challenged_with_metadata_naming_the_issuer(mcp_url: str) -> None:
    response = await _post(mcp_url)
    assert response.status_code == 401
    challenge = _challenge(response)
    base = mcp_url.removesuffix("/mcp")
    assert challenge.startswith("Bearer ")
    assert f'resource_metadata="{base}/.well-known/oauth-protected-resource/mcp"' in challenge
    assert "error=" not in challenge  # RFC 6750 §3.1: no error code when no credentials were sent
    assert f'scope="{SCOPE}"' in challenge

    for path in ("/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"):
        async with httpx.AsyncClient() as http:
            metadata = (await http.get(base + path)).json()
        assert metadata["resource"] == mcp_url
        assert metadata["authorization_servers"] == [ISSUER]
        assert metadata["scopes_supported"] == [SCOPE]
        assert metadata["bearer_methods_supported"] == ["header"]


async def test_mcp_clients_own_discovery_reads_the_metadata(mcp_url: str) -> None:
    """What ``mcp.client.auth`` does on a 401: find the metadata, parse it, learn the issuer and scope."""
    async with httpx2.AsyncClient() as http:
        refused = await http.post(
            mcp_url,
            json={"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}},
            headers={"Accept": "application/json, text/event-stream", "MCP-Protocol-Version": "2026-07-28"},
        )
        assert refused.status_code == 401
        assert extract_scope_from_www_auth(refused) == SCOPE
        urls = build_protected_resource_metadata_discovery_urls(
            extract_resource_metadata_from_www_auth(refused), mcp_url
        )
        metadata = await handle_protected_resource_response(await http.get(urls[0]))
    assert metadata is not None
    assert str(metadata.resource) == mcp_url
    assert [str(server) for server in metadata.authorization_servers] == [ISSUER]


async def test_a_valid_token_lists_and_calls_tools_as_its_subject(
    mcp_url: str,
    mode: str,
    issuer: Issuer,
    core: PorticoClient,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    seen: list[tuple[Identity, dict[str, Any]]] = []
    real_start_run = gateway.mcp.calls.start_run

    async def spying_start_run(client: PorticoClient, **fields: Any) -> dict[str, Any]:
        seen.append((identity.current(), fields))
        return await real_start_run(client, **fields)

    monkeypatch.setattr(gateway.mcp.calls, "start_run", spying_start_run)
    secret = f"marker-{uuid.uuid4().hex}"  # a claim value that must not travel either
    token = issuer.token(mcp_url, jti=secret)

    async with _client(mcp_url, mode, token) as client:
        tools = {tool.name for tool in (await client.list_tools()).tools}
        assert "steps" in tools
        result = await client.call_tool("steps", {"n": 1})
        assert not result.is_error and result.structured_content == {"n": 4, "trail": ["s1", "s2", "s3"]}
        again = await client.call_tool("steps", {"thread_id": result.meta[THREAD]})
        assert again.structured_content["n"] == 7
    assert issuer.jwks_fetches == 1  # the key set is fetched once and kept

    # The run ran as the token's subject, with its scopes as permissions and no credential among its fields.
    caller, fields = seen[0]
    assert (caller.identity, caller.kind, caller.is_authenticated) == ("alice", "user", True)
    assert set(caller.permissions) == {"openid", SCOPE}
    assert caller.display_name == "Alice" and caller["iss"] == ISSUER and caller["client_id"] == "ide-client"
    assert token not in repr(caller) and secret not in repr(caller)
    assert all(token not in json.dumps(f, default=str) for _, f in seen)

    # Nothing the core keeps of the call holds the token: runs (kwargs, config, metadata), thread, state.
    thread_id = result.meta[THREAD]
    stored = [
        await core.threads.get(thread_id),
        await core.threads.get_state(thread_id),
        await core.threads.get_history(thread_id),
    ]
    runs = await core.runs.list(thread_id)
    assert len(runs) == 2
    stored += [await core.runs.get(run["run_id"], thread_id=thread_id) for run in runs]
    # The core was told who called (signed by the gateway), so the runs act for the token's subject.
    for run in stored[-2:]:
        assert run["kwargs"]["config"]["configurable"]["langgraph_auth_user_id"] == "alice"
    text = json.dumps(stored, default=str)
    assert token not in text and secret not in text and "Bearer" not in text
    # … and neither do the logs.
    assert not [r for r in caplog.records if token in r.getMessage() or secret in r.getMessage()]


@pytest.mark.parametrize(
    ("claims", "description"),
    [
        ({"aud": "https://other.example/mcp"}, "another resource"),
        ({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}, "expired"),
        ({"iss": "https://evil.test"}, "another authorization server"),
        ({"sub": None}, "no subject"),
    ],
    ids=["wrong-audience", "expired", "wrong-issuer", "no-subject"],
)
async def test_invalid_tokens_get_invalid_token(
    mcp_url: str, issuer: Issuer, claims: dict[str, Any], description: str
) -> None:
    response = await _post(mcp_url, issuer.token(mcp_url, **claims))
    assert response.status_code == 401
    challenge = _challenge(response)
    assert 'error="invalid_token"' in challenge and description in challenge
    assert "resource_metadata=" in challenge


async def test_a_forged_signature_gets_invalid_token(mcp_url: str, issuer: Issuer) -> None:
    # Signed by someone else's key under the issuer's key id: the signature does not verify.
    forged_key = JsonWebKey.generate_key("RSA", 2048, is_private=True, options={"kid": "key-1"})
    forged = await _post(mcp_url, issuer.token(mcp_url, key=forged_key))
    assert forged.status_code == 401 and 'error="invalid_token"' in _challenge(forged)


async def test_a_token_without_the_required_scope_gets_insufficient_scope(
    mcp_url: str, mode: str, issuer: Issuer
) -> None:
    response = await _post(mcp_url, issuer.token(mcp_url, scope="openid"))
    assert response.status_code == 403
    challenge = _challenge(response)
    assert 'error="insufficient_scope"' in challenge and f'scope="{SCOPE}"' in challenge
    with pytest.raises(Exception):  # noqa: B017  # the client surfaces the 403 in its own way per era
        async with _client(mcp_url, mode, issuer.token(mcp_url, scope="openid")) as client:
            await client.list_tools()


async def test_rotated_keys_are_fetched_again_once(mcp_url: str, mode: str, issuer: Issuer) -> None:
    async with _client(mcp_url, mode, issuer.token(mcp_url)) as client:
        await client.list_tools()
    assert issuer.jwks_fetches == 1

    issuer.rotate()  # a token signed with a key the gateway has not seen: one refetch, then accepted
    async with _client(mcp_url, mode, issuer.token(mcp_url)) as client:
        assert (await client.call_tool("opaque", {"n": 1})).structured_content == {"n": 2}
    assert issuer.jwks_fetches == 2

    # Made-up key ids do not make the gateway fetch again and again.
    stranger = JsonWebKey.generate_key("RSA", 2048, is_private=True, options={"kid": "nobody"})
    for _ in range(3):
        response = await _post(mcp_url, issuer.token(mcp_url, key=stranger))
        assert response.status_code == 401 and 'error="invalid_token"' in _challenge(response)
    assert issuer.jwks_fetches == 2


async def test_a_session_belongs_to_the_subject_that_opened_it(mcp_url: str, issuer: Issuer) -> None:
    """A 2025-11-25 session id is of no use with another user's token (mcp binds sessions to principals)."""
    initialize = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-11-25",
            "capabilities": {},
            "clientInfo": {"name": "test", "version": "1"},
        },
    }
    opened = await _post(mcp_url, issuer.token(mcp_url), body=initialize, version=None)
    assert opened.status_code == 200
    session = {"Mcp-Session-Id": opened.headers["Mcp-Session-Id"]}
    hijack = await _post(mcp_url, issuer.token(mcp_url, sub="mallory"), version="2025-11-25", headers=session)
    assert hijack.status_code == 404
    owner = await _post(mcp_url, issuer.token(mcp_url), version="2025-11-25", headers=session)
    assert owner.status_code == 200


def test_settings_from_env() -> None:
    env = {
        "PORTICO_MCP_OAUTH_ISSUER": ISSUER,
        "PORTICO_MCP_OAUTH_SCOPES": "a, b c",
        "PORTICO_MCP_OAUTH_JWKS_URL": f"{ISSUER}/keys",
        "PORTICO_PUBLIC_URL": "https://agents.example.com/",
    }
    settings = McpSettings.from_env(env)
    assert settings.public_url == "https://agents.example.com"
    assert settings.oauth == McpOAuthSettings(
        issuer=ISSUER, jwks_url=f"{ISSUER}/keys", required_scopes=("a", "b", "c")
    )
    assert McpSettings.from_env({}).oauth is None
    # With the Host check off, the resource (and so the audience) must be configured, not taken from Host.
    unchecked = {"PORTICO_MCP_OAUTH_ISSUER": ISSUER, "PORTICO_MCP_ALLOWED_HOSTS": "*"}
    with pytest.raises(ValueError, match="PORTICO_PUBLIC_URL"):
        McpGateway(McpSettings.from_env(unchecked))
    assert McpGateway(McpSettings.from_env({**unchecked, "PORTICO_PUBLIC_URL": "https://a.example"})).oauth


RESOURCE = "https://portico.test/mcp"


def _unsigned(header: dict[str, Any], claims: dict[str, Any]) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part(header)}.{part(claims)}."


async def test_the_verifier_refuses_unsigned_symmetric_and_not_yet_valid_tokens(issuer: Issuer) -> None:
    verifier = JwtTokenVerifier(ISSUER, audience=RESOURCE, required_scopes=[SCOPE])
    good = await verifier.verify_token(issuer.token(RESOURCE, scope=None, scp=[SCOPE, "extra"]))
    assert good is not None and good.subject == "alice" and good.client_id == "ide-client"
    assert good.scopes == [SCOPE, "extra"] and good.resource == RESOURCE and good.expires_at

    claims = {"iss": ISSUER, "sub": "alice", "aud": RESOURCE, "scope": SCOPE, "exp": int(time.time()) + 60}
    assert await verifier.verify_token(_unsigned({"alg": "none", "kid": "key-1"}, claims)) is None
    # HS256 keyed with the issuer's public key (algorithm confusion): symmetric algorithms are never accepted.
    public = issuer.keys[0].as_dict(is_private=False)["n"]
    confused = JsonWebToken(["HS256"]).encode({"alg": "HS256", "kid": "key-1"}, claims, public.encode())
    assert await verifier.verify_token(confused.decode()) is None
    # An EC signature under the id of the issuer's RSA key.
    ec = JsonWebKey.generate_key("EC", "P-256", is_private=True, options={"kid": "key-1"})
    mismatched = JsonWebToken(["ES256"]).encode({"alg": "ES256", "kid": "key-1"}, claims, ec)
    assert await verifier.verify_token(mismatched.decode()) is None
    with pytest.raises(TokenRejected, match="not valid"):
        await verifier.verify(issuer.token(RESOURCE, nbf=int(time.time()) + 600))
    assert await verifier.verify_token(issuer.token(RESOURCE, nbf=int(time.time()) + 5)) is not None  # leeway
    with pytest.raises(TokenRejected) as lacking:
        await verifier.verify(issuer.token(RESOURCE, scope="openid"))
    assert lacking.value.error == "insufficient_scope"
    # Audience lists: the token must name this resource among them.
    assert await verifier.verify_token(issuer.token(["https://a.example", RESOURCE])) is not None
    assert await verifier.verify_token(issuer.token(["https://a.example", "https://b.example"])) is None


async def test_unknown_key_ids_refetch_at_most_once_per_interval(issuer: Issuer) -> None:
    now = [1000.0]
    keys = IssuerKeys(ISSUER, refetch_seconds=30, clock=lambda: now[0])
    verifier = JwtTokenVerifier(ISSUER, audience=RESOURCE, keys=keys)
    assert await verifier.verify_token(issuer.token(RESOURCE)) is not None
    stranger = JsonWebKey.generate_key("RSA", 2048, is_private=True, options={"kid": "nobody"})
    for _ in range(3):
        assert await verifier.verify_token(issuer.token(RESOURCE, key=stranger)) is None
    assert issuer.jwks_fetches == 2  # the first fetch and one refetch
    now[0] += 31
    issuer.rotate()
    assert await verifier.verify_token(issuer.token(RESOURCE)) is not None
    assert issuer.jwks_fetches == 3
