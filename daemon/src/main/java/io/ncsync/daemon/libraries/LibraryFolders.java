package io.ncsync.daemon.libraries;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A new library's default folders, and the clean-up of a folder a refused creation made. */
public final class LibraryFolders {
  private static final Logger log = LoggerFactory.getLogger(LibraryFolders.class);

  private LibraryFolders() {}

  /**
   * A library's name as one folder name: separators, control characters and characters Windows and Nextcloud refuse
   * become '-', leading and trailing dots and spaces go; an empty result is "library".
   */
  public static String folderName(String name) {
    StringBuilder out = new StringBuilder();
    for (char c : name.toCharArray()) {
      out.append(c < 32 || c == 127 || "/\\:*?\"<>|".indexOf(c) >= 0 ? '-' : c);
    }
    String folder = out.toString().replaceAll("^[. ]+|[. ]+$", "");
    if (folder.length() > 200) folder = folder.substring(0, 200);
    return folder.isEmpty() ? "library" : folder;
  }

  /** {@code base/<folder name>}, or the folder name alone when base is empty. */
  public static String remoteFolder(String base, String name) {
    String trimmed = base == null ? "" : base.replaceAll("^/+|/+$", "");
    return trimmed.isEmpty() ? folderName(name) : trimmed + "/" + folderName(name);
  }

  /** Removes {@code folder} when it exists and is empty (nothing anyone put there is ever deleted). */
  public static void removeIfEmpty(Path folder) {
    try {
      if (Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)) {
        Files.delete(folder);
        log.info("removed {}, made for a library whose creation failed", folder);
      }
    } catch (DirectoryNotEmptyException e) {
      log.warn("{} was made for a library whose creation failed, but is not empty: left as it is", folder);
    } catch (IOException e) {
      log.warn("could not remove {} (made for a library whose creation failed): {}", folder, e.toString());
    }
  }
}
