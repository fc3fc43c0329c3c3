"""Each way the store keeps vectors, driven directly on a real database: the library's own index (sqlite-vec,
pgvector; skipped where this machine lacks it) and Portico's portable one (always)."""

from __future__ import annotations

import asyncio
import hashlib
import math
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from core.store.backends import _has_pgvector, open_postgres_store, sqlite_can_load_extensions
from core.store.config import StoreConfig, _FunctionEmbeddings
from core.store.portable import PortablePostgresStore, PortableSqliteStore
from core.store.stores import PorticoPostgresStore, PorticoSqliteStore

pytestmark = pytest.mark.timeout(60)


class _Embed:
    """Words hashed into 64 dimensions: texts sharing words are close. Records whether the store's lock
    was held when it was called (it must not be: on SQLite that lock is every writer's turn)."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.lock: asyncio.Lock | None = None
        self.called_under_lock = False

    def __call__(self, texts: list[str]) -> list[list[float]]:
        self.texts.extend(texts)
        self.called_under_lock |= bool(self.lock and self.lock.locked())
        out = []
        for text in texts:
            v = [0.0] * 64
            for word in text.lower().split():
                v[int(hashlib.md5(word.encode()).hexdigest(), 16) % 64] += 1.0
            norm = math.sqrt(sum(x * x for x in v)) or 1.0
            out.append([x / norm for x in v])
        return out


def _index(embed: _Embed) -> dict[str, Any]:
    return {"dims": 64, "fields": ["text"], "embed": _FunctionEmbeddings(embed)}


@pytest.fixture(params=["sqlite-portable", "sqlite-vec", "postgres-portable", "pgvector"])
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[tuple[Any, _Embed]]:
    embed = _Embed()
    ttl = {"refresh_on_read": True}
    if request.param.startswith("sqlite"):
        if request.param == "sqlite-vec" and not sqlite_can_load_extensions():
            pytest.skip("this Python's sqlite3 cannot load extensions (sqlite-vec)")
        conn = await aiosqlite.connect(tmp_path / "store.db", isolation_level=None)
        cls = PortableSqliteStore if request.param == "sqlite-portable" else PorticoSqliteStore
        store = cls(conn, index=_index(embed), ttl=ttl)
        embed.lock = store.lock
        await store.setup()
        yield store, embed
        await conn.close()
        return
    url = request.getfixturevalue("pg_url")
    async with AsyncConnectionPool(
        url,
        min_size=1,
        max_size=4,
        kwargs={"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row},
    ) as pool:
        if request.param == "pgvector":
            if not await _has_pgvector(pool):
                pytest.skip("pgvector is not available on this PostgreSQL server")
            store = PorticoPostgresStore(pool, index=_index(embed), ttl=ttl)
        else:
            store = PortablePostgresStore(pool, index=_index(embed), ttl=ttl)
        await store.setup()
        yield store, embed


async def test_ranks_by_meaning_and_embeds_only_changed_text_outside_the_lock(
    backend: tuple[Any, _Embed],
) -> None:
    store, embed = backend
    await store.aput(("u", "1"), "a", {"text": "red apple pie recipe", "n": 1})
    await store.aput(("u", "1"), "b", {"text": "blue ocean sailing trip", "n": 2})
    await store.aput(("u", "10"), "c", {"text": "red apple pie recipe"})
    await store.aput(("u", "1"), "d", {"text": "red apple pie recipe"}, index=False)

    hits = await store.asearch(("u", "1"), query="apple pie")
    assert [h.key for h in hits] == ["a", "b"], (
        "ranked by meaning, within the prefix, unindexed items left out"
    )
    assert hits[0].score > hits[1].score
    assert [h.key for h in await store.asearch(("u",), query="sailing", filter={"n": {"$gte": 2}})] == ["b"]

    embedded = len(embed.texts)
    await store.aput(("u", "1"), "a", {"text": "red apple pie recipe", "n": 3})
    assert len(embed.texts) == embedded, "an unchanged indexed text is not embedded again"
    assert [h.key for h in await store.asearch(("u", "1"), query="apple pie")][0] == "a"
    await store.aput(("u", "1"), "a", {"text": "green pear tart", "n": 3})
    assert embed.texts[-1] == "green pear tart"
    assert [h.key for h in await store.asearch(("u", "1"), query="pear tart")][0] == "a"
    assert not embed.called_under_lock


async def test_postgres_picks_pgvector_when_it_can_and_the_portable_index_otherwise(pg_url: str) -> None:
    async with AsyncConnectionPool(
        pg_url, min_size=1, max_size=2, kwargs={"autocommit": True, "row_factory": dict_row}
    ) as pool:
        store = await open_postgres_store(pool, StoreConfig(index=_index(_Embed())))
        expected = PorticoPostgresStore if await _has_pgvector(pool) else PortablePostgresStore
        assert type(store) is expected
