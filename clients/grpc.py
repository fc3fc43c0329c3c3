"""Typed async gRPC client for the Portico core.

Each resource is an attribute (``client.assistants``, ``client.threads``, ``client.runs``,
``client.store``, ``client.crons``, ``client.webhooks``,
``client.vault``); its methods take the request's fields as keyword arguments
(JSON-shaped fields as Python values) and return dicts keyed by the response message's fields, through
the one codec. gRPC errors surface as ``grpc.aio.AioRpcError`` with the core's status codes.

    async with PorticoClient.connect("127.0.0.1:50051") as client:
        thread = await client.threads.create()
        run = await client.runs.create(thread_id=thread["thread_id"], assistant_id="agent", input={...})
        result = await client.runs.join(run_id=run["run_id"])
"""

from __future__ import annotations

import contextvars
from collections.abc import AsyncIterator, Sequence
from typing import Any

import grpc
from opentelemetry import propagate

from protos import codec
from protos.portico.v1 import (
    assistants_pb2 as apb,
)
from protos.portico.v1 import (
    assistants_pb2_grpc,
    crons_pb2_grpc,
    metrics_pb2_grpc,
    operators_pb2_grpc,
    runs_pb2_grpc,
    store_pb2_grpc,
    threads_pb2_grpc,
    vault_pb2_grpc,
    webhooks_pb2_grpc,
)
from protos.portico.v1 import (
    crons_pb2 as cpb,
)
from protos.portico.v1 import (
    metrics_pb2 as mpb,
)
from protos.portico.v1 import (
    operators_pb2 as opb,
)
from protos.portico.v1 import (
    runs_pb2 as rpb,
)
from protos.portico.v1 import (
    store_pb2 as spb,
)
from protos.portico.v1 import (
    threads_pb2 as tpb,
)
from protos.portico.v1 import (
    vault_pb2 as vpb,
)
from protos.portico.v1 import (
    webhooks_pb2 as wpb,
)

__all__ = ["PorticoClient", "call_metadata"]

Metadata = Sequence[tuple[str, str]]

call_metadata: contextvars.ContextVar[Metadata] = contextvars.ContextVar("portico_call_metadata", default=())
"""Metadata added to every call made in this context: the gateway sets the caller's signed identity here
once per request, so every core call the request makes carries it."""


class _Resource:
    def __init__(self, stub: Any, metadata: Metadata | None) -> None:
        self._stub = stub
        self._metadata = metadata

    async def _call(
        self, method: str, request_cls: type, fields: dict[str, Any], *, timeout: float | None = None
    ) -> Any:
        request = codec.to_message(request_cls, fields)
        metadata = (*(self._metadata or ()), *call_metadata.get())
        trace: dict[str, str] = {}
        propagate.inject(
            trace
        )  # the caller's OpenTelemetry trace continues in the core (none: nothing added)
        if trace:
            metadata = (*(metadata or ()), *trace.items())
        response = await getattr(self._stub, method)(request, metadata=metadata, timeout=timeout)
        return codec.from_message(response)


class Assistants(_Resource):
    async def create(self, **fields: Any) -> dict[str, Any]:
        return await self._call("Create", apb.CreateAssistantRequest, fields)

    async def get(self, assistant_id: str) -> dict[str, Any]:
        return await self._call("Get", apb.GetAssistantRequest, {"assistant_id": assistant_id})

    async def update(self, assistant_id: str, **fields: Any) -> dict[str, Any]:
        return await self._call(
            "Update", apb.UpdateAssistantRequest, {"assistant_id": assistant_id, **fields}
        )

    async def delete(self, assistant_id: str) -> None:
        await self._call("Delete", apb.GetAssistantRequest, {"assistant_id": assistant_id})

    async def search(self, **fields: Any) -> list[dict[str, Any]]:
        return (await self._call("Search", apb.SearchAssistantsRequest, fields))["assistants"]

    async def count(self, **fields: Any) -> int:
        return int((await self._call("Count", apb.SearchAssistantsRequest, fields))["count"])

    async def list_versions(self, assistant_id: str, **fields: Any) -> list[dict[str, Any]]:
        fields["assistant_id"] = assistant_id
        return (await self._call("ListVersions", apb.ListAssistantVersionsRequest, fields))["assistants"]

    async def set_latest_version(self, assistant_id: str, version: int) -> dict[str, Any]:
        return await self._call(
            "SetLatestVersion",
            apb.SetLatestVersionRequest,
            {"assistant_id": assistant_id, "version": version},
        )

    async def get_graph(self, assistant_id: str, *, xray: bool | int = False) -> Any:
        fields = {
            "assistant_id": assistant_id,
            "xray": bool(xray),
            "xray_depth": 0 if isinstance(xray, bool) else xray,
        }
        return (await self._call("GetGraph", apb.GetGraphRequest, fields))["json"]

    async def get_schemas(self, assistant_id: str) -> Any:
        return (await self._call("GetSchemas", apb.GetAssistantRequest, {"assistant_id": assistant_id}))[
            "json"
        ]

    async def get_subgraphs(self, assistant_id: str, *, namespace: str = "", recurse: bool = False) -> Any:
        fields = {"assistant_id": assistant_id, "namespace": namespace, "recurse": recurse}
        return (await self._call("GetSubgraphs", apb.GetSubgraphsRequest, fields))["json"]


class Threads(_Resource):
    async def create(self, **fields: Any) -> dict[str, Any]:
        return await self._call("Create", tpb.CreateThreadRequest, fields)

    async def get(self, thread_id: str) -> dict[str, Any]:
        return await self._call("Get", tpb.GetThreadRequest, {"thread_id": thread_id})

    async def update(self, thread_id: str, *, metadata: dict[str, Any]) -> dict[str, Any]:
        return await self._call(
            "Update", tpb.UpdateThreadRequest, {"thread_id": thread_id, "metadata": metadata}
        )

    async def delete(self, thread_id: str) -> None:
        await self._call("Delete", tpb.GetThreadRequest, {"thread_id": thread_id})

    async def search(self, **fields: Any) -> list[dict[str, Any]]:
        return (await self._call("Search", tpb.SearchThreadsRequest, fields))["threads"]

    async def count(self, **fields: Any) -> int:
        return int((await self._call("Count", tpb.SearchThreadsRequest, fields))["count"])

    async def copy(self, thread_id: str) -> dict[str, Any]:
        return await self._call("Copy", tpb.CopyThreadRequest, {"thread_id": thread_id})

    async def get_state(
        self, thread_id: str, *, checkpoint: dict[str, Any] | None = None, subgraphs: bool = False
    ) -> Any:
        fields = {"thread_id": thread_id, "checkpoint": checkpoint, "subgraphs": subgraphs}
        return (await self._call("GetState", tpb.GetStateRequest, fields))["state"]

    async def update_state(
        self,
        thread_id: str,
        values: Any,
        *,
        as_node: str = "",
        checkpoint: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        fields = {"thread_id": thread_id, "values": values, "as_node": as_node, "checkpoint": checkpoint}
        return (await self._call("UpdateState", tpb.UpdateStateRequest, fields))["checkpoint"]

    async def get_history(self, thread_id: str, **fields: Any) -> list[Any]:
        fields["thread_id"] = thread_id
        return [s["state"] for s in (await self._call("GetHistory", tpb.GetHistoryRequest, fields))["states"]]


class Runs(_Resource):
    async def create(self, **fields: Any) -> dict[str, Any]:
        """Create a run; ``thread_id`` omitted or empty makes a stateless run on a fresh thread."""
        if isinstance(fields.get("stream_mode"), str):
            fields["stream_mode"] = [fields["stream_mode"]]
        return await self._call("Create", rpb.CreateRunRequest, fields)

    async def get(self, run_id: str, *, thread_id: str = "") -> dict[str, Any]:
        return await self._call("Get", rpb.GetRunRequest, {"run_id": run_id, "thread_id": thread_id})

    async def list(self, thread_id: str, **fields: Any) -> list[dict[str, Any]]:
        fields["thread_id"] = thread_id
        return (await self._call("List", rpb.ListRunsRequest, fields))["runs"]

    async def cancel(
        self, run_id: str, *, thread_id: str = "", action: str = "interrupt", wait: bool = False
    ) -> dict[str, Any]:
        fields = {"run_id": run_id, "thread_id": thread_id, "action": action, "wait": wait}
        return await self._call("Cancel", rpb.CancelRunRequest, fields)

    async def cancel_many(self, **fields: Any) -> None:
        await self._call("CancelMany", rpb.CancelRunsRequest, fields)

    async def delete(self, run_id: str, *, thread_id: str = "") -> None:
        await self._call("Delete", rpb.GetRunRequest, {"run_id": run_id, "thread_id": thread_id})

    async def join(self, run_id: str, *, thread_id: str = "", timeout: float | None = None) -> dict[str, Any]:
        """Wait for the run to end; returns ``{"run": …, "values": …, "interrupts": …}``."""
        return await self._call(
            "Join", rpb.JoinRunRequest, {"run_id": run_id, "thread_id": thread_id}, timeout=timeout
        )

    async def wait(self, **fields: Any) -> dict[str, Any]:
        """Create a run and wait for its outcome."""
        run = await self.create(**fields)
        return await self.join(run["run_id"], thread_id=run["thread_id"])

    async def stream(
        self,
        run_id: str = "",
        *,
        thread_id: str = "",
        after_seq: int = 0,
        stream_mode: Sequence[str] = (),
    ) -> AsyncIterator[dict[str, Any]]:
        """Events of a run (or of a thread's runs) after ``after_seq``: stored ones, then live until the end."""
        request = codec.to_message(
            rpb.StreamRequest,
            {
                "run_id": run_id,
                "thread_id": thread_id,
                "after_seq": after_seq,
                "stream_mode": list(stream_mode),
            },
        )
        call = self._stub.Stream(request, metadata=(*(self._metadata or ()), *call_metadata.get()))
        try:
            async for event in call:
                yield codec.from_message(event)
        finally:
            call.cancel()


class Store(_Resource):
    async def put(self, namespace: Sequence[str], key: str, value: dict[str, Any], **fields: Any) -> None:
        await self._call(
            "Put", spb.PutItemRequest, {"namespace": list(namespace), "key": key, "value": value, **fields}
        )

    async def get(self, namespace: Sequence[str], key: str, **fields: Any) -> dict[str, Any]:
        return await self._call(
            "Get", spb.GetItemRequest, {"namespace": list(namespace), "key": key, **fields}
        )

    async def delete(self, namespace: Sequence[str], key: str) -> None:
        await self._call("Delete", spb.GetItemRequest, {"namespace": list(namespace), "key": key})

    async def search(self, namespace_prefix: Sequence[str], **fields: Any) -> list[dict[str, Any]]:
        fields["namespace_prefix"] = list(namespace_prefix)
        return (await self._call("Search", spb.SearchItemsRequest, fields))["items"]

    async def list_namespaces(self, **fields: Any) -> list[list[str]]:
        return [
            n["parts"]
            for n in (await self._call("ListNamespaces", spb.ListNamespacesRequest, fields))["namespaces"]
        ]


class Crons(_Resource):
    async def create(self, **fields: Any) -> dict[str, Any]:
        """Create a cron; with ``thread_id`` every firing is a run on that thread, else on a fresh one."""
        return await self._call("Create", cpb.CreateCronRequest, fields)

    async def get(self, cron_id: str) -> dict[str, Any]:
        return await self._call("Get", cpb.GetCronRequest, {"cron_id": cron_id})

    async def update(self, cron_id: str, **fields: Any) -> dict[str, Any]:
        return await self._call("Update", cpb.UpdateCronRequest, {"cron_id": cron_id, **fields})

    async def delete(self, cron_id: str) -> None:
        await self._call("Delete", cpb.GetCronRequest, {"cron_id": cron_id})

    async def search(self, **fields: Any) -> list[dict[str, Any]]:
        return (await self._call("Search", cpb.SearchCronsRequest, fields))["crons"]

    async def count(self, **fields: Any) -> int:
        return int((await self._call("Count", cpb.SearchCronsRequest, fields))["count"])


class Webhooks(_Resource):
    """The outbox of outbound deliveries: what dispatchers claim and report, and each run's history."""

    async def claim(self, **fields: Any) -> list[dict[str, Any]]:
        """Due deliveries leased to ``owner``; waits up to ``wait_seconds`` for one when none is due."""
        wait = float(fields.get("wait_seconds") or 0)
        return (await self._call("Claim", wpb.ClaimDeliveriesRequest, fields, timeout=wait + 30))[
            "deliveries"
        ]

    async def report(self, delivery_id: str, lease_epoch: int, **fields: Any) -> dict[str, Any]:
        fields.update(delivery_id=delivery_id, lease_epoch=lease_epoch)
        return await self._call("Report", wpb.ReportDeliveryRequest, fields)

    async def enqueue(self, **fields: Any) -> dict[str, Any]:
        return await self._call("Enqueue", wpb.EnqueueDeliveryRequest, fields)

    async def list(self, **fields: Any) -> list[dict[str, Any]]:
        """Deliveries of ``run_id`` (or ``thread_id``) with their attempt history."""
        return (await self._call("List", wpb.ListDeliveriesRequest, fields))["deliveries"]


class Vault(_Resource):
    """Agent Auth: the caller's OAuth grants (the core acts for the identity the call carries)."""

    async def start_authorization(self, provider: str) -> dict[str, Any]:
        """``{"provider", "url", "state"}``: send the user to ``url``; ``state`` comes back on the callback."""
        return await self._call("StartAuthorization", vpb.StartAuthorizationRequest, {"provider": provider})

    async def complete_authorization(self, state: str, code: str) -> dict[str, Any]:
        """``{"provider", "resumed_runs"}`` once the code is exchanged and the token stored."""
        return await self._call(
            "CompleteAuthorization", vpb.CompleteAuthorizationRequest, {"state": state, "code": code}
        )

    async def get_status(self, provider: str) -> dict[str, Any]:
        return await self._call("GetStatus", vpb.GetProviderStatusRequest, {"provider": provider})

    async def list_providers(self) -> list[dict[str, Any]]:
        return (await self._call("ListProviders", vpb.ListProvidersRequest, {}))["providers"]

    async def revoke(self, provider: str) -> bool:
        return bool((await self._call("Revoke", vpb.RevokeRequest, {"provider": provider}))["revoked"])


class Metrics(_Resource):
    async def scrape(self) -> str:
        """The core's Prometheus metrics, as text exposition format."""
        return (await self._call("Scrape", mpb.ScrapeMetricsRequest, {}, timeout=5.0))["text"]


class Operators(_Resource):
    async def create_key(self, *, name: str, role: str) -> dict[str, Any]:
        """A new operator key: ``{"key": {...}, "secret": "pko_…"}`` (the secret is shown only here)."""
        return await self._call("CreateKey", opb.CreateKeyRequest, {"name": name, "role": role})

    async def list_keys(self) -> list[dict[str, Any]]:
        return (await self._call("ListKeys", opb.ListKeysRequest, {})).get("keys", [])

    async def revoke_key(self, key_id: str) -> None:
        await self._call("RevokeKey", opb.RevokeKeyRequest, {"key_id": key_id})

    async def whoami(self) -> dict[str, Any]:
        """Who the core takes the caller for (identity, kind, role, tenant, permissions)."""
        return await self._call("WhoAmI", opb.WhoAmIRequest, {})


class PorticoClient:
    """The core's API over one gRPC channel."""

    def __init__(self, channel: grpc.aio.Channel, *, metadata: Metadata | None = None) -> None:
        self.channel = channel
        self.assistants = Assistants(assistants_pb2_grpc.AssistantsStub(channel), metadata)
        self.threads = Threads(threads_pb2_grpc.ThreadsStub(channel), metadata)
        self.runs = Runs(runs_pb2_grpc.RunsStub(channel), metadata)
        self.store = Store(store_pb2_grpc.StoreStub(channel), metadata)
        self.crons = Crons(crons_pb2_grpc.CronsStub(channel), metadata)
        self.webhooks = Webhooks(webhooks_pb2_grpc.WebhooksStub(channel), metadata)
        self.metrics = Metrics(metrics_pb2_grpc.MetricsStub(channel), metadata)
        self.operators = Operators(operators_pb2_grpc.OperatorsStub(channel), metadata)
        self.vault = Vault(vault_pb2_grpc.VaultStub(channel), metadata)

    @classmethod
    def connect(cls, target: str, *, metadata: Metadata | None = None) -> PorticoClient:
        """A client on a new insecure channel to ``target`` ("host:port")."""
        options = [
            ("grpc.max_receive_message_length", 64 * 1024 * 1024),
            ("grpc.max_send_message_length", 64 * 1024 * 1024),
        ]
        return cls(grpc.aio.insecure_channel(target, options=options), metadata=metadata)

    async def serving(self, *, timeout: float = 2.0) -> bool:
        """True when the core answers gRPC health as SERVING (it is up and its database answers)."""
        from grpc_health.v1 import health_pb2, health_pb2_grpc

        stub = health_pb2_grpc.HealthStub(self.channel)
        try:
            reply = await stub.Check(health_pb2.HealthCheckRequest(), timeout=timeout)
        except grpc.aio.AioRpcError:
            return False
        return reply.status == health_pb2.HealthCheckResponse.SERVING

    async def close(self) -> None:
        await self.channel.close()

    async def __aenter__(self) -> PorticoClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
