package io.ncsync.daemon;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The ncsync version (from the build) and the versions of the Akka parts it runs on. */
public final class DaemonVersion {
  private DaemonVersion() {}

  public static String ncsync() {
    try (InputStream in = DaemonVersion.class.getClassLoader().getResourceAsStream("ncsync-version.properties")) {
      if (in == null) return "dev";
      Properties properties = new Properties();
      properties.load(in);
      String version = properties.getProperty("version", "dev");
      return version.startsWith("${") ? "dev" : version;
    } catch (IOException e) {
      return "dev";
    }
  }

  public static String akka() {
    return akka.Version.current();
  }

  public static String akkaHttp() {
    return akka.http.Version.current();
  }

  public static String summary() {
    return "ncsync " + ncsync() + " (Akka " + akka() + ", akka-http " + akkaHttp() + ", Java "
        + System.getProperty("java.version") + ")";
  }
}
