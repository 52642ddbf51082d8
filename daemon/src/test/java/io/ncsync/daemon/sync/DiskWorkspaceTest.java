package io.ncsync.daemon.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ncsync.persistence.sync.BaseEntry;
import io.ncsync.persistence.sync.LocalEntry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scan reads a file's content only where the plan needs it. */
class DiskWorkspaceTest {
  @TempDir Path workspaces;
  /** The daemon's own folders (trash, archive), outside the workspaces root. */
  @TempDir Path daemonFolders;
  private Path root;

  @org.junit.jupiter.api.BeforeEach
  void createLibraryFolder() throws Exception {
    root = Files.createDirectories(workspaces.resolve("lib"));
  }

  @Test
  void onlyASameSizeFileWithAnotherMtimeIsHashed() throws Exception {
    Path unchanged = write("unchanged.txt", "same", 1_000_000);
    Path touched = write("touched.txt", "same", 2_000_000);
    write("grown.txt", "longer now", 3_000_000);
    write("new.txt", "brand new", 4_000_000);
    Map<String, BaseEntry> base = Map.of(
        "unchanged.txt", file("unchanged.txt", 4, 1_000_000),
        "touched.txt", file("touched.txt", 4, 1_500_000),
        "grown.txt", file("grown.txt", 4, 3_000_000));

    Map<String, LocalEntry> scan = new DiskWorkspace(workspaces, root, "t", "l").scan(base).entries();

    assertNull(scan.get("unchanged.txt").sha256(), "size and mtime match: not read");
    assertEquals(DiskWorkspace.sha256(touched), scan.get("touched.txt").sha256(), "a touch or an edit in place: hashed");
    assertNull(scan.get("grown.txt").sha256(), "another size is another content: not read");
    assertNull(scan.get("new.txt").sha256(), "a new file is uploaded as it is: the upload hashes it");
    assertEquals(4, scan.get("unchanged.txt").size());
    assertEquals(unchanged.toFile().lastModified(), scan.get("unchanged.txt").mtimeMillis());
  }

  @Test
  void localNamesThatCannotBeSyncedAreReportedUnderPrintableKeysAndNotEntered() throws Exception {
    write("ok.txt", "ok", 1_000_000);
    write("bad\u0001name/inside.txt", "in a folder with a control character", 1_000_000);
    write("line\nbreak.txt", "x", 1_000_000);

    var scan = new DiskWorkspace(workspaces, root, "t", "l").scan(Map.of());

    assertEquals(java.util.Set.of("ok.txt"), scan.entries().keySet());
    assertEquals(java.util.Set.of("bad\\x01name", "line\\x0abreak.txt"), scan.skipped().keySet());
    assertEquals("the local name 'line\\x0abreak.txt' cannot be synced: name contains control character 0xa",
        scan.skipped().get("line\\x0abreak.txt"));
  }

  @Test
  void thisFileSystemTellsNamesApartByCaseAndTheProbeLeavesNothingBehind() throws Exception {
    DiskWorkspace workspace = new DiskWorkspace(workspaces, root, "t", "l");
    workspace.prepareRun();

    assertEquals(false, workspace.caseInsensitive(), "ext4, tmpfs, XFS: case-sensitive");
    assertEquals(false, workspace.caseInsensitive(), "asked again: the cached answer");
    try (var staged = Files.walk(workspaces.resolve(StagingFolder.NAME))) {
      assertTrue(staged.noneMatch(p -> p.getFileName().toString().startsWith("case-probe")), "the probe file is gone");
    }
  }

  @Test
  void anUploadReadsAHardLinkOfTheFileOrACopyWithItsMtime() throws Exception {
    Path file = write("f.txt", "content", 5_000_000);
    DiskWorkspace disk = new DiskWorkspace(workspaces, root, "t", "l");
    disk.prepareRun();
    Object inode = Files.readAttributes(file, BasicFileAttributes.class).fileKey();
    try (DiskWorkspace.Staged linked = disk.stageForUpload("f.txt")) {
      assertTrue(linked.path().startsWith(workspaces.resolve(".ncsync-staging")), linked.path().toString());
      assertEquals(inode, Files.readAttributes(linked.path(), BasicFileAttributes.class).fileKey(), "the same file");
      assertEquals(root.resolve("f.txt") + " changed while it was being uploaded",
          disk.explain(linked.path() + " changed while it was being uploaded"), "messages name the workspace's file");
    }
    disk.hardLinks = false;
    try (DiskWorkspace.Staged copied = disk.stageForUpload("f.txt")) {
      assertNotEquals(inode, Files.readAttributes(copied.path(), BasicFileAttributes.class).fileKey(), "a copy");
      assertEquals("content", Files.readString(copied.path()));
      assertEquals(5_000_000, Files.getLastModifiedTime(copied.path()).toMillis(), "the mtime the upload sends");
    }
    assertEquals("content", Files.readString(file), "the workspace's file stays");
    try (var left = Files.list(workspaces.resolve(".ncsync-staging/t/l"))) {
      assertEquals(0, left.count(), "closing removes what was staged");
    }
  }

  @Test
  void aTrashedFileIsRestoredBesideATakenPathWithItsMtimeAndNeverOverwrites() throws Exception {
    write("a.txt", "first", 6_000_000);
    Path trash = Files.createDirectories(daemonFolders.resolve("trash"));
    DiskWorkspace disk = new DiskWorkspace(workspaces, root, "t", "l", trash);
    disk.prepareRun();
    String kept = disk.moveToTrash("a.txt", "run-1");
    assertTrue(Path.of(kept).startsWith(trash), kept);
    write("a.txt", "a new file of that name", 7_000_000);

    assertEquals("a (restored).txt", disk.restoreFromTrash(kept, "a.txt"));

    assertEquals("a new file of that name", Files.readString(root.resolve("a.txt")), "never overwritten");
    assertEquals("first", Files.readString(root.resolve("a (restored).txt")));
    assertEquals(6_000_000, Files.getLastModifiedTime(root.resolve("a (restored).txt")).toMillis());
    assertFalse(Files.exists(Path.of(kept)), "it left the trash");
    assertThrows(java.io.IOException.class, () -> disk.restoreFromTrash(root.resolve("a.txt").toString(), "b.txt"),
        "only files in the trash or the archive are restored");
  }

  @Test
  void archivePurgeAndDeleteStayWhereTheyBelong() throws Exception {
    write("a.txt", "archived", 1_000_000);
    write("b.txt", "trashed", 1_000_000);
    write("c.txt", "deleted", 1_000_000);
    Path trash = Files.createDirectories(daemonFolders.resolve("trash"));
    Path archive = Files.createDirectories(daemonFolders.resolve("archive"));
    DiskWorkspace disk = new DiskWorkspace(workspaces, root, "t", "l", trash, archive);

    String archived = disk.moveToArchive("a.txt", "old");
    String trashed = disk.moveToTrash("b.txt", "run-1");
    disk.deleteFile("c.txt");

    assertEquals(archive.resolve("old/a.txt").toString(), archived);
    assertEquals("archived", Files.readString(Path.of(archived)));
    assertThrows(java.io.IOException.class, () -> disk.moveToArchive("b.txt", "../escape"));
    assertThrows(java.io.IOException.class, () -> disk.purgeTrash(archived), "archived files are kept indefinitely");
    disk.purgeTrash(trashed);
    assertFalse(Files.exists(Path.of(trashed)));
    assertTrue(Files.exists(Path.of(archived)));
    assertFalse(Files.exists(root.resolve("c.txt")));
  }

  private Path write(String name, String content, long mtimeMillis) throws Exception {
    Files.createDirectories(root.resolve(name).getParent());
    Path file = Files.writeString(root.resolve(name), content);
    Files.setLastModifiedTime(file, FileTime.fromMillis(mtimeMillis));
    return file;
  }

  private static BaseEntry file(String path, long size, long mtimeMillis) {
    return new BaseEntry(path, false, "id-" + path, "etag", size, mtimeMillis, "0".repeat(64));
  }

  @Test
  void aPartialDownloadOfOneVersionSurvivesTheNextRunsStartAndOnlyThatVersionReusesIt() throws Exception {
    DiskWorkspace workspace = new DiskWorkspace(workspaces, root, "t", "l");
    workspace.prepareRun();
    var partial = workspace.resumableDownload("media/big.bin", "\"v1\"");
    java.nio.file.Files.write(partial.path(), new byte[1000]);
    partial.keepForResume();
    partial.close();
    var leftover = workspace.newDownload(); // a plain download a crash left
    java.nio.file.Files.write(leftover.path(), new byte[10]);
    var old = workspace.resumableDownload("old.bin", "\"v1\"");
    java.nio.file.Files.write(old.path(), new byte[10]);
    java.nio.file.Files.setLastModifiedTime(old.path(), java.nio.file.attribute.FileTime.from(
        java.time.Instant.now().minus(java.time.Duration.ofDays(2))));

    DiskWorkspace restarted = new DiskWorkspace(workspaces, root, "t", "l");
    restarted.prepareRun();

    assertEquals(1000, java.nio.file.Files.size(restarted.resumableDownload("media/big.bin", "\"v1\"").path()),
        "the same version continues from its bytes");
    assertEquals(0, java.nio.file.Files.size(restarted.resumableDownload("media/big.bin", "\"v2\"").path()),
        "another version starts empty");
    org.junit.jupiter.api.Assertions.assertFalse(java.nio.file.Files.exists(leftover.path()), "other leftovers go");
    org.junit.jupiter.api.Assertions.assertFalse(java.nio.file.Files.exists(old.path()), "a partial older than a day goes");
    var used = restarted.resumableDownload("media/big.bin", "\"v1\"");
    used.close();
    org.junit.jupiter.api.Assertions.assertFalse(java.nio.file.Files.exists(used.path()), "closed without keeping: gone");
  }
}
