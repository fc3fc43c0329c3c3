"""Semantic search where the database has no vector support: no pgvector on the PostgreSQL server, or a
Python whose ``sqlite3`` cannot load extensions (so no sqlite-vec)."""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable, Sequence
from typing import Any

from langgraph.store.base import GetOp, Item, Op, PutOp, Result, SearchItem, SearchOp
from langgraph.store.base.embed import get_text_at_path
from langgraph.store.postgres.base import _ensure_index_config

from core.store.stores import _DOC_VECTORS, PorticoPostgresStore, PorticoSqliteStore, _IndexedStore, _unit

__all__ = ["PortablePostgresStore", "PortableSqliteStore"]

# Every item a namespace prefix and filter select is a candidate for ranking; this bounds one query's work.
_MAX_CANDIDATES = 1_000_000


class _PortableIndex(_IndexedStore):
    """Semantic search where the database has no vector support (no pgvector; a Python whose ``sqlite3``
    cannot load sqlite-vec).

    Items stay the library's (no index configured there). Unit vectors go, as float32 bytes, to
    ``store_vectors_portable`` in the same batch as their item; a query ranks, by cosine similarity, every
    item its namespace prefix and filter select. Correct at any size, linear in that selection.
    """

    _vector_table = "store_vectors_portable"
    _embedding_sql = "v.embedding"
    _blob_type = "BLOB"

    def _under_prefix(self, prefix: str) -> tuple[str, list[Any]]:
        """SQL for "``v.prefix`` is ``prefix`` or below it"."""
        p = self._P
        return f"(v.prefix = {p} OR substr(v.prefix, 1, {len(prefix) + 1}) = {p})", [prefix, prefix + "."]

    def _init_portable(self, index: dict[str, Any]) -> None:
        embeddings, config = _ensure_index_config(dict(index))  # type: ignore[arg-type]
        self._vector_config = dict(config)
        self._embedder = embeddings

    async def _create_vector_table(self) -> None:
        await self._query(
            f"""CREATE TABLE IF NOT EXISTS store_vectors_portable (
                prefix text NOT NULL,
                key text NOT NULL,
                field_name text NOT NULL,
                embedding {self._blob_type} NOT NULL,
                PRIMARY KEY (prefix, key, field_name),
                FOREIGN KEY (prefix, key) REFERENCES store(prefix, key) ON DELETE CASCADE
            )""",
            (),
        )

    async def abatch(self, ops: Iterable[Op]) -> list[Result]:
        ops = list(ops)
        results: list[Result] = [None] * len(ops)
        async with self._precomputed(ops) as (_, queries):
            plain = [(i, op) for i, op in enumerate(ops) if not (isinstance(op, SearchOp) and op.query)]
            if plain:
                for (i, _), result in zip(plain, await super().abatch([op for _, op in plain]), strict=True):  # type: ignore[misc]
                    results[i] = result
        for i, op in enumerate(ops):
            if isinstance(op, SearchOp) and op.query:
                results[i] = await self._semantic_search(op, queries[op.query])
        return results

    async def _batch_put_ops(self, put_ops: Sequence[tuple[int, PutOp]], cur: Any) -> None:
        await super()._batch_put_ops(put_ops, cur)  # type: ignore[misc]
        # The item's vectors are written on the same cursor, right after the item (one transaction on SQLite).
        docs = _DOC_VECTORS.get() or {}
        last: dict[tuple[tuple[str, ...], str], PutOp] = {}
        for _, op in put_ops:
            last[(op.namespace, op.key)] = op
        rows: list[tuple[str, str, str, bytes]] = []
        for (namespace, key), op in last.items():
            if op.value is None or op.index is False:
                continue
            for path, tokens in self._paths(op):
                texts = get_text_at_path(op.value, tokens)
                for i, text in enumerate(texts):
                    name = f"{path}.{i}" if len(texts) > 1 else path
                    rows.append((".".join(namespace), key, name, _unit(docs[text]).tobytes()))
        p = self._P
        await cur.executemany(
            f"DELETE FROM store_vectors_portable WHERE prefix = {p} AND key = {p}",
            [(".".join(ns), k) for ns, k in last],
        )
        if rows:
            await cur.executemany(
                f"INSERT INTO store_vectors_portable (prefix, key, field_name, embedding) VALUES ({p}, {p}, {p}, {p})",
                rows,
            )

    async def _semantic_search(self, op: SearchOp, query_vector: list[float]) -> list[SearchItem]:
        allowed: dict[tuple[str, str], Item] | None = None
        if op.filter:  # the library's filter picks the candidates
            select = SearchOp(op.namespace_prefix, op.filter, _MAX_CANDIDATES, 0, None, refresh_ttl=False)
            candidates = (await super().abatch([select]))[0]  # type: ignore[misc]
            assert isinstance(candidates, list)
            allowed = {(".".join(item.namespace), item.key): item for item in candidates}
        condition, params = "TRUE", []
        if op.namespace_prefix:
            condition, params = self._under_prefix(".".join(op.namespace_prefix))
        rows = await self._query(
            f"SELECT v.prefix, v.key, v.embedding FROM store_vectors_portable v WHERE {condition}", params
        )
        # Expired items (few: the partial index on expires_at finds them) are left out.
        expired = await self._query(
            "SELECT v.prefix, v.key FROM store v"
            f" WHERE v.expires_at IS NOT NULL AND v.expires_at <= {self._NOW} AND {condition}",
            params,
        )
        if expired:
            gone = {(prefix, key) for prefix, key in expired}
            rows = [row for row in rows if (row[0], row[1]) not in gone]
        if allowed is not None:
            rows = [row for row in rows if (row[0], row[1]) in allowed]
        ranked = _rank(rows, _unit(query_vector), int(self._vector_config["dims"]), op.offset + op.limit)  # type: ignore[index]
        ranked = ranked[op.offset :]
        ttl_config: dict[str, Any] = getattr(self, "ttl_config", None) or {}
        refresh = op.refresh_ttl if op.refresh_ttl is not None else ttl_config.get("refresh_on_read", True)
        # The ranked items themselves, read (and their TTL refreshed) in one batch.
        gets = [GetOp(tuple(prefix.split(".")), key, refresh_ttl=refresh) for (prefix, key), _ in ranked]
        items = await super().abatch(gets) if gets else []  # type: ignore[misc]
        return [
            SearchItem(item.namespace, item.key, item.value, item.created_at, item.updated_at, score=score)
            for item, (_, score) in zip(items, ranked, strict=True)
            if item is not None  # deleted since the ranking query
        ]


def _rank(
    rows: Sequence[tuple[Any, ...]], query: array[float], dims: int, n: int
) -> list[tuple[tuple[str, str], float]]:
    """The ``n`` items (prefix, key) most similar to ``query`` (unit vectors: cosine), each scored by its
    best-matching field."""
    rows = [row for row in rows if len(row[2]) == 4 * dims]  # vectors of another dims setting cannot compare
    try:
        import numpy as np
    except ImportError:  # pure Python: fine for thousands of items
        sims = [
            math.fsum(x * y for x, y in zip(query, array("f", bytes(row[2])), strict=False)) for row in rows
        ]
        order: Iterable[int] = sorted(range(len(rows)), key=sims.__getitem__, reverse=True)
    else:
        matrix = np.frombuffer(b"".join(rows_blob for _, _, rows_blob in rows), dtype=np.float32).reshape(
            -1, dims
        )
        scores = matrix @ np.frombuffer(query.tobytes(), dtype=np.float32)
        order = np.argsort(-scores, kind="stable").tolist()
        sims = scores.tolist()
    ranked: dict[tuple[str, str], float] = {}
    for i in order:  # best first: an item's first appearance is its best field
        key = (rows[i][0], rows[i][1])
        if key not in ranked:
            ranked[key] = float(sims[i])
            if len(ranked) == n:
                break
    return list(ranked.items())


class PortableSqliteStore(_PortableIndex, PorticoSqliteStore):
    """SQLite with semantic search ranked in Python (this Python's ``sqlite3`` cannot load sqlite-vec)."""

    def __init__(self, conn: Any, *, index: dict[str, Any], ttl: Any = None) -> None:
        super().__init__(conn, ttl=ttl)  # the library sees no index: vectors are ours here
        self._init_portable(index)

    def _under_prefix(self, prefix: str) -> tuple[str, list[Any]]:
        # A range on the primary key's leading column, which SQLite's BINARY collation orders bytewise:
        # everything below "a.b" sorts between "a.b." and "a.b/" ('/' follows '.').
        return "(v.prefix = ? OR (v.prefix >= ? AND v.prefix < ?))", [prefix, prefix + ".", prefix + "/"]

    async def setup(self) -> None:
        await super().setup()
        await self._create_vector_table()


class PortablePostgresStore(_PortableIndex, PorticoPostgresStore):
    """PostgreSQL with semantic search ranked in Python (pgvector is not available on the server)."""

    _blob_type = "bytea"

    def __init__(self, conn: Any, *, index: dict[str, Any], ttl: Any = None) -> None:
        super().__init__(conn, ttl=ttl)
        self._init_portable(index)

    def _decode(self, stored: Any) -> list[float]:
        return array("f", bytes(stored)).tolist()

    async def setup(self) -> None:
        await super().setup()
        await self._create_vector_table()
