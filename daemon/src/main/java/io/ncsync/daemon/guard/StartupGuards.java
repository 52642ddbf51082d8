package io.ncsync.daemon.guard;

import com.typesafe.config.Config;
import io.ncsync.daemon.config.DbKind;
import io.ncsync.daemon.config.Settings;
import io.ncsync.daemon.db.JdbcDataKeys;
import io.ncsync.daemon.security.CredentialCipher;
import io.ncsync.daemon.security.TenantKeys;
import io.ncsync.daemon.security.SecretFiles;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.sql.SQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The start-up guards a daemon holds for its lifetime, in the order {@code Daemon} takes them: the data dir lock
 * (before anything else touches the data dir), then, once the journal schema is in place, the cluster's hold on the
 * journal database and the credential key checked against the journal. {@link #close()} lets go of all of them.
 */
public final class StartupGuards implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StartupGuards.class);

  private final DataDirLock dataDirLock;
  private NodeDescription node;
  private ClusterGuard cluster;

  private StartupGuards(DataDirLock dataDirLock, NodeDescription node) {
    this.dataDirLock = dataDirLock;
    this.node = node;
  }

  /** A guard refused the start; the message names what is in the way and what to do. */
  public static final class Refused extends Exception {
    Refused(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** Creates the data dir if needed and locks it for this daemon. */
  public static StartupGuards lockDataDir(Settings settings) throws Refused {
    NodeDescription node = NodeDescription.ofThisProcess("http://" + settings.httpHost() + ":" + settings.httpPort());
    try {
      SecretFiles.ensureDirectory(settings.dataDir());
      return new StartupGuards(DataDirLock.acquire(settings.dataDir(), node.toString()), node);
    } catch (DataDirLock.HeldException e) {
      throw new Refused(e.getMessage(), e);
    } catch (IOException e) {
      throw new Refused("cannot lock the data dir " + settings.dataDir() + " (" + e + "): check that it is writable "
          + "by this user (NCSYNC_DATA_DIR)", e);
    }
  }

  /** Joins this daemon's cluster in the journal database; refuses while another cluster writes there. */
  public synchronized void joinCluster(Settings settings, Config config) throws Refused {
    try {
      String clusterId = ClusterId.resolve(config, settings.dataDir());
      cluster = ClusterGuard.join(settings, clusterId, node);
    } catch (ClusterGuard.OtherClusterException e) {
      throw new Refused(e.getMessage(), e);
    } catch (IOException | IllegalArgumentException e) {
      throw new Refused("cannot set up the cluster id: " + e.getMessage(), e);
    } catch (SQLException e) {
      throw new Refused("cannot register this node in the journal database " + DbKind.redactUrl(settings.dbUrl())
          + ": " + e.getMessage() + schemaHint(settings), e);
    }
  }

  /**
   * The secrets' cipher, if the master key is the one the journal's data keys are wrapped by; every data key is
   * unwrapped now, so a damaged one stops the start rather than a later sync.
   */
  public CredentialCipher openCredentialKey(Settings settings) throws Refused {
    try {
      TenantKeys keys = new TenantKeys(
          new JdbcDataKeys(settings.dbUrl(), settings.dbUser(), settings.dbPassword()), CredentialKeyGuard.open(settings));
      keys.unwrapAll();
      return new CredentialCipher(keys);
    } catch (CredentialCipher.CredentialException e) {
      throw new Refused(e.getMessage(), e);
    } catch (CredentialKeyGuard.KeyMismatchException e) {
      throw new Refused(e.getMessage(), e);
    } catch (IOException | IllegalArgumentException e) {
      throw new Refused("cannot read the credential key: " + e.getMessage(), e);
    } catch (SQLException e) {
      throw new Refused("cannot check the credential key against the journal " + DbKind.redactUrl(settings.dbUrl())
          + ": " + e.getMessage() + schemaHint(settings), e);
    }
  }

  /** Once the admin API is bound, the descriptions other daemons would see name its real address. */
  public synchronized void bound(InetSocketAddress address) {
    node = node.withAdminApi("http://" + address.getHostString() + ":" + address.getPort());
    try {
      dataDirLock.describe(node.toString());
      if (cluster != null) cluster.describe(node);
    } catch (IOException | SQLException e) {
      log.warn("cannot record this daemon's admin API address for other daemons to see: {}", e.toString());
    }
  }

  /** Lets go of the cluster and the data dir. Idempotent. */
  @Override
  public synchronized void close() {
    if (cluster != null) cluster.close();
    try {
      dataDirLock.close();
    } catch (IOException e) {
      log.warn("cannot release the data dir lock: {}", e.toString());
    }
  }

  private static String schemaHint(Settings settings) {
    return settings.applySchema() ? "" : " (NCSYNC_DB_APPLY_SCHEMA is off: apply the current ops/postgres/schema.sql)";
  }
}
