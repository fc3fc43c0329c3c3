"""Store benchmarks on SQLite: put and search latency at 10k and 100k items, beside LangGraph's store.

    python -m bench store [--sizes 10000,100000] [--samples 200]

Portico is measured through its gRPC client against a real core (in process, on a free port), with a
semantic index configured; the floor is LangGraph's ``AsyncSqliteStore`` called in process on a file of its
own holding the same items (no index: it cannot load sqlite-vec on a Python whose ``sqlite3`` lacks
extension loading, and it is the raw cost of the store). Items are spread over 100 users' namespaces;
"user" searches look in one user's namespace (1% of the items), "all" across every user. Embeddings
come from a hashing function, not a model, so the figures are the store's, not a model's.

Prints p50/p95 in milliseconds and ratios (Portico / floor); only ratios of one run mean much on a shared
machine.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiosqlite
from langgraph.store.base import PutOp
from langgraph.store.sqlite.aio import AsyncSqliteStore

from bench.core_bench import _pct
from clients.grpc import PorticoClient
from core.settings import Settings
from portico.serve import Deployment

USERS = 100
WORDS = (
    "apple river mountain coffee piano garden winter novel bicycle ocean doctor market silver forest "
    "rocket castle violin desert harbor lantern meadow thunder pepper marble canyon orchid falcon glacier"
).split()

_PROJECT = {
    "langgraph.json": """{
  "graphs": {"noop": "./noop.py:graph"},
  "store": {"index": {"embed": "./embed.py:embed", "dims": 384, "fields": ["text"]}}
}""",
    "noop.py": """from langgraph.graph import StateGraph, START, END
from typing import TypedDict
class S(TypedDict, total=False):
    x: int
graph = StateGraph(S).add_node("n", lambda s: {}).add_edge(START, "n").add_edge("n", END).compile()
""",
    "embed.py": """import hashlib, math
def embed(texts):
    out = []
    for text in texts:
        v = [0.0] * 384
        for word in text.lower().split():
            h = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little")
            v[h % 384] += 1.0 if (h >> 40) & 1 else -1.0
        n = math.sqrt(sum(x * x for x in v)) or 1.0
        out.append([x / n for x in v])
    return out
""",
}


def _text(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(8))


def _ops(start: int, stop: int, rng: random.Random) -> list[PutOp]:
    return [
        PutOp(
            ("bench", f"u{i % USERS}"),
            f"k{i}",
            {"text": _text(rng), "n": i, "kind": "even" if i % 2 == 0 else "odd"},
        )
        for i in range(start, stop)
    ]


async def _timed(samples: int, call: Callable[[int], Awaitable[Any]]) -> tuple[float, float]:
    times = []
    for i in range(samples):
        t0 = time.perf_counter()
        await call(i)
        times.append((time.perf_counter() - t0) * 1000)
    return _pct(times, 50), _pct(times, 95)


async def _load(store: Any, start: int, stop: int, seed: int) -> float:
    rng = random.Random(seed)
    t0 = time.perf_counter()
    for chunk in range(start, stop, 1000):
        await store.abatch(_ops(chunk, min(chunk + 1000, stop), rng))
    return time.perf_counter() - t0


async def run(sizes: list[int], samples: int) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="portico-store-bench-"))
    for name, text in _PROJECT.items():
        (tmp / name).write_text(text)
    settings = Settings(
        database_url=str(tmp / "portico.db"), config_path=str(tmp / "langgraph.json"), workers=1
    )
    deployment = Deployment(settings, grpc_port=0, http_port=None)
    await deployment.start()
    floor_conn = await aiosqlite.connect(tmp / "floor.db", isolation_level=None)
    floor = AsyncSqliteStore(floor_conn)
    await floor.setup()
    assert deployment.core is not None
    portico_store = deployment.core.runtime.storage.store
    rng = random.Random(7)
    rows: list[tuple[str, ...]] = []
    try:
        async with PorticoClient.connect(deployment.core.target) as client:
            loaded = 0
            for size in sizes:
                load_p = await _load(portico_store, loaded, size, seed=size)
                load_f = await _load(floor, loaded, size, seed=size)
                loaded = size
                print(
                    f"# {size} items: bulk load "
                    f"portico {load_p:.1f}s (embedding included), floor {load_f:.1f}s",
                    flush=True,
                )

                async def p_put(i: int) -> None:
                    await client.store.put(
                        ["bench", f"u{i % USERS}"], f"new{i}", {"text": _text(rng), "n": -i}
                    )

                async def f_put(i: int) -> None:
                    await floor.aput(("bench", f"u{i % USERS}"), f"new{i}", {"text": _text(rng), "n": -i})

                def key(i: int, size: int = size) -> str:  # an existing item of user i % USERS
                    return f"k{(i * 7919) % size // USERS * USERS + i % USERS}"

                async def p_get(i: int) -> None:
                    await client.store.get(["bench", f"u{i % USERS}"], key(i))

                async def f_get(i: int) -> None:
                    await floor.aget(("bench", f"u{i % USERS}"), key(i))

                async def p_search(i: int) -> None:
                    await client.store.search(["bench", f"u{i % USERS}"], filter={"kind": "even"}, limit=10)

                async def f_search(i: int) -> None:
                    await floor.asearch(("bench", f"u{i % USERS}"), filter={"kind": "even"}, limit=10)

                async def p_semantic_user(i: int) -> None:
                    await client.store.search(["bench", f"u{i % USERS}"], query=_text(rng), limit=10)

                async def p_semantic_all(i: int) -> None:
                    await client.store.search(["bench"], query=_text(rng), limit=10)

                for name, portico, floor_call, n in (
                    ("put (1 item, embedded)", p_put, f_put, samples),
                    ("get", p_get, f_get, samples),
                    ("search user, filter", p_search, f_search, samples),
                    ("semantic search user", p_semantic_user, None, samples),
                    ("semantic search all", p_semantic_all, None, max(5, samples // 20)),
                ):
                    p50, p95 = await _timed(n, portico)
                    if floor_call is not None:
                        f50, f95 = await _timed(n, floor_call)
                        rows.append(
                            (
                                str(size),
                                name,
                                f"{p50:.2f}",
                                f"{p95:.2f}",
                                f"{f50:.2f}",
                                f"{f95:.2f}",
                                f"{p50 / f50:.1f}x",
                            )
                        )
                    else:
                        rows.append((str(size), name, f"{p50:.2f}", f"{p95:.2f}", "-", "-", "-"))
                    print("  ".join(rows[-1]), flush=True)
    finally:
        await floor_conn.close()
        await deployment.stop()
    header = ("items", "workload", "p50 ms", "p95 ms", "floor p50", "floor p95", "p50 ratio")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    print()
    for row in [header, *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
    print(f"\nstore: {type(portico_store).__name__}; python {sys.version.split()[0]}")


async def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench store")
    parser.add_argument("--sizes", default="10000,100000", help="item counts, ascending (comma-separated)")
    parser.add_argument("--samples", type=int, default=200, help="timed calls per workload")
    args = parser.parse_args(argv)
    await run(sorted(int(s) for s in args.sizes.split(",")), args.samples)
