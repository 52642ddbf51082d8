-- ncsync journal schema for the embedded H2 database.
--
-- The schema of akka-persistence-jdbc 5.2.1 (schema/h2/h2-create-schema.sql inside its jar), made idempotent
-- (IF NOT EXISTS on every statement) so the daemon applies it at every start. The JDBC URL must carry
-- DATABASE_TO_UPPER=false: the quoted lower-case names below are what the plugin queries.

CREATE TABLE IF NOT EXISTS "event_journal" (
    "ordering" BIGINT UNIQUE NOT NULL AUTO_INCREMENT,
    "deleted" BOOLEAN DEFAULT false NOT NULL,
    "persistence_id" VARCHAR(255) NOT NULL,
    "sequence_number" BIGINT NOT NULL,
    "writer" VARCHAR NOT NULL,
    "write_timestamp" BIGINT NOT NULL,
    "adapter_manifest" VARCHAR NOT NULL,
    "event_payload" BLOB NOT NULL,
    "event_ser_id" INTEGER NOT NULL,
    "event_ser_manifest" VARCHAR NOT NULL,
    "meta_payload" BLOB,
    "meta_ser_id" INTEGER,
    "meta_ser_manifest" VARCHAR,
    PRIMARY KEY("persistence_id","sequence_number")
    );

CREATE UNIQUE INDEX IF NOT EXISTS "event_journal_ordering_idx" ON "event_journal" ("ordering");

CREATE TABLE IF NOT EXISTS "event_tag" (
    "event_id" BIGINT NOT NULL,
    "tag" VARCHAR NOT NULL,
    PRIMARY KEY("event_id", "tag"),
    CONSTRAINT fk_event_journal
      FOREIGN KEY("event_id")
      REFERENCES "event_journal"("ordering")
      ON DELETE CASCADE
);

CREATE TABLE IF NOT EXISTS "snapshot" (
    "persistence_id" VARCHAR(255) NOT NULL,
    "sequence_number" BIGINT NOT NULL,
    "created" BIGINT NOT NULL,
    "snapshot_ser_id" INTEGER NOT NULL,
    "snapshot_ser_manifest" VARCHAR NOT NULL,
    "snapshot_payload" BLOB NOT NULL,
    "meta_ser_id" INTEGER,
    "meta_ser_manifest" VARCHAR,
    "meta_payload" BLOB,
    PRIMARY KEY("persistence_id","sequence_number")
    );

CREATE SEQUENCE IF NOT EXISTS "global_offset_seq";

CREATE TABLE IF NOT EXISTS "durable_state" (
    "global_offset" BIGINT DEFAULT NEXT VALUE FOR "global_offset_seq",
    "persistence_id" VARCHAR(255) NOT NULL,
    "revision" BIGINT NOT NULL,
    "state_payload" BLOB NOT NULL,
    "state_serial_id" INTEGER NOT NULL,
    "state_serial_manifest" VARCHAR,
    "tag" VARCHAR,
    "state_timestamp" BIGINT NOT NULL,
    PRIMARY KEY("persistence_id")
    );
CREATE INDEX IF NOT EXISTS "state_tag_idx" ON "durable_state" ("tag");
CREATE INDEX IF NOT EXISTS "state_global_offset_idx" ON "durable_state" ("global_offset");

-- ncsync's document histories (io.ncsync.daemon.db.JdbcDocumentHistory): each document's newest 50 transitions.
CREATE TABLE IF NOT EXISTS ncsync_document_history (id BIGINT AUTO_INCREMENT PRIMARY KEY, tenant_id VARCHAR(255) NOT NULL, library_id VARCHAR(255) NOT NULL, document_id VARCHAR(80) NOT NULL, path VARCHAR NOT NULL, from_status VARCHAR(16), to_status VARCHAR(16) NOT NULL, run_id VARCHAR(64), at_millis BIGINT NOT NULL, reason VARCHAR);
CREATE INDEX IF NOT EXISTS ncsync_document_history_doc_idx ON ncsync_document_history (tenant_id, library_id, document_id, id);
-- Runs and the sync log (what every run did, kept for the log retention): written by the daemon beside the journal.
CREATE TABLE IF NOT EXISTS ncsync_runs (tenant_id VARCHAR(255) NOT NULL, library_id VARCHAR(255) NOT NULL, run_id VARCHAR(64) NOT NULL, trigger_name VARCHAR(16), started_millis BIGINT NOT NULL, finished_millis BIGINT, outcome VARCHAR(16), uploaded INTEGER NOT NULL, downloaded INTEGER NOT NULL, deleted_local INTEGER NOT NULL, deleted_remote INTEGER NOT NULL, conflicts INTEGER NOT NULL, failed INTEGER NOT NULL, bytes_uploaded BIGINT NOT NULL, bytes_downloaded BIGINT NOT NULL, reason VARCHAR, code VARCHAR(40), PRIMARY KEY (tenant_id, library_id, run_id));
CREATE INDEX IF NOT EXISTS ncsync_runs_started_idx ON ncsync_runs (tenant_id, library_id, started_millis);
CREATE TABLE IF NOT EXISTS ncsync_sync_log (id BIGINT AUTO_INCREMENT PRIMARY KEY, tenant_id VARCHAR(255) NOT NULL, library_id VARCHAR(255) NOT NULL, run_id VARCHAR(64), at_millis BIGINT NOT NULL, level VARCHAR(8) NOT NULL, action VARCHAR(16) NOT NULL, path VARCHAR, message VARCHAR NOT NULL);
CREATE INDEX IF NOT EXISTS ncsync_sync_log_at_idx ON ncsync_sync_log (tenant_id, at_millis);
-- Webhook deliveries not yet taken by their receiver: kept so a restart does not lose them (at least once).
CREATE TABLE IF NOT EXISTS ncsync_webhook_outbox (delivery_id VARCHAR(64) PRIMARY KEY, tenant_id VARCHAR(255) NOT NULL, webhook_id VARCHAR(64) NOT NULL, event_type VARCHAR(32) NOT NULL, library_id VARCHAR(255), body VARCHAR NOT NULL, created_millis BIGINT NOT NULL);
-- The tenants' data keys, each a Tink keyset wrapped by the master key (io.ncsync.daemon.db.JdbcDataKeys): stored
-- secrets are encrypted under their tenant's data key; a master key rotation re-wraps these rows in one transaction.
CREATE TABLE IF NOT EXISTS ncsync_data_keys (tenant_id VARCHAR(255) NOT NULL PRIMARY KEY, master_fingerprint VARCHAR(64) NOT NULL, keyset VARCHAR NOT NULL, created_millis BIGINT NOT NULL, wrapped_millis BIGINT NOT NULL);
