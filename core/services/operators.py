"""The Operators service: operator API keys (admin only) and ``WhoAmI`` (anyone: who the core sees)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import grpc

from auth.identity import current
from core.runtime import CoreRuntime
from core.services._errors import translate_errors
from protos import codec
from protos.portico.v1 import operators_pb2, operators_pb2_grpc

__all__ = ["OperatorsService"]


def _key(record: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (v.isoformat() if isinstance(v, datetime) else v or "")
        for k, v in record.items()
        if k in ("key_id", "name", "role", "created_at", "revoked_at")
    }


@translate_errors
class OperatorsService(operators_pb2_grpc.OperatorsServicer):
    def __init__(self, rt: CoreRuntime) -> None:
        self.rt = rt

    async def CreateKey(
        self, request: operators_pb2.CreateKeyRequest, context: grpc.aio.ServicerContext
    ) -> operators_pb2.CreateKeyResponse:
        self.rt.authz.require_role("keys", "create")
        record, secret = await self.rt.operator_keys.create(request.name, request.role)
        return codec.to_message(operators_pb2.CreateKeyResponse, {"key": _key(record), "secret": secret})

    async def ListKeys(
        self, request: operators_pb2.ListKeysRequest, context: grpc.aio.ServicerContext
    ) -> operators_pb2.KeyList:
        self.rt.authz.require_role("keys", "read")
        keys = [_key(r) for r in await self.rt.operator_keys.list()]
        return codec.to_message(operators_pb2.KeyList, {"keys": keys})

    async def RevokeKey(
        self, request: operators_pb2.RevokeKeyRequest, context: grpc.aio.ServicerContext
    ) -> operators_pb2.RevokeKeyResponse:
        self.rt.authz.require_role("keys", "delete")
        await self.rt.operator_keys.revoke(request.key_id)
        return operators_pb2.RevokeKeyResponse()

    async def WhoAmI(
        self, request: operators_pb2.WhoAmIRequest, context: grpc.aio.ServicerContext
    ) -> operators_pb2.Caller:
        ident = current()
        return operators_pb2.Caller(
            identity=ident.identity,
            kind=ident.kind,
            role=ident.role or "",
            tenant=ident.tenant,
            permissions=list(ident.permissions),
        )
