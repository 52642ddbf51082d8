package io.ncsync.protocol;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A new file for {@link RemoteStore#uploadBatch}.
 *
 * @param path   where it goes, relative to the store's root
 * @param source the local file
 */
public record BatchUpload(String path, Path source) {
  public BatchUpload {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(source, "source");
  }
}
