package io.ncsync.daemon.libraries;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WorkspacePathsTest {
  @TempDir Path temp;
  Path root;

  @BeforeEach
  void setUp() throws Exception {
    root = Files.createDirectories(temp.resolve("workspaces")).toRealPath();
  }

  private String refusal(String localPath) {
    return assertThrows(WorkspacePaths.InvalidLocalPath.class, () -> WorkspacePaths.resolve(root, localPath))
        .getMessage();
  }

  @Test
  void relativePathsResolveUnderTheRoot() {
    assertEquals(root.resolve("docs"), WorkspacePaths.resolve(root, "docs"));
    assertEquals(root.resolve("team/docs"), WorkspacePaths.resolve(root, "team/docs"));
    assertEquals(root.resolve("team/docs"), WorkspacePaths.resolve(root, "team/docs/"), "one trailing slash is fine");
    assertEquals(root.resolve("Ünïcode folder"), WorkspacePaths.resolve(root, "Ünïcode folder"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"..", "../x", "a/../../x", "a/..", "docs/../.."})
  void traversalIsRefused(String localPath) {
    assertTrue(refusal(localPath).contains("'..'"), refusal(localPath));
  }

  @ParameterizedTest
  @ValueSource(strings = {"/etc", "/tmp/x", "~/x", "~root"})
  void absolutePathsAreRefused(String localPath) {
    assertTrue(refusal(localPath).contains("relative"), refusal(localPath));
  }

  @Test
  void theDaemonsStagingFolderIsNoLibrary() throws Exception {
    assertTrue(refusal(".ncsync-staging").contains("the daemon's own folder"), refusal(".ncsync-staging"));
    assertTrue(refusal(".ncsync-staging/t/lib").contains("the daemon's own folder"));
    Files.createDirectories(root.resolve(".ncsync-staging"));
    Files.createSymbolicLink(root.resolve("sneaky"), root.resolve(".ncsync-staging"));
    assertTrue(refusal("sneaky/lib").contains("the daemon's own folder"), refusal("sneaky/lib"));
    assertEquals(root.resolve(".ncsync-stagingx"), WorkspacePaths.resolve(root, ".ncsync-stagingx"));
  }

  @Test
  void emptyDotAndControlCharactersAreRefused() {
    assertTrue(refusal("").contains("required"));
    assertTrue(refusal("   ").contains("required"));
    assertTrue(refusal(null).contains("required"));
    assertTrue(refusal(".").contains("'.'"));
    assertTrue(refusal("a/./b").contains("'.'"));
    assertTrue(refusal("a//b").contains("empty segment"));
    assertTrue(refusal("a\u0000b").contains("NUL"));
    assertTrue(refusal("a\nb").contains("control character"));
    assertTrue(refusal("a\u007fb").contains("control character"));
    assertTrue(refusal("a\\b").contains("'\\'"));
    assertTrue(refusal("x".repeat(256)).contains("255"));
  }

  @Test
  void aSymlinkLeadingOutOfTheRootIsRefused() throws Exception {
    Path outside = Files.createDirectories(temp.resolve("outside"));
    Files.createSymbolicLink(root.resolve("escape"), outside);
    assertTrue(refusal("escape").contains("symbolic link"), refusal("escape"));
    assertTrue(refusal("escape/deeper/still").contains("symbolic link"), refusal("escape/deeper/still"));
  }

  @Test
  void aSymlinkedParentDeeperDownIsAlsoChecked() throws Exception {
    Files.createDirectories(root.resolve("team"));
    Files.createSymbolicLink(root.resolve("team/etc"), Path.of("/etc"));
    assertTrue(refusal("team/etc/ncsync").contains("symbolic link"));
  }

  @Test
  void aDanglingSymlinkIsRefused() throws Exception {
    Files.createSymbolicLink(root.resolve("dangling"), temp.resolve("does-not-exist"));
    assertFalse(refusal("dangling/x").isEmpty());
  }

  @Test
  void aSymlinkStayingInsideTheRootResolvesToItsTarget() throws Exception {
    Path real = Files.createDirectories(root.resolve("real"));
    Files.createSymbolicLink(root.resolve("alias"), real);
    assertEquals(real.resolve("sub"), WorkspacePaths.resolve(root, "alias/sub"));
  }

  @Test
  void anExistingFileIsNotAFolder() throws Exception {
    Files.writeString(root.resolve("file.txt"), "x");
    assertTrue(refusal("file.txt").contains("not a folder"));
  }

  @Test
  void theRootItselfCannotBeALibrary() throws Exception {
    Files.createSymbolicLink(root.resolve("self"), root);
    assertFalse(refusal("self").isEmpty());
  }

  @Test
  void overlapMeansSameOrNested() {
    assertTrue(WorkspacePaths.overlap(root.resolve("a"), root.resolve("a")));
    assertTrue(WorkspacePaths.overlap(root.resolve("a"), root.resolve("a/b")));
    assertTrue(WorkspacePaths.overlap(root.resolve("a/b"), root.resolve("a")));
    assertFalse(WorkspacePaths.overlap(root.resolve("a"), root.resolve("ab")));
    assertFalse(WorkspacePaths.overlap(root.resolve("a/b"), root.resolve("a/c")));
  }
}
