package io.ncsync.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MainTest {
  private String saved;

  @BeforeEach
  void save() {
    saved = System.getProperty(Main.COMMON_POOL_PARALLELISM);
  }

  @AfterEach
  void restore() {
    if (saved == null) System.clearProperty(Main.COMMON_POOL_PARALLELISM);
    else System.setProperty(Main.COMMON_POOL_PARALLELISM, saved);
  }

  @Test
  void theCommonPoolGetsAtLeastFourThreadsUnlessConfigured() {
    System.clearProperty(Main.COMMON_POOL_PARALLELISM);
    Main.ensureCommonPool();
    assertTrue(Integer.parseInt(System.getProperty(Main.COMMON_POOL_PARALLELISM)) >= 4);

    System.setProperty(Main.COMMON_POOL_PARALLELISM, "2");
    Main.ensureCommonPool();
    assertEquals("2", System.getProperty(Main.COMMON_POOL_PARALLELISM), "an explicit setting wins");
  }
}
