"""``python -m bench [core|rest|store|tracing|auth] [options]``: run a benchmark suite (default: core)."""

from __future__ import annotations

import asyncio
import sys

from bench import auth_bench, core_bench, rest_bench, store_bench, tracing_bench

SUITES = {
    "auth": auth_bench.main,
    "core": core_bench.main,
    "rest": rest_bench.main,
    "store": store_bench.main,
    "tracing": tracing_bench.main,
}


def main() -> None:
    args = sys.argv[1:]
    name = args.pop(0) if args and args[0] in SUITES else "core"
    asyncio.run(SUITES[name](args))


main()
