"""The seam between the shared stores and a backend: a transaction, a dialect and row decoding.

SQL is written once with ``:name`` parameters (SQLite's own style; the PostgreSQL backend rewrites them to
``%(name)s``). The few places where the two databases differ are strings on ``Dialect``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Protocol

import orjson

from core.storage._common import parse_time

__all__ = ["Database", "Dialect", "DuplicateKey", "Params", "Tx", "decode", "in_list"]

Params = Mapping[str, Any]

JSON_COLUMNS = frozenset({"config", "context", "metadata", "values", "interrupts", "error", "kwargs"})
TIME_COLUMNS = frozenset({"created_at", "updated_at", "lease_expires_at", "available_at"})
# Internal columns that are no part of the records the interface promises.
HIDDEN_COLUMNS = frozenset({"queue_order", "event_seq"})


class DuplicateKey(Exception):
    """A unique constraint refused a write (raised by ``Tx`` in place of each driver's own error)."""


class Tx(Protocol):
    """One connection inside a transaction (``Database.write``) or in autocommit (``Database.read``)."""

    async def fetchone(self, sql: str, params: Params | None = None) -> dict[str, Any] | None: ...

    async def fetchall(self, sql: str, params: Params | None = None) -> list[dict[str, Any]]: ...

    async def execute(self, sql: str, params: Params | None = None) -> int:
        """Run a statement; returns the number of rows it changed."""
        ...

    async def executemany(self, sql: str, params: Sequence[Params]) -> None: ...


@dataclass(frozen=True)
class Dialect:
    """What differs between the two databases, as SQL fragments."""

    name: str
    json_is_text: bool  # SQLite hands JSON columns back as text; psycopg parses JSONB itself
    lock_rows: str  # appended to a SELECT whose rows the transaction goes on to change
    claim_lock: str  # appended to the claim query: lock the run and its thread, skipping locked ones
    contains: str  # JSON containment test, formatted with {column} and {param}
    columns_sql: str  # the column names of table :table, one row each under "name"
    checkpoint_tables: tuple[str, ...]  # LangGraph's tables holding rows keyed by thread_id
    migration_lock: str  # run first in the migration transaction so concurrent setups queue up
    types: Mapping[str, str]  # DDL placeholders: json, ts, blob, serial_pk


class Database(Protocol):
    """A backend's connections, as transactions."""

    dialect: Dialect

    def read(self) -> AbstractAsyncContextManager[Tx]:
        """A connection for reads that need no transaction."""
        ...

    def write(self) -> AbstractAsyncContextManager[Tx]:
        """A transaction; PostgreSQL row locks and SQLite's single writer make it the place to check-then-act."""
        ...


def decode(row: Mapping[str, Any], dialect: Dialect) -> dict[str, Any]:
    """A record from a row: JSON parsed, timestamps as aware UTC datetimes, internal columns dropped."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if key in HIDDEN_COLUMNS:
            continue
        if value is not None:
            if key in JSON_COLUMNS and dialect.json_is_text:
                value = orjson.loads(value)
            elif key in TIME_COLUMNS:
                value = parse_time(value)
            elif isinstance(value, memoryview):
                value = bytes(value)
        out[key] = value
    return out


def in_list(name: str, values: Sequence[Any], params: dict[str, Any]) -> str:
    """Placeholders for ``IN (…)``: adds ``name_0, name_1, …`` to ``params`` and returns them joined."""
    names = [f"{name}_{i}" for i in range(len(values))]
    params.update(zip(names, values, strict=True))
    return ", ".join(f":{n}" for n in names)
