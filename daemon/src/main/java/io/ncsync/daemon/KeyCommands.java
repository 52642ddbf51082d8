package io.ncsync.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ncsync.daemon.config.DaemonConfig;
import io.ncsync.daemon.config.Settings;
import io.ncsync.daemon.security.AdminToken;
import io.ncsync.daemon.security.MasterKey;
import io.ncsync.daemon.security.SecretFiles;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ncsync keys rotate}: asks the running daemon to rotate the master key ({@code POST /api/v1/keys/rotate}), so
 * syncing goes on throughout. Finds the daemon and its token through the same NCSYNC_* variables as {@code serve}.
 */
@Command(name = "keys", mixinStandardHelpOptions = true, description = "The master key that wraps the tenants' data keys.",
    subcommands = {KeyCommands.Rotate.class})
final class KeyCommands implements Runnable {
  @Override
  public void run() {
    new picocli.CommandLine(this).usage(System.out);
  }

  @Command(name = "rotate", mixinStandardHelpOptions = true,
      description = {"Re-wraps every tenant's data key under a new master key while the daemon runs.",
          "With the key file (the default), the daemon generates the new key into <data dir>/secret.key: back it up.",
          "With NCSYNC_SECRET_KEY, give the new key with --new-key-file and set the variable to it before the next "
              + "start."})
  static final class Rotate implements Callable<Integer> {
    @Option(names = "--new-key-file", paramLabel = "FILE",
        description = "the new master key, base64 of 32 bytes (e.g. `openssl rand -base64 32 > FILE`)")
    Path newKeyFile;

    @Option(names = "--url", paramLabel = "URL",
        description = "the daemon's admin API (default: from NCSYNC_HTTP_HOST / NCSYNC_HTTP_PORT)")
    URI url;

    @Option(names = "--token-file", paramLabel = "FILE",
        description = "a file holding a system-role token (default: NCSYNC_ADMIN_TOKEN or <data dir>/admin-token)")
    Path tokenFile;

    @Override
    public Integer call() {
      return rotate(System.getenv(), System.out, System.err);
    }

    int rotate(Map<String, String> env, PrintStream out, PrintStream err) {
      try {
        Settings settings = DaemonConfig.load(env).settings();
        String token = token(settings);
        URI base = url != null ? url : defaultUrl(settings, env);
        ObjectMapper json = new ObjectMapper();
        ObjectNode body = json.createObjectNode();
        if (newKeyFile != null) {
          String key = SecretFiles.read(newKeyFile).orElseThrow(
              () -> new IllegalArgumentException("the new key file " + newKeyFile + " does not exist or is empty"));
          MasterKey.decode(key, newKeyFile.toString()); // checked here, so a bad file is named as such
          body.put("newKey", key.trim());
        }
        HttpRequest request = HttpRequest.newBuilder(base.resolve("/api/v1/keys/rotate"))
            .timeout(Duration.ofMinutes(5))
            .header("Authorization", "Bearer " + token)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)))
            .build();
        HttpResponse<String> response;
        try {
          response = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()
              .send(request, HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
          err.println("ncsync: no daemon answers at " + base + ": the rotation runs inside the running daemon (so "
              + "syncing never stops); start it, or give its address with --url");
          return 1;
        }
        JsonNode answer = json.readTree(response.body().isEmpty() ? "{}" : response.body());
        if (response.statusCode() != 200) {
          err.println("ncsync: the daemon refused the rotation (" + response.statusCode() + "): "
              + answer.path("message").asText(response.body()));
          return 1;
        }
        out.println("master key rotated: " + answer.path("dataKeysRewrapped").asInt() + " data keys re-wrapped, "
            + answer.path("secretsMigrated").asInt() + " older secrets moved under data keys");
        out.println("new key fingerprint: " + answer.path("fingerprint").asText());
        out.println("new key in: " + answer.path("keyLocation").asText());
        out.println("next: " + answer.path("next").asText());
        return 0;
      } catch (Exception e) {
        err.println("ncsync: " + e.getMessage());
        return 1;
      }
    }

    private String token(Settings settings) throws java.io.IOException {
      if (tokenFile != null) {
        return SecretFiles.read(tokenFile).orElseThrow(
            () -> new IllegalArgumentException("the token file " + tokenFile + " does not exist or is empty")).trim();
      }
      if (settings.adminToken().isPresent()) return settings.adminToken().get();
      Path file = settings.dataDir().resolve(AdminToken.FILE_NAME);
      return SecretFiles.read(file).orElseThrow(() -> new IllegalArgumentException("no token: " + file
          + " does not exist; give a system-role token with --token-file or NCSYNC_ADMIN_TOKEN")).trim();
    }

    private static URI defaultUrl(Settings settings, Map<String, String> env) {
      String host = settings.httpHost();
      if (host.equals("0.0.0.0") || host.equals("::")) host = "127.0.0.1";
      if (host.contains(":")) host = "[" + host + "]";
      boolean tls = env.getOrDefault("NCSYNC_HTTP_TLS_CERT", "").isBlank() == false;
      return URI.create((tls ? "https" : "http") + "://" + host + ":" + settings.httpPort());
    }
  }
}
