package io.ncsync.protocol;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ncsync.protocol.nextcloud.Capabilities;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ForbiddenNamesTest {

  @ParameterizedTest
  @ValueSource(strings = {"a:b.txt", " leading.txt", "trailing.txt ", "upload.txt.PART", "back\\slash"})
  void nextcloudRefusesItsOwnRulesWhateverItsAdminLists(String name) {
    assertNotNull(ForbiddenNames.NEXTCLOUD.problem(name), name);
    assertNull(ForbiddenNames.NONE.problem(name), "plain WebDAV takes any safe name: " + name);
  }

  @Test
  void nextcloudRefusesNamesOver250Bytes() {
    assertNull(ForbiddenNames.NEXTCLOUD.problem("a".repeat(250)));
    assertTrue(ForbiddenNames.NEXTCLOUD.problem("a".repeat(251)).contains("251"));
  }

  @Test
  void theAdminListsOfTheCapabilitiesAreRefusedToo() throws Exception {
    Capabilities caps = Capabilities.parse(new ObjectMapper().readTree("""
        {"capabilities": {"files": {
          "forbidden_filenames": [".htaccess"],
          "forbidden_filename_basenames": ["con"],
          "forbidden_filename_characters": ["?"],
          "forbidden_filename_extensions": [".exe"]}}}
        """));
    ForbiddenNames forbidden = caps.refusedNames();

    for (String name : List.of(".HTACCESS", "Con.txt", "why?.txt", "setup.EXE", "x:y")) {
      assertNotNull(forbidden.problem(name), name);
    }
    assertNull(forbidden.problem("report 2024.pdf"));
    assertTrue(forbidden.problem("why?.txt").contains("'?'"));
  }
}
