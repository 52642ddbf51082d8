package io.ncsync.daemon.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.ncsync.protocol.testing.ApacheDavServer;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * One Apache httpd with mod_dav and one daemon process per test class (each test uses its own library), plus the
 * connection from the daemon to that server. Data dir and daemon.log stay under {@code target/e2e/<class>} for
 * inspection after a failure.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
abstract class E2eTestBase {

  protected ApacheDavServer apache;
  protected DavRemote remote;
  protected DaemonProcess daemon;
  protected AdminApi api;
  protected String connectionId;

  @BeforeAll
  void startPeers() throws Exception {
    apache = ApacheDavServer.start();
    remote = new DavRemote(apache.rootUrl(), apache.username(), apache.password());
    daemon = DaemonProcess.start(getClass().getSimpleName(), daemonEnv());
    api = new AdminApi(daemon);
    connectionId = api.createConnection(
        AdminApi.webdavConnection("apache", apache.rootUrl(), apache.username(), apache.password()));
  }

  @AfterAll
  void stopPeers() throws Exception {
    try {
      if (daemon != null) {
        daemon.close();
        System.out.println("daemon log: " + daemon.logFile());
      }
    } finally {
      try {
        if (apache != null) {
          apache.close();
        }
      } finally {
        afterDaemonStopped();
      }
    }
  }

  /** Extra environment for the daemon (called once, before it starts). */
  protected Map<String, String> daemonEnv() throws Exception {
    return Map.of();
  }

  /** Clean-up of what {@link #daemonEnv()} set up. */
  protected void afterDaemonStopped() throws Exception {}

  /** A library through the shared connection; local and remote folder both named {@code name}. */
  protected Library newLibrary(String name) {
    return newLibrary(name, "bidirectional");
  }

  protected Library newLibrary(String name, String mode) {
    JsonNode json = api.createLibrary(AdminApi.library(name, connectionId, name, name, mode));
    return new Library(json.get("id").asText(), Path.of(json.get("localRoot").asText()), name, json);
  }

  /** A library as the tests see it: its id, its local root and its remote folder (relative to the server root). */
  protected record Library(String id, Path localRoot, String remoteFolder, JsonNode json) {}

  protected Tree localTree(Library lib) {
    return Tree.local(lib.localRoot());
  }

  protected Tree remoteTree(Library lib) {
    return remote.tree(lib.remoteFolder()).withoutInternal();
  }

  /** Asserts both sides of the library are identical (every folder, every file by SHA-256) and returns that tree. */
  protected Tree assertConverged(String what, Library lib) {
    Tree local = localTree(lib);
    Tree.assertSameTree(what, local, remoteTree(lib));
    return local;
  }

  protected void writeLocal(Library lib, String relPath, String content) {
    E2eFiles.write(lib.localRoot(), relPath, content);
  }

  protected void writeRemote(Library lib, String relPath, String content) {
    remote.put(lib.remoteFolder() + "/" + relPath, content);
  }
}
