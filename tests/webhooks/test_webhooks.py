"""Run webhooks end to end: outbox → dispatcher → loopback receiver, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid

import gates
import grpc
import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from starlette.requests import Request
from starlette.responses import Response

from clients.webhooks import WebhookVerifier
from gateway import metrics as gateway_metrics
from gateway.webhooks import WebhookSettings
from tests.webhooks.conftest import OLD_SECRET, SECRET, Receiver, eventually, hook_settings


async def _deliveries(client, run_id: str) -> list[dict]:
    return await client.webhooks.list(run_id=run_id)


async def _final(client, run_id: str, status: str = "delivered") -> dict:
    async def check():
        found = await _deliveries(client, run_id)
        return found[0] if found and found[0]["status"] == status else None

    return await eventually(check)


async def test_success_is_delivered_signed_with_both_rotation_secrets(deploy, receiver: Receiver) -> None:
    env = {
        "PORTICO_WEBHOOK_SECRETS": f"{OLD_SECRET},{SECRET}",
        "PORTICO_WEBHOOK_ALLOW_HTTP": "1",
        "PORTICO_WEBHOOK_ALLOW_LOOPBACK": "yes",
        "PORTICO_WEBHOOK_HEADERS": "X-Api-Key: ${HOOK_KEY}; X-Env: test",
        "HOOK_KEY": "k-123",
    }
    _, client = await deploy(WebhookSettings.from_env(env, jitter=0.0))
    thread = await client.threads.create()
    result = await client.runs.wait(
        thread_id=thread["thread_id"], assistant_id="steps", input={"n": 10}, webhook=receiver.url
    )
    run_id = result["run"]["run_id"]
    [hit] = await receiver.wait_for(1)
    # Verified by an implementation nobody here wrote, with each secret of the rotation alone.
    for secret in (SECRET, OLD_SECRET):
        payload = Webhook(secret).verify(hit.body, hit.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldA==").verify(hit.body, hit.headers)
    assert WebhookVerifier([SECRET]).verify(hit.body, hit.headers) == payload
    assert payload["run_id"] == run_id and payload["thread_id"] == thread["thread_id"]
    assert payload["status"] == "success" and payload["values"] == {"n": 13, "trail": ["s1", "s2", "s3"]}
    assert payload["assistant_id"] and "webhook_sent_at" in payload and "error" not in payload
    assert hit.headers["webhook-id"] == f"run_{run_id}"
    assert hit.headers["x-api-key"] == "k-123" and hit.headers["x-env"] == "test"
    delivery = await _final(client, run_id)
    assert delivery["attempts"] == 1 and delivery["last_status_code"] == 200
    assert [h["status_code"] for h in delivery["history"]] == [200]


async def test_error_interrupted_and_cancelled_runs_are_delivered(deploy, receiver: Receiver) -> None:
    _, client = await deploy()
    failed = await client.runs.wait(assistant_id="failing", input={"n": 0}, webhook=receiver.url)
    paused = await client.runs.wait(assistant_id="approval", input={}, webhook=receiver.url)
    gate = f"g-{uuid.uuid4()}"
    thread = await client.threads.create()
    running = await client.runs.create(
        thread_id=thread["thread_id"],
        assistant_id="gated",
        input={},
        config={"configurable": {"gate": gate}},
        webhook=receiver.url,
    )
    await asyncio.wait_for(gates.started(gate).wait(), 30)
    queued = await client.runs.create(
        thread_id=thread["thread_id"], assistant_id="steps", input={}, webhook=receiver.url
    )
    await client.runs.cancel(queued["run_id"])  # cancelled while pending: never claimed
    await client.runs.cancel(running["run_id"], wait=True)
    hits = await receiver.wait_for(4)
    by_run = {h.json["run_id"]: h.json for h in hits}
    assert by_run[failed["run"]["run_id"]]["status"] == "error"
    assert "boom" in by_run[failed["run"]["run_id"]]["error"]
    assert by_run[paused["run"]["run_id"]]["status"] == "interrupted"
    assert by_run[running["run_id"]]["status"] == "interrupted"
    assert by_run[queued["run_id"]]["status"] == "interrupted"
    assert len(hits) == 4


async def test_receiver_down_then_back_is_delivered(deploy) -> None:
    receiver = Receiver()  # not listening yet: connections are refused
    _, client = await deploy(hook_settings(schedule=(0,) + (0.1,) * 50))
    run = await client.runs.wait(assistant_id="steps", input={}, webhook=receiver.url)
    run_id = run["run"]["run_id"]

    async def failed_twice():
        found = await _deliveries(client, run_id)
        return found and len(found[0]["history"]) >= 2

    await eventually(failed_twice)
    await receiver.start()
    try:
        [hit] = await receiver.wait_for(1)
        delivery = await _final(client, run_id)
    finally:
        await receiver.stop()
    assert hit.headers["webhook-id"] == f"run_{run_id}"
    codes = [h["status_code"] for h in delivery["history"]]
    assert codes[-1] == 200 and all(c == 0 for c in codes[:-1]) and len(codes) >= 3
    assert all(h["error"] for h in delivery["history"][:-1])


async def test_500_follows_the_backoff_schedule_then_gives_up(deploy, receiver: Receiver) -> None:
    schedule = (0, 0.3, 0.6)
    _, client = await deploy(hook_settings(schedule=schedule))
    receiver.answers = [500, 503, 500, 200]  # three attempts in all: the 200 is never reached
    before = {o: _deliveries_metric(o) for o in ("retry", "failed", "delivered")}
    run = await client.runs.wait(assistant_id="steps", input={}, webhook=receiver.url)
    delivery = await _final(client, run["run"]["run_id"], status="failed")
    # /metrics counts each attempt by outcome: two retried, then given up.
    assert {o: _deliveries_metric(o) - n for o, n in before.items()} == {
        "retry": 2,
        "failed": 1,
        "delivered": 0,
    }
    hits = receiver.hits
    assert len(hits) == 3 and len({h.headers["webhook-id"] for h in hits}) == 1
    gaps = [b.at - a.at for a, b in zip(hits, hits[1:], strict=False)]
    assert gaps[0] >= 0.3 - 0.02 and gaps[1] >= 0.6 - 0.02, gaps
    assert gaps[1] > gaps[0]
    assert [h["status_code"] for h in delivery["history"]] == [500, 503, 500]
    assert delivery["last_error"] == "HTTP 500" and delivery["attempts"] == 3


def _deliveries_metric(outcome: str) -> float:
    value = gateway_metrics.REGISTRY.get_sample_value(
        "portico_webhook_deliveries_total", {"outcome": outcome}
    )
    return value or 0.0


async def test_jitter_stays_within_its_bounds() -> None:
    from gateway.webhooks.dispatcher import WebhookDispatcher

    dispatcher = WebhookDispatcher(client=None, settings=hook_settings(schedule=(0, 10, 100), jitter=0.2))  # type: ignore[arg-type]
    try:
        delays = [dispatcher.retry_delay(1) for _ in range(200)]
        assert all(8 <= d <= 12 for d in delays) and len(set(delays)) > 1
        assert 80 <= dispatcher.retry_delay(2) <= 120
        assert dispatcher.retry_delay(3) < 0  # the schedule is spent: give up
        defaults = WebhookSettings().schedule
        assert len(defaults) == 8 and 24 * 3600 < sum(defaults) < 30 * 3600
    finally:
        await dispatcher._http.aclose()


async def test_a_redirect_is_not_followed(deploy, receiver: Receiver) -> None:
    elsewhere = Receiver()
    await elsewhere.start()
    try:

        async def redirect(request: Request) -> Response:
            return Response(status_code=307, headers={"location": elsewhere.url})

        receiver.respond = redirect
        _, client = await deploy(hook_settings(schedule=(0,)))
        run = await client.runs.wait(assistant_id="steps", input={}, webhook=receiver.url)
        delivery = await _final(client, run["run"]["run_id"], status="failed")
        assert delivery["history"][0]["status_code"] == 307
        assert "redirect" in delivery["last_error"]
        assert len(receiver.hits) == 1 and elsewhere.hits == []
    finally:
        await elsewhere.stop()


async def test_webhook_must_be_an_http_url(deploy) -> None:
    _, client = await deploy()
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await client.runs.create(assistant_id="steps", input={}, webhook="ftp://example.com/x")
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "webhook" in (err.value.details() or "")


async def test_one_sender_per_delivery_across_dispatchers(deploy, receiver: Receiver) -> None:
    # Two more dispatchers on the same core compete for the same outbox.
    dep, client = await deploy()
    from gateway.webhooks import WebhookDispatcher

    extra = [WebhookDispatcher(client, hook_settings()) for _ in range(2)]
    for d in extra:
        d.start()
    try:
        runs = await asyncio.gather(
            *[client.runs.wait(assistant_id="steps", input={}, webhook=receiver.url) for _ in range(12)]
        )
        await receiver.wait_for(12)
        for r in runs:
            await _final(client, r["run"]["run_id"])
        ids = sorted(h.headers["webhook-id"] for h in receiver.hits)
        assert ids == sorted(f"run_{r['run']['run_id']}" for r in runs)
    finally:
        for d in extra:
            await d.aclose()
