package io.ncsync.persistence.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ncsync.protocol.DavEntry;
import io.ncsync.protocol.ForbiddenNames;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NameExclusionsTest {

  @Test
  void bothSidesExclusionsAreKeptWithTheirReasonsPrefixed() {
    Map<String, String> excluded = NameExclusions.of(Map.of(), Map.of(), Map.of("bad\\x01", "the local name ..."),
        Map.of("dir/..", "the server's name '..' ..."), ForbiddenNames.NONE, false);

    assertEquals(Map.of("bad\\x01", "excluded: the local name ...", "dir/..", "excluded: the server's name '..' ..."),
        excluded);
  }

  @Test
  void aLocalNameTheServerRefusesIsExcludedUnlessTheServerHoldsItAlready() {
    Map<String, LocalEntry> local = Map.of("a:b.txt", file("a:b.txt"), "ok.txt", file("ok.txt"),
        "old:name.txt", file("old:name.txt"), "x:dir", LocalEntry.folder("x:dir"), "x:dir/in.txt", file("x:dir/in.txt"),
        "x:dir/c:d.txt", file("x:dir/c:d.txt"));
    Map<String, DavEntry> remote = Map.of("old:name.txt", remote("old:name.txt"));

    Map<String, String> excluded = NameExclusions.of(local, remote, Map.of(), Map.of(), ForbiddenNames.NEXTCLOUD, false);

    assertEquals(Set.of("a:b.txt", "x:dir"), excluded.keySet(), "below an excluded folder is excluded with it, unnamed");
    assertTrue(excluded.get("a:b.txt").startsWith("excluded: the server does not accept the local name 'a:b.txt'"),
        excluded.get("a:b.txt"));
    assertTrue(NameExclusions.of(local, remote, Map.of(), Map.of(), ForbiddenNames.NONE, false).isEmpty(),
        "plain WebDAV takes these names");
  }

  @Test
  void onACaseInsensitiveWorkspaceEveryNameOfACollisionIsExcluded() {
    Map<String, LocalEntry> local = Map.of("docs", LocalEntry.folder("docs"), "docs/a.txt", file("docs/a.txt"),
        "Readme.md", file("Readme.md"));
    Map<String, DavEntry> remote = Map.of("docs", remote("docs"), "docs/a.txt", remote("docs/a.txt"),
        "docs/A.TXT", remote("docs/A.TXT"), "README.md", remote("README.md"), "other.txt", remote("other.txt"),
        "straße.txt", remote("straße.txt"), "strasse.txt", remote("strasse.txt"));

    Map<String, String> excluded = NameExclusions.of(local, remote, Map.of(), Map.of(), ForbiddenNames.NONE, true);

    assertEquals(Set.of("docs/a.txt", "docs/A.TXT", "Readme.md", "README.md"), excluded.keySet(),
        "a collision across sides counts as much as one on the server; 'ß' is not folded to 'ss'");
    assertTrue(excluded.get("docs/A.TXT").contains("'A.TXT', 'a.txt' differ only in case"), excluded.get("docs/A.TXT"));
    assertTrue(NameExclusions.of(local, remote, Map.of(), Map.of(), ForbiddenNames.NONE, false).isEmpty(),
        "a case-sensitive workspace holds them all");
  }

  private static LocalEntry file(String path) {
    return new LocalEntry(path, false, 1, 1, null);
  }

  private static DavEntry remote(String path) {
    return new DavEntry(path, !path.contains("."), "e", 1, null, null, null, null);
  }
}
