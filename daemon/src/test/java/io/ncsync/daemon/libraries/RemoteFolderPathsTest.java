package io.ncsync.daemon.libraries;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RemoteFolderPathsTest {

  @Test
  void slashesAtTheEndsAreStripped() {
    assertEquals("Documents/Team", RemoteFolderPaths.normalise("/Documents/Team/"));
    assertEquals("Documents", RemoteFolderPaths.normalise("Documents"));
    assertEquals("", RemoteFolderPaths.normalise("/"));
    assertEquals("", RemoteFolderPaths.normalise(""));
    assertEquals("with space/ünï", RemoteFolderPaths.normalise("with space/ünï"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"a/../b", "..", "a/.", "./a", "a//b", "a\u0001b", "a\\b", "a\u0000"})
  void unsafeSegmentsAreRefused(String remotePath) {
    String message = assertThrows(RemoteFolderPaths.InvalidRemotePath.class,
        () -> RemoteFolderPaths.normalise(remotePath)).getMessage();
    assertTrue(message.startsWith("remotePath"), message);
  }

  @Test
  void missingIsRefused() {
    assertTrue(assertThrows(RemoteFolderPaths.InvalidRemotePath.class, () -> RemoteFolderPaths.normalise(null))
        .getMessage().contains("required"));
  }

  @Test
  void overlap() {
    assertTrue(RemoteFolderPaths.overlap("", "anything"));
    assertTrue(RemoteFolderPaths.overlap("a", "a/b"));
    assertTrue(RemoteFolderPaths.overlap("a/b", "a"));
    assertFalse(RemoteFolderPaths.overlap("a", "ab"));
    assertFalse(RemoteFolderPaths.overlap("a/b", "a/c"));
  }
}
