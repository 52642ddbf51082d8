package io.ncsync.daemon;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.ncsync.daemon.config.DaemonConfig;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Starts real daemons inside the test JVM: real ActorSystem, real journal, real HTTP, the given SyncEngine. */
public final class TestDaemons {
  private TestDaemons() {}

  public static final String TOKEN = "test-admin-token-0123456789abcdef";

  /** What every test daemon needs: an ephemeral port, no JVM exit, no shutdown hook. */
  public static Config testOverrides() {
    return ConfigFactory.parseString("""
        ncsync.http.port = 0
        ncsync.http.ask-timeout = 10s
        akka.coordinated-shutdown.exit-jvm = off
        akka.coordinated-shutdown.run-by-jvm-shutdown-hook = off
        akka.jvm-shutdown-hooks = off
        """);
  }

  /** The environment of a daemon on H2 under {@code dataDir}, with the test token and periodic sync off. */
  public static Map<String, String> embeddedEnv(Path dataDir) {
    Map<String, String> env = new HashMap<>();
    env.put("NCSYNC_DATA_DIR", dataDir.toString());
    env.put("NCSYNC_ADMIN_TOKEN", TOKEN);
    env.put("NCSYNC_SYNC_INTERVAL", "0");
    return env;
  }

  public static DaemonConfig.Loaded load(Map<String, String> env) {
    return DaemonConfig.load(ConfigFactory.defaultApplication(), testOverrides(), env);
  }

  /** A running daemon and the base URL of its admin API. */
  public record Running(Daemon daemon, String baseUrl) implements AutoCloseable {
    @Override
    public void close() {
      daemon.close();
    }
  }

  public static Running start(Map<String, String> env, SyncEngineFactory syncIo) throws Exception {
    Daemon daemon = Daemon.start(load(env), syncIo);
    InetSocketAddress address;
    try {
      address = daemon.bound().toCompletableFuture().get(Duration.ofSeconds(30).toSeconds(), TimeUnit.SECONDS);
    } catch (Exception e) {
      daemon.close();
      throw e;
    }
    return new Running(daemon, "http://127.0.0.1:" + address.getPort());
  }

  /** Creates a connection to an example server (untested) through the API; returns its id (fails the test on any other answer). */
  public static String createConnection(io.ncsync.daemon.http.ApiClient api, String name) {
    io.ncsync.daemon.http.ApiClient.Response created = api.post("/api/v1/connections", io.ncsync.daemon.http.ApiClient.json(
        Map.of("name", name, "url", "https://cloud.example.com", "username", "alice", "appPassword", "pw",
            "skipTest", true)));
    org.junit.jupiter.api.Assertions.assertEquals(201, created.status(), created.toString());
    return created.json().get("id").asText();
  }

  /** Creates a library named {@code name} in the folders {@code name} (local) and {@code Name} (remote); returns its id. */
  public static String createLibrary(io.ncsync.daemon.http.ApiClient api, String connectionId, String name) {
    io.ncsync.daemon.http.ApiClient.Response created = api.post("/api/v1/libraries", io.ncsync.daemon.http.ApiClient.json(
        Map.of("name", name, "connectionId", connectionId, "localPath", name, "remotePath", "R-" + name)));
    org.junit.jupiter.api.Assertions.assertEquals(201, created.status(), created.toString());
    return created.json().get("id").asText();
  }
}
