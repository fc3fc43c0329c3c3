"""The store's behaviour over gRPC and REST, on SQLite and PostgreSQL: what ``langgraph-sdk`` users rely on."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import grpc
import httpx
import pytest

pytestmark = pytest.mark.timeout(120)


async def test_put_get_update_delete(store: Any) -> None:
    ns = ["users", "u1", "prefs"]
    assert await store.get(ns, "theme") is None
    await store.put(ns, "theme", {"color": "dark", "size": 12}, index=False)
    first = await store.get(ns, "theme")
    assert first is not None
    assert (
        first["namespace"] == ns
        and first["key"] == "theme"
        and first["value"] == {"color": "dark", "size": 12}
    )

    await store.put(ns, "theme", {"color": "light"}, index=False)
    second = await store.get(ns, "theme")
    assert second is not None and second["value"] == {"color": "light"}, "a put replaces the whole value"
    assert second["updated_at"] >= first["updated_at"]
    assert await store.get(["users", "u1"], "theme") is None, "a namespace is exact for get"

    await store.delete(ns, "theme")
    assert await store.get(ns, "theme") is None
    await store.delete(ns, "theme")  # deleting what is gone is not an error


async def test_search_scopes_by_namespace_prefix_and_filters(store: Any) -> None:
    rows = [
        (["docs", "a"], "1", {"kind": "note", "n": 1, "tags": {"lang": "en"}}),
        (["docs", "a"], "2", {"kind": "note", "n": 2, "tags": {"lang": "fr"}}),
        (["docs", "a", "deep"], "3", {"kind": "todo", "n": 3}),
        (["docs", "ab"], "4", {"kind": "note", "n": 10}),
        (["other"], "5", {"kind": "note", "n": 5}),
    ]
    for ns, key, value in rows:
        await store.put(ns, key, value, index=False)

    async def keys(prefix: list[str], **fields: Any) -> set[str]:
        return {i["key"] for i in await store.search(prefix, limit=50, **fields)}

    assert await keys(["docs", "a"]) == {"1", "2", "3"}, (
        "a prefix matches whole labels: docs.ab is not under docs.a"
    )
    assert await keys(["docs"]) == {"1", "2", "3", "4"}
    assert await keys([]) == {"1", "2", "3", "4", "5"}
    assert await keys(["docs"], filter={"kind": "note"}) == {"1", "2", "4"}
    assert await keys(["docs"], filter={"kind": {"$eq": "todo"}}) == {"3"}
    assert await keys(["docs"], filter={"kind": {"$ne": "note"}}) == {"3"}
    assert await keys(["docs"], filter={"n": {"$gt": 2}}) == {"3", "4"}, "numbers compare as numbers: 10 > 2"
    assert await keys(["docs"], filter={"n": {"$gte": 2}}) == {"2", "3", "4"}
    assert await keys(["docs"], filter={"n": {"$lt": 2}}) == {"1"}
    assert await keys(["docs"], filter={"n": {"$lte": 2}}) == {"1", "2"}
    assert await keys(["docs"], filter={"n": {"$gt": 1, "$lt": 4}}) == {"2", "3"}
    assert await keys(["docs"], filter={"kind": "note", "n": {"$gte": 2}}) == {"2", "4"}
    assert await keys(["docs"], filter={"tags.lang": "fr"}) == {"2"}, "a dotted path reaches a nested field"
    assert await keys(["docs"], filter={"tags.lang": {"$ne": "fr"}}) == {"1"}
    assert await keys(["docs"], filter={"kind": {"$gte": "o"}}) == {"3"}, "strings compare as strings"


async def test_search_orders_newest_first_and_pages_without_gaps(grpc_store: Any, run_sql: Any) -> None:
    store = grpc_store
    for i in range(7):
        await store.put(["feed"], f"k{i}", {"i": i}, index=False)
    # Timestamps as the clock would have left them a minute apart (SQLite's store keeps whole seconds).
    for i in range(7):
        await run_sql(
            f"UPDATE store SET updated_at = '2030-01-01 00:{i:02d}:00' WHERE prefix = 'feed' AND key = 'k{i}'"
        )
    newest_first = [f"k{i}" for i in reversed(range(7))]
    assert [i["key"] for i in await store.search(["feed"], limit=10)] == newest_first

    pages = [[i["key"] for i in await store.search(["feed"], limit=3, offset=off)] for off in (0, 3, 6, 9)]
    assert pages == [newest_first[0:3], newest_first[3:6], newest_first[6:], []]


async def test_list_namespaces_by_prefix_suffix_depth_and_page(rest_store: Any) -> None:
    store = rest_store
    for ns in (["a", "b", "c"], ["a", "b", "d"], ["a", "x"], ["z", "b", "c"], ["a", "b"]):
        await store.put(ns, "k", {"v": 1}, index=False)

    assert await store.namespaces() == [
        ["a", "b"],
        ["a", "b", "c"],
        ["a", "b", "d"],
        ["a", "x"],
        ["z", "b", "c"],
    ]
    assert await store.namespaces(prefix=["a", "b"]) == [["a", "b"], ["a", "b", "c"], ["a", "b", "d"]]
    assert await store.namespaces(suffix=["c"]) == [["a", "b", "c"], ["z", "b", "c"]]
    assert await store.namespaces(prefix=["a"], suffix=["c"]) == [["a", "b", "c"]]
    assert await store.namespaces(max_depth=2) == [["a", "b"], ["a", "x"], ["z", "b"]]
    assert await store.namespaces(limit=2, offset=1) == [["a", "b", "c"], ["a", "b", "d"]]


async def test_expired_items_vanish_from_reads_and_reads_refresh_the_ttl(
    grpc_store: Any, run_sql: Any
) -> None:
    store = grpc_store
    await store.put(["tmp"], "gone", {"v": 1}, ttl=5, index=False)
    await store.put(["tmp"], "kept", {"v": 2}, ttl=5, index=False)
    await store.put(["tmp", "sub"], "gone2", {"v": 3}, ttl=5, index=False)
    assert await store.get(["tmp"], "gone") is not None
    # The clock passes the expiry of two items (set in the past, as the sweeper would see them).
    await run_sql("UPDATE store SET expires_at = '2000-01-01 00:00:00+00:00' WHERE key IN ('gone', 'gone2')")

    assert await store.get(["tmp"], "gone") is None
    assert [i["key"] for i in await store.search(["tmp"])] == ["kept"]
    assert await store.namespaces(prefix=["tmp"]) == [["tmp"]]

    async def expires_at() -> str:
        return str(
            (await run_sql("SELECT expires_at FROM store WHERE prefix = 'tmp' AND key = 'kept'"))[0][0]
        )

    await run_sql("UPDATE store SET expires_at = '2999-01-01 00:00:00+00:00' WHERE key = 'kept'")
    assert await store.get(["tmp"], "kept", refresh_ttl=False) is not None
    assert (await expires_at()).startswith("2999"), "refresh_ttl=false leaves the expiry alone"
    assert await store.get(["tmp"], "kept") is not None
    refreshed = await expires_at()
    assert "2000" < refreshed < "2999", "a read (refresh on read is the default) restarts the TTL"
    await run_sql("UPDATE store SET expires_at = '2999-01-01 00:00:00+00:00' WHERE key = 'kept'")
    assert [i["key"] for i in await store.search(["tmp"], refresh_ttl=True)] == ["kept"]
    assert "2000" < await expires_at() < "2999", "so does a search"


async def test_background_sweeper_deletes_expired_rows(grpc_store: Any, run_sql: Any) -> None:
    store = grpc_store
    await store.put(["sweep"], "k", {"v": 1}, ttl=5, index=False)
    await run_sql("UPDATE store SET expires_at = '2000-01-01 00:00:00+00:00' WHERE prefix = 'sweep'")
    # No read touches the item: only the sweeper (every 0.3 s in this project) can remove the row.
    deadline = time.monotonic() + 10
    while await run_sql("SELECT key FROM store WHERE prefix = 'sweep'"):
        assert time.monotonic() < deadline, "the sweeper did not delete the expired row"
        await asyncio.sleep(0.1)


_BAD_INPUT = [
    (lambda s: s.put(["ns"], "k", {"v": 1}, ttl=-1), "ttl"),
    (lambda s: s.put(["", "x"], "k", {"v": 1}), "namespace"),
    (lambda s: s.search(["ns"], filter={"n": {"$regex": "x"}}), "filter.n"),
    (lambda s: s.search(["ns"], filter={"tags": {"lang": "fr"}}), "filter.tags"),
    (lambda s: s.search(["ns"], limit=-1), "limit"),
]


async def test_bad_input_is_refused_naming_the_field(store: Any) -> None:
    for call, field in _BAD_INPUT:
        try:
            await call(store)
        except grpc.aio.AioRpcError as e:
            assert e.code() == grpc.StatusCode.INVALID_ARGUMENT and field in (e.details() or ""), (field, e)
        except httpx.HTTPStatusError as e:
            assert e.response.status_code == 422 and field in e.response.text, (field, e.response.text)
        else:
            pytest.fail(f"accepted: bad {field}")
