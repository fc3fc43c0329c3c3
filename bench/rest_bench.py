"""REST benchmarks through ``langgraph-sdk``, each beside in-process LangGraph in the same run.

    python -m bench rest [--database URL] [--n 200] [--split]

Workloads: sequential thread-create + run-wait, stateless throughput at concurrency 16, time to the first
``updates`` event of a 20-node graph, resume after an interrupt. The floor is the same graph invoked in
process with the same checkpointer. Prints figures and ratios (Portico / floor): only ratios measured in
one run mean anything on a shared machine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from bench.core_bench import Server, _bounded, _free_port, _pct, floor_saver

N_FIRST = 30  # samples of time-to-first-event (each starts a 20-node run)


async def _floor(database: str, n: int, concurrency: int) -> dict[str, float]:
    import graphs  # tests/graphs (core_bench put it on sys.path)
    from langgraph.types import Command

    out: dict[str, float] = {}
    async with floor_saver(database) as saver:
        steps = graphs.steps.copy(update={"checkpointer": saver})
        steps20 = graphs.steps20.copy(update={"checkpointer": saver})
        approval = graphs.approval.copy(update={"checkpointer": saver})

        def cfg() -> dict[str, Any]:
            return {"configurable": {"thread_id": str(uuid.uuid4())}}

        lat = []
        for _ in range(n):
            t0 = time.perf_counter()
            await steps.ainvoke({"n": 0}, cfg())
            lat.append(time.perf_counter() - t0)
        out["seq_p50"], out["seq_p99"] = _pct(lat, 50), _pct(lat, 99)

        async def one() -> None:
            await steps.ainvoke({"n": 0}, cfg())

        t0 = time.perf_counter()
        await _bounded([one for _ in range(n)], concurrency)
        out["throughput"] = n / (time.perf_counter() - t0)

        first = []
        for i in range(N_FIRST):
            t0 = time.perf_counter()
            async for _chunk in steps20.astream({"n": 0}, cfg(), stream_mode="updates"):
                if len(first) < i + 1:
                    first.append(time.perf_counter() - t0)
            # Drained to the end: the next sample does not share the machine with this run's tail.
        out["first_p50"] = _pct(first, 50)

        res = []
        for _ in range(max(10, n // 4)):
            c = cfg()
            await approval.ainvoke({}, c)
            t0 = time.perf_counter()
            await approval.ainvoke(Command(resume="yes"), c)
            res.append(time.perf_counter() - t0)
        out["resume_p50"] = _pct(res, 50)
    return out


async def sequential_run(sdk: Any) -> float:
    """One sample of the sequential workload: create a thread, run ``steps`` on it and wait; seconds."""
    t0 = time.perf_counter()
    thread = await sdk.threads.create()
    await sdk.runs.wait(thread["thread_id"], "steps", input={"n": 0})
    return time.perf_counter() - t0


async def _start_gateway(core_port: int, http_port: int) -> subprocess.Popen[bytes]:
    """``portico gateway`` in its own process, in front of the core at ``core_port``; ready when /ok answers."""
    cmd = [
        sys.executable,
        "-m",
        "portico",
        "gateway",
        "--core",
        f"127.0.0.1:{core_port}",
        "--port",
        str(http_port),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    async with httpx.AsyncClient() as http:
        for _ in range(600):
            with contextlib.suppress(httpx.TransportError):
                if (await http.get(f"http://127.0.0.1:{http_port}/ok")).status_code == 200:
                    return proc
            await asyncio.sleep(0.1)
    proc.kill()
    raise RuntimeError("the gateway did not start")


async def _portico(database: str, n: int, concurrency: int, *, split: bool = False) -> dict[str, float]:
    from langgraph_sdk import get_client

    http_port, core_port = _free_port(), _free_port()
    server = Server(database, core_port, http_port=None if split else http_port)
    await server.start()
    gateway = await _start_gateway(core_port, http_port) if split else None
    out: dict[str, float] = {}
    try:
        sdk = get_client(url=f"http://127.0.0.1:{http_port}", api_key=None)
        for _ in range(10):  # warm-up: imports, connections, first checkpoints
            await sdk.runs.wait(None, "steps", input={"n": 0})

        lat = [await sequential_run(sdk) for _ in range(n)]
        out["seq_p50"], out["seq_p99"] = _pct(lat, 50), _pct(lat, 99)

        async def one() -> None:
            await sdk.runs.wait(None, "steps", input={"n": 0})

        t0 = time.perf_counter()
        await _bounded([one for _ in range(n)], concurrency)
        out["throughput"] = n / (time.perf_counter() - t0)

        first = []
        for i in range(N_FIRST):
            t0 = time.perf_counter()
            async for part in sdk.runs.stream(None, "steps20", input={"n": 0}, stream_mode="updates"):
                if part.event == "updates" and len(first) < i + 1:
                    first.append(time.perf_counter() - t0)
            # Drained to the end, as the floor is: runs do not pile up behind the measured one.
        out["first_p50"] = _pct(first, 50)

        res = []
        for _ in range(max(10, n // 4)):
            thread = await sdk.threads.create()
            await sdk.runs.wait(thread["thread_id"], "approval", input={})
            t0 = time.perf_counter()
            await sdk.runs.wait(thread["thread_id"], "approval", command={"resume": "yes"})
            res.append(time.perf_counter() - t0)
        out["resume_p50"] = _pct(res, 50)
    finally:
        if gateway is not None:
            gateway.terminate()
            gateway.wait(30)
        server.stop()
    return out


async def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench rest")
    parser.add_argument(
        "--database", default=None, help="SQLite path (default: a temp file) or postgresql:// URL"
    )
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument(
        "--split", action="store_true", help="the gateway in its own process (portico gateway)"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        database = args.database or str(Path(tmp) / "bench.db")
        floor = await _floor(database, args.n, args.concurrency)
        ours = await _portico(database, args.n, args.concurrency, split=args.split)
    kind = "postgres" if database.startswith("postgres") else "sqlite"
    layout = "gateway in its own process" if args.split else "one process (portico serve)"
    print(f"REST benchmark through langgraph-sdk, {args.n} runs, database {kind}, {layout}")
    print(f"{'metric':<34}{'in-process':>12}{'portico':>12}{'ratio':>8}  target")
    rows = (
        ("seq create+wait p50 (ms)", "seq_p50", "≤ 1.5"),
        ("seq create+wait p99 (ms)", "seq_p99", ""),
        ("first updates, 20 nodes p50 (ms)", "first_p50", ""),
        ("resume after interrupt p50 (ms)", "resume_p50", ""),
    )
    for label, key, target in rows:
        f, o = floor[key] * 1000, ours[key] * 1000
        print(f"{label:<34}{f:>12.2f}{o:>12.2f}{o / f:>8.2f}  {target}")
    label = f"stateless throughput c={args.concurrency} (runs/s)"
    print(
        f"{label:<34}{floor['throughput']:>12.1f}{ours['throughput']:>12.1f}"
        f"{ours['throughput'] / floor['throughput']:>8.2f}  ≥ 0.7"
    )
