package io.ncsync.daemon.e2e;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * A snapshot of one side of a library: every file ('/'-separated relative path → SHA-256 of its content) and every
 * folder. Built from the local workspace ({@link #local}) or from the WebDAV server ({@link DavRemote#tree}), so both
 * sides compare with {@link #assertSameTree}.
 */
record Tree(SortedMap<String, String> files, SortedSet<String> dirs) {

  /**
   * Name prefixes the daemon may use for its own bookkeeping inside a workspace, which the tree comparison ignores. None:
   * the daemon's files in the making live in its staging folder outside every library, and a file named
   * {@code .ncsync-x} in a workspace is a user's file that must sync like any other.
   */
  static final List<String> INTERNAL_NAME_PREFIXES = List.of();

  Tree {
    files = Collections.unmodifiableSortedMap(new TreeMap<>(files));
    dirs = Collections.unmodifiableSortedSet(new TreeSet<>(dirs));
  }

  static boolean isInternal(String relPath) {
    for (String segment : relPath.split("/")) {
      for (String prefix : INTERNAL_NAME_PREFIXES) {
        if (segment.startsWith(prefix)) {
          return true;
        }
      }
    }
    return false;
  }

  /** The local tree under {@code root}, without the daemon's internal files. Tolerates files vanishing meanwhile. */
  static Tree local(Path root) {
    return local(root, rel -> !isInternal(rel));
  }

  /** Every file under {@code root}, internal ones included. */
  static Tree localRaw(Path root) {
    return local(root, rel -> true);
  }

  private static Tree local(Path root, Predicate<String> include) {
    SortedMap<String, String> files = new TreeMap<>();
    SortedSet<String> dirs = new TreeSet<>();
    if (!Files.isDirectory(root)) {
      return new Tree(files, dirs);
    }
    try {
      Files.walkFileTree(root, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
          if (dir.equals(root)) {
            return FileVisitResult.CONTINUE;
          }
          String rel = relative(root, dir);
          if (!include.test(rel)) {
            return FileVisitResult.SKIP_SUBTREE;
          }
          dirs.add(rel);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
          String rel = relative(root, file);
          if (include.test(rel)) {
            try {
              files.put(rel, E2eFiles.sha256(file));
            } catch (UncheckedIOException e) {
              if (!(e.getCause() instanceof NoSuchFileException)) {
                throw e;
              }
            }
          }
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException exc) throws IOException {
          if (exc instanceof NoSuchFileException) {
            return FileVisitResult.CONTINUE;
          }
          throw exc;
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Tree(files, dirs);
  }

  private static String relative(Path root, Path p) {
    return root.relativize(p).toString().replace(p.getFileSystem().getSeparator(), "/");
  }

  /** The same tree without the daemon's internal files. */
  Tree withoutInternal() {
    SortedMap<String, String> f = new TreeMap<>(files);
    f.keySet().removeIf(Tree::isInternal);
    SortedSet<String> d = new TreeSet<>(dirs);
    d.removeIf(Tree::isInternal);
    return new Tree(f, d);
  }

  /** Files whose path matches, e.g. conflict copies. */
  List<String> filesMatching(String regex) {
    return files.keySet().stream().filter(p -> p.matches(regex)).toList();
  }

  /** Both sides hold the same folders and the same files with the same content. */
  static void assertSameTree(String what, Tree local, Tree remote) {
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, String> e : local.files.entrySet()) {
      String other = remote.files.get(e.getKey());
      if (other == null) {
        problems.add("only local:  " + e.getKey());
      } else if (!other.equals(e.getValue())) {
        problems.add("different:   " + e.getKey() + " (local " + abbrev(e.getValue()) + ", remote " + abbrev(other) + ")");
      }
    }
    for (String p : remote.files.keySet()) {
      if (!local.files.containsKey(p)) {
        problems.add("only remote: " + p);
      }
    }
    for (String d : local.dirs) {
      if (!remote.dirs.contains(d)) {
        problems.add("folder only local:  " + d + "/");
      }
    }
    for (String d : remote.dirs) {
      if (!local.dirs.contains(d)) {
        problems.add("folder only remote: " + d + "/");
      }
    }
    if (!problems.isEmpty()) {
      fail(what + ": local and remote trees differ:\n  " + String.join("\n  ", problems));
    }
  }

  /** The tree holds exactly these files (path → SHA-256), nothing more, nothing less. */
  static void assertFiles(String what, Tree actual, Map<String, String> expected) {
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, String> e : new TreeMap<>(expected).entrySet()) {
      String got = actual.files.get(e.getKey());
      if (got == null) {
        problems.add("missing:    " + e.getKey());
      } else if (!got.equals(e.getValue())) {
        problems.add("wrong content: " + e.getKey() + " (expected " + abbrev(e.getValue()) + ", got " + abbrev(got) + ")");
      }
    }
    for (String p : actual.files.keySet()) {
      if (!expected.containsKey(p)) {
        problems.add("unexpected: " + p);
      }
    }
    if (!problems.isEmpty()) {
      fail(what + ": " + problems.size() + " problem(s):\n  " + String.join("\n  ", problems));
    }
  }

  private static String abbrev(String sha) {
    return sha.length() > 12 ? sha.substring(0, 12) : sha;
  }
}
