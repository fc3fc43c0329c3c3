"""Tenant isolation: user B can neither read, list, count, stream, resume, cancel nor delete user A's
threads, runs, crons or memories, over REST (``langgraph-sdk``) and direct gRPC, and nothing changes."""

from __future__ import annotations

from typing import Any

import grpc
import httpx
import pytest
from langgraph_sdk.errors import NotFoundError, PermissionDeniedError

from auth.identity import Identity
from auth.signing import HEADER, sign
from tests.auth.conftest import ALICE, BOB, grpc_client, rest


async def _alice_world(alice: Any) -> dict[str, Any]:
    """Alice's things: a thread with a finished run, an interrupted thread, a cron, a memory."""
    thread = await alice.threads.create(metadata={"topic": "secret"})
    run = await alice.runs.create(thread["thread_id"], "whoami", input={})
    await alice.runs.join(thread["thread_id"], run["run_id"])
    paused = await alice.threads.create()
    await alice.runs.wait(paused["thread_id"], "approve", input={})
    cron = await alice.crons.create("whoami", schedule="0 0 1 1 *")
    await alice.store.put_item(["notes"], "k1", {"text": "alice's"})
    return {"thread": thread, "run": run, "paused": paused, "cron": cron}


async def _refused(call: Any) -> None:
    """Refused as LangGraph Platform refuses: 404 for what the caller may not see, 403 for a denial."""
    with pytest.raises((NotFoundError, PermissionDeniedError, httpx.HTTPStatusError)) as refused:
        await call
    if isinstance(refused.value, httpx.HTTPStatusError):
        assert refused.value.response.status_code in (403, 404)


async def test_rest_user_b_cannot_reach_user_a(base_url: str) -> None:
    alice, bob = rest(base_url, headers=ALICE), rest(base_url, headers=BOB)
    world = await _alice_world(alice)
    tid, rid, pid = world["thread"]["thread_id"], world["run"]["run_id"], world["paused"]["thread_id"]
    before = await alice.threads.get(tid)
    paused_before = await alice.threads.get_state(pid)

    # Reads, lists, counts.
    await _refused(bob.threads.get(tid))
    await _refused(bob.threads.get_state(tid))
    await _refused(bob.threads.get_history(tid))
    await _refused(bob.runs.list(tid))
    await _refused(bob.runs.get(tid, rid))
    await _refused(bob.runs.join(tid, rid))
    await _refused(bob.threads.copy(tid))
    assert await bob.threads.search() == []
    assert await bob.threads.search(metadata={"owner": "alice"}) == []
    assert await bob.threads.count() == 0
    assert await bob.crons.search() == []
    assert await bob.crons.count() == 0
    # Streams: joining a run's stream or a thread's.
    with pytest.raises(httpx.HTTPStatusError) as refused:
        async for _ in bob.runs.join_stream(tid, rid):
            pass
    assert refused.value.response.status_code == 404
    # Changes: update, state update, resume, cancel, delete, runs on the thread.
    await _refused(bob.threads.update(tid, metadata={"owner": "bob"}))
    await _refused(bob.threads.update_state(tid, {"user": "bob"}))
    await _refused(bob.runs.create(pid, "approve", command={"resume": "yes"}))
    await _refused(bob.runs.create(tid, "whoami", input={}))
    await _refused(bob.runs.cancel(tid, rid))
    await _refused(bob.runs.delete(tid, rid))
    await _refused(bob.threads.delete(tid))
    await _refused(bob.crons.delete(world["cron"]["cron_id"]))
    # Memories: Bob's namespace is his own, whatever he names.
    await _refused(bob.store.get_item(["notes"], "k1"))
    assert (await bob.store.search_items(["notes"]))["items"] == []
    await bob.store.delete_item(["notes"], "k1")  # deletes in Bob's namespace, not Alice's

    # Nothing changed.
    after = await alice.threads.get(tid)
    assert after["metadata"] == before["metadata"] and after["metadata"]["owner"] == "alice"
    assert (await alice.threads.get_state(pid))["next"] == paused_before["next"] == ["approve"]
    assert [r["run_id"] for r in await alice.runs.list(tid)] == [rid]
    assert (await alice.store.get_item(["notes"], "k1"))["value"] == {"text": "alice's"}
    assert await alice.threads.count() == 2
    assert len(await alice.crons.search()) == 1


async def test_rest_runs_act_for_their_user_whatever_the_request_says(base_url: str) -> None:
    alice, bob = rest(base_url, headers=ALICE), rest(base_url, headers=BOB)
    forged = {"configurable": {"langgraph_auth_user_id": "alice", "portico_tenant": "acme"}}
    result = await bob.runs.wait(None, "whoami", input={}, config=forged)
    assert result == {"user": "bob", "tenant": "globex"}
    # The graph wrote under ("bob", "runs"); Bob's requests are scoped to ("bob", …) by the store handler,
    # so he reads it as ["runs"] and Alice, scoped to ("alice", …), cannot reach it by any name.
    assert (await bob.store.get_item(["runs"], "last"))["value"] == {"user": "bob"}
    await _refused(alice.store.get_item(["runs"], "last"))
    await _refused(alice.store.get_item(["bob", "runs"], "last"))
    # Each sees only their own runs' threads (the stateless one was Bob's and is gone or his).
    assert all(t["metadata"]["owner"] == "bob" for t in await bob.threads.search())


async def test_rest_unauthenticated_and_handler_failures(base_url: str) -> None:
    async with httpx.AsyncClient(base_url=base_url) as http:
        missing = await http.post("/threads/search", json={})
        assert missing.status_code == 401 and missing.json()["detail"] == "invalid or missing token"
        wrong = await http.post("/threads", json={}, headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        assert (await http.get("/ok")).status_code == 200  # liveness stays public
        # A forged identity header from outside is ignored: the gateway authenticates the request itself.
        forged = sign(Identity("alice", kind="user", is_authenticated=True), b"guess")
        assert (await http.post("/threads/search", json={}, headers={HEADER: forged})).status_code == 401
    bob = rest(base_url, headers=BOB)
    cron = await bob.crons.create("whoami", schedule="0 0 1 1 *")
    # crons.delete's handler raises: a denial (403), not a 500, and the cron is still there.
    with pytest.raises(PermissionDeniedError):
        await bob.crons.delete(cron["cron_id"])
    assert [c["cron_id"] for c in await bob.crons.search()] == [cron["cron_id"]]


async def test_grpc_direct_callers_are_isolated_and_cannot_forge(deployment: Any, base_url: str) -> None:
    alice_rest = rest(base_url, headers=ALICE)
    thread = await alice_rest.threads.create()
    async with (
        grpc_client(deployment, ALICE) as alice,
        grpc_client(deployment, BOB) as bob,
        grpc_client(deployment, {}) as nobody,
    ):
        assert (await alice.threads.get(thread_id=thread["thread_id"]))["metadata"]["owner"] == "alice"
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await bob.threads.get(thread_id=thread["thread_id"])
        assert err.value.code() == grpc.StatusCode.NOT_FOUND
        assert await bob.threads.search() == []
        assert await bob.threads.count() == 0
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await nobody.threads.search()
        assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED
        with pytest.raises(grpc.aio.AioRpcError) as err:
            async for _ in bob.runs.stream(thread_id=thread["thread_id"]):
                pass
        assert err.value.code() == grpc.StatusCode.NOT_FOUND
        assert (await bob.operators.whoami())["identity"] == "bob"
    # A gateway identity signed with anything but the deployment's secret is refused, never trusted.
    forged = sign(Identity("alice", kind="user", is_authenticated=True), b"not-the-secret")
    for metadata in ({HEADER: forged}, {HEADER: "garbage"}, {HEADER: forged, **BOB}):
        async with grpc_client(deployment, metadata) as mallory:
            with pytest.raises(grpc.aio.AioRpcError) as err:
                await mallory.threads.get(thread_id=thread["thread_id"])
            assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED
    # The gateway's own role (webhook dispatch) is not a user's.
    async with grpc_client(deployment, BOB) as bob:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await bob.webhooks.claim(owner="mallory", limit=10)
        assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_run_spans_carry_the_tenant(base_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from core import tracing as core_tracing

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    monkeypatch.setattr(core_tracing, "_tracer", provider.get_tracer("portico"))
    # Bob asks to be counted in Alice's tenant; the span says whose run it is.
    forged = {"configurable": {"portico_tenant": "acme"}}
    await rest(base_url, headers=BOB).runs.wait(None, "whoami", input={}, config=forged)
    [run] = [s for s in exporter.get_finished_spans() if s.name == "run"]
    assert run.attributes["portico.tenant"] == "globex"
