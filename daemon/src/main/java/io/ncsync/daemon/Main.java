package io.ncsync.daemon;

import akka.actor.CoordinatedShutdown;
import io.ncsync.daemon.config.DaemonConfig;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code ncsync} command line: {@code ncsync serve} runs the daemon; {@code --version}, {@code --help}. */
@Command(
    name = "ncsync",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Keeps local folders in two-way sync with Nextcloud / WebDAV folders.",
    subcommands = {Main.Serve.class, JournalCommands.Backup.class, JournalCommands.Restore.class, KeyCommands.class,
        CdsClassList.class,
        CommandLine.HelpCommand.class})
public final class Main implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(Main.class);

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    ensureCommonPool();
    System.exit(new CommandLine(new Main()).execute(args));
  }

  static final String COMMON_POOL_PARALLELISM = "java.util.concurrent.ForkJoinPool.common.parallelism";

  /**
   * On a machine with fewer than three cores the JDK gives {@code CompletableFuture} no common pool, and each async
   * continuation starts a thread of its own. Every continuation on a stage akka returns is async (Scala's future
   * converters make it so), so on two cores uploading 2,000 small files started thousands of threads. Must run before
   * anything touches {@code ForkJoinPool}; an explicit {@code -D} setting wins.
   */
  static void ensureCommonPool() {
    if (System.getProperty(COMMON_POOL_PARALLELISM) == null) {
      System.setProperty(COMMON_POOL_PARALLELISM, Integer.toString(Math.max(4, Runtime.getRuntime().availableProcessors())));
    }
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /** {@code ncsync serve}: starts the daemon and runs until SIGTERM/SIGINT. Configured by NCSYNC_* variables. */
  @Command(
      name = "serve",
      mixinStandardHelpOptions = true,
      versionProvider = Main.Version.class,
      description = {
          "Starts the daemon: the admin API (default 127.0.0.1:8080) and the libraries' sync.",
          "Configuration through NCSYNC_* environment variables (see README.md).",
          "Stops gracefully on SIGTERM or SIGINT (exit code 0)."})
  static final class Serve implements Callable<Integer> {
    @Override
    public Integer call() {
      Daemon daemon;
      try {
        daemon = Daemon.start(DaemonConfig.load(System.getenv()), new DiskDavEngineFactory());
      } catch (Daemon.StartupException e) {
        log.error("ncsync cannot start: {}", e.getMessage());
        System.err.println("ncsync: cannot start: " + e.getMessage());
        return 1;
      } catch (RuntimeException e) {
        // Configuration errors (ConfigException, IllegalArgumentException) name the setting at fault.
        log.error("ncsync cannot start: {}", e.getMessage());
        System.err.println("ncsync: cannot start: " + e.getMessage());
        return 1;
      }
      installSignalHandlers(daemon);
      daemon.awaitTermination();
      return daemon.exitCode();
    }

    /**
     * SIGTERM and SIGINT run CoordinatedShutdown (unbind the API, hand off the libraries, exit 0) instead of the JVM's
     * default, which would exit with 143/130 even after a clean shutdown.
     */
    @SuppressWarnings("restriction")
    private static void installSignalHandlers(Daemon daemon) {
      for (String name : new String[] {"TERM", "INT"}) {
        try {
          sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> {
            log.info("received SIG{}: shutting down gracefully", name);
            CoordinatedShutdown.get(daemon.system()).runAll(ShutdownReasons.SignalReceived.INSTANCE);
          });
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
          log.warn("cannot handle SIG{} ({}); the JVM's shutdown hook still shuts down gracefully", name, e.getMessage());
        }
      }
    }
  }

  /** {@code --version}: ncsync and the Akka versions it runs on. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {DaemonVersion.summary()};
    }
  }
}
