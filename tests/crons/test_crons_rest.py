"""The ``langgraph-sdk`` ``crons`` client against the REST gateway."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from langgraph_sdk import get_client

from tests.crons.conftest import SimClock, at, tick


async def test_sdk_crons_create_search_update_count_delete(deploy) -> None:
    clock = SimClock(at("2026-01-05T09:58:00+00:00"))
    dep, _ = await deploy(clock, http=True)
    url = f"http://127.0.0.1:{dep.http_port}"
    sdk = get_client(url=url, api_key=None)
    thread = await sdk.threads.create()
    stateful = await sdk.crons.create_for_thread(
        thread["thread_id"],
        "steps",
        schedule="*/30 * * * *",
        input={"n": 1},
        metadata={"kind": "stateful"},
        multitask_strategy="enqueue",
    )
    stateless = await sdk.crons.create(
        "steps",
        schedule="0 8 * * *",
        input={},
        timezone="Asia/Tokyo",
        on_run_completed="keep",
        end_time=datetime(2026, 2, 1, tzinfo=UTC),
        metadata={"kind": "stateless"},
    )
    assert stateful["thread_id"] == thread["thread_id"] and stateful["payload"]["input"] == {"n": 1}
    assert stateless["thread_id"] is None and stateless["on_run_completed"] == "keep"
    assert stateless["next_run_date"].startswith("2026-01-05T23:00:00")  # 08:00 in Tokyo
    assert stateless["end_time"].startswith("2026-02-01T00:00:00") and stateless["timezone"] == "Asia/Tokyo"
    assert await sdk.crons.count() == 2
    assert await sdk.crons.count(thread_id=thread["thread_id"]) == 1
    found = await sdk.crons.search(metadata={"kind": "stateless"})
    assert [c["cron_id"] for c in found] == [stateless["cron_id"]]
    assert [
        c["cron_id"]
        for c in await sdk.crons.search(assistant_id="steps", sort_by="next_run_date", sort_order="asc")
    ] == [stateful["cron_id"], stateless["cron_id"]]
    selected = await sdk.crons.search(
        select=["cron_id", "schedule"], limit=1, offset=1, sort_by="created_at", sort_order="asc"
    )
    assert selected == [{"cron_id": stateless["cron_id"], "schedule": "0 8 * * *"}]

    updated = await sdk.crons.update(stateless["cron_id"], enabled=False, end_time=None)
    assert updated["enabled"] is False and updated["end_time"] is None and updated["next_run_date"] is None
    assert len(await sdk.crons.search(enabled=True)) == 1

    # A cron made over REST fires as an ordinary run on its thread.
    [fired] = await tick(dep, at("2026-01-05T10:00:00+00:00"))
    result = await sdk.runs.join(thread["thread_id"], fired["run_id"])
    assert result["n"] == 4

    await sdk.crons.delete(stateful["cron_id"])
    assert await sdk.crons.count() == 1
    async with httpx.AsyncClient(base_url=url) as http:
        info = (await http.get("/info")).json()
        assert info["flags"]["crons"] is True
        for body, field in [
            ({"assistant_id": "steps", "schedule": "every day"}, "schedule"),
            ({"assistant_id": "steps", "schedule": "* * * * *", "timezone": "Nowhere/Land"}, "timezone"),
            ({"assistant_id": "steps", "schedule": "* * * * *", "colour": "red"}, "colour"),
            ({"assistant_id": "steps", "schedule": "* * * * *", "stream_mode": "events"}, "stream_mode"),
            (
                {"assistant_id": "steps", "schedule": "* * * * *", "end_time": "2026-01-01T00:00:00"},
                "end_time",
            ),
        ]:
            response = await http.post("/runs/crons", json=body)
            assert response.status_code == 422, (body, response.text)
            assert field in response.text, (body, response.text)
        response = await http.post(
            f"/threads/{thread['thread_id']}/runs/crons",
            json={"assistant_id": "steps", "schedule": "* * * * *", "on_run_completed": "keep"},
        )
        assert response.status_code == 422 and "on_run_completed" in response.text
        assert (await http.delete(f"/runs/crons/{stateful['cron_id']}")).status_code == 404
        missing = await http.post(
            "/threads/00000000-0000-0000-0000-000000000000/runs/crons",
            json={"assistant_id": "steps", "schedule": "* * * * *"},
        )
        assert missing.status_code == 404


@pytest.fixture(params=["sqlite"])
def database_url(request: pytest.FixtureRequest, tmp_path) -> str:
    # REST translation is backend-independent; the gRPC suite covers both backends.
    return str(tmp_path / "portico.db")
