"""Core benchmarks through the gRPC client, each beside in-process LangGraph in the same run.

    python -m bench core [--database URL] [--n 200]

Prints a table of figures and ratios (Portico / in-process floor); machines here are shared and noisy,
so only ratios measured in one run are meaningful.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from clients.grpc import PorticoClient

ROOT = Path(__file__).resolve().parent.parent
GRAPHS = ROOT / "tests" / "graphs"
sys.path.insert(0, str(GRAPHS))


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``portico serve`` in a subprocess: gRPC on ``port``, and the REST gateway on ``http_port`` if given."""

    def __init__(
        self,
        database: str,
        port: int,
        workers: int = 16,
        http_port: int | None = None,
        *,
        module: str = "portico",
        env: dict[str, str] | None = None,
        config: Path | None = None,
    ) -> None:
        self.database, self.port, self.workers, self.http_port = database, port, workers, http_port
        self.module = module
        """The ``python -m`` entry point: ``portico``, or a launcher that configures the process first."""
        self.env = env or {}
        self.config = config or GRAPHS / "langgraph.json"
        self.proc: subprocess.Popen[bytes] | None = None

    async def start(self) -> float:
        t0 = time.perf_counter()
        http = ["--port", str(self.http_port)] if self.http_port else ["--no-http"]
        cmd = [
            sys.executable,
            "-m",
            self.module,
            "serve",
            *http,
            "--config",
            str(self.config),
            "--database",
            self.database,
            "--grpc-port",
            str(self.port),
            "--workers",
            str(self.workers),
            "--sweep-seconds",
            "0.5",
        ]
        env = {**os.environ, "PORTICO_LOG_LEVEL": "WARNING", **self.env}
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        async with grpc.aio.insecure_channel(f"127.0.0.1:{self.port}") as ch:
            await health_pb2_grpc.HealthStub(ch).Check(
                health_pb2.HealthCheckRequest(), wait_for_ready=True, timeout=60
            )
        return time.perf_counter() - t0

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(30)


@contextlib.asynccontextmanager
async def floor_saver(database: str) -> AsyncIterator[Any]:
    """The checkpointer Portico uses on ``database``, for LangGraph run in process (the floor)."""
    if database.startswith("postgres"):
        from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver

        async with AsyncPostgresSaver.from_conn_string(database) as saver:
            await saver.setup()
            yield saver
        return
    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

    async with AsyncSqliteSaver.from_conn_string(database + ".floor") as saver:
        await saver.setup()
        # Portico's SQLite connections run WAL with synchronous=NORMAL; the floor gets the same.
        await saver.conn.execute("PRAGMA journal_mode=WAL")
        await saver.conn.execute("PRAGMA synchronous=NORMAL")
        yield saver


async def _inprocess(database: str, n: int, concurrency: int) -> dict[str, float]:
    """The floor: the same graphs invoked in process by LangGraph with the same checkpointer."""
    import graphs  # tests/graphs

    out: dict[str, float] = {}
    async with floor_saver(database) as saver:
        steps = graphs.steps.copy(update={"checkpointer": saver})
        approval = graphs.approval.copy(update={"checkpointer": saver})
        lat = []
        for _ in range(n):
            cfg = {"configurable": {"thread_id": str(uuid.uuid4())}}
            t0 = time.perf_counter()
            await steps.ainvoke({"n": 0}, cfg)
            lat.append(time.perf_counter() - t0)
        out["seq_p50"], out["seq_p99"] = _pct(lat, 50), _pct(lat, 99)

        async def one() -> None:
            await steps.ainvoke({"n": 0}, {"configurable": {"thread_id": str(uuid.uuid4())}})

        t0 = time.perf_counter()
        await _bounded([one for _ in range(n)], concurrency)
        out["throughput"] = n / (time.perf_counter() - t0)

        from langgraph.types import Command

        res = []
        for _ in range(max(10, n // 4)):
            cfg = {"configurable": {"thread_id": str(uuid.uuid4())}}
            await approval.ainvoke({}, cfg)
            t0 = time.perf_counter()
            await approval.ainvoke(Command(resume="yes"), cfg)
            res.append(time.perf_counter() - t0)
        out["resume_p50"] = _pct(res, 50)
    return out


async def _bounded(factories: list[Any], concurrency: int) -> None:
    sem = asyncio.Semaphore(concurrency)

    async def guarded(f: Any) -> None:
        async with sem:
            await f()

    await asyncio.gather(*(guarded(f) for f in factories))


async def _portico(database: str, n: int, concurrency: int) -> dict[str, float]:
    port = _free_port()
    server = Server(database, port)
    await server.start()
    out: dict[str, float] = {}
    try:
        async with PorticoClient.connect(server_target(port)) as client:
            for _ in range(10):  # warm-up: imports, connections, first checkpoints
                await client.runs.wait(assistant_id="steps", input={"n": 0}, on_completion="keep")
            lat = []
            for _ in range(n):
                t0 = time.perf_counter()
                thread = await client.threads.create()
                await client.runs.wait(thread_id=thread["thread_id"], assistant_id="steps", input={"n": 0})
                lat.append(time.perf_counter() - t0)
            out["seq_p50"], out["seq_p99"] = _pct(lat, 50), _pct(lat, 99)

            async def one() -> None:
                thread = await client.threads.create()
                await client.runs.wait(thread_id=thread["thread_id"], assistant_id="steps", input={"n": 0})

            t0 = time.perf_counter()
            await _bounded([one for _ in range(n)], concurrency)
            out["throughput"] = n / (time.perf_counter() - t0)

            res = []
            for _ in range(max(10, n // 4)):
                tid = (await client.threads.create())["thread_id"]
                await client.runs.wait(thread_id=tid, assistant_id="approval", input={})
                t0 = time.perf_counter()
                await client.runs.wait(thread_id=tid, assistant_id="approval", command={"resume": "yes"})
                res.append(time.perf_counter() - t0)
            out["resume_p50"] = _pct(res, 50)

            # Crash recovery: kill -9 the whole server mid-run on a 20-node graph, restart, time to done.
            tid = (await client.threads.create())["thread_id"]
            run = await client.runs.create(
                thread_id=tid,
                assistant_id="steps20",
                input={"n": 0},
                stream_mode=["updates"],
                durability="sync",
                config={"configurable": {"pause_seconds": 0.05}},
            )
            seen = 0
            async for event in client.runs.stream(run["run_id"]):
                seen += event["event"] == "updates"
                if seen >= 10:
                    break
        server.kill()
        t0 = time.perf_counter()
        server = Server(database, port)
        await server.start()
        async with PorticoClient.connect(server_target(port)) as client:
            result = await client.runs.join(run["run_id"])
        out["recovery_s"] = time.perf_counter() - t0
        assert result["run"]["status"] == "success", result["run"]
        # The 10 remaining nodes pause 0.05 s each by design; subtract that work to leave the recovery cost.
        out["recovery_overhead_s"] = out["recovery_s"] - 10 * 0.05
    finally:
        server.stop()
    return out


def server_target(port: int) -> str:
    return f"127.0.0.1:{port}"


async def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench core")
    parser.add_argument(
        "--database", default=None, help="SQLite path (default: a temp file) or postgresql:// URL"
    )
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        database = args.database or str(Path(tmp) / "bench.db")
        floor = await _inprocess(database, args.n, args.concurrency)
        ours = await _portico(database, args.n, args.concurrency)
    print(
        f"core benchmark over gRPC, {args.n} runs, database {'postgres' if database.startswith('postgres') else 'sqlite'}"
    )
    print(f"{'metric':<28}{'in-process':>14}{'portico':>14}{'ratio':>10}")
    for key, unit in (("seq_p50", "ms"), ("seq_p99", "ms"), ("resume_p50", "ms")):
        f, o = floor[key] * 1000, ours[key] * 1000
        print(f"{key + ' (' + unit + ')':<28}{f:>14.2f}{o:>14.2f}{o / f:>10.2f}")
    print(
        f"{'throughput c=' + str(args.concurrency) + ' (runs/s)':<28}{floor['throughput']:>14.1f}{ours['throughput']:>14.1f}"
        f"{ours['throughput'] / floor['throughput']:>10.2f}"
    )
    print(f"{'per-run overhead p50 (ms)':<28}{'':>14}{(ours['seq_p50'] - floor['seq_p50']) * 1000:>14.2f}")
    print(
        f"{'crash recovery (s)':<28}{'':>14}{ours['recovery_s']:>14.2f}   (restart + 10 nodes × 50 ms of work)"
    )
    print(f"{'recovery overhead (s)':<28}{'':>14}{ours['recovery_overhead_s']:>14.2f}")
