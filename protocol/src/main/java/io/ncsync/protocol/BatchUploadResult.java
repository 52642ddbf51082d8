package io.ncsync.protocol;

/**
 * What became of one file of a batch: exactly one of {@code result} and {@code error} is set.
 *
 * @param path   the file's path, as given
 * @param result what the server reported, when it was stored
 * @param error  why it was not: a {@link DavException} (server side) or an {@link java.io.IOException} (local file)
 */
public record BatchUploadResult(String path, UploadResult result, Exception error) {
  public boolean ok() {
    return result != null;
  }
}
