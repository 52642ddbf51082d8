package io.ncsync.daemon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code NCSYNC_LOG_FORMAT=json}: the daemon process logs one JSON object per line; anything but text or json is refused. */
class JsonLogsIT {
  @Test
  void everyLogLineIsAJsonObjectWithLevelLoggerAndMessage() throws Exception {
    try (DaemonProcess daemon = DaemonProcess.start("JsonLogsIT", Map.of("NCSYNC_LOG_FORMAT", "json"))) {
      ObjectMapper mapper = new ObjectMapper();
      List<String> lines = daemon.logText().lines().filter(line -> line.startsWith("{")).toList();
      assertTrue(lines.size() > 5, "JSON lines: " + daemon.logText());
      boolean listening = false;
      for (String line : lines) {
        JsonNode object = mapper.readTree(line);
        assertTrue(object.has("level") && object.has("loggerName") && object.has("formattedMessage"), line);
        listening |= object.get("formattedMessage").asText().contains("admin API listening");
      }
      assertTrue(listening, "the start is logged");
      assertFalse(daemon.logText().contains(daemon.adminToken()), "no secret in the log");
      long plain = daemon.logText().lines().filter(line -> line.matches("^\\d{4}-\\d{2}-\\d{2}T.* (INFO|WARN) .*")).count();
      assertEquals(0, plain, "no line in the text format");
      assertFalse(daemon.logText().contains("|-INFO in ch.qos.logback"), "no logback status dump");
    }
  }

  @Test
  void anUnknownFormatIsRefusedAtStartNamingTheSetting() {
    AssertionError refused = assertThrows(AssertionError.class,
        () -> DaemonProcess.start("JsonLogsIT-bad", Map.of("NCSYNC_LOG_FORMAT", "xml")).close());
    assertTrue(refused.getMessage().contains("NCSYNC_LOG_FORMAT must be 'text'"), refused.getMessage());
  }
}
