"""``/mcp``: the Streamable HTTP endpoint, serving both MCP protocol eras from one session manager.

* 2026-07-28 requests (``MCP-Protocol-Version: 2026-07-28``) are self-contained POSTs: no session, no
  state in this process, so any gateway replica behind a load balancer can answer any of them.
* 2025-11-25 clients (initialize handshake) get a stateful session kept in this process's memory: their
  requests must reach the process that created the session (load-balancer affinity on the
  ``Mcp-Session-Id`` header). Sessions that listed tools are told ``notifications/tools/list_changed``.

Host/Origin checks (DNS rebinding protection) run on every request; the allowed hosts are settings. With
an OAuth issuer configured every request needs its access token (``gateway.mcp.oauth``).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import anyio
import grpc
import mcp_types as types
from mcp.server.caching import CacheHint
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel import NotificationOptions, Server
from mcp.server.models import InitializationOptions
from mcp.server.session import ServerSession
from mcp.server.streamable_http import MCP_SESSION_ID_HEADER
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from mcp_types.version import MODERN_PROTOCOL_VERSIONS
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from auth.signing import HEADER, sign
from clients.grpc import PorticoClient, call_metadata
from gateway.auth import SCOPE_KEY
from gateway.mcp.calls import ToolCalls
from gateway.mcp.catalog import Catalog
from gateway.mcp.errors import protocol_error
from gateway.mcp.oauth import IDENTITY_KEY, OAuthGuard, use_caller_identity
from gateway.mcp.resources import ThreadResources
from gateway.mcp.settings import McpSettings
from gateway.metrics import count_sse

__all__ = ["Authenticate", "McpGateway"]

logger = logging.getLogger(__name__)

Authenticate = Callable[[Scope], Awaitable[Response | None]]
"""The edge's authentication hook: None lets the request through, a response refuses it. A hook that lets
a request through may put the caller's ``auth.identity.Identity`` in the scope under
``gateway.mcp.oauth.IDENTITY_KEY``: the MCP handlers then run as that caller."""

_INSTRUCTIONS = (
    "Each tool runs one Portico assistant (a LangGraph agent) to the end and returns its final state. "
    "Pass thread_id from an earlier result to continue that conversation; when a run waits for input, "
    "call the tool again with thread_id and resume. Threads are readable as portico://threads/{thread_id}."
)


class _ListedSessions:
    """Stateful sessions that listed tools, with the fingerprint of the assistants they were shown."""

    def __init__(self, idle_seconds: float) -> None:
        self._idle = idle_seconds
        self._sessions: dict[str, tuple[ServerSession, str, float]] = {}

    def __bool__(self) -> bool:
        return bool(self._sessions)

    def listed(self, session_id: str, session: ServerSession, fingerprint: str) -> None:
        self._sessions[session_id] = (session, fingerprint, time.monotonic())

    async def tell_changed(self, fingerprint: str) -> None:
        now = time.monotonic()
        for session_id, (session, seen, at) in list(self._sessions.items()):
            if now - at > self._idle:  # the session manager has closed it by now
                self._sessions.pop(session_id, None)
            elif seen != fingerprint:
                try:
                    await session.send_tool_list_changed()
                except Exception:  # a session that ended: forget it
                    self._sessions.pop(session_id, None)
                    continue
                self._sessions[session_id] = (session, fingerprint, at)


class _Server(Server[Any]):
    """Announces ``tools.listChanged`` to 2025-11-25 sessions: they are told when assistants change."""

    def create_initialization_options(
        self,
        notification_options: NotificationOptions | None = None,
        experimental_capabilities: dict[str, dict[str, Any]] | None = None,
        extensions: dict[str, dict[str, Any]] | None = None,
    ) -> InitializationOptions:
        return super().create_initialization_options(
            notification_options or NotificationOptions(tools_changed=True),
            experimental_capabilities,
            extensions,
        )


def _as_caller(
    handler: Callable[[Any, Any], Awaitable[Any]], gateway: McpGateway
) -> Callable[[Any, Any], Awaitable[Any]]:
    """Run an MCP handler with its HTTP request's identity on every core call it makes.

    A session's handlers run in the session's own tasks, not in the request's context, so the identity
    is attached here, per request, and taken off after: the one the auth middleware left in the request's
    scope, or, with MCP OAuth, the token's subject, signed here (the token itself never goes further).
    """

    async def call(ctx: Any, params: Any) -> Any:
        request = getattr(ctx, "request", None)
        scope = request.scope if request is not None else {}
        metadata = scope.get(SCOPE_KEY)
        caller = scope.get(IDENTITY_KEY)
        if caller is not None and gateway.secret:
            metadata = ((HEADER, sign(caller, gateway.secret)),)
        token = call_metadata.set(metadata or ())
        try:
            return await handler(ctx, params)
        finally:
            call_metadata.reset(token)

    return call


class McpGateway:
    """The MCP endpoint: an ASGI app for ``/mcp`` plus what it needs running (``running``)."""

    def __init__(
        self, settings: McpSettings | None = None, *, authenticate: Authenticate | None = None
    ) -> None:
        self.settings = settings or McpSettings()
        self._security = TransportSecuritySettings(
            enable_dns_rebinding_protection=self.settings.dns_rebinding_protection,
            allowed_hosts=list(self.settings.allowed_hosts),
            allowed_origins=list(self.settings.allowed_origins),
        )
        self.oauth: OAuthGuard | None = None
        if self.settings.oauth is not None:
            self.oauth = OAuthGuard(
                self.settings.oauth, public_url=self.settings.public_url, security=self._security
            )
        # The bearer token check comes first; a hook of the caller's own sees the verified request.
        self._authenticate = [check for check in (self.oauth, authenticate) if check is not None]
        self.internal_metadata: tuple[tuple[str, str], ...] = ()
        """Metadata of the gateway's own calls (``gateway.auth.gateway_metadata``), set by the app."""
        self.secret: bytes | None = None
        """Signs the identity an OAuth bearer token proved, for the core (set by the app)."""
        self._client: Callable[[], PorticoClient] | None = None
        self._manager: StreamableHTTPSessionManager | None = None
        self._catalog = Catalog()
        self._sessions = _ListedSessions(self.settings.session_idle_seconds)
        calls = ToolCalls(self.client, self._catalog)
        resources = ThreadResources(self.client)
        self.server: Server[Any] = _Server(
            "portico",
            version="0.1.0",
            title="Portico",
            instructions=_INSTRUCTIONS,
            # Every call is served unvalidated by Mcp-Param headers (no tool declares any), so the SDK need
            # not list every tool before each call to find out.
            get_tool_input_schema=lambda name: None,
            # What a caller may see depends on who it is, and assistants change at any time.
            cache_hints={
                "tools/list": CacheHint(ttl_ms=0, scope="private"),
                "resources/list": CacheHint(ttl_ms=0, scope="private"),
            },
            on_list_tools=_as_caller(self._list_tools, self),
            on_call_tool=_as_caller(calls, self),
            on_list_resources=_as_caller(resources.list, self),
            on_list_resource_templates=_as_caller(resources.templates, self),
            on_read_resource=_as_caller(resources.read, self),
        )
        self.server.middleware.append(use_caller_identity)

    @property
    def routes(self) -> list[Route]:
        """``/mcp``, and its RFC 9728 protected-resource metadata when authorization is on."""
        metadata = self.oauth.routes if self.oauth is not None else []
        return [Route("/mcp", endpoint=self, include_in_schema=False), *metadata]

    def client(self) -> PorticoClient:
        if self._client is None:
            raise RuntimeError("the MCP gateway is not running")
        return self._client()

    @contextlib.asynccontextmanager
    async def running(self, client: Callable[[], PorticoClient]) -> AsyncIterator[None]:
        """Serve ``/mcp`` against the core client ``client()`` until the context exits."""
        manager = StreamableHTTPSessionManager(
            app=self.server,
            stateless=False,  # 2025-11-25 clients get sessions; 2026-07-28 requests never have one
            security_settings=self._security,
            session_idle_timeout=self.settings.session_idle_seconds,
        )
        self._client = client
        async with manager.run(), anyio.create_task_group() as tasks:
            self._manager = manager
            tasks.start_soon(self._watch_assistants)
            try:
                yield
            finally:
                self._manager = None
                tasks.cancel_scope.cancel()
        self._client = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        manager = self._manager
        if manager is None:
            await JSONResponse({"detail": "MCP is not running"}, status_code=503)(scope, receive, send)
            return
        for authenticate in self._authenticate:
            # Authentication at the edge (authorization is the core's, by the identity the gateway forwards).
            refusal = await authenticate(scope)
            if refusal is not None:
                await refusal(scope, receive, send)
                return
        # The ASGI call lasts as long as its response: an SSE answer is an open stream until then.
        await count_sse(manager.handle_request, "mcp", scope, receive, send)

    async def _list_tools(
        self, ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        try:
            specs, fingerprint = await self._catalog.specs(self.client())
        except grpc.aio.AioRpcError as exc:
            raise protocol_error(exc) from exc
        session_id = ctx.request.headers.get(MCP_SESSION_ID_HEADER) if ctx.request is not None else None
        if session_id and ctx.protocol_version not in MODERN_PROTOCOL_VERSIONS:
            self._sessions.listed(session_id, ctx.session, fingerprint)
        return types.ListToolsResult(tools=[spec.tool() for spec in specs])

    async def _watch_assistants(self) -> None:
        """Tell stateful sessions when the assistants they were shown as tools have changed.

        The core has no change feed for assistants, so this compares them every ``list_changed_seconds``,
        and only while some stateful session has listed tools.
        """
        call_metadata.set(self.internal_metadata)  # this task's calls are the gateway's own
        while True:
            await anyio.sleep(self.settings.list_changed_seconds)
            if not self._sessions or self._client is None:
                continue
            try:
                assistants = await self._catalog.assistants(self._client())
            except grpc.aio.AioRpcError as exc:
                logger.warning("cannot read assistants for tools/list_changed: %s", exc.code().name)
                continue
            await self._sessions.tell_changed(self._catalog.fingerprint(assistants))
