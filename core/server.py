"""The core's gRPC server: the portico.v1 services, gRPC health checking and server reflection."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from core.health import DatabaseHealth
from core.runtime import CoreRuntime
from core.services import (
    AssistantsService,
    CronsService,
    MetricsService,
    OperatorsService,
    RunsService,
    StoreService,
    ThreadsService,
    VaultService,
    WebhooksService,
)
from protos.portico.v1 import (
    assistants_pb2,
    assistants_pb2_grpc,
    crons_pb2,
    crons_pb2_grpc,
    metrics_pb2,
    metrics_pb2_grpc,
    operators_pb2,
    operators_pb2_grpc,
    runs_pb2,
    runs_pb2_grpc,
    store_pb2,
    store_pb2_grpc,
    threads_pb2,
    threads_pb2_grpc,
    vault_pb2,
    vault_pb2_grpc,
    webhooks_pb2,
    webhooks_pb2_grpc,
)

__all__ = ["CoreServer", "SERVICE_NAMES"]

log = logging.getLogger(__name__)

SERVICE_NAMES = [
    assistants_pb2.DESCRIPTOR.services_by_name["Assistants"].full_name,
    threads_pb2.DESCRIPTOR.services_by_name["Threads"].full_name,
    runs_pb2.DESCRIPTOR.services_by_name["Runs"].full_name,
    store_pb2.DESCRIPTOR.services_by_name["Store"].full_name,
    crons_pb2.DESCRIPTOR.services_by_name["Crons"].full_name,
    webhooks_pb2.DESCRIPTOR.services_by_name["Webhooks"].full_name,
    vault_pb2.DESCRIPTOR.services_by_name["Vault"].full_name,
    metrics_pb2.DESCRIPTOR.services_by_name["Metrics"].full_name,
    operators_pb2.DESCRIPTOR.services_by_name["Operators"].full_name,
]
_OPTIONS = [
    ("grpc.max_receive_message_length", 64 * 1024 * 1024),
    ("grpc.max_send_message_length", 64 * 1024 * 1024),
    ("grpc.so_reuseport", 0),
]


class CoreServer:
    """Serves one ``CoreRuntime`` over gRPC on ``host:port`` (port 0 picks a free one)."""

    def __init__(
        self,
        runtime: CoreRuntime,
        *,
        host: str = "127.0.0.1",
        port: int = 50051,
        interceptors: Any = None,
        extra_services: Sequence[Callable[[grpc.aio.Server], None]] = (),
    ) -> None:
        self.runtime = runtime
        self.host = host
        self.port = port
        self.server = grpc.aio.server(options=_OPTIONS, interceptors=interceptors)
        self.health = health.aio.HealthServicer()
        self.database = DatabaseHealth(
            runtime.storage, self._on_database, probe_seconds=runtime.settings.health_probe_seconds
        )
        assistants_pb2_grpc.add_AssistantsServicer_to_server(AssistantsService(runtime), self.server)
        threads_pb2_grpc.add_ThreadsServicer_to_server(ThreadsService(runtime), self.server)
        runs_pb2_grpc.add_RunsServicer_to_server(RunsService(runtime), self.server)
        store_pb2_grpc.add_StoreServicer_to_server(StoreService(runtime), self.server)
        crons_pb2_grpc.add_CronsServicer_to_server(CronsService(runtime), self.server)
        webhooks_pb2_grpc.add_WebhooksServicer_to_server(WebhooksService(runtime), self.server)
        metrics_pb2_grpc.add_MetricsServicer_to_server(MetricsService(runtime), self.server)
        operators_pb2_grpc.add_OperatorsServicer_to_server(OperatorsService(runtime), self.server)
        vault_pb2_grpc.add_VaultServicer_to_server(VaultService(runtime), self.server)
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        # Services the composition root adds on the same port (A2A's gRPC binding); the core knows none of them.
        for add_service in extra_services:
            add_service(self.server)
        reflection.enable_server_reflection(
            [
                *SERVICE_NAMES,
                health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
                reflection.SERVICE_NAME,
            ],
            self.server,
        )

    @property
    def target(self) -> str:
        return f"{self.host}:{self.port}"

    async def start(self, *, workers: bool = True) -> None:
        await self.runtime.start(workers=workers)
        self.port = self.server.add_insecure_port(f"{self.host}:{self.port}")
        await self.server.start()
        await self._set_health(health_pb2.HealthCheckResponse.SERVING)
        self.database.start()

    async def _on_database(self, up: bool) -> None:
        """The core serves only while its database answers (load balancers and ``/ok`` read this)."""
        serving = health_pb2.HealthCheckResponse
        self.runtime.metrics.database_up.set(1 if up else 0)
        await self._set_health(serving.SERVING if up else serving.NOT_SERVING)

    async def _set_health(self, status: Any) -> None:
        for name in ["", *SERVICE_NAMES]:
            await self.health.set(name, status)

    async def stop(self, grace: float = 5.0) -> None:
        await self.database.stop()
        await self._set_health(health_pb2.HealthCheckResponse.NOT_SERVING)
        await self.runtime.stop_workers()
        await self.server.stop(grace)
        await self.runtime.close()
