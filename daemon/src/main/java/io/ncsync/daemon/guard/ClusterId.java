package io.ncsync.daemon.guard;

import com.typesafe.config.Config;
import io.ncsync.daemon.security.SecretFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.UUID;

/**
 * Which cluster this daemon belongs to: {@code ncsync.cluster.id} ({@code NCSYNC_CLUSTER_ID}) when set, which the nodes
 * of one multi-node cluster share; otherwise a random id generated once into {@code <data dir>/cluster-id}, so every
 * installation is a cluster of its own.
 */
public final class ClusterId {
  public static final String FILE_NAME = "cluster-id";
  static final int MAX_LENGTH = 100;

  private ClusterId() {}

  public static String resolve(Config config, Path dataDir) throws IOException {
    String configured = config.hasPath("ncsync.cluster.id") ? config.getString("ncsync.cluster.id").trim() : "";
    String id = configured.isEmpty()
        ? SecretFiles.readOrCreate(dataDir.resolve(FILE_NAME), () -> UUID.randomUUID().toString())
        : configured;
    if (id.length() > MAX_LENGTH) {
      throw new IllegalArgumentException("ncsync.cluster.id (NCSYNC_CLUSTER_ID) must be at most " + MAX_LENGTH
          + " characters, got " + id.length());
    }
    return id;
  }
}
