"""What tracing costs a run: the REST sequential workload with tracing off and on, in one benchmark run.

    python -m bench tracing [--n 200] [--rounds 10]

Two ``portico serve`` processes, each on its own SQLite database: one as shipped (no tracer provider: the
OpenTelemetry API's no-op), one with the SDK configured as a user would (``TracerProvider`` +
``BatchSpanProcessor``, exporting to memory: ``bench/traced_serve.py``). The client alternates between them
in rounds, swapping which goes first each round, so the machine's noise falls on both alike. Each sample is
``threads.create`` + ``runs.wait`` of the 3-node ``steps`` graph through ``langgraph-sdk`` (the same sample
as ``python -m bench rest``), sent with a caller's ``traceparent`` so the traced server records the whole
tree: request → Runs/Create → run → nodes. Prints p50, mean and p99 per run for each, and on/off ratios.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import tempfile
from pathlib import Path

from bench.core_bench import Server, _free_port, _pct
from bench.rest_bench import sequential_run

TARGET = 1.10  # tracing on adds under 10 % per run


async def main(argv: list[str] | None = None) -> None:
    from langgraph_sdk import get_client

    parser = argparse.ArgumentParser(prog="python -m bench tracing")
    parser.add_argument("--n", type=int, default=200, help="runs measured on each side")
    parser.add_argument("--rounds", type=int, default=10, help="alternations between off and on")
    parser.add_argument("--workers", type=int, default=16)
    args = parser.parse_args(argv)
    per_round = max(1, args.n // args.rounds)
    with tempfile.TemporaryDirectory() as tmp:
        spans_file = Path(tmp) / "spans"
        servers = {
            "off": Server(str(Path(tmp) / "off.db"), _free_port(), args.workers, http_port=_free_port()),
            "on": Server(
                str(Path(tmp) / "on.db"),
                _free_port(),
                args.workers,
                http_port=_free_port(),
                module="bench.traced_serve",
                env={"PORTICO_BENCH_SPANS_FILE": str(spans_file)},
            ),
        }
        lat: dict[str, list[float]] = {"off": [], "on": []}
        try:
            for server in servers.values():
                await server.start()
            sdks = {}
            for side, server in servers.items():
                # A caller's trace context on every request, as a traced client would send it.
                traceparent = f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-01"
                sdks[side] = get_client(
                    url=f"http://127.0.0.1:{server.http_port}",
                    api_key=None,
                    headers={"traceparent": traceparent},
                )
                for _ in range(10):  # warm-up: imports, connections, first checkpoints
                    await sequential_run(sdks[side])
            for round_ in range(args.rounds):
                order = ("off", "on") if round_ % 2 == 0 else ("on", "off")
                for side in order:
                    lat[side] += [await sequential_run(sdks[side]) for _ in range(per_round)]
            for sdk in sdks.values():
                await sdk.aclose()
        finally:
            for server in servers.values():
                server.stop()
        spans = int(spans_file.read_text()) if spans_file.exists() else 0
    runs = len(lat["on"]) + 10
    print(
        f"Tracing overhead, REST sequential create+wait (steps, 3 nodes), {len(lat['off'])} runs per side "
        f"in {args.rounds} alternating rounds, SQLite, one process per side (portico serve)"
    )
    print(f"traced server finished {spans} spans ({spans / runs:.1f} per sample)")
    print(f"{'metric':<28}{'off':>10}{'on':>10}{'on/off':>8}  target")
    rows = (
        ("p50 per run (ms)", lambda v: _pct(v, 50)),
        ("mean per run (ms)", statistics.fmean),
        ("p99 per run (ms)", lambda v: _pct(v, 99)),
    )
    for label, stat in rows:
        off, on = stat(lat["off"]) * 1000, stat(lat["on"]) * 1000
        target = f"< {TARGET:.2f}" if label.startswith(("p50", "mean")) else ""
        print(f"{label:<28}{off:>10.2f}{on:>10.2f}{on / off:>8.3f}  {target}")
