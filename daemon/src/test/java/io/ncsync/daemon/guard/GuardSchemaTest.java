package io.ncsync.daemon.guard;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ncsync.daemon.db.ClusterRegistry;
import io.ncsync.daemon.db.CredentialKeyRecord;
import io.ncsync.daemon.db.SchemaInstaller;
import org.junit.jupiter.api.Test;

/** The guards create their tables themselves; the PostgreSQL schema applied by hand must hold the same ones. */
class GuardSchemaTest {
  @Test
  void thePostgresSchemaHoldsTheGuardsTables() throws Exception {
    String schema = SchemaInstaller.readResource("db/postgres-schema.sql");
    assertTrue(schema.contains(CredentialKeyRecord.DDL + ";"), "db/postgres-schema.sql lacks " + CredentialKeyRecord.DDL);
    assertTrue(schema.contains(ClusterRegistry.DDL + ";"), "db/postgres-schema.sql lacks " + ClusterRegistry.DDL);
    assertTrue(schema.contains(io.ncsync.daemon.db.JdbcDataKeys.DDL + ";"),
        "db/postgres-schema.sql lacks " + io.ncsync.daemon.db.JdbcDataKeys.DDL);
  }
}
