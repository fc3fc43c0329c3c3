"""A separate ``portico worker`` process serves its own metrics (``--metrics-port``): the runs it finished,
exactly, while the core (without workers) counts the runs created."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import httpx
from langgraph_sdk import get_client

from core.runtime import default_assistant_id
from core.settings import Settings
from portico.serve import Deployment
from tests.observability.test_metrics import GRAPHS, _get, _scrape


async def test_a_worker_process_counts_the_runs_it_finished(pg_url: str, tmp_path: Path) -> None:
    settings = Settings(database_url=pg_url, config_path=str(GRAPHS / "langgraph.json"), workers=2)
    core = Deployment(settings, grpc_port=0, http_port=0, workers=False)
    await core.start()
    cmd = [
        sys.executable, "-m", "portico", "worker", "--config", str(GRAPHS / "langgraph.json"),
        "--database", pg_url, "--workers", "2", "--metrics-port", "0",
    ]  # fmt: skip
    worker = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=tmp_path)
    try:
        # The worker says where its metrics are, then that it is claiming (its stdout, not a timer).
        metrics_url = ""
        while True:
            line = await asyncio.to_thread(worker.stdout.readline)  # type: ignore[union-attr]
            assert line, "the worker exited before it was ready"
            if "metrics: " in line:
                metrics_url = line.split("metrics: ", 1)[1].strip().removesuffix("/metrics")
            if line.startswith("portico worker ") and "slots" in line:
                break
        steps = default_assistant_id("steps")
        sdk = get_client(url=f"http://127.0.0.1:{core.http_port}", api_key=None)
        async with httpx.AsyncClient(base_url=metrics_url) as http:
            before = await _scrape(http)
            for _ in range(3):
                await sdk.runs.wait(None, "steps", input={"n": 0})
            after = await _scrape(http)
        await sdk.aclose()
        labels = {"assistant_id": steps, "status": "success"}
        for name in ("portico_runs_finished_total", "portico_run_duration_seconds_count"):
            assert _get(after, name, **labels) - _get(before, name, **labels) == 3, name
    finally:
        worker.terminate()
        worker.wait(60)
        await core.stop()
