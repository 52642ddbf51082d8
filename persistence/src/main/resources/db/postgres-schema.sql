-- ncsync journal schema for PostgreSQL.
--
-- The schema of akka-persistence-jdbc 5.2.1 (schema/postgres/postgres-create-schema.sql inside its jar), made
-- idempotent: every statement uses IF NOT EXISTS, so the daemon applies this file at every start and an operator
-- may apply it by hand any number of times:
--   psql -h HOST -U ncsync -d ncsync -f ops/postgres/schema.sql
-- Differences from the original: IF NOT EXISTS on the indexes, and the durable_state indexes are built without
-- CONCURRENTLY (a failed concurrent build leaves an invalid index that IF NOT EXISTS would then keep forever; the
-- tables are empty when the indexes are first created, so a plain build costs nothing).
-- Keep this file identical to persistence/src/main/resources/db/postgres-schema.sql.

CREATE TABLE IF NOT EXISTS public.event_journal(
  ordering BIGSERIAL,
  persistence_id VARCHAR(255) NOT NULL,
  sequence_number BIGINT NOT NULL,
  deleted BOOLEAN DEFAULT FALSE NOT NULL,

  writer VARCHAR(255) NOT NULL,
  write_timestamp BIGINT,
  adapter_manifest VARCHAR(255),

  event_ser_id INTEGER NOT NULL,
  event_ser_manifest VARCHAR(255) NOT NULL,
  event_payload BYTEA NOT NULL,

  meta_ser_id INTEGER,
  meta_ser_manifest VARCHAR(255),
  meta_payload BYTEA,

  PRIMARY KEY(persistence_id, sequence_number)
);

CREATE UNIQUE INDEX IF NOT EXISTS event_journal_ordering_idx ON public.event_journal(ordering);

CREATE TABLE IF NOT EXISTS public.event_tag(
    event_id BIGINT,
    tag VARCHAR(256),
    PRIMARY KEY(event_id, tag),
    CONSTRAINT fk_event_journal
      FOREIGN KEY(event_id)
      REFERENCES event_journal(ordering)
      ON DELETE CASCADE
);

CREATE TABLE IF NOT EXISTS public.snapshot (
  persistence_id VARCHAR(255) NOT NULL,
  sequence_number BIGINT NOT NULL,
  created BIGINT NOT NULL,

  snapshot_ser_id INTEGER NOT NULL,
  snapshot_ser_manifest VARCHAR(255) NOT NULL,
  snapshot_payload BYTEA NOT NULL,

  meta_ser_id INTEGER,
  meta_ser_manifest VARCHAR(255),
  meta_payload BYTEA,

  PRIMARY KEY(persistence_id, sequence_number)
);

CREATE TABLE IF NOT EXISTS public.durable_state (
    global_offset BIGSERIAL,
    persistence_id VARCHAR(255) NOT NULL,
    revision BIGINT NOT NULL,
    state_payload BYTEA NOT NULL,
    state_serial_id INTEGER NOT NULL,
    state_serial_manifest VARCHAR(255),
    tag VARCHAR,
    state_timestamp BIGINT NOT NULL,
    PRIMARY KEY(persistence_id)
    );
CREATE INDEX IF NOT EXISTS state_tag_idx ON public.durable_state (tag);
CREATE INDEX IF NOT EXISTS state_global_offset_idx ON public.durable_state (global_offset);

-- ncsync's own start-up guards (the daemon also creates these when it applies the schema):
-- the credential key's fingerprint (io.ncsync.daemon.db.CredentialKeyRecord), so a lost or wrong secret.key is refused
-- at start, and the nodes holding the journal (io.ncsync.daemon.db.ClusterRegistry), so one cluster writes it.
CREATE TABLE IF NOT EXISTS ncsync_credential_key (id INTEGER NOT NULL PRIMARY KEY, fingerprint VARCHAR(64) NOT NULL, recorded_at BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS ncsync_cluster (cluster_id VARCHAR(100) NOT NULL, node VARCHAR(500) NOT NULL, started_at TIMESTAMP WITH TIME ZONE NOT NULL, PRIMARY KEY (cluster_id, node));

-- ncsync's document histories (io.ncsync.daemon.db.JdbcDocumentHistory): each document's newest 50 transitions.
CREATE TABLE IF NOT EXISTS ncsync_document_history (id BIGSERIAL PRIMARY KEY, tenant_id VARCHAR(255) NOT NULL, library_id VARCHAR(255) NOT NULL, document_id VARCHAR(80) NOT NULL, path TEXT NOT NULL, from_status VARCHAR(16), to_status VARCHAR(16) NOT NULL, run_id VARCHAR(64), at_millis BIGINT NOT NULL, reason TEXT);
CREATE INDEX IF NOT EXISTS ncsync_document_history_doc_idx ON ncsync_document_history (tenant_id, library_id, document_id, id);
-- Runs and the sync log (what every run did, kept for the log retention): written by the daemon beside the journal.
CREATE TABLE IF NOT EXISTS ncsync_runs (tenant_id VARCHAR(255) NOT NULL, library_id VARCHAR(255) NOT NULL, run_id VARCHAR(64) NOT NULL, trigger_name VARCHAR(16), started_millis BIGINT NOT NULL, finished_millis BIGINT, outcome VARCHAR(16), uploaded INTEGER NOT NULL, downloaded INTEGER NOT NULL, deleted_local INTEGER NOT NULL, deleted_remote INTEGER NOT NULL, conflicts INTEGER NOT NULL, failed INTEGER NOT NULL, bytes_uploaded BIGINT NOT NULL, bytes_downloaded BIGINT NOT NULL, reason TEXT, code VARCHAR(40), PRIMARY KEY (tenant_id, library_id, run_id));
CREATE INDEX IF NOT EXISTS ncsync_runs_started_idx ON ncsync_runs (tenant_id, library_id, started_millis);
CREATE TABLE IF NOT EXISTS ncsync_sync_log (id BIGSERIAL PRIMARY KEY, tenant_id VARCHAR(255) NOT NULL, library_id VARCHAR(255) NOT NULL, run_id VARCHAR(64), at_millis BIGINT NOT NULL, level VARCHAR(8) NOT NULL, action VARCHAR(16) NOT NULL, path TEXT, message TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS ncsync_sync_log_at_idx ON ncsync_sync_log (tenant_id, at_millis);
-- Webhook deliveries not yet taken by their receiver: kept so a restart does not lose them (at least once).
CREATE TABLE IF NOT EXISTS ncsync_webhook_outbox (delivery_id VARCHAR(64) PRIMARY KEY, tenant_id VARCHAR(255) NOT NULL, webhook_id VARCHAR(64) NOT NULL, event_type VARCHAR(32) NOT NULL, library_id VARCHAR(255), body TEXT NOT NULL, created_millis BIGINT NOT NULL);
-- The tenants' data keys, each a Tink keyset wrapped by the master key (io.ncsync.daemon.db.JdbcDataKeys): stored
-- secrets are encrypted under their tenant's data key; a master key rotation re-wraps these rows in one transaction.
CREATE TABLE IF NOT EXISTS ncsync_data_keys (tenant_id VARCHAR(255) NOT NULL PRIMARY KEY, master_fingerprint VARCHAR(64) NOT NULL, keyset TEXT NOT NULL, created_millis BIGINT NOT NULL, wrapped_millis BIGINT NOT NULL);
