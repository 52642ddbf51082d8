package io.ncsync.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class FileIdsTest {
  @Test
  void anOcIdBecomesTheListedNumberAndEverythingElseStays() {
    assertEquals("17", FileIds.numeric("00000017ocnca3y4b4ql0"));
    assertEquals("123456789", FileIds.numeric("123456789ocabc"));
    assertEquals("0", FileIds.numeric("00000000ocabc"));
    assertEquals("17", FileIds.numeric("17"));
    assertEquals("opaque-id", FileIds.numeric("opaque-id"));
    assertNull(FileIds.numeric(null));
    assertEquals("17", new UploadResult(true, "e", "00000017ocx", null, 1, true, null).fileId(), "uploads record the listed form");
  }
}
