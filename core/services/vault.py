"""The Vault service (Agent Auth): start and complete OAuth authorizations, status, revocation.

Every method acts for ``auth.identity.current()`` — its tenant and user id — and nobody else. Completing
an authorization also resumes the runs that interrupted because this user had not granted the provider
(``portico.agent_auth.get_token``): each waiting thread gets a run with
``command={"resume": {"provider": …, "authorized": True}}`` on the same assistant, with the waiting run's
config (and so its identity), created the way ``Runs.Create`` creates runs.

The resume targets the waiting interrupt by id when the thread shows it (a thread interrupted in several
places at once gets only this one answered); otherwise the plain resume value is sent.
"""

from __future__ import annotations

import logging
from typing import Any

import grpc

from auth import identity
from core.errors import CoreError, InvalidArgument
from core.runtime import CoreRuntime
from core.services._errors import translate_errors
from core.services.runs import create_run
from protos import codec
from protos.portico.v1 import runs_pb2, vault_pb2, vault_pb2_grpc

__all__ = ["VaultService", "resume_waiting_runs"]

log = logging.getLogger(__name__)

AUTHORIZATION_REQUIRED = "authorization_required"


def _caller() -> tuple[str, str]:
    who = identity.current()
    return who.tenant, who.identity


def resume_marker(provider: str) -> dict[str, Any]:
    """The resume value of a run that waited for ``provider``."""
    return {"provider": provider, "authorized": True}


async def _resume_value(rt: CoreRuntime, thread_id: str, provider: str) -> Any:
    thread = await rt.storage.threads.get(thread_id)
    ids = [
        item["id"]
        for items in ((thread or {}).get("interrupts") or {}).values()
        for item in items
        if isinstance(item, dict)
        and isinstance(item.get("value"), dict)
        and item["value"].get("type") == AUTHORIZATION_REQUIRED
        and item["value"].get("provider") == provider
        and item.get("id")
    ]
    if ids:
        return {interrupt_id: resume_marker(provider) for interrupt_id in ids}
    return resume_marker(provider)


async def resume_waiting_runs(rt: CoreRuntime, tenant: str, user_id: str, provider: str) -> int:
    """Resume every run of (tenant, user) waiting for ``provider``; returns how many runs were created."""
    resumed = 0
    for wait in await rt.storage.vault.take_waits(tenant, user_id, provider):
        run = await rt.storage.runs.get(wait["run_id"])
        config = dict(((run or {}).get("kwargs") or {}).get("config") or {})
        configurable = dict(config.get("configurable") or {})
        configurable.update(langgraph_auth_user_id=user_id, portico_tenant=tenant)
        config["configurable"] = configurable
        request = codec.to_message(
            runs_pb2.CreateRunRequest,
            {
                "thread_id": wait["thread_id"],
                "assistant_id": wait["assistant_id"],
                "command": {"resume": await _resume_value(rt, wait["thread_id"], provider)},
                "config": config,
                "multitask_strategy": "enqueue",  # behind the interrupted run if it is still finishing
            },
        )
        try:
            await create_run(rt, request)
            resumed += 1
        except CoreError as exc:  # the thread or assistant is gone: nothing left to resume
            log.warning(
                "could not resume a run waiting for authorization",
                extra={"thread_id": wait["thread_id"], "provider": provider, "error": str(exc)},
            )
    return resumed


def _status(record: dict[str, Any]) -> vault_pb2.ProviderStatus:
    return codec.to_message(vault_pb2.ProviderStatus, record)


@translate_errors
class VaultService(vault_pb2_grpc.VaultServicer):
    def __init__(self, rt: CoreRuntime) -> None:
        self.rt = rt

    async def StartAuthorization(
        self, request: vault_pb2.StartAuthorizationRequest, context: grpc.aio.ServicerContext
    ) -> vault_pb2.Authorization:
        tenant, user_id = _caller()
        url, state = await self.rt.vault.start_authorization(tenant, user_id, request.provider)
        return vault_pb2.Authorization(provider=request.provider, url=url, state=state)

    async def CompleteAuthorization(
        self, request: vault_pb2.CompleteAuthorizationRequest, context: grpc.aio.ServicerContext
    ) -> vault_pb2.CompleteAuthorizationResponse:
        tenant, user_id = _caller()
        if not request.state or not request.code:
            raise InvalidArgument("state, code: both are required")
        provider = await self.rt.vault.complete_authorization(tenant, user_id, request.state, request.code)
        resumed = await resume_waiting_runs(self.rt, tenant, user_id, provider)
        return vault_pb2.CompleteAuthorizationResponse(provider=provider, resumed_runs=resumed)

    async def GetStatus(
        self, request: vault_pb2.GetProviderStatusRequest, context: grpc.aio.ServicerContext
    ) -> vault_pb2.ProviderStatus:
        tenant, user_id = _caller()
        self.rt.vault.provider(request.provider)  # UnknownProvider → NOT_FOUND
        statuses = await self.rt.vault.status(tenant, user_id)
        return _status(next(s for s in statuses if s["provider"] == request.provider))

    async def ListProviders(
        self, request: vault_pb2.ListProvidersRequest, context: grpc.aio.ServicerContext
    ) -> vault_pb2.ProviderStatusList:
        tenant, user_id = _caller()
        statuses = await self.rt.vault.status(tenant, user_id)
        return vault_pb2.ProviderStatusList(providers=[_status(s) for s in statuses])

    async def Revoke(
        self, request: vault_pb2.RevokeRequest, context: grpc.aio.ServicerContext
    ) -> vault_pb2.RevokeResponse:
        tenant, user_id = _caller()
        revoked = await self.rt.vault.revoke(tenant, user_id, request.provider)
        return vault_pb2.RevokeResponse(revoked=revoked)
