"""Versioned migrations, one DDL text for both databases (column types come from the dialect)."""

from __future__ import annotations

from collections.abc import Sequence

from core.storage._common import utcnow
from core.storage._sql.db import Database

__all__ = ["MIGRATIONS", "migrate"]

# Append only: the position of a migration is its version; an applied one is never edited.
MIGRATIONS: Sequence[Sequence[str]] = [
    # 1: assistants (+ versions), threads, runs (queue and leases), events.
    [
        """CREATE TABLE portico_assistants (
            assistant_id TEXT PRIMARY KEY,
            graph_id TEXT NOT NULL,
            name TEXT NOT NULL,
            description TEXT,
            config {json} NOT NULL,
            context {json} NOT NULL,
            metadata {json} NOT NULL,
            version INTEGER NOT NULL,
            created_at {ts} NOT NULL,
            updated_at {ts} NOT NULL
        )""",
        "CREATE INDEX portico_assistants_graph_id_idx ON portico_assistants (graph_id)",
        """CREATE TABLE portico_assistant_versions (
            assistant_id TEXT NOT NULL REFERENCES portico_assistants (assistant_id) ON DELETE CASCADE,
            version INTEGER NOT NULL,
            graph_id TEXT NOT NULL,
            name TEXT NOT NULL,
            description TEXT,
            config {json} NOT NULL,
            context {json} NOT NULL,
            metadata {json} NOT NULL,
            created_at {ts} NOT NULL,
            PRIMARY KEY (assistant_id, version)
        )""",
        """CREATE TABLE portico_threads (
            thread_id TEXT PRIMARY KEY,
            status TEXT NOT NULL,
            metadata {json} NOT NULL,
            "values" {json},
            interrupts {json} NOT NULL,
            config {json} NOT NULL,
            error {json},
            event_seq BIGINT NOT NULL DEFAULT 0,
            created_at {ts} NOT NULL,
            updated_at {ts} NOT NULL
        )""",
        "CREATE INDEX portico_threads_status_idx ON portico_threads (status, created_at)",
        "CREATE INDEX portico_threads_created_at_idx ON portico_threads (created_at)",
        # event_seq (on threads, above) is the last event seq handed out: retention may delete every event
        # of a thread, and a resumed stream must still never see a seq reused.
        # queue_order is the claim order: creation order, immune to clock ties.
        """CREATE TABLE portico_runs (
            queue_order {serial_pk},
            run_id TEXT NOT NULL UNIQUE,
            thread_id TEXT NOT NULL REFERENCES portico_threads (thread_id) ON DELETE CASCADE,
            assistant_id TEXT NOT NULL,
            status TEXT NOT NULL,
            metadata {json} NOT NULL,
            kwargs {json} NOT NULL,
            multitask_strategy TEXT NOT NULL,
            attempt INTEGER NOT NULL DEFAULT 0,
            error {json},
            lease_owner TEXT,
            lease_epoch INTEGER NOT NULL DEFAULT 0,
            lease_expires_at {ts},
            available_at {ts} NOT NULL,
            cancel_action TEXT,
            created_at {ts} NOT NULL,
            updated_at {ts} NOT NULL
        )""",
        # The hard guarantee behind "one thread, one active run": whatever a claim races with, the
        # database refuses a second running run on a thread.
        "CREATE UNIQUE INDEX portico_runs_one_running_idx ON portico_runs (thread_id) WHERE status = 'running'",
        "CREATE INDEX portico_runs_thread_idx ON portico_runs (thread_id, status, queue_order)",
        "CREATE INDEX portico_runs_pending_idx ON portico_runs (queue_order) WHERE status = 'pending'",
        "CREATE INDEX portico_runs_lease_idx ON portico_runs (lease_expires_at) WHERE status = 'running'",
        """CREATE TABLE portico_events (
            thread_id TEXT NOT NULL,
            seq BIGINT NOT NULL,
            run_id TEXT NOT NULL,
            event TEXT NOT NULL,
            data {blob} NOT NULL,
            created_at {ts} NOT NULL,
            PRIMARY KEY (thread_id, seq)
        )""",
        "CREATE INDEX portico_events_run_idx ON portico_events (run_id, seq)",
    ],
    # 2: the outbox of outbound deliveries (webhooks, A2A push) with their attempts; crons and firings.
    [
        # No foreign key to runs: a delivery (and its history) outlives a deleted run or thread.
        """CREATE TABLE portico_deliveries (
            delivery_id TEXT PRIMARY KEY,
            run_id TEXT,
            thread_id TEXT,
            kind TEXT NOT NULL,
            url TEXT NOT NULL,
            headers {json} NOT NULL,
            payload {json} NOT NULL,
            status TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at {ts} NOT NULL,
            lease_owner TEXT,
            lease_epoch INTEGER NOT NULL DEFAULT 0,
            lease_expires_at {ts},
            last_status_code INTEGER,
            last_error TEXT,
            created_at {ts} NOT NULL,
            updated_at {ts} NOT NULL
        )""",
        "CREATE INDEX portico_deliveries_due_idx ON portico_deliveries (status, next_attempt_at)",
        "CREATE INDEX portico_deliveries_run_idx ON portico_deliveries (run_id)",
        """CREATE TABLE portico_delivery_attempts (
            delivery_id TEXT NOT NULL REFERENCES portico_deliveries (delivery_id) ON DELETE CASCADE,
            attempt INTEGER NOT NULL,
            started_at {ts} NOT NULL,
            status_code INTEGER,
            error_message TEXT,
            duration_seconds DOUBLE PRECISION,
            PRIMARY KEY (delivery_id, attempt)
        )""",
        """CREATE TABLE portico_crons (
            cron_id TEXT PRIMARY KEY,
            assistant_id TEXT NOT NULL,
            thread_id TEXT,
            user_id TEXT,
            schedule TEXT NOT NULL,
            timezone TEXT,
            payload {json} NOT NULL,
            metadata {json} NOT NULL,
            on_run_completed TEXT,
            end_time {ts},
            enabled INTEGER NOT NULL,
            next_run_date {ts},
            created_at {ts} NOT NULL,
            updated_at {ts} NOT NULL
        )""",
        "CREATE INDEX portico_crons_due_idx ON portico_crons (next_run_date) WHERE enabled = 1",
        # The exactly-once guarantee: a (cron, scheduled time) pair is fired by whoever inserts it first.
        """CREATE TABLE portico_cron_firings (
            cron_id TEXT NOT NULL,
            scheduled_time {ts} NOT NULL,
            run_id TEXT NOT NULL,
            thread_id TEXT NOT NULL,
            started INTEGER NOT NULL DEFAULT 0,
            fired_at {ts} NOT NULL,
            PRIMARY KEY (cron_id, scheduled_time)
        )""",
    ],
    # 3: operator API keys (only a hash of the secret is kept).
    [
        """CREATE TABLE portico_operator_keys (
            key_id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            role TEXT NOT NULL,
            secret_hash TEXT NOT NULL,
            created_at {ts} NOT NULL,
            revoked_at {ts}
        )""",
    ],
    # 4: Agent Auth token vault: sealed OAuth tokens, started authorizations, runs waiting on a grant.
    [
        # nonce/ciphertext: AES-GCM under key_id, bound to (tenant, user_id, provider); expires_at is the
        # token's expiry in clear so refresh decisions need no decryption.
        """CREATE TABLE portico_vault_tokens (
            tenant TEXT NOT NULL,
            user_id TEXT NOT NULL,
            provider TEXT NOT NULL,
            key_id TEXT NOT NULL,
            nonce {blob} NOT NULL,
            ciphertext {blob} NOT NULL,
            expires_at {ts},
            lease_owner TEXT,
            lease_expires_at {ts},
            created_at {ts} NOT NULL,
            updated_at {ts} NOT NULL,
            PRIMARY KEY (tenant, user_id, provider)
        )""",
        "CREATE INDEX portico_vault_tokens_key_idx ON portico_vault_tokens (key_id)",
        # state_hash: SHA-256 of the state; the PKCE verifier is sealed like a token.
        """CREATE TABLE portico_vault_authorizations (
            state_hash TEXT PRIMARY KEY,
            tenant TEXT NOT NULL,
            user_id TEXT NOT NULL,
            provider TEXT NOT NULL,
            key_id TEXT NOT NULL,
            nonce {blob} NOT NULL,
            ciphertext {blob} NOT NULL,
            expires_at {ts} NOT NULL,
            created_at {ts} NOT NULL
        )""",
        "CREATE INDEX portico_vault_authorizations_expiry_idx ON portico_vault_authorizations (expires_at)",
        """CREATE TABLE portico_vault_waits (
            thread_id TEXT NOT NULL,
            provider TEXT NOT NULL,
            run_id TEXT NOT NULL,
            assistant_id TEXT NOT NULL,
            tenant TEXT NOT NULL,
            user_id TEXT NOT NULL,
            created_at {ts} NOT NULL,
            PRIMARY KEY (thread_id, provider)
        )""",
        "CREATE INDEX portico_vault_waits_user_idx ON portico_vault_waits (tenant, user_id, provider)",
    ],
]

_VERSION_TABLE = """CREATE TABLE IF NOT EXISTS portico_schema_version (
    version INTEGER PRIMARY KEY,
    applied_at {ts} NOT NULL
)"""


async def migrate(db: Database, migrations: Sequence[Sequence[str]] = MIGRATIONS) -> int:
    """Apply the migrations not applied yet, in order, in one transaction; returns the schema version."""
    types = db.dialect.types
    async with db.write() as tx:
        if db.dialect.migration_lock:
            await tx.execute(db.dialect.migration_lock)
        await tx.execute(_VERSION_TABLE.format(**types))
        row = await tx.fetchone("SELECT COALESCE(MAX(version), 0) AS version FROM portico_schema_version")
        current = int(row["version"]) if row else 0
        for version, statements in enumerate(migrations[current:], start=current + 1):
            for statement in statements:
                await tx.execute(statement.format(**types))
            await tx.execute(
                "INSERT INTO portico_schema_version (version, applied_at) VALUES (:version, :now)",
                {"version": version, "now": utcnow()},
            )
            current = version
    return current
