"""A/B in one benchmark run: the REST sequential workload against two ``portico serve`` processes, in
alternating rounds (swapping which goes first each round), so the machine's noise falls on both alike."""

from __future__ import annotations

import argparse
import statistics
from typing import Any

from bench.core_bench import Server, _pct
from bench.rest_bench import sequential_run

__all__ = ["alternate", "parse_args", "report"]


def parse_args(prog: str, argv: list[str] | None) -> argparse.Namespace:
    """``--n`` runs per side, in ``--rounds`` alternations, on servers of ``--workers`` slots."""
    parser = argparse.ArgumentParser(prog=prog)
    parser.add_argument("--n", type=int, default=200, help="runs measured on each side")
    parser.add_argument("--rounds", type=int, default=10, help="alternations between the two sides")
    parser.add_argument("--workers", type=int, default=16)
    return parser.parse_args(argv)


async def alternate(
    servers: dict[str, Server], headers: dict[str, dict[str, str]], *, n: int, rounds: int
) -> dict[str, list[float]]:
    """Start both servers, warm them up, and measure ``n`` sequential runs on each in ``rounds`` rounds."""
    from langgraph_sdk import get_client

    per_round = max(1, n // rounds)
    names = list(servers)
    lat: dict[str, list[float]] = {name: [] for name in names}
    sdks: dict[str, Any] = {}
    try:
        for server in servers.values():
            await server.start()
        for name, server in servers.items():
            sdks[name] = get_client(
                url=f"http://127.0.0.1:{server.http_port}", api_key=None, headers=headers.get(name, {})
            )
            for _ in range(10):  # warm-up: imports, connections, first checkpoints
                await sequential_run(sdks[name])
        for round_ in range(rounds):
            for name in names if round_ % 2 == 0 else reversed(names):
                lat[name] += [await sequential_run(sdks[name]) for _ in range(per_round)]
    finally:
        for sdk in sdks.values():
            await sdk.aclose()
        for server in servers.values():
            server.stop()
    return lat


def report(lat: dict[str, list[float]], target: float) -> None:
    """p50, mean and p99 per run for each side, and the second side's ratio to the first."""
    a, b = list(lat)
    print(f"{'metric':<28}{a:>10}{b:>10}{f'{b}/{a}':>10}  target")
    rows = (
        ("p50 per run (ms)", lambda v: _pct(v, 50)),
        ("mean per run (ms)", statistics.fmean),
        ("p99 per run (ms)", lambda v: _pct(v, 99)),
    )
    for label, stat in rows:
        first, second = stat(lat[a]) * 1000, stat(lat[b]) * 1000
        goal = f"< {target:.2f}" if label.startswith(("p50", "mean")) else ""
        print(f"{label:<28}{first:>10.2f}{second:>10.2f}{second / first:>10.3f}  {goal}")
