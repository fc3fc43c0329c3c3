"""AssistantStore: the current version in ``portico_assistants``, every version in ``portico_assistant_versions``."""

from __future__ import annotations

from typing import Any

from core.errors import Conflict, InvalidArgument
from core.storage._common import Clock, choice, json_text, order_by, required, utcnow
from core.storage._sql.db import Database, Tx, decode
from core.storage.base import AssistantRecord

__all__ = ["SqlAssistantStore"]

_SORTABLE = ("assistant_id", "graph_id", "name", "created_at", "updated_at")
_FIELDS = ("graph_id", "name", "description", "config", "context", "metadata")
_JSON_FIELDS = ("config", "context", "metadata")


def _params(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: json_text(v) if k in _JSON_FIELDS else v for k, v in fields.items()}


class SqlAssistantStore:
    """Assistants, versioned: every update writes a new version and makes it the latest."""

    def __init__(self, db: Database, clock: Clock = utcnow) -> None:
        self._db = db
        self._clock = clock

    async def _insert_version(
        self, tx: Tx, assistant_id: str, version: int, fields: dict[str, Any], now: Any
    ) -> None:
        await tx.execute(
            """INSERT INTO portico_assistant_versions
                   (assistant_id, version, graph_id, name, description, config, context, metadata, created_at)
               VALUES (:assistant_id, :version, :graph_id, :name, :description, :config, :context, :metadata, :now)""",
            {**_params(fields), "assistant_id": assistant_id, "version": version, "now": now},
        )

    async def _make_current(
        self, tx: Tx, assistant_id: str, version: int, fields: dict[str, Any], now: Any
    ) -> AssistantRecord | None:
        row = await tx.fetchone(
            """UPDATE portico_assistants SET graph_id = :graph_id, name = :name, description = :description,
                      config = :config, context = :context, metadata = :metadata, version = :version,
                      updated_at = :now
               WHERE assistant_id = :assistant_id RETURNING *""",
            {**_params(fields), "version": version, "now": now, "assistant_id": assistant_id},
        )
        return None if row is None else decode(row, self._db.dialect)

    async def create(self, record: AssistantRecord, *, if_exists: str = "raise") -> AssistantRecord:
        """Insert version 1. ``if_exists="raise"`` raises ``Conflict`` on a taken id; "do_nothing" returns the existing one."""
        choice("if_exists", if_exists, ("raise", "do_nothing"))
        assistant_id = required(record, "assistant_id")
        fields = {
            "graph_id": required(record, "graph_id"),
            "name": record.get("name") or "",
            "description": record.get("description"),
            "config": record.get("config") or {},
            "context": record.get("context") or {},
            "metadata": record.get("metadata") or {},
        }
        now = self._clock()
        async with self._db.write() as tx:
            row = await tx.fetchone(
                """INSERT INTO portico_assistants (assistant_id, graph_id, name, description, config, context,
                                                   metadata, version, created_at, updated_at)
                   VALUES (:assistant_id, :graph_id, :name, :description, :config, :context, :metadata, 1, :now, :now)
                   ON CONFLICT (assistant_id) DO NOTHING
                   RETURNING *""",
                {**_params(fields), "assistant_id": assistant_id, "now": now},
            )
            if row is None:
                if if_exists == "raise":
                    raise Conflict(f"assistant {assistant_id} already exists")
                row = await tx.fetchone(
                    "SELECT * FROM portico_assistants WHERE assistant_id = :a", {"a": assistant_id}
                )
            else:
                await self._insert_version(tx, assistant_id, 1, fields, now)
        assert row is not None
        return decode(row, self._db.dialect)

    async def get(self, assistant_id: str) -> AssistantRecord | None:
        """The assistant's current version, or None."""
        async with self._db.read() as tx:
            row = await tx.fetchone(
                "SELECT * FROM portico_assistants WHERE assistant_id = :a", {"a": assistant_id}
            )
        return None if row is None else decode(row, self._db.dialect)

    async def update(self, assistant_id: str, changes: dict[str, Any]) -> AssistantRecord | None:
        """Write a new version with ``changes`` applied (metadata merged, other fields replaced, None kept)."""
        unknown = set(changes) - set(_FIELDS)
        if unknown:
            raise InvalidArgument(f"cannot update assistant fields {sorted(unknown)}")
        dialect = self._db.dialect
        now = self._clock()
        async with self._db.write() as tx:
            current = await tx.fetchone(
                f"SELECT * FROM portico_assistants WHERE assistant_id = :a{dialect.lock_rows}",
                {"a": assistant_id},
            )
            if current is None:
                return None
            fields = {k: v for k, v in decode(current, dialect).items() if k in _FIELDS}
            for key, value in changes.items():
                if key == "metadata":
                    fields["metadata"] = {**fields["metadata"], **(value or {})}
                elif value is not None:
                    fields[key] = value
            latest = await tx.fetchone(
                "SELECT MAX(version) AS v FROM portico_assistant_versions WHERE assistant_id = :a",
                {"a": assistant_id},
            )
            # Past the highest version, not the current one: set_latest may have gone back.
            version = int(latest["v"] if latest and latest["v"] is not None else 0) + 1
            await self._insert_version(tx, assistant_id, version, fields, now)
            return await self._make_current(tx, assistant_id, version, fields, now)

    async def delete(self, assistant_id: str) -> bool:
        """Delete the assistant and all its versions."""
        async with self._db.write() as tx:
            await tx.execute(
                "DELETE FROM portico_assistant_versions WHERE assistant_id = :a", {"a": assistant_id}
            )
            return (
                await tx.execute(
                    "DELETE FROM portico_assistants WHERE assistant_id = :a", {"a": assistant_id}
                )
                > 0
            )

    def _where(
        self,
        params: dict[str, Any],
        graph_id: str | None,
        name: str | None,
        metadata: dict[str, Any] | None,
        auth: dict[str, Any] | None = None,
    ) -> str:
        clauses = ["1 = 1"]
        if graph_id is not None:
            params["graph_id"] = graph_id
            clauses.append("graph_id = :graph_id")
        if name:
            # LIKE with the wildcards of the user's text escaped: a plain case-insensitive substring.
            escaped = name.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            params["name"] = f"%{escaped}%"
            clauses.append("lower(name) LIKE :name ESCAPE '\\'")
        if metadata:
            params["metadata"] = json_text(metadata)
            clauses.append(self._db.dialect.contains.format(column="metadata", param=":metadata"))
        if auth is not None:  # the auth handler's filter, applied alongside (never merged with) the caller's
            params["auth_metadata"] = json_text(auth)
            clauses.append(self._db.dialect.contains.format(column="metadata", param=":auth_metadata"))
        return " AND ".join(clauses)

    async def search(
        self,
        *,
        graph_id: str | None = None,
        name: str | None = None,
        metadata: dict[str, Any] | None = None,
        limit: int = 10,
        offset: int = 0,
        sort_by: str = "created_at",
        sort_order: str = "desc",
        auth: dict[str, Any] | None = None,
    ) -> list[AssistantRecord]:
        """``metadata`` is a containment filter (every key equal); ``name`` a case-insensitive substring."""
        params: dict[str, Any] = {"limit": limit, "offset": offset}
        where = self._where(params, graph_id, name, metadata, auth)
        order = order_by(sort_by, sort_order, _SORTABLE, "assistant_id")
        async with self._db.read() as tx:
            rows = await tx.fetchall(
                f"SELECT * FROM portico_assistants WHERE {where} {order} LIMIT :limit OFFSET :offset", params
            )
        return [decode(r, self._db.dialect) for r in rows]

    async def count(
        self,
        *,
        graph_id: str | None = None,
        name: str | None = None,
        metadata: dict[str, Any] | None = None,
        auth: dict[str, Any] | None = None,
    ) -> int:
        """How many assistants ``search`` would find without paging."""
        params: dict[str, Any] = {}
        where = self._where(params, graph_id, name, metadata, auth)
        async with self._db.read() as tx:
            row = await tx.fetchone(f"SELECT COUNT(*) AS n FROM portico_assistants WHERE {where}", params)
        return int(row["n"]) if row else 0

    async def list_versions(
        self, assistant_id: str, *, metadata: dict[str, Any] | None = None, limit: int = 10, offset: int = 0
    ) -> list[AssistantRecord]:
        """Versions newest first (``updated_at`` of a version is when it was written)."""
        params: dict[str, Any] = {"a": assistant_id, "limit": limit, "offset": offset}
        where = "assistant_id = :a"
        if metadata:
            params["metadata"] = json_text(metadata)
            where += " AND " + self._db.dialect.contains.format(column="metadata", param=":metadata")
        async with self._db.read() as tx:
            rows = await tx.fetchall(
                f"""SELECT *, created_at AS updated_at FROM portico_assistant_versions WHERE {where}
                    ORDER BY version DESC LIMIT :limit OFFSET :offset""",
                params,
            )
        return [decode(r, self._db.dialect) for r in rows]

    async def set_latest(self, assistant_id: str, version: int) -> AssistantRecord | None:
        """Make an existing version the current one; None when the assistant or version is unknown."""
        async with self._db.write() as tx:
            chosen = await tx.fetchone(
                "SELECT * FROM portico_assistant_versions WHERE assistant_id = :a AND version = :version",
                {"a": assistant_id, "version": version},
            )
            if chosen is None:
                return None
            fields = {k: v for k, v in decode(chosen, self._db.dialect).items() if k in _FIELDS}
            return await self._make_current(tx, assistant_id, version, fields, self._clock())
