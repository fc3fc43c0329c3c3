"""LangGraph's SQLite and PostgreSQL stores, as Portico runs them.

What Portico adds to the library's stores:

- Embeddings are computed before a batch takes the store's lock (on SQLite that lock is the turn of every
  writer in the process), never while holding it; and a put whose indexed text did not change reuses the
  stored vector instead of calling the model again.
- Expired items never show up in reads: PostgreSQL by the library's ``omit_expired``; SQLite, whose store
  has no such option, deletes expired rows at the start of each batch's transaction (a cheap indexed
  ``DELETE``). The library's background sweeper runs on both.

Where the database has no vector support, ``core.store.portable`` keeps vectors itself; ``core.store.backends``
picks one or the other.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

import orjson
from langchain_core.embeddings import Embeddings
from langgraph.checkpoint.postgres import _ainternal
from langgraph.store.base import Op, PutOp, Result, SearchOp
from langgraph.store.base.embed import get_text_at_path, tokenize_path
from langgraph.store.postgres.aio import AsyncPostgresStore
from langgraph.store.sqlite.aio import AsyncSqliteStore
from psycopg.rows import tuple_row

__all__ = ["PorticoPostgresStore", "PorticoSqliteStore"]

# Vectors computed for the batch running in this task, by text (documents) and by query.
_DOC_VECTORS: ContextVar[dict[str, list[float]] | None] = ContextVar("portico_doc_vectors", default=None)
_QUERY_VECTORS: ContextVar[dict[str, list[float]] | None] = ContextVar("portico_query_vectors", default=None)

_Paths = list[tuple[str, list[str]]]


class _Precomputed(Embeddings):
    """Hands the library the vectors ``_IndexedStore`` computed before the batch; embeds only a miss."""

    def __init__(self, inner: Embeddings) -> None:
        self.inner = inner

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        # The library's SQLite store embeds search queries as documents too: they are in the query vectors.
        known = {**(_QUERY_VECTORS.get() or {}), **(_DOC_VECTORS.get() or {})}
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        if missing:
            known = {**known, **dict(zip(missing, await self.inner.aembed_documents(missing), strict=True))}
        return [known[t] for t in texts]

    async def aembed_query(self, text: str) -> list[float]:
        known = _QUERY_VECTORS.get() or {}
        return known[text] if text in known else await self.inner.aembed_query(text)


def _text_of(value: dict[str, Any], field_name: str) -> str | None:
    """The text a stored vector was computed from: ``field_name`` is a path, or ``path.i`` for its i-th text."""
    try:
        texts = get_text_at_path(value, field_name)
        if len(texts) == 1:
            return texts[0]
        head, _, index = field_name.rpartition(".")
        if head and index.isdigit():
            texts = get_text_at_path(value, head)
            if int(index) < len(texts):
                return texts[int(index)]
    except Exception:  # a path the value no longer has
        return None
    return None


class _IndexedStore:
    """Embedding for a LangGraph store: outside its lock, and only for texts that changed.

    Subclasses say how to read rows (``_query``, with ``_P`` as the placeholder) and where vectors live
    (``_vector_table``, ``_embedding_sql``, ``_decode``).
    """

    _P = "?"
    _NOW = "CURRENT_TIMESTAMP"
    _vector_config: dict[str, Any] | None = None
    _embedder: Embeddings | None = None
    _vector_table = "store_vectors"
    _embedding_sql = "v.embedding"
    embedded_texts = 0
    """Texts sent to the embedding model so far (the ones reused from stored vectors are not counted)."""

    async def _query(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def _decode(self, stored: Any) -> list[float]:
        return array("f", bytes(stored)).tolist()

    def _paths(self, op: PutOp) -> _Paths:
        assert self._vector_config is not None
        if op.index is None:
            return list(self._vector_config["__tokenized_fields"])
        return [(path, tokenize_path(path)) for path in op.index]

    async def _stored_vectors(
        self, keys: Sequence[tuple[tuple[str, ...], str]]
    ) -> list[tuple[dict[str, Any], str, list[float]]]:
        """(stored value, field name, vector) of the items ``keys`` as stored now."""
        rows = []
        for start in range(0, len(keys), 200):
            chunk = keys[start : start + 200]
            pairs = ", ".join([f"({self._P}, {self._P})"] * len(chunk))
            params = [part for namespace, key in chunk for part in (".".join(namespace), key)]
            # The keys drive the join, so both tables are read by primary key (an IN list would scan vectors).
            sql = (
                f"WITH k(prefix, key) AS (VALUES {pairs}) SELECT s.value, v.field_name, {self._embedding_sql}"
                " FROM k JOIN store s ON s.prefix = k.prefix AND s.key = k.key"
                f" JOIN {self._vector_table} v ON v.prefix = s.prefix AND v.key = s.key"
            )
            for value, field_name, stored in await self._query(sql, params):
                if stored is not None:
                    rows.append((_json(value), field_name, self._decode(stored)))
        return rows

    async def _vectors(self, ops: Sequence[Op]) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
        """Vectors for every text the batch's puts index and for its queries, reusing unchanged ones."""
        assert self._embedder is not None
        puts: dict[tuple[tuple[str, ...], str], PutOp] = {}
        for op in ops:
            if isinstance(op, PutOp):
                puts[(op.namespace, op.key)] = op  # last write wins, as in the library
        wanted: set[str] = set()
        for op in puts.values():
            if op.value is not None and op.index is not False:
                for _, path in self._paths(op):
                    wanted.update(get_text_at_path(op.value, path))
        docs: dict[str, list[float]] = {}
        if wanted:
            for value, field_name, vector in await self._stored_vectors(list(puts)):
                text = _text_of(value, field_name)
                if text is not None and text in wanted:
                    docs[text] = vector
            missing = sorted(wanted - docs.keys())
            if missing:
                docs.update(zip(missing, await self._embedder.aembed_documents(missing), strict=True))
                self.embedded_texts += len(missing)
        queries: dict[str, list[float]] = {}
        for op in ops:
            if isinstance(op, SearchOp) and op.query and op.query not in queries:
                queries[op.query] = await self._embedder.aembed_query(op.query)
        return docs, queries

    @asynccontextmanager
    async def _precomputed(
        self, ops: Sequence[Op]
    ) -> AsyncIterator[tuple[dict[str, list[float]], dict[str, list[float]]]]:
        docs, queries = await self._vectors(ops)
        doc_token, query_token = _DOC_VECTORS.set(docs), _QUERY_VECTORS.set(queries)
        try:
            yield docs, queries
        finally:
            _DOC_VECTORS.reset(doc_token)
            _QUERY_VECTORS.reset(query_token)


def _use_library_index(store: Any) -> None:
    """Route the library's own embedding calls through ``_Precomputed``."""
    if store.index_config:
        store._vector_config = store.index_config
        store._embedder = store.embeddings
        store.embeddings = _Precomputed(store.embeddings)


def _json(value: Any) -> dict[str, Any]:
    return orjson.loads(value) if isinstance(value, bytes | str) else value


def _unit(vector: Sequence[float]) -> array[float]:
    norm = math.sqrt(sum(x * x for x in vector)) or 1.0
    return array("f", (x / norm for x in vector))


class PorticoSqliteStore(_IndexedStore, AsyncSqliteStore):
    """``AsyncSqliteStore`` (sqlite-vec for vectors) with embedding outside the lock and expiry on read."""

    _NOW = "CURRENT_TIMESTAMP"

    def __init__(self, conn: Any, *, index: Any = None, ttl: Any = None) -> None:
        if index is not None:  # the library's SQLite store reads the fields to embed from "text_fields"
            index = {**index, "text_fields": index.get("fields", ["$"])}
        super().__init__(conn, index=index, ttl=ttl)
        _use_library_index(self)

    async def setup(self) -> None:
        # Vector rows cascade with their item (a replaced or expired item leaves no stale vector behind).
        await self.conn.execute("PRAGMA foreign_keys=ON")
        await super().setup()

    async def abatch(self, ops: Iterable[Op]) -> list[Result]:
        ops = list(ops)
        if not self.index_config:  # the library's own index (sqlite-vec) only; see PortableSqliteStore
            return await super().abatch(ops)
        async with self._precomputed(ops):
            return await super().abatch(ops)

    @asynccontextmanager
    async def _cursor(self, *, transaction: bool = True) -> AsyncIterator[Any]:
        async with super()._cursor(transaction=transaction) as cur:
            if transaction:
                # The library's SQLite store has no ``omit_expired``: expired rows go before the batch reads.
                await cur.execute(
                    "DELETE FROM store WHERE expires_at IS NOT NULL AND expires_at < CURRENT_TIMESTAMP"
                )
            yield cur

    async def _query(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        async with self._cursor(transaction=False) as cur:
            await cur.execute(sql, params)
            return [tuple(row) for row in await cur.fetchall()]


_COMPARISONS = {"$gt": ">", "$gte": ">=", "$lt": "<", "$lte": "<="}


class PorticoPostgresStore(_IndexedStore, AsyncPostgresStore):
    """``AsyncPostgresStore`` (pgvector for vectors, when indexed) with embedding before the batch."""

    _P = "%s"
    _NOW = "NOW()"
    _embedding_sql = "v.embedding::text"

    def __init__(self, conn: Any, *, index: Any = None, ttl: Any = None) -> None:
        super().__init__(conn, index=index, ttl=ttl)
        _use_library_index(self)

    def _decode(self, stored: Any) -> list[float]:
        return orjson.loads(stored)  # type: ignore[no-any-return]  # pgvector's text form: "[0.1,0.2]"

    def _get_filter_condition(self, key: str, op: str, value: Any) -> tuple[str, list[Any]]:
        """A filter condition as SQLite's store applies it: dotted keys reach nested fields, numbers compare
        as numbers (the library compares ``value->>key`` as text here, so 10 < 2) and strings as strings."""
        path = key.split(".")
        if op in ("$eq", "$ne"):
            return f"value #> %s::text[] {'=' if op == '$eq' else '!='} %s::jsonb", [
                path,
                orjson.dumps(value).decode(),
            ]
        if op not in _COMPARISONS:
            raise ValueError(f"Unsupported operator: {op}")
        if isinstance(value, int | float) and not isinstance(value, bool):
            return (
                f"(CASE WHEN jsonb_typeof(value #> %s::text[]) = 'number' THEN (value #>> %s::text[])::numeric END)"
                f" {_COMPARISONS[op]} %s::numeric",
                [path, path, value],
            )
        return f"(value #>> %s::text[]) {_COMPARISONS[op]} %s", [path, str(value)]

    async def abatch(self, ops: Iterable[Op]) -> list[Result]:
        # Plain equality too goes through ``_get_filter_condition`` (the library handles it apart, top-level only).
        ops = [
            op._replace(filter={k: v if isinstance(v, dict) else {"$eq": v} for k, v in op.filter.items()})
            if isinstance(op, SearchOp) and op.filter
            else op
            for op in ops
        ]
        if not self.index_config:
            return await super().abatch(ops)
        async with self._precomputed(ops):
            return await super().abatch(ops)

    async def _query(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        async with _ainternal.get_connection(self.conn) as conn, conn.cursor(row_factory=tuple_row) as cur:
            await cur.execute(sql, params)
            return await cur.fetchall() if cur.description else []
