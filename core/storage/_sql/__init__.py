"""The stores written once in SQL both SQLite and PostgreSQL accept; each backend supplies a ``Database``."""

from core.storage._sql.assistants import SqlAssistantStore
from core.storage._sql.checkpoints import SqlCheckpointAdmin
from core.storage._sql.db import Database, Dialect, DuplicateKey, Tx
from core.storage._sql.events import SqlEventStore
from core.storage._sql.runs import SqlRunStore
from core.storage._sql.schema import MIGRATIONS, migrate
from core.storage._sql.storage import SqlStorage
from core.storage._sql.threads import SqlThreadStore

__all__ = [
    "MIGRATIONS",
    "Database",
    "Dialect",
    "DuplicateKey",
    "SqlAssistantStore",
    "SqlCheckpointAdmin",
    "SqlEventStore",
    "SqlRunStore",
    "SqlStorage",
    "SqlThreadStore",
    "Tx",
    "migrate",
]
