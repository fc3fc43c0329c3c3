"""CheckpointAdmin: thread-level operations on LangGraph's checkpoint tables that its savers do not offer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from core.storage._sql.db import Database, Tx

__all__ = ["SqlCheckpointAdmin"]


class SqlCheckpointAdmin:
    """Copy and truncate a thread's checkpoints in the saver's own tables.

    Columns are read from the database rather than written down here, so a LangGraph release that adds
    one is copied whole.
    """

    def __init__(self, db: Database, saver: Callable[[], Any]) -> None:
        self._db = db
        self._saver = saver  # the storage's checkpointer, which exists only after setup()
        self._columns: dict[str, list[str]] = {}

    async def _table_columns(self, tx: Tx, table: str) -> list[str]:
        if table not in self._columns:
            rows = await tx.fetchall(self._db.dialect.columns_sql, {"table": table})
            self._columns[table] = [r["name"] for r in rows]
        return self._columns[table]

    async def delete_after(self, thread_id: str, checkpoint_id: str | None) -> None:
        """Delete the thread's checkpoints (all namespaces) newer than ``checkpoint_id``; all when None.

        Their pending writes go too; those recorded against ``checkpoint_id`` itself stay (an interrupt's,
        or the first step of a removed run's), and LangGraph ignores them when the next run brings new
        input. PostgreSQL's channel blobs stay: they are keyed by channel version and may be shared with
        the checkpoints that remain (new versions never reuse an old key).
        """
        if checkpoint_id is None:
            await self.delete_thread(thread_id)
            return
        async with self._db.write() as tx:
            for table in self._db.dialect.checkpoint_tables:
                if "checkpoint_id" in await self._table_columns(tx, table):
                    await tx.execute(
                        f"DELETE FROM {table} WHERE thread_id = :t AND checkpoint_id > :c",
                        {"t": thread_id, "c": checkpoint_id},
                    )

    async def copy_thread(self, source: str, target: str) -> None:
        """Copy every checkpoint row of ``source`` (checkpoints, writes, blobs) to ``target``; rows already there stay."""
        async with self._db.write() as tx:
            for table in self._db.dialect.checkpoint_tables:
                columns = await self._table_columns(tx, table)
                names = ", ".join(f'"{c}"' for c in columns)
                picks = ", ".join("CAST(:target AS TEXT)" if c == "thread_id" else f'"{c}"' for c in columns)
                # The WHERE keeps SQLite from reading ON CONFLICT as a join constraint.
                await tx.execute(
                    f"""INSERT INTO {table} ({names}) SELECT {picks} FROM {table} WHERE thread_id = :source
                        ON CONFLICT DO NOTHING""",
                    {"source": source, "target": target},
                )

    async def delete_thread(self, thread_id: str) -> None:
        """Delete all of the thread's checkpoints, through the saver itself."""
        await self._saver().adelete_thread(thread_id)
