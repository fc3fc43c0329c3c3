"""Operator RBAC: each role × each operator action, over REST (``x-api-key``) and gRPC; end users never
get operator rights, whatever their own tokens claim."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from langgraph_sdk.errors import APIStatusError, PermissionDeniedError

from tests.auth.conftest import ALICE, BOB, grpc_client, rest

ALLOWED = {
    # action: roles that may do it (end users: none; Bob's token claims the "admin" permission)
    "assistants.create": {"admin", "developer"},
    "assistants.update": {"admin", "developer"},
    "assistants.delete": {"admin", "developer"},
    "keys.create": {"admin"},
    "keys.list": {"admin"},
    "keys.revoke": {"admin"},
    "threads.read_other_tenant": {"admin", "developer", "viewer"},
    "threads.delete_other_tenant": {"admin", "developer"},
    "crons.read_other_user": {"admin", "developer", "viewer"},
    "crons.delete_other_user": {"admin", "developer"},
}


async def _attempt(action: str, deployment: Any, base_url: str, caller: dict[str, Any]) -> bool:
    """Do ``action`` as ``caller``; True when allowed, False when refused (401/403/404 never a 500)."""
    client = rest(base_url, headers=caller.get("headers"), api_key=caller.get("api_key"))
    alice = rest(base_url, headers=ALICE)
    admin = caller.get("admin_key")
    try:
        if action == "assistants.create":
            await client.assistants.create("whoami", name="ops")
        elif action in ("assistants.update", "assistants.delete"):
            made = await rest(base_url, api_key=admin).assistants.create("whoami", name="target")
            if action == "assistants.update":
                await client.assistants.update(made["assistant_id"], name="renamed")
            else:
                await client.assistants.delete(made["assistant_id"])
        elif action.startswith("keys."):
            metadata = {"x-api-key": caller["api_key"]} if caller.get("api_key") else caller["headers"]
            async with grpc_client(deployment, metadata) as ops:
                if action == "keys.create":
                    await ops.operators.create_key(name="new", role="viewer")
                elif action == "keys.list":
                    await ops.operators.list_keys()
                else:
                    async with grpc_client(deployment, {"x-api-key": admin}) as root:
                        victim = await root.operators.create_key(name="victim", role="viewer")
                    await ops.operators.revoke_key(victim["key"]["key_id"])
        elif action.startswith("threads."):
            thread = await alice.threads.create()
            if action == "threads.read_other_tenant":
                got = await client.threads.get(thread["thread_id"])
                assert got["metadata"]["owner"] == "alice"
                assert thread["thread_id"] in [t["thread_id"] for t in await client.threads.search(limit=100)]
            else:
                await client.threads.delete(thread["thread_id"])
        elif action.startswith("crons."):
            cron = await alice.crons.create("whoami", schedule="0 0 1 1 *")
            if action == "crons.read_other_user":
                assert cron["cron_id"] in [c["cron_id"] for c in await client.crons.search(limit=100)]
            else:
                await client.crons.delete(cron["cron_id"])
        else:
            raise AssertionError(action)
        return True
    except (PermissionDeniedError, APIStatusError) as exc:
        status = getattr(exc, "status_code", None) or exc.response.status_code
        assert status in (401, 403, 404), f"{action}: refused with {status}"
        return False
    except grpc.aio.AioRpcError as exc:
        assert exc.code() in (grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.UNAUTHENTICATED), exc
        return False
    except AssertionError:
        return False


@pytest.mark.parametrize("action", sorted(ALLOWED))
async def test_each_role_and_end_users(
    action: str, deployment: Any, base_url: str, operator_key: Any
) -> None:
    admin = await operator_key("admin")
    callers: dict[str, dict[str, Any]] = {
        role: {"api_key": await operator_key(role), "admin_key": admin}
        for role in ("admin", "developer", "viewer")
    }
    callers["end user"] = {"headers": BOB, "admin_key": admin}
    allowed = {
        name for name, caller in callers.items() if await _attempt(action, deployment, base_url, caller)
    }
    assert allowed == ALLOWED[action]


async def test_revoked_and_bogus_keys_are_refused(deployment: Any, base_url: str, operator_key: Any) -> None:
    admin = await operator_key("admin")
    async with grpc_client(deployment, {"x-api-key": admin}) as root:
        made = await root.operators.create_key(name="short-lived", role="developer")
        assert made["secret"].startswith("pko_") and "secret_hash" not in made["key"]
        assert (await rest(base_url, api_key=made["secret"]).assistants.create("whoami"))[
            "graph_id"
        ] == "whoami"
        await root.operators.revoke_key(made["key"]["key_id"])
        keys = {k["key_id"]: k for k in await root.operators.list_keys()}
        assert keys[made["key"]["key_id"]]["revoked_at"]
    for key in (made["secret"], made["secret"][:-2] + "xx", "pko_nope_nope"):
        with pytest.raises(APIStatusError) as refused:
            await rest(base_url, api_key=key).assistants.search()
        assert refused.value.response.status_code == 401


async def test_key_management_refuses_bad_input(deployment: Any, operator_key: Any) -> None:
    async with grpc_client(deployment, {"x-api-key": await operator_key("admin")}) as root:
        before = await root.operators.list_keys()
        for fields, code in (
            ({"name": "x", "role": "root"}, grpc.StatusCode.INVALID_ARGUMENT),
            ({"name": "", "role": "viewer"}, grpc.StatusCode.INVALID_ARGUMENT),
        ):
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await root.operators.create_key(**fields)
            assert refused.value.code() == code and refused.value.details()
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await root.operators.revoke_key("no-such-key")
        assert refused.value.code() == grpc.StatusCode.NOT_FOUND
        assert await root.operators.list_keys() == before  # nothing made, nothing revoked
