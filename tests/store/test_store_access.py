"""The auth layer's seam: a store access handler sees every Store call and may rewrite or refuse it."""

from __future__ import annotations

from typing import Any

import grpc
import pytest

from clients.grpc import PorticoClient
from core.errors import InvalidArgument
from core.services.store import StoreService
from portico.serve import Deployment
from protos.portico.v1 import store_pb2_grpc

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def store_database_url(tmp_path: Any) -> str:  # SQLite is enough: the seam is above the storage
    return str(tmp_path / "portico.db")


async def test_access_handler_scopes_each_caller_to_its_namespace(deployment: Deployment) -> None:
    seen: list[str] = []

    async def per_user(action: str, fields: dict[str, Any], context: Any) -> None:
        user = dict(context.invocation_metadata()).get("x-user", "")
        if not user:
            raise InvalidArgument("x-user: required")  # the auth layer raises its own refusal here
        seen.append(action)
        fields["namespace"] = ("users", user, *fields["namespace"])

    assert deployment.core is not None
    server = grpc.aio.server()
    store_pb2_grpc.add_StoreServicer_to_server(StoreService(deployment.core.runtime, access=per_user), server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        async with (
            PorticoClient.connect(f"127.0.0.1:{port}", metadata=[("x-user", "ann")]) as ann,
            PorticoClient.connect(f"127.0.0.1:{port}", metadata=[("x-user", "bob")]) as bob,
            PorticoClient.connect(f"127.0.0.1:{port}") as anonymous,
            PorticoClient.connect(deployment.core.target) as admin,
        ):
            await ann.store.put(["notes"], "k", {"text": "ann's"}, index=False)
            await bob.store.put(["notes"], "k", {"text": "bob's"}, index=False)
            assert (await ann.store.get(["notes"], "k"))["value"] == {"text": "ann's"}
            assert [i["value"]["text"] for i in await bob.store.search(["notes"])] == ["bob's"]
            assert await ann.store.list_namespaces() == [["users", "ann", "notes"]]
            await bob.store.delete(["notes"], "k")
            assert (await admin.store.get(["users", "ann", "notes"], "k"))["value"] == {"text": "ann's"}
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await anonymous.store.search(["notes"])
            assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    finally:
        await server.stop(None)
    assert seen == ["put", "put", "get", "search", "list_namespaces", "delete"]
