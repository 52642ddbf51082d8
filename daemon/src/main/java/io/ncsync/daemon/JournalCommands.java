package io.ncsync.daemon;

import io.ncsync.daemon.config.DaemonConfig;
import io.ncsync.daemon.config.Settings;
import io.ncsync.daemon.db.JournalBackups;
import io.ncsync.daemon.guard.DataDirLock;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code ncsync backup} and {@code ncsync restore}: the embedded journal's backups from the command line, configured
 * by the same NCSYNC_* variables as {@code serve} (so they find the same data dir).
 */
final class JournalCommands {
  private JournalCommands() {}

  @Command(name = "backup", mixinStandardHelpOptions = true,
      description = {"Takes a backup of the embedded journal now (the daemon may be running).",
          "Backups go to <data dir>/backups; the newest NCSYNC_DB_BACKUP_KEEP are kept."})
  static final class Backup implements Callable<Integer> {
    @Override
    public Integer call() {
      return run(System.out, System.err, (backups, out) -> {
        out.println(backups.backup("manual"));
        return 0;
      });
    }
  }

  @Command(name = "restore", mixinStandardHelpOptions = true,
      description = {"Without FILE: lists the embedded journal's backups, newest first.",
          "With FILE: stops unless no daemon runs on the data dir, then puts FILE in the journal's place; the",
          "replaced journal is moved to <data dir>/backups/replaced-<time>/, never deleted."})
  static final class Restore implements Callable<Integer> {
    @Parameters(arity = "0..1", paramLabel = "FILE", description = "the backup to restore")
    Path file;

    @Override
    public Integer call() {
      return run(System.out, System.err, (backups, out) -> {
        if (file == null) {
          List<Path> all = backups.list();
          if (all.isEmpty()) out.println("no backups in " + backups.dir());
          for (Path backup : all) out.println(backup + "  " + Files.size(backup) + " bytes");
          return 0;
        }
        // Holding the data dir's lock keeps a daemon from starting on the journal while it is replaced.
        try (DataDirLock lock = DataDirLock.acquire(backups.dir().getParent(), "ncsync restore")) {
          Path aside = backups.restore(file.toAbsolutePath());
          out.println("restored " + file + "; the replaced journal files are in " + aside);
          return 0;
        } catch (DataDirLock.HeldException e) {
          throw new IOException(e.getMessage() + " (stop it before restoring)", e);
        }
      });
    }

  }

  interface Action {
    int run(JournalBackups backups, PrintStream out) throws Exception;
  }

  static int run(PrintStream out, PrintStream err, Action action) {
    try {
      DaemonConfig.Loaded loaded = DaemonConfig.load(System.getenv());
      Settings settings = loaded.settings();
      if (!settings.dbUrl().equals(Settings.defaultSqliteUrl(settings.dataDir()))) {
        err.println("ncsync: the journal is " + settings.dbKind() + " at NCSYNC_DB_URL, not the embedded default: "
            + "back it up and restore it with that database's own tools (for PostgreSQL: pg_dump / pg_restore)");
        return 2;
      }
      JournalBackups backups = JournalBackups.of(settings.dataDir(), settings.dbUrl(),
          JournalBackups.Policy.fromConfig(loaded.config()));
      return action.run(backups, out);
    } catch (Exception e) {
      err.println("ncsync: " + e.getMessage());
      return 1;
    }
  }
}
