"""Process wiring: the core, its workers and the gateway in one process, or each part alone."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import signal
from pathlib import Path
from typing import Any

from auth.setup import AuthSetup
from auth.signing import secret_from_env
from auth.vault import VaultConfig, VaultConfigError
from core.graphs import GraphRegistry, load_project
from core.runtime import CoreRuntime
from core.server import CoreServer
from core.settings import Settings
from core.storage import open_storage
from core.store import parse_store_config

__all__ = ["Deployment", "run_core", "run_gateway", "run_worker"]

log = logging.getLogger("portico")


def _project(settings: Settings) -> tuple[Any, Any, AuthSetup, VaultConfig]:
    """The project's graph registry, the storage (its store from ``[store]``), its auth (``[auth]``) and
    the token vault's config (providers' client credentials from the environment, which the project's
    ``env`` has been loaded into)."""
    project = load_project(settings.config_path)
    store = parse_store_config(project.store, project.root, str(project.config_path))
    auth = AuthSetup.from_config(project.auth, project.root)
    auth.announce(require=settings.require_auth)
    try:
        vault = VaultConfig.resolve(
            project.auth_providers, os.environ, keys=settings.vault_keys, public_url=settings.public_url
        )
    except VaultConfigError as exc:
        raise VaultConfigError(f"{project.config_path}: {exc}") from None
    return GraphRegistry(project), open_storage(settings.database_url, store=store), auth, vault


class Deployment:
    """One ``portico serve``: the gRPC core (with workers unless disabled) and, when ``http_port`` is not
    None, the REST gateway in front of it over a local gRPC channel."""

    def __init__(
        self,
        settings: Settings,
        *,
        host: str = "127.0.0.1",
        grpc_port: int = 50051,
        http_port: int | None = 8123,
        workers: bool = True,
        webhooks: Any = None,
    ) -> None:
        self.settings = settings
        self.webhook_settings = webhooks  # gateway.webhooks.WebhookSettings; None: from PORTICO_WEBHOOK_*
        self.dispatcher: Any = None
        self.host = host
        self.grpc_port = grpc_port
        self.http_port = http_port
        self.workers = workers
        self.core: CoreServer | None = None
        self._http: Any = None
        self._http_task: asyncio.Task[None] | None = None
        self._a2a: Any = None

    async def start(self) -> None:
        from clients.grpc import PorticoClient
        from gateway.a2a import A2ASettings, PorticoRequestHandler, add_a2a_services

        registry, storage, auth, vault = _project(self.settings)
        self.auth = auth
        runtime = CoreRuntime(self.settings, storage, registry, auth=auth, vault=vault)
        graph_ids = list(registry.graph_ids())
        # A2A's gRPC binding shares the core's port; its handler reaches the core over a client channel.
        self._a2a = PorticoRequestHandler(
            A2ASettings.from_env(default_assistant=graph_ids[0] if graph_ids else None)
        )
        self.core = CoreServer(
            runtime,
            host=self.host,
            port=self.grpc_port,
            extra_services=[lambda server: add_a2a_services(self._a2a, server)],
        )
        await self.core.start(workers=self.workers)
        self.dispatcher = _start_dispatcher(self.core.target, self.webhook_settings, auth)
        self._a2a.client = PorticoClient.connect(self.core.target)
        self._a2a.settings = A2ASettings.from_env(
            default_assistant=self._a2a.settings.default_assistant,
            grpc_port=self.core.port,
            auth=auth.enabled,
        )
        print(
            f"portico core: gRPC on {self.core.target} (database {_redact(self.settings.database_url)}, "
            f"graphs {sorted(registry.graph_ids())})",
            flush=True,
        )
        if self.http_port is not None:
            self._http, self._http_task = await _start_gateway(
                self.core.target, self.host, self.http_port, a2a=self._a2a.settings, auth=auth
            )
            self.http_port = (
                self._http.servers[0].sockets[0].getsockname()[1] if self._http.servers else self.http_port
            )
            print(f"portico gateway: http://{self.host}:{self.http_port}", flush=True)
            if self.settings.public_url is None:  # OAuth callbacks come back to this gateway
                vault = self.core.runtime.vault
                vault.config = dataclasses.replace(
                    vault.config, public_url=f"http://{self.host}:{self.http_port}"
                )
            if self._a2a.settings.public_url is None:  # cards read over gRPC point at this gateway
                self._a2a.settings = dataclasses.replace(
                    self._a2a.settings, public_url=f"http://{self.host}:{self.http_port}"
                )

    async def stop(self) -> None:
        if self._http is not None:
            self._http.should_exit = True
            if self._http_task is not None:
                with contextlib.suppress(BaseException):
                    await self._http_task
        if self._a2a is not None:
            await self._a2a.push.aclose()
        if self.dispatcher is not None:
            await _stop_dispatcher(self.dispatcher)
            self.dispatcher = None
        if self.core is not None:
            await self.core.stop()
        if self._a2a is not None and self._a2a.client is not None:
            await self._a2a.client.close()


def _start_dispatcher(core_target: str, settings: Any = None, auth: AuthSetup | None = None) -> Any:
    """The webhook dispatcher on its own client channel to the core, unless the settings turn it off."""
    from clients.grpc import PorticoClient
    from gateway.auth import gateway_metadata
    from gateway.webhooks import WebhookDispatcher, WebhookSettings

    settings = settings or WebhookSettings.from_env()
    if not settings.enabled:
        return None
    if not settings.secrets:
        log.warning("PORTICO_WEBHOOK_SECRETS is not set: webhooks go out unsigned")
    metadata = gateway_metadata(auth.secret) if auth is not None and auth.secret else None
    dispatcher = WebhookDispatcher(PorticoClient.connect(core_target, metadata=metadata), settings)
    dispatcher.start()
    return dispatcher


async def _stop_dispatcher(dispatcher: Any) -> None:
    await dispatcher.aclose()
    await dispatcher.client.close()


async def _start_gateway(
    core_target: str, host: str, port: int, *, a2a: Any = None, auth: AuthSetup | None = None
) -> tuple[Any, asyncio.Task[None]]:
    import uvicorn

    from gateway.a2a import A2ASettings
    from gateway.mcp import McpSettings
    from gateway.rest import create_app

    if a2a is None:  # the gateway alone: A2A's gRPC binding is on the core's port
        a2a = A2ASettings.from_env(grpc_port=int(core_target.rsplit(":", 1)[1]))
    app = create_app(
        core_target, mcp_settings=McpSettings.from_env(bind_host=host), a2a_settings=a2a, auth=auth
    )
    config = uvicorn.Config(
        app, host=host, port=port, log_level="warning", lifespan="on", timeout_graceful_shutdown=5
    )
    server = uvicorn.Server(config)
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]  # we own the signals
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            await task
            raise RuntimeError("the HTTP gateway failed to start")
        await asyncio.sleep(0.01)
    return server, task


def _redact(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return str(Path(url)) if "://" not in url else url


async def _until_signal() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


async def run_core(
    settings: Settings, *, host: str, grpc_port: int, http_port: int | None, workers: bool
) -> None:
    """Serve until SIGTERM/SIGINT, then hand running runs back and stop cleanly."""
    deployment = Deployment(settings, host=host, grpc_port=grpc_port, http_port=http_port, workers=workers)
    await deployment.start()
    try:
        await _until_signal()
    finally:
        print("portico: shutting down; running runs are handed back to the queue", flush=True)
        await deployment.stop()


async def run_gateway(
    core_target: str, *, host: str, port: int, config_path: str | None = None, require_auth: bool = False
) -> None:
    """The REST gateway alone, in front of a core at ``core_target`` (auth from the project's config)."""
    auth = None
    if config_path is not None:
        project = load_project(config_path)
        auth = AuthSetup.from_config(project.auth, project.root)
        if auth.enabled and secret_from_env() is None:
            raise SystemExit("portico gateway: auth needs PORTICO_AUTH_SECRET, shared with the core")
    (auth or AuthSetup()).announce(require=require_auth)
    server, task = await _start_gateway(core_target, host, port, auth=auth)
    dispatcher = _start_dispatcher(core_target, auth=auth)
    print(f"portico gateway: http://{host}:{port} → core {core_target}", flush=True)
    try:
        await _until_signal()
    finally:
        if dispatcher is not None:
            await _stop_dispatcher(dispatcher)
        server.should_exit = True
        with contextlib.suppress(BaseException):
            await task


async def run_worker(settings: Settings, *, host: str = "127.0.0.1", metrics_port: int | None = None) -> None:
    """Workers alone: claim and execute runs from the shared PostgreSQL queue until SIGTERM.

    ``metrics_port``: serve this process's Prometheus metrics (runs it finished, durations, queue wait)
    at ``http://host:port/metrics``; scrape every worker (each counts its own runs, Prometheus sums them).
    """
    registry, storage, auth, vault = _project(settings)
    runtime = CoreRuntime(settings, storage, registry, auth=auth, vault=vault)
    await runtime.start(workers=True)
    assert runtime.pool is not None
    if metrics_port is not None:
        from prometheus_client import start_http_server

        server, _ = start_http_server(metrics_port, addr=host, registry=runtime.metrics.registry)
        print(f"portico worker metrics: http://{host}:{server.server_port}/metrics", flush=True)
    print(f"portico worker {runtime.pool.worker_id}: {settings.workers} slots", flush=True)
    try:
        await _until_signal()
    finally:
        await runtime.close()
