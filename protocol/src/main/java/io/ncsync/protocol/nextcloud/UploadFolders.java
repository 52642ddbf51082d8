package io.ncsync.protocol.nextcloud;

import io.ncsync.protocol.AkkaHttpRemoteStore;
import io.ncsync.protocol.MultistatusReader;
import io.ncsync.protocol.RemotePaths;
import io.ncsync.protocol.UrlPaths;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The chunked-upload folders of the user ({@code /remote.php/dav/uploads/<user>/}): list them and delete abandoned ones
 * (uploads whose session the daemon no longer holds). The server expires idle folders after 24 h anyway; cleaning up
 * gives the space back sooner.
 */
public final class UploadFolders {
  /** Prefix of the folders ncsync creates; others belong to other clients and are never touched. */
  public static final String PREFIX = "ncsync-";

  /**
   * One upload folder.
   *
   * @param transferId   its name
   * @param lastModified when it last changed, or null when the server does not say
   */
  public record UploadFolder(String transferId, Instant lastModified) {
    public boolean ours() {
      return transferId.startsWith(PREFIX);
    }
  }

  private final AkkaHttpRemoteStore files;
  private final NextcloudFeatures features;

  private UploadFolders(AkkaHttpRemoteStore files) {
    this.files = files;
    this.features = files.features();
    if (!features.nextcloud()) throw new IllegalArgumentException("upload folders need a Nextcloud connection");
  }

  public static UploadFolders create(AkkaHttpRemoteStore files) {
    return new UploadFolders(files);
  }

  /** Every upload folder of the user (of any client). */
  public CompletionStage<List<UploadFolder>> list() {
    String url = features.uploadsRoot().toASCIIString();
    String rawPath = features.uploadsRoot().getRawPath();
    return DavCalls.propfind(files.transport(), url, "1", "<d:getlastmodified/><d:resourcetype/>",
            "PROPFIND upload folders", files.settings().requestTimeout())
        .thenApply(responses -> {
          List<UploadFolder> folders = new ArrayList<>();
          if (responses == null) return folders;
          for (MultistatusReader.Response r : responses) {
            String name = MultistatusReader.childName(r.href(), rawPath);
            if (name.isEmpty()) continue;
            folders.add(new UploadFolder(name, Versions.httpDate(r.get(MultistatusReader.DAV, "getlastmodified"))));
          }
          return folders;
        });
  }

  /** Deletes one upload folder and its chunks (404 counts as done). */
  public CompletionStage<Void> delete(String transferId) {
    try {
      String url = features.uploadsRoot().toASCIIString() + UrlPaths.encodeSegment(RemotePaths.requireSafeName(transferId));
      return DavCalls.delete(files.transport(), url, "DELETE upload folder " + transferId, files.settings().requestTimeout(), true);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * Deletes ncsync's upload folders that are not in {@code keep} (the transfer ids of persisted sessions) and have not
   * changed for {@code olderThan} (another node of the same account may be uploading). Completes with the ids deleted.
   */
  public CompletionStage<List<String>> deleteAbandoned(Duration olderThan, Set<String> keep) {
    Instant cutoff = Instant.now().minus(olderThan);
    return list().thenCompose(folders -> {
      List<String> deleted = new ArrayList<>();
      CompletionStage<Void> chain = CompletableFuture.completedFuture(null);
      for (UploadFolder folder : folders) {
        boolean idle = folder.lastModified() == null || folder.lastModified().isBefore(cutoff);
        if (!folder.ours() || keep.contains(folder.transferId()) || !idle) continue;
        chain = chain.thenCompose(d -> delete(folder.transferId()).thenAccept(done -> deleted.add(folder.transferId())));
      }
      return chain.thenApply(d -> List.copyOf(deleted));
    });
  }
}
