package io.ncsync.daemon.db;

import io.ncsync.daemon.security.SecretFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Makes a lost or swapped journal visible instead of letting it pass as a fresh install. The journal database holds
 * a random id (table {@code ncsync_meta}, key {@code journal_id}) and the data dir holds the same id in
 * {@code journal-id}. At start:
 * <ul>
 *   <li>both present and equal: the journal is the one this data dir ran with;</li>
 *   <li>the data dir names a journal but the database holds another or none (lost, replaced by an empty one, or
 *       {@code NCSYNC_DB_URL} pointing elsewhere): refused;</li>
 *   <li>no id anywhere (a fresh install, or a data dir from before ids existed): refused when the journal is empty
 *       while the trash or the workspaces root holds what earlier libraries left; otherwise both ids are written.</li>
 * </ul>
 */
public final class JournalIdentity {
  static final String KEY = "journal_id";
  static final String FILE = "journal-id";

  private JournalIdentity() {}

  /** The journal cannot be used with this data dir; the message says why and what to do. */
  public static final class Refused extends Exception {
    Refused(String message) {
      super(message);
    }
  }

  /**
   * Checks the journal against the data dir and records the id on first use.
   *
   * @param journalName how to name the journal to a person (the file, or the redacted URL)
   */
  public static void verify(Connection db, Path dataDir, Path workspacesRoot, Path trashDir,
      String journalName) throws SQLException, IOException, Refused {
    Optional<String> inJournal = MetaTable.read(db, KEY);
    Optional<String> inDataDir = SecretFiles.read(dataDir.resolve(FILE)).map(String::strip);
    String restore = " Restore the journal from a backup (README.md, 'Backup and restore'; the embedded store keeps "
        + "them in " + dataDir.resolve("backups") + "), or point NCSYNC_DB_URL at the right database.";
    if (inDataDir.isPresent()) {
      if (inJournal.isEmpty()) {
        throw new Refused("the journal " + journalName + " holds no journal id, but the data dir " + dataDir
            + " ran with journal " + inDataDir.get() + " (" + dataDir.resolve(FILE) + "): the journal was lost or "
            + "replaced." + restore);
      }
      if (!inJournal.get().equals(inDataDir.get())) {
        throw new Refused("the journal " + journalName + " is journal " + inJournal.get() + ", but the data dir "
            + dataDir + " ran with journal " + inDataDir.get() + " (" + dataDir.resolve(FILE) + ")." + restore);
      }
      return;
    }
    String id = inJournal.orElse(null);
    if (id == null) {
      if (isEmpty(db)) {
        List<String> leftovers = leftovers(workspacesRoot, trashDir);
        if (!leftovers.isEmpty()) {
          throw new Refused("the journal " + journalName + " is empty, but the data dir holds what earlier "
              + "libraries left (" + String.join(", ", leftovers) + "): the journal was lost, or this is the wrong "
              + "database." + restore + " To start afresh on purpose, move those folders away first.");
        }
      }
      id = UUID.randomUUID().toString();
      MetaTable.write(db, KEY, id);
    }
    SecretFiles.create(dataDir.resolve(FILE), id + "\n");
  }

  /** True when the journal holds no event and no snapshot. */
  static boolean isEmpty(Connection db) throws SQLException {
    try (Statement s = db.createStatement()) {
      for (String table : List.of("event_journal", "snapshot")) {
        try (ResultSet rows = s.executeQuery("SELECT 1 FROM " + table + " LIMIT 1")) {
          if (rows.next()) return false;
        }
      }
    }
    return true;
  }

  /** Up to five entries of the workspaces root and the trash that only earlier libraries can have left. */
  static List<String> leftovers(Path workspacesRoot, Path trashDir) throws IOException {
    List<String> found = new ArrayList<>();
    for (Path dir : List.of(trashDir, workspacesRoot)) {
      if (!Files.isDirectory(dir)) continue;
      try (Stream<Path> entries = Files.list(dir)) {
        entries.filter(p -> !p.getFileName().toString().startsWith(".ncsync"))
            .sorted().limit(5 - found.size()).forEach(p -> found.add(p.toString()));
      }
    }
    return found;
  }
}
