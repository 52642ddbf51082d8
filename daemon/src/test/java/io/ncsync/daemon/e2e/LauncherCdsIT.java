package io.ncsync.daemon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12's cold start: {@code bin/ncsync serve} dumps a class-data sharing archive beside its jar on the first start
 * after a build, from the class list the jar carries, and starts with it; the JVM accepts it ({@code -Xshare:on}
 * fails on an archive it cannot use). {@code NCSYNC_CDS=off} starts without one.
 */
class LauncherCdsIT {
  @TempDir Path dir;

  @Test
  void theFirstServeDumpsAnArchiveForItsJarThatTheJvmMapsAndNcsyncCdsOffLeavesItOut() throws Exception {
    Path jar = dir.resolve("ncsync-all.jar");
    Files.copy(Path.of(System.getProperty("ncsync.jar")), jar, StandardCopyOption.COPY_ATTRIBUTES);
    Path archive = dir.resolve("ncsync-all.jsa");

    Result off = launch(jar, Map.of("NCSYNC_CDS", "off"), "serve", "--help");
    assertEquals(0, off.exit(), off.output());
    assertFalse(Files.exists(archive), "NCSYNC_CDS=off: no archive");

    Result first = launch(jar, Map.of(), "serve", "--help");
    assertEquals(0, first.exit(), first.output());
    assertTrue(first.output().contains("class-data sharing archive"), first.output());
    assertTrue(Files.size(archive) > 10 << 20, "an archive of the listed classes: " + Files.size(archive));

    Result mapped = java("-XX:SharedArchiveFile=" + archive, "-Xshare:on", "-Xlog:cds=info", "-jar", jar.toString(),
        "--version");
    assertEquals(0, mapped.exit(), "the JVM maps it: " + mapped.output());

    Result second = launch(jar, Map.of(), "serve", "--help");
    assertEquals(0, second.exit(), second.output());
    assertFalse(second.output().contains("class-data sharing archive"), "made once per jar: " + second.output());
  }

  private record Result(int exit, String output) {}

  private static Result launch(Path jar, Map<String, String> env, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(Path.of("..", "bin", "ncsync").toAbsolutePath().normalize().toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("NCSYNC_JAR", jar.toString());
    builder.environment().remove("NCSYNC_CDS");
    builder.environment().putAll(env);
    return run(builder);
  }

  private static Result java(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    command.addAll(List.of(args));
    return run(new ProcessBuilder(command).redirectErrorStream(true));
  }

  private static Result run(ProcessBuilder builder) throws IOException, InterruptedException {
    Process process = builder.start();
    byte[] output = process.getInputStream().readAllBytes();
    assertTrue(process.waitFor(120, TimeUnit.SECONDS), "finished");
    return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
  }
}
