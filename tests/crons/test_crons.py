"""Crons over gRPC with a simulated clock: firing, keep/delete, end_time, catch-up, DST, exactly once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import grpc
import pytest

from tests.crons.conftest import SimClock, at, tick
from tests.webhooks.conftest import eventually


async def _join_all(client, firings: list[dict]) -> list[dict]:
    return [await client.runs.join(f["run_id"], thread_id=f["thread_id"]) for f in firings]


async def test_stateless_cron_fires_on_schedule_and_keeps_its_threads(deploy) -> None:
    clock = SimClock(at("2026-01-05T09:58:00+00:00"))
    dep, client = await deploy(clock)
    # The webhook goes to a private address the dispatcher refuses: enough to see the outbox row is written.
    cron = await client.crons.create(
        assistant_id="steps",
        schedule="0 * * * *",
        payload={"input": {"n": 1}, "webhook": "https://10.0.0.1/hook"},
        on_run_completed="keep",
        metadata={"team": "a"},
    )
    assert cron["next_run_date"].startswith("2026-01-05T10:00:00") and cron["enabled"]
    assert await tick(dep, at("2026-01-05T09:59:59+00:00")) == []
    [first] = await tick(dep, at("2026-01-05T10:00:00+00:00"))
    assert await tick(dep, at("2026-01-05T10:30:00+00:00")) == []
    [second] = await tick(dep, at("2026-01-05T11:00:07+00:00"))
    assert first["scheduled_time"] == at("2026-01-05T10:00:00+00:00")
    assert second["scheduled_time"] == at("2026-01-05T11:00:00+00:00")
    results = await _join_all(client, [first, second])
    assert [r["run"]["status"] for r in results] == ["success", "success"]
    assert [r["values"]["n"] for r in results] == [4, 4]  # a fresh thread each time
    threads = await client.threads.search(metadata={"cron_id": cron["cron_id"]})
    assert sorted(t["thread_id"] for t in threads) == sorted([first["thread_id"], second["thread_id"]])
    assert (await client.crons.get(cron["cron_id"]))["next_run_date"].startswith("2026-01-05T12:00:00")
    # Cron runs are ordinary runs: their webhooks go through the outbox like any other.
    [delivery] = await client.webhooks.list(run_id=first["run_id"])
    assert delivery["payload"]["run_id"] == first["run_id"] and delivery["payload"]["status"] == "success"


async def test_stateless_cron_with_delete_removes_its_threads(deploy) -> None:
    clock = SimClock(at("2026-01-05T09:58:00+00:00"))
    dep, client = await deploy(clock, stateless_grace_seconds=0.0)
    cron = await client.crons.create(assistant_id="steps", schedule="*/5 * * * *", payload={"input": {}})
    assert cron["on_run_completed"] == "delete"
    [fired] = await tick(dep, at("2026-01-05T10:00:00+00:00"))
    result = await client.runs.join(fired["run_id"], thread_id=fired["thread_id"])
    assert result["run"]["status"] == "success"

    async def gone() -> bool:
        return not await client.threads.search(metadata={"cron_id": cron["cron_id"]})

    await eventually(gone)


async def test_thread_cron_runs_on_its_thread(deploy) -> None:
    clock = SimClock(at("2026-01-05T09:58:00+00:00"))
    dep, client = await deploy(clock)
    thread = await client.threads.create()
    cron = await client.crons.create(
        assistant_id="steps", thread_id=thread["thread_id"], schedule="*/15 * * * *", payload={"input": {}}
    )
    fired = []
    for minute in (0, 15, 30):
        batch = await tick(dep, at(f"2026-01-05T10:{minute:02d}:00+00:00"))
        fired += batch
        await _join_all(client, batch)
    assert {f["thread_id"] for f in fired} == {thread["thread_id"]}
    runs = await client.runs.list(thread["thread_id"])
    assert len(runs) == 3 and {r["status"] for r in runs} == {"success"}
    assert (await client.threads.get(thread["thread_id"]))["values"][
        "n"
    ] == 9  # three runs of 3 steps, one state
    assert cron["on_run_completed"] == ""  # applies to stateless crons only


async def test_end_time_disables_the_cron_after_its_last_firing(deploy) -> None:
    clock = SimClock(at("2026-01-05T09:58:00+00:00"))
    dep, client = await deploy(clock)
    cron = await client.crons.create(
        assistant_id="steps",
        schedule="0 * * * *",
        payload={"input": {}},
        on_run_completed="keep",
        end_time="2026-01-05T12:30:00+00:00",
    )
    fired = []
    t = at("2026-01-05T10:00:00+00:00")
    while t <= at("2026-01-05T16:00:00+00:00"):
        fired += await tick(dep, t)
        t += timedelta(minutes=30)
    assert [f["scheduled_time"].hour for f in fired] == [10, 11, 12]
    await _join_all(client, fired)
    after = await client.crons.get(cron["cron_id"])
    assert after["enabled"] is False and after["next_run_date"] == ""
    # A cron created past its end never fires.
    late = await client.crons.create(
        assistant_id="steps", schedule="* * * * *", end_time="2026-01-01T00:00:00Z"
    )
    assert late["enabled"] is False and late["next_run_date"] == ""


async def test_catch_up_fires_the_latest_missed_time_once(deploy) -> None:
    clock = SimClock(at("2026-01-05T09:58:00+00:00"))
    dep, client = await deploy(clock)
    cron = await client.crons.create(
        assistant_id="steps", schedule="0 * * * *", payload={"input": {}}, on_run_completed="keep"
    )
    # The scheduler was down from 09:58 until 15:20: 10:00 … 15:00 were missed.
    fired = await tick(dep, at("2026-01-05T15:20:00+00:00"))
    assert [f["scheduled_time"] for f in fired] == [at("2026-01-05T15:00:00+00:00")]
    assert await tick(dep, at("2026-01-05T15:21:00+00:00")) == []
    assert (await client.crons.get(cron["cron_id"]))["next_run_date"].startswith("2026-01-05T16:00:00")
    await _join_all(client, fired)
    # Down past the end time too: the latest time before the end fires once, and the cron is done.
    ending = await client.crons.create(
        assistant_id="steps",
        schedule="0 * * * *",
        payload={"input": {}},
        on_run_completed="keep",
        end_time="2026-01-05T18:30:00+00:00",
    )
    fired = await tick(dep, at("2026-01-05T21:05:00+00:00"))
    mine = [f for f in fired if f["cron_id"] == ending["cron_id"]]
    assert [f["scheduled_time"] for f in mine] == [at("2026-01-05T18:00:00+00:00")]
    assert (await client.crons.get(ending["cron_id"]))["enabled"] is False
    await _join_all(client, fired)


@pytest.mark.parametrize(
    ("schedule", "start", "end", "expected"),
    [
        # Autumn: 01:30 happens twice in New York on 1 November; the cron fires once that day.
        (
            "30 1 * * *",
            "2026-10-31T12:00:00+00:00",
            "2026-11-02T12:00:00+00:00",
            ["2026-11-01T05:30:00+00:00", "2026-11-02T06:30:00+00:00"],
        ),
        # Spring: 02:30 does not exist on 8 March; the cron fires once, right after the change.
        (
            "30 2 * * *",
            "2026-03-07T12:00:00+00:00",
            "2026-03-09T12:00:00+00:00",
            ["2026-03-08T07:00:00+00:00", "2026-03-09T06:30:00+00:00"],
        ),
    ],
)
async def test_daylight_saving_changes_in_a_named_timezone(deploy, schedule, start, end, expected) -> None:
    clock = SimClock(at(start))
    dep, client = await deploy(clock)
    thread = await client.threads.create()
    await client.crons.create(
        assistant_id="steps",
        thread_id=thread["thread_id"],
        schedule=schedule,
        timezone="America/New_York",
        payload={"input": {}},
    )
    fired, t = [], at(start)
    while t <= at(end):
        fired += await tick(dep, t)
        t += timedelta(minutes=10)
    assert [f["scheduled_time"] for f in fired] == [at(e) for e in expected]
    await _join_all(client, fired)


async def test_two_schedulers_on_one_postgres_fire_each_time_once(
    deploy, pg_url: str, database_url: str
) -> None:
    if "://" not in database_url:
        pytest.skip("several schedulers share a PostgreSQL database; SQLite is served by one process")
    clock = SimClock(at("2026-01-31T23:30:00+00:00"))
    a, client = await deploy(clock)
    b, _ = await deploy(clock)
    cron = await client.crons.create(
        assistant_id="steps", schedule="0 * * * *", payload={"input": {}}, on_run_completed="keep"
    )
    fired: list[dict] = []
    t = at("2026-02-01T00:00:00+00:00")
    while t < at("2026-02-02T00:00:00+00:00"):
        # Both tick at (almost) the same moment, the second a few seconds later, in either order.
        first, second = await asyncio.gather(tick(a, t), tick(b, t + timedelta(seconds=3)))
        fired += first + second
        t += timedelta(minutes=10)
    times = sorted(f["scheduled_time"] for f in fired)
    assert len(times) == 24 and len(set(times)) == 24
    assert times[0] == at("2026-02-01T00:00:00+00:00") and times[-1] == at("2026-02-01T23:00:00+00:00")
    await _join_all(client, fired)
    threads = await client.threads.search(metadata={"cron_id": cron["cron_id"]}, limit=100)
    assert len(threads) == 24


async def test_crud_search_count_and_bad_input(deploy) -> None:
    clock = SimClock(at("2026-01-05T09:58:00+00:00"))
    _, client = await deploy(clock)
    one = await client.crons.create(
        assistant_id="steps",
        schedule="0 9 * * MON-FRI",
        timezone="Europe/Oslo",
        metadata={"team": "a"},
        payload={"input": {"n": 1}},
    )
    two = await client.crons.create(assistant_id="failing", schedule="*/5 * * * *", metadata={"team": "b"})
    assert one["next_run_date"].startswith("2026-01-06T08:00:00")  # 09:00 in Oslo (CET) on Tuesday
    assert await client.crons.count() == 2
    assert [c["cron_id"] for c in await client.crons.search(metadata={"team": "b"})] == [two["cron_id"]]
    assert [c["cron_id"] for c in await client.crons.search(assistant_id="steps")] == [one["cron_id"]]
    disabled = await client.crons.update(two["cron_id"], enabled=False)
    assert disabled["enabled"] is False and disabled["next_run_date"] == ""
    assert await client.crons.count(enabled=True) == 1
    moved = await client.crons.update(
        one["cron_id"], schedule="30 7 * * *", timezone="UTC", payload={"input": {"n": 2}}
    )
    assert moved["next_run_date"].startswith("2026-01-06T07:30:00") and moved["schedule"] == "30 7 * * *"
    assert moved["payload"]["input"] == {"n": 2}
    await client.crons.delete(two["cron_id"])
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await client.crons.get(two["cron_id"])
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    bad = [
        ({"schedule": "* * * *"}, "schedule"),
        ({"schedule": "61 * * * *"}, "schedule"),
        ({"schedule": "* * * * *", "timezone": "Mars/Olympus"}, "timezone"),
        ({"schedule": "* * * * *", "end_time": "tomorrow"}, "end_time"),
        ({"schedule": "* * * * *", "payload": {"inptu": {}}}, "payload"),
        ({"schedule": "* * * * *", "payload": {"stream_mode": ["nope"]}}, "stream_mode"),
        ({"schedule": "* * * * *", "payload": {"webhook": "file:///etc/passwd"}}, "webhook"),
        ({"schedule": "* * * * *", "on_run_completed": "archive"}, "on_run_completed"),
    ]
    for fields, name in bad:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await client.crons.create(assistant_id="steps", **fields)
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT, fields
        assert name in (err.value.details() or ""), (fields, err.value.details())


async def test_the_scheduler_loop_wakes_on_changes_not_on_a_timer(deploy) -> None:
    clock = SimClock(at("2026-01-05T09:58:00+00:00"))
    dep, client = await deploy(clock, cron_scheduler=True)
    assert dep.core is not None
    runtime = dep.core.runtime
    runtime.scheduler.start()  # the deployment started it with the real clock off; run it on the simulated one
    cron = await client.crons.create(
        assistant_id="steps", schedule="0 * * * *", payload={"input": {}}, on_run_completed="keep"
    )
    clock.now = at("2026-01-05T10:00:01+00:00")
    await runtime.wake_schedulers()  # what a cron change anywhere does; here it stands for the timer firing

    async def fired() -> list[dict]:
        return await client.threads.search(metadata={"cron_id": cron["cron_id"]})

    [thread] = await eventually(fired)
    runs = await client.runs.list(thread["thread_id"])
    assert len(runs) == 1
