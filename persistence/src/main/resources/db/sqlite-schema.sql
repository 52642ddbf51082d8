-- ncsync journal schema for the embedded SQLite database (the default store).
--
-- The tables of akka-persistence-jdbc 5.2.1 (the same columns as its H2 and PostgreSQL schemas), written for SQLite
-- and idempotent (IF NOT EXISTS everywhere), so the daemon applies this file at every start. Differences, all forced
-- by SQLite: "ordering" is the table's INTEGER PRIMARY KEY AUTOINCREMENT (SQLite's only auto-increment column; with
-- AUTOINCREMENT an ordering is never reused, even after deletions), and the (persistence_id, sequence_number) key the
-- plugin relies on to refuse a duplicate write is a unique index.
-- The connection settings that make it crash-safe (WAL, synchronous=FULL) are in the JDBC URL
-- (io.ncsync.daemon.config.Settings#defaultSqliteUrl); WAL mode is also recorded in the file itself.

CREATE TABLE IF NOT EXISTS "event_journal" (
    "ordering" INTEGER PRIMARY KEY AUTOINCREMENT,
    "deleted" BOOLEAN DEFAULT 0 NOT NULL,
    "persistence_id" VARCHAR(255) NOT NULL,
    "sequence_number" BIGINT NOT NULL,
    "writer" VARCHAR(255) NOT NULL,
    "write_timestamp" BIGINT,
    "adapter_manifest" VARCHAR(255),
    "event_ser_id" INTEGER NOT NULL,
    "event_ser_manifest" VARCHAR(255) NOT NULL,
    "event_payload" BLOB NOT NULL,
    "meta_ser_id" INTEGER,
    "meta_ser_manifest" VARCHAR(255),
    "meta_payload" BLOB
);

CREATE UNIQUE INDEX IF NOT EXISTS "event_journal_pid_seq_idx" ON "event_journal" ("persistence_id", "sequence_number");

CREATE TABLE IF NOT EXISTS "event_tag" (
    "event_id" BIGINT NOT NULL,
    "tag" VARCHAR(256) NOT NULL,
    PRIMARY KEY ("event_id", "tag"),
    FOREIGN KEY ("event_id") REFERENCES "event_journal" ("ordering") ON DELETE CASCADE
);

CREATE TABLE IF NOT EXISTS "snapshot" (
    "persistence_id" VARCHAR(255) NOT NULL,
    "sequence_number" BIGINT NOT NULL,
    "created" BIGINT NOT NULL,
    "snapshot_ser_id" INTEGER NOT NULL,
    "snapshot_ser_manifest" VARCHAR(255) NOT NULL,
    "snapshot_payload" BLOB NOT NULL,
    "meta_ser_id" INTEGER,
    "meta_ser_manifest" VARCHAR(255),
    "meta_payload" BLOB,
    PRIMARY KEY ("persistence_id", "sequence_number")
);

CREATE TABLE IF NOT EXISTS "durable_state" (
    "global_offset" INTEGER,
    "persistence_id" VARCHAR(255) NOT NULL PRIMARY KEY,
    "revision" BIGINT NOT NULL,
    "state_payload" BLOB NOT NULL,
    "state_serial_id" INTEGER NOT NULL,
    "state_serial_manifest" VARCHAR(255),
    "tag" VARCHAR(255),
    "state_timestamp" BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS "state_tag_idx" ON "durable_state" ("tag");
CREATE INDEX IF NOT EXISTS "state_global_offset_idx" ON "durable_state" ("global_offset");

-- ncsync's document histories (io.ncsync.daemon.db.JdbcDocumentHistory): each document's newest 50 transitions.
CREATE TABLE IF NOT EXISTS ncsync_document_history (id INTEGER PRIMARY KEY AUTOINCREMENT, tenant_id VARCHAR(255) NOT NULL, library_id VARCHAR(255) NOT NULL, document_id VARCHAR(80) NOT NULL, path TEXT NOT NULL, from_status VARCHAR(16), to_status VARCHAR(16) NOT NULL, run_id VARCHAR(64), at_millis BIGINT NOT NULL, reason TEXT);
CREATE INDEX IF NOT EXISTS ncsync_document_history_doc_idx ON ncsync_document_history (tenant_id, library_id, document_id, id);
-- Runs and the sync log (what every run did, kept for the log retention): written by the daemon beside the journal.
CREATE TABLE IF NOT EXISTS ncsync_runs (tenant_id VARCHAR(255) NOT NULL, library_id VARCHAR(255) NOT NULL, run_id VARCHAR(64) NOT NULL, trigger_name VARCHAR(16), started_millis BIGINT NOT NULL, finished_millis BIGINT, outcome VARCHAR(16), uploaded INTEGER NOT NULL, downloaded INTEGER NOT NULL, deleted_local INTEGER NOT NULL, deleted_remote INTEGER NOT NULL, conflicts INTEGER NOT NULL, failed INTEGER NOT NULL, bytes_uploaded BIGINT NOT NULL, bytes_downloaded BIGINT NOT NULL, reason TEXT, code VARCHAR(40), PRIMARY KEY (tenant_id, library_id, run_id));
CREATE INDEX IF NOT EXISTS ncsync_runs_started_idx ON ncsync_runs (tenant_id, library_id, started_millis);
CREATE TABLE IF NOT EXISTS ncsync_sync_log (id INTEGER PRIMARY KEY AUTOINCREMENT, tenant_id VARCHAR(255) NOT NULL, library_id VARCHAR(255) NOT NULL, run_id VARCHAR(64), at_millis BIGINT NOT NULL, level VARCHAR(8) NOT NULL, action VARCHAR(16) NOT NULL, path TEXT, message TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS ncsync_sync_log_at_idx ON ncsync_sync_log (tenant_id, at_millis);
-- Webhook deliveries not yet taken by their receiver: kept so a restart does not lose them (at least once).
CREATE TABLE IF NOT EXISTS ncsync_webhook_outbox (delivery_id VARCHAR(64) PRIMARY KEY, tenant_id VARCHAR(255) NOT NULL, webhook_id VARCHAR(64) NOT NULL, event_type VARCHAR(32) NOT NULL, library_id VARCHAR(255), body TEXT NOT NULL, created_millis BIGINT NOT NULL);
-- The tenants' data keys, each a Tink keyset wrapped by the master key (io.ncsync.daemon.db.JdbcDataKeys): stored
-- secrets are encrypted under their tenant's data key; a master key rotation re-wraps these rows in one transaction.
CREATE TABLE IF NOT EXISTS ncsync_data_keys (tenant_id VARCHAR(255) NOT NULL PRIMARY KEY, master_fingerprint VARCHAR(64) NOT NULL, keyset TEXT NOT NULL, created_millis BIGINT NOT NULL, wrapped_millis BIGINT NOT NULL);
