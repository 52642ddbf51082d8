package io.ncsync.daemon.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdminTokenTest {
  @TempDir Path temp;

  @Test
  void firstStartCreatesAnOwnerOnlyTokenFile() throws Exception {
    Path dataDir = temp.resolve("data");
    AdminToken.Resolved resolved = AdminToken.resolve(Optional.empty(), dataDir);
    Path file = dataDir.resolve("admin-token");
    assertEquals(Optional.of(file), resolved.file());
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dataDir)));
    String token = Files.readString(file).trim();
    assertEquals(resolved.token(), token);
    assertEquals(43, token.length(), "32 random bytes, base64url without padding");
    assertTrue(token.matches("[A-Za-z0-9_-]+"));
    assertFalse(resolved.toString().contains(token), "toString hides the token");
  }

  @Test
  void laterStartsReadTheSameToken() throws Exception {
    String first = AdminToken.resolve(Optional.empty(), temp).token();
    String second = AdminToken.resolve(Optional.empty(), temp).token();
    assertEquals(first, second);
  }

  @Test
  void aConfiguredTokenWinsAndNoFileIsWritten() throws Exception {
    AdminToken.Resolved resolved = AdminToken.resolve(Optional.of("configured-token-1234567890abcdefgh"), temp);
    assertEquals("configured-token-1234567890abcdefgh", resolved.token());
    assertEquals(Optional.empty(), resolved.file());
    assertFalse(Files.exists(temp.resolve("admin-token")));
  }

  @Test
  void aConfiguredTokenShorterThan32CharactersIsRefusedSayingHowToFixIt() {
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
        () -> AdminToken.resolve(Optional.of("0123456789abcdef0123456789abcde"), temp));
    assertEquals("NCSYNC_ADMIN_TOKEN has 31 characters, fewer than the 32 required: set a long random one (e.g. "
        + "`openssl rand -base64 32`), or unset it to use the token generated into " + temp.resolve("admin-token"),
        refused.getMessage());
    assertFalse(Files.exists(temp.resolve("admin-token")));
  }

  @Test
  void aTokenFileReadableByOthersIsTightened() throws Exception {
    Path file = temp.resolve("admin-token");
    Files.writeString(file, "hand-written-token\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    assertEquals("hand-written-token", AdminToken.resolve(Optional.empty(), temp).token());
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
  }

  @Test
  void anEmptyTokenFileIsAnError() throws Exception {
    Files.writeString(temp.resolve("admin-token"), "  \n");
    assertThrows(java.io.IOException.class, () -> AdminToken.resolve(Optional.empty(), temp));
  }

  @Test
  void matchesOnlyTheExactToken() {
    AdminToken token = AdminToken.of("correct horse battery staple");
    assertTrue(token.matches("correct horse battery staple"));
    assertFalse(token.matches("correct horse battery stapl"));
    assertFalse(token.matches("correct horse battery staple "));
    assertFalse(token.matches(""));
    assertFalse(token.matches(null));
    assertEquals("AdminToken[***]", token.toString());
  }
}
