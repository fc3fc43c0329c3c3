"""Agent Auth end to end over REST (langgraph-sdk + plain HTTP) against a respx-mocked provider."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import orjson
from langgraph_sdk import get_client

from portico.serve import Deployment
from tests.agent_auth.conftest import KEY1, PROJECT, FakeProvider, s256, vault_settings
from tests.auth.conftest import ALICE, BOB

OPEN = {"configurable": {"langgraph_auth_user_id": "", "portico_tenant": ""}}


async def _interrupted(sdk: Any, thread_id: str, config: dict[str, Any], graph: str = "profile") -> dict:
    result = await sdk.runs.wait(thread_id, graph, input={}, config=config)
    [interrupt] = result["__interrupt__"]
    return interrupt["value"]


async def _latest_run_result(sdk: Any, thread_id: str, count: int) -> dict[str, Any]:
    """Join the thread's ``count``-th run (the one the core created by itself) and return the state."""
    for _ in range(200):
        runs = await sdk.runs.list(thread_id)
        if len(runs) >= count:
            break
        await asyncio.sleep(0.05)  # the resume run is created by the callback's RPC before it answers
    runs = await sdk.runs.list(thread_id)
    assert len(runs) == count, runs
    await sdk.runs.join(thread_id, runs[0]["run_id"])
    return await sdk.threads.get_state(thread_id)


async def _database_text(deployment: Deployment, database_url: str) -> bytes:
    """Everything the database holds, as bytes to search (SQLite: the files; PostgreSQL: every row)."""
    if not database_url.startswith("postgresql"):
        return b"".join(p.read_bytes() for p in Path(database_url).parent.glob(Path(database_url).name + "*"))
    import psycopg

    chunks = []
    async with await psycopg.AsyncConnection.connect(database_url) as conn:
        cur = await conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
        )
        for (table,) in await cur.fetchall():
            rows = await (await conn.execute(f'SELECT t::text FROM "{table}" t')).fetchall()
            chunks.extend(r[0].encode() for r in rows)
    return b"\n".join(chunks)


async def test_full_flow_interrupts_then_resumes_by_itself(
    deployment: Deployment, server: str, provider: FakeProvider, database_url: str
) -> None:
    sdk = get_client(url=server, api_key=None)
    async with httpx.AsyncClient(base_url=server) as http:
        before = (await http.get("/agent-auth/providers")).json()
        assert before == [
            {"provider": "octo", "authorized": False, "expires_at": None, "scopes": ["user:read", "repo"]}
        ]
        thread = await sdk.threads.create()
        value = await _interrupted(sdk, thread["thread_id"], OPEN)
        assert value["type"] == "authorization_required" and value["provider"] == "octo"
        url = urlsplit(value["url"])
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        assert f"{url.scheme}://{url.netloc}{url.path}" == "https://auth.octo.test/authorize"
        assert query["client_id"] == "portico-test-client" and query["scope"] == "user:read repo"
        assert query["redirect_uri"] == f"{server}/agent-auth/callback"
        assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
        assert (await sdk.threads.get(thread["thread_id"]))["status"] == "interrupted"

        code, state = provider.visit(value["url"])
        done = await http.get("/agent-auth/callback", params={"code": code, "state": state})
        assert done.status_code == 200, done.text
        assert done.json() == {"provider": "octo", "status": "authorized", "resumed_runs": 1}
        # The code was exchanged with the verifier behind the challenge (PKCE S256).
        [exchange] = provider.token_requests
        assert exchange["grant_type"] == "authorization_code"
        assert s256(exchange["code_verifier"]) == query["code_challenge"]

        state_after = await _latest_run_result(sdk, thread["thread_id"], 2)
        assert state_after["values"]["login"] == "octocat"  # the API accepted the bearer
        assert state_after["interrupts"] == [] and state_after["next"] == []
        assert provider.routes["api"].call_count == 1

        listed = (await http.get("/agent-auth/providers")).json()
        assert listed[0]["authorized"] is True and listed[0]["expires_at"]

        # A used state does not complete twice; unknown ones and provider errors are 400s.
        again = await http.get("/agent-auth/callback", params={"code": code, "state": state})
        assert again.status_code == 400 and "state" in again.json()["detail"]
        denied = await http.get("/agent-auth/callback", params={"error": "access_denied", "state": state})
        assert denied.status_code == 400 and "access_denied" in denied.json()["detail"]
        assert (await http.post("/agent-auth/nope/authorize")).status_code == 404

        # Tokens never at rest in clear, nor in events, state, history or errors.
        history = await sdk.threads.get_history(thread["thread_id"])
        events = b""
        for run in await sdk.runs.list(thread["thread_id"]):
            async for part in sdk.runs.join_stream(thread["thread_id"], run["run_id"]):
                events += orjson.dumps(part.data)
        stored = await _database_text(deployment, database_url)
        exposed = orjson.dumps([history, state_after]) + events
        assert provider.secrets
        for secret in provider.secrets:
            assert secret.encode() not in stored and secret.encode().hex().encode() not in stored
            assert secret.encode() not in exposed

        # Revocation: at the provider (the refresh token), then the row is gone.
        gone = await http.delete("/agent-auth/octo")
        assert gone.status_code == 204
        assert provider.revoked == [provider.issued[0]["refresh_token"]]
        assert (await http.get("/agent-auth/providers")).json()[0]["authorized"] is False
    await sdk.aclose()


async def test_refresh_on_expiry_and_revoked_refresh_token_interrupts_again(
    deployment: Deployment, server: str, provider: FakeProvider
) -> None:
    sdk = get_client(url=server, api_key=None)
    vault = deployment.core.runtime.vault  # type: ignore[union-attr]
    real_clock = vault.clock
    async with httpx.AsyncClient(base_url=server) as http:
        thread = await sdk.threads.create()
        value = await _interrupted(sdk, thread["thread_id"], OPEN)
        code, state = provider.visit(value["url"])
        assert (
            await http.get("/agent-auth/callback", params={"code": code, "state": state})
        ).status_code == 200
        first = await _latest_run_result(sdk, thread["thread_id"], 2)

        # Two hours later the token has expired: the next run refreshes it first, once.
        vault.clock = lambda: real_clock() + timedelta(hours=2)
        second = await sdk.runs.wait(thread["thread_id"], "profile", input={}, config=OPEN)
        assert second["login"] == "octocat" and second["token_digest"] != first["values"]["token_digest"]
        assert [r["grant_type"] for r in provider.token_requests] == ["authorization_code", "refresh_token"]

        # The user revokes the grant at the provider: the refresh is refused, the run asks again.
        provider.revoke_all_refresh_tokens()
        vault.clock = lambda: real_clock() + timedelta(hours=4)
        again = await _interrupted(sdk, thread["thread_id"], OPEN)
        assert again["type"] == "authorization_required" and "state=" in again["url"]
        assert (await http.get("/agent-auth/providers")).json()[0]["authorized"] is False

        code, state = provider.visit(again["url"])
        assert (
            await http.get("/agent-auth/callback", params={"code": code, "state": state})
        ).status_code == 200
        resumed = await _latest_run_result(sdk, thread["thread_id"], 5)
        assert resumed["values"]["login"] == "octocat"
    await sdk.aclose()


async def test_resume_keeps_a_later_interrupt_of_the_node_aligned(
    deployment: Deployment, server: str, provider: FakeProvider
) -> None:
    sdk = get_client(url=server, api_key=None)
    async with httpx.AsyncClient(base_url=server) as http:
        thread = await sdk.threads.create()
        value = await _interrupted(sdk, thread["thread_id"], OPEN, graph="approve")
        code, state = provider.visit(value["url"])
        assert (
            await http.get("/agent-auth/callback", params={"code": code, "state": state})
        ).status_code == 200
        paused = await _latest_run_result(sdk, thread["thread_id"], 2)
        # The node's own interrupt asks its question; the authorization's resume did not answer it.
        [question] = paused["interrupts"]
        assert question["value"] == {"question": "post as octocat?"}
        done = await sdk.runs.wait(thread["thread_id"], "approve", command={"resume": "yes"}, config=OPEN)
        assert done["answer"] == "yes" and done["login"] == "octocat"
    await sdk.aclose()


async def test_a_users_run_resumes_only_for_that_user(database_url: str, provider: FakeProvider) -> None:
    """With an auth module, a run acts for the user who made it; the authorization URL it interrupts with
    can be completed by that user only (no consent hijack), and resumes only their run."""

    settings = vault_settings(database_url, f"k1:{KEY1}", config_path=str(PROJECT / "langgraph_users.json"))
    dep = Deployment(settings, grpc_port=0, http_port=0)
    await dep.start()
    try:
        server = f"http://127.0.0.1:{dep.http_port}"
        alice = get_client(url=server, api_key=None, headers=ALICE)
        thread = await alice.threads.create()
        # A forged identity in the request's config is overwritten: the run is alice's, as authenticated.
        value = await _interrupted(
            alice, thread["thread_id"], {"configurable": {"langgraph_auth_user_id": "bob"}}
        )
        code, state = provider.visit(value["url"])
        async with httpx.AsyncClient(base_url=server) as http:
            nobody = await http.get("/agent-auth/callback", params={"code": code, "state": state})
            assert nobody.status_code == 401, nobody.text
            bob = await http.get("/agent-auth/callback", params={"code": code, "state": state}, headers=BOB)
            assert bob.status_code == 403, bob.text
            assert provider.token_requests == []  # nothing was exchanged for them
            mine = await http.get(
                "/agent-auth/callback", params={"code": code, "state": state}, headers=ALICE
            )
            assert mine.status_code == 200 and mine.json()["resumed_runs"] == 1, mine.text
        resumed = await _latest_run_result(alice, thread["thread_id"], 2)
        assert resumed["values"]["login"] == "octocat"
        vault = dep.core.runtime.vault  # type: ignore[union-attr]
        assert await vault.get_token("globex", "bob", "octo") is None
        token = await vault.get_token("acme", "alice", "octo")
        assert token["access_token"] == provider.issued[0]["access_token"]
        await alice.aclose()
    finally:
        await dep.stop()
