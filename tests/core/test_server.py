"""The gRPC server itself: health checking, reflection, assistants."""

from __future__ import annotations

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from clients.grpc import PorticoClient
from core.runtime import default_assistant_id
from portico.serve import Deployment


async def test_health_and_reflection(deployment: Deployment, client: PorticoClient) -> None:
    health = health_pb2_grpc.HealthStub(client.channel)
    for service in ("", "portico.v1.Runs", "portico.v1.Threads"):
        reply = await health.Check(health_pb2.HealthCheckRequest(service=service))
        assert reply.status == health_pb2.HealthCheckResponse.SERVING
    stub = reflection_pb2_grpc.ServerReflectionStub(client.channel)

    async def requests():
        yield reflection_pb2.ServerReflectionRequest(list_services="")

    services = set()
    async for response in stub.ServerReflectionInfo(requests()):
        services |= {s.name for s in response.list_services_response.service}
    assert {
        "portico.v1.Runs",
        "portico.v1.Assistants",
        "portico.v1.Threads",
        "grpc.health.v1.Health",
    } <= services


async def test_default_assistants_and_versioning(client: PorticoClient) -> None:
    default = await client.assistants.get(default_assistant_id("steps"))
    assert default["graph_id"] == "steps" and default["metadata"] == {"created_by": "system"}
    assert (await client.assistants.get("steps"))["assistant_id"] == default["assistant_id"]

    created = await client.assistants.create(
        graph_id="steps", name="counter", config={"configurable": {"x": 1}}, metadata={"team": "a"}
    )
    assert created["version"] == 1
    updated = await client.assistants.update(
        created["assistant_id"], name="counter v2", metadata={"stage": "b"}
    )
    assert updated["version"] == 2 and updated["name"] == "counter v2"
    assert updated["metadata"] == {"team": "a", "stage": "b"}
    versions = await client.assistants.list_versions(created["assistant_id"])
    assert [v["version"] for v in versions] == [2, 1]
    back = await client.assistants.set_latest_version(created["assistant_id"], 1)
    assert back["name"] == "counter" and back["version"] == 1
    found = await client.assistants.search(metadata={"team": "a"})
    assert [a["assistant_id"] for a in found] == [created["assistant_id"]]
    assert await client.assistants.count(graph_id="steps") == 2

    result = await client.runs.wait(assistant_id=created["assistant_id"], input={"n": 0})
    assert result["run"]["assistant_id"] == created["assistant_id"] and result["values"]["n"] == 3

    await client.assistants.delete(created["assistant_id"])
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await client.assistants.get(created["assistant_id"])
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await client.assistants.create(graph_id="no-such-graph")
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "graph_id" in (err.value.details() or "")


async def test_graph_introspection(client: PorticoClient) -> None:
    graph = await client.assistants.get_graph("steps")
    assert {n["id"] for n in graph["nodes"]} >= {"s1", "s2", "s3"}
    schemas = await client.assistants.get_schemas("steps")
    assert schemas["graph_id"] == "steps"
    assert "n" in schemas["state_schema"]["properties"]
    subgraphs = await client.assistants.get_subgraphs("nested")
    assert "child" in subgraphs


async def test_threads_search_count_copy_delete(client: PorticoClient) -> None:
    a = await client.threads.create(metadata={"user": "ann"})
    b = await client.threads.create(metadata={"user": "bob"})
    await client.runs.wait(thread_id=a["thread_id"], assistant_id="steps", input={"n": 0})
    assert [t["thread_id"] for t in await client.threads.search(metadata={"user": "ann"})] == [a["thread_id"]]
    assert await client.threads.count(metadata={"user": "bob"}) == 1
    assert [t["thread_id"] for t in await client.threads.search(values={"n": 3})] == [a["thread_id"]]
    copy = await client.threads.copy(a["thread_id"])
    assert copy["thread_id"] != a["thread_id"]
    assert (await client.threads.get_state(copy["thread_id"]))["values"]["n"] == 3
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await client.threads.create(thread_id=b["thread_id"])
    assert err.value.code() == grpc.StatusCode.ALREADY_EXISTS
    same = await client.threads.create(thread_id=b["thread_id"], if_exists="do_nothing")
    assert same["metadata"] == {"user": "bob"}
    await client.threads.delete(a["thread_id"])
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await client.threads.get(a["thread_id"])
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    assert (await client.threads.get_state(copy["thread_id"]))["values"]["n"] == 3
