"""What auth costs a run: the REST sequential workload in open mode and with an auth module, in one run.

    python -m bench auth [--n 200] [--rounds 10]

Two ``portico serve`` processes on their own SQLite databases, one open (``tests/graphs``), one serving the
same ``steps`` graph with ``bench/auth_project/auth.py`` (a bearer token per user and the README's
owner-only handler). Per request the gateway runs the authenticate handler and signs the identity; per RPC
the core verifies it and runs the handler, and every thread/run read checks the owner filter.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench.ab import alternate, parse_args, report
from bench.core_bench import Server, _free_port

TARGET = 1.10

PROJECT = Path(__file__).resolve().parent / "auth_project" / "langgraph.json"


async def main(argv: list[str] | None = None) -> None:
    args = parse_args("python -m bench auth", argv)
    with tempfile.TemporaryDirectory() as tmp:
        servers = {
            "open": Server(str(Path(tmp) / "open.db"), _free_port(), args.workers, http_port=_free_port()),
            "auth": Server(
                str(Path(tmp) / "auth.db"), _free_port(), args.workers, http_port=_free_port(), config=PROJECT
            ),
        }
        lat = await alternate(
            servers, {"auth": {"Authorization": "Bearer user-alice"}}, n=args.n, rounds=args.rounds
        )
    print(
        f"Auth overhead, REST sequential create+wait (steps, 3 nodes), {len(lat['open'])} runs per side "
        f"in {args.rounds} alternating rounds, SQLite, one process per side (portico serve)"
    )
    report(lat, TARGET)
