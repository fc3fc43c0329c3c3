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

import secrets
import tempfile
from pathlib import Path

from bench.ab import alternate, parse_args, report
from bench.core_bench import Server, _free_port

TARGET = 1.10  # tracing on adds under 10 % per run


async def main(argv: list[str] | None = None) -> None:
    args = parse_args("python -m bench tracing", argv)
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
        # A caller's trace context on every request, as a traced client would send it.
        headers = {
            side: {"traceparent": f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-01"} for side in servers
        }
        lat = await alternate(servers, headers, n=args.n, rounds=args.rounds)
        spans = int(spans_file.read_text()) if spans_file.exists() else 0
    runs = len(lat["on"]) + 10
    print(
        f"Tracing overhead, REST sequential create+wait (steps, 3 nodes), {len(lat['off'])} runs per side "
        f"in {args.rounds} alternating rounds, SQLite, one process per side (portico serve)"
    )
    print(f"traced server finished {spans} spans ({spans / runs:.1f} per sample)")
    report(lat, TARGET)
