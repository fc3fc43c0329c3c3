"""The core's edge: who is calling an RPC.

In order: the gateway's signed identity header (a header with a bad signature is refused, never
ignored); an operator key (``x-api-key: pko_…``), checked against storage; else, when the project has an
auth module, its authenticate handler run on the call's metadata (direct gRPC callers); else, with no
auth configured, the anonymous caller of the open local mode.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from auth.authenticate import Authenticator, AuthError, RequestInfo
from auth.errors import PermissionDenied, Unauthenticated
from auth.identity import ANONYMOUS, Identity
from auth.keys import OperatorKeys, looks_like_key
from auth.signing import HEADER, InvalidIdentity, verify

__all__ = ["CoreEdge"]


class CoreEdge:
    def __init__(
        self, *, secret: bytes | None, authenticator: Authenticator | None, keys: OperatorKeys | None
    ) -> None:
        self.secret = secret
        self.authenticator = authenticator
        self.keys = keys

    @property
    def enabled(self) -> bool:
        return self.authenticator is not None

    async def identify(self, metadata: Sequence[tuple[str, Any]] | None, method: str = "") -> Identity:
        headers = {k.lower(): v for k, v in (metadata or ()) if isinstance(v, str)}
        signed = headers.get(HEADER)
        if signed is not None:
            if self.secret is None:
                raise Unauthenticated(
                    "this core accepts no gateway identities (PORTICO_AUTH_SECRET is not set)"
                )
            try:
                return verify(signed, self.secret)
            except InvalidIdentity as exc:
                raise Unauthenticated(str(exc)) from None
        if not self.enabled:
            return ANONYMOUS
        api_key = headers.get("x-api-key")
        if looks_like_key(api_key) and self.keys is not None:
            operator = await self.keys.verify(api_key)  # type: ignore[arg-type]
            if operator is None:
                raise Unauthenticated("operator key not valid (unknown or revoked)")
            return operator
        assert self.authenticator is not None
        try:
            return await self.authenticator.authenticate(
                RequestInfo(method="POST", path=method, headers=headers)
            )
        except AuthError as exc:
            if exc.status == 403:
                raise PermissionDenied(exc.detail) from None
            raise Unauthenticated(exc.detail) from None
