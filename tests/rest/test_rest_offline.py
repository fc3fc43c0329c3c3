"""The app's own answers that need no core: validation (422 naming the field), errors, OpenAPI, docs."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from clients.grpc import PorticoClient
from gateway.rest import create_app


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    # A core nobody listens on: every request here must be answered before the core is called.
    client = PorticoClient.connect("127.0.0.1:9")
    app = create_app(client)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://portico") as c:
        yield c
    await client.close()


async def test_ok_info_docs(http: httpx.AsyncClient) -> None:
    ok = await http.get("/ok")  # no core, so not ready
    assert ok.status_code == 503 and ok.json()["ok"] is False
    info = (await http.get("/info")).json()
    assert info["flags"]["assistants"] is True
    docs = await http.get("/docs")
    assert docs.status_code == 200 and "openapi.json" in docs.text


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("POST", "/threads/t/runs", {"assistant_id": "a", "bogus": 1}, "body.bogus"),
        ("POST", "/threads/t/runs", {"input": {}}, "body.assistant_id"),
        ("POST", "/runs/stream", {"assistant_id": "a", "stream_mode": "events"}, "stream_mode"),
        ("POST", "/runs/wait", {"assistant_id": "a", "stream_mode": "nope"}, "body.stream_mode"),
        ("POST", "/threads/t/runs", {"assistant_id": "a", "feedback_keys": ["k"]}, "feedback_keys"),
        ("POST", "/threads/t/runs", {"assistant_id": "a", "on_disconnect": "cancel"}, "on_disconnect"),
        ("POST", "/threads/t/runs/wait", {"assistant_id": "a", "on_completion": "delete"}, "on_completion"),
        ("POST", "/threads", {"metadata": {}, "ttl": {"ttl": 5, "strategy": "keep_latest"}}, "ttl.strategy"),
        ("POST", "/threads/search", {"extract": {"a": "values.a"}}, "extract"),
        ("POST", "/threads/search", {"limit": "many"}, "body.limit"),
        ("POST", "/assistants", {"graph_id": "g", "colour": "red"}, "body.colour"),
        ("POST", "/assistants/search", {"sort_by": "size"}, "body.sort_by"),
        ("PUT", "/store/items", {"namespace": ["a.b"], "key": "k", "value": {}}, "namespace"),
        ("POST", "/runs/batch", [{"assistant_id": "a", "x": 1}], "body.0.x"),
        ("GET", "/threads/t/runs/r/stream", None, "Last-Event-ID"),
        ("DELETE", "/assistants/a?delete_threads=true", None, "delete_threads"),
        ("GET", "/threads/t/runs?color=blue", None, "query.color"),
    ],
)
async def test_422_names_the_field(
    http: httpx.AsyncClient, method: str, path: str, body: object, field: str
) -> None:
    headers = {"Last-Event-ID": "not-a-number"} if field == "Last-Event-ID" else {}
    response = await http.request(method, path, json=body, headers=headers)
    assert response.status_code == 422, response.text
    assert field in response.json()["detail"]


async def test_unknown_route_and_invalid_json(http: httpx.AsyncClient) -> None:
    missing = await http.get("/nowhere")
    assert missing.status_code == 404 and missing.json() == {"detail": "Not Found"}
    broken = await http.post("/threads", content=b"{not json", headers={"content-type": "application/json"})
    assert broken.status_code == 422 and "JSON" in broken.json()["detail"]


async def test_core_unavailable_is_503(http: httpx.AsyncClient) -> None:
    response = await http.get("/threads/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 503 and response.json()["detail"]


async def test_openapi_describes_every_route(http: httpx.AsyncClient) -> None:
    spec = (await http.get("/openapi.json")).json()
    assert spec["openapi"].startswith("3.1")
    paths = spec["paths"]
    for path, method in [
        ("/assistants/{assistant_id}/subgraphs/{namespace}", "get"),
        ("/threads/{thread_id}/runs/stream", "post"),
        ("/threads/{thread_id}/history", "post"),
        ("/store/items", "put"),
        ("/runs/batch", "post"),
    ]:
        assert method in paths[path], path
    create = paths["/threads/{thread_id}/runs"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/RunCreate"
    }
    assert "RunCreate" in spec["components"]["schemas"]
    assert "text/event-stream" in paths["/runs/stream"]["post"]["responses"]["200"]["content"]
    refs = _refs(spec)
    assert refs <= {f"#/components/schemas/{name}" for name in spec["components"]["schemas"]}
    operation_ids = [op["operationId"] for ops in paths.values() for op in ops.values()]
    assert len(operation_ids) == len(set(operation_ids))


def _refs(node: object) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        for value in node.values():
            found |= _refs(value)
        return found
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node)) if node else set()
    return set()
