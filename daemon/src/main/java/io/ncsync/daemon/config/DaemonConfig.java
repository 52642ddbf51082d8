package io.ncsync.daemon.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigResolver;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import java.util.Map;

/**
 * Builds the ActorSystem's configuration. The persistence plugin has to be chosen before the ActorSystem starts, so
 * this resolves in two steps: first {@code application.conf} with the environment, which yields {@link Settings} and
 * thereby the database; then the same again with {@code persistence-h2.conf} or {@code persistence-postgres.conf} and
 * the effective JDBC URL, user and password under {@code ncsync.db.jdbc-*}.
 *
 * <p>Priority, highest first: explicit overrides (tests), JVM system properties, {@code application.conf} (or
 * {@code -Dconfig.file}), the persistence file, every {@code reference.conf}. {@code ${?NCSYNC_...}} substitutions are
 * looked up in the environment map given here, so tests pass their own instead of mutating the process environment.
 */
public final class DaemonConfig {
  private DaemonConfig() {}

  /** The configuration for the ActorSystem and the daemon's settings read from it. */
  public record Loaded(Config config, Settings settings) {}

  /**
   * Production ({@code ncsync serve}): the application config on the classpath (or -Dconfig.file) over
   * {@code serve.conf}, system properties, this environment.
   */
  public static Loaded load(Map<String, String> env) {
    return load(serveApplication(), ConfigFactory.empty(), env);
  }

  /** {@code application.conf} with the settings only the daemon process wants (exit the JVM after shutdown). */
  public static Config serveApplication() {
    return ConfigFactory.defaultApplication()
        .withFallback(ConfigFactory.parseResources(DaemonConfig.class.getClassLoader(), "serve.conf"));
  }

  /**
   * @param application the unresolved application config (normally {@code application.conf})
   * @param overrides   settings that win over everything else (tests use it for ports, paths, exit-jvm)
   * @param env         environment variables for {@code ${?NCSYNC_...}}
   */
  public static Loaded load(Config application, Config overrides, Map<String, String> env) {
    String logFormat = env.get("NCSYNC_LOG_FORMAT");
    if (logFormat != null && !logFormat.equals("text") && !logFormat.equals("json")) {
      // logback.xml picks its appender by this name; anything else would silently log nothing.
      throw new IllegalArgumentException("NCSYNC_LOG_FORMAT must be 'text' (the default) or 'json', got '"
          + logFormat + "'");
    }
    ConfigResolveOptions options = ConfigResolveOptions.defaults()
        .setUseSystemEnvironment(false)
        .appendResolver(new EnvResolver(env));
    Config systemProperties = ConfigFactory.defaultOverrides();
    Config reference = ConfigFactory.defaultReference();

    Config first = overrides.withFallback(systemProperties).withFallback(application).withFallback(reference)
        .resolve(options);
    Settings settings = Settings.fromConfig(first);

    Config effectiveDb = ConfigValueFactory.fromMap(Map.of(
            "ncsync", Map.of("db", Map.of(
                "jdbc-url", settings.dbUrl(),
                "jdbc-user", settings.dbUser(),
                "jdbc-password", settings.dbPassword()))),
            "computed by io.ncsync.daemon.config.DaemonConfig")
        .toConfig();
    Config persistence = ConfigFactory.parseResources(DaemonConfig.class.getClassLoader(), settings.dbKind().configResource());
    if (persistence.isEmpty()) {
      throw new IllegalStateException("classpath resource " + settings.dbKind().configResource() + " is missing");
    }
    Config full = effectiveDb.withFallback(overrides).withFallback(systemProperties).withFallback(application)
        .withFallback(persistence).withFallback(reference)
        .resolve(options);
    return new Loaded(full, Settings.fromConfig(full));
  }

  /** Answers {@code ${?NAME}} substitutions from an environment map. */
  private record EnvResolver(Map<String, String> env) implements ConfigResolver {
    @Override
    public ConfigValue lookup(String path) {
      String value = env.get(path);
      return value == null ? null : ConfigValueFactory.fromAnyRef(value, "environment variable " + path);
    }

    @Override
    public ConfigResolver withFallback(ConfigResolver fallback) {
      EnvResolver self = this;
      return new ConfigResolver() {
        @Override
        public ConfigValue lookup(String path) {
          ConfigValue value = self.lookup(path);
          return value != null ? value : fallback.lookup(path);
        }

        @Override
        public ConfigResolver withFallback(ConfigResolver next) {
          return self.withFallback(fallback.withFallback(next));
        }
      };
    }
  }
}
