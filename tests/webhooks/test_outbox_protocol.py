"""The dispatcher protocol itself: leases, fencing, and the history a REST caller reads."""

from __future__ import annotations

import grpc
import httpx
import pytest

from tests.webhooks.conftest import Receiver, eventually, hook_settings


async def test_a_lapsed_lease_moves_the_delivery_and_fences_the_old_holder(deploy) -> None:
    _, client = await deploy(hook_settings(enabled=False))  # no dispatcher: the test is the dispatcher
    made = await client.webhooks.enqueue(
        url="https://hooks.example.com/a",
        payload={"n": 1},
        run_id="r-1",
        headers={"X-A2A-Notification-Token": "t"},
        kind="a2a_push",
    )
    assert made["status"] == "pending" and made["attempts"] == 0
    [held] = await client.webhooks.claim(owner="a", lease_seconds=0.001)
    assert held["delivery_id"] == made["delivery_id"] and held["attempts"] == 1
    assert held["headers"] == {"X-A2A-Notification-Token": "t"} and held["payload"] == {"n": 1}
    [taken] = await client.webhooks.claim(owner="b", lease_seconds=60)  # a's lease lapsed
    assert taken["lease_epoch"] == held["lease_epoch"] + 1 and taken["attempts"] == 2
    assert await client.webhooks.claim(owner="c", lease_seconds=60) == []  # b holds it now
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await client.webhooks.report(
            held["delivery_id"], held["lease_epoch"], delivered=True, status_code=200
        )
    assert err.value.code() == grpc.StatusCode.ABORTED
    retried = await client.webhooks.report(
        taken["delivery_id"],
        taken["lease_epoch"],
        delivered=False,
        status_code=502,
        error="HTTP 502",
        retry_in_seconds=3600,
    )
    assert retried["status"] == "pending" and retried["last_status_code"] == 502
    assert await client.webhooks.claim(owner="c", lease_seconds=60) == []  # not due for an hour
    [history] = await client.webhooks.list(run_id="r-1")
    assert [(h["attempt"], h["status_code"]) for h in history["history"]] == [(2, 502)]
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await client.webhooks.enqueue(url="gopher://x", payload={})
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "url" in (err.value.details() or "")


async def test_rest_shows_a_runs_delivery_history(deploy, receiver: Receiver) -> None:
    dep, client = await deploy(hook_settings(schedule=(0, 0.05)), http=True)
    receiver.answers = [500]
    result = await client.runs.wait(assistant_id="steps", input={}, webhook=receiver.url)
    run = result["run"]

    async def delivered() -> list[dict] | None:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{dep.http_port}") as http:
            response = await http.get(f"/threads/{run['thread_id']}/runs/{run['run_id']}/webhooks")
            assert response.status_code == 200, response.text
            body = response.json()
            return body if body and body[0]["status"] == "delivered" else None

    [delivery] = await eventually(delivered)
    assert delivery["delivery_id"] == f"run_{run['run_id']}" and delivery["attempts"] == 2
    assert [(h["status_code"], h["error"]) for h in delivery["history"]] == [(500, "HTTP 500"), (200, None)]
    assert delivery["last_error"] is None and delivery["url"] == receiver.url
