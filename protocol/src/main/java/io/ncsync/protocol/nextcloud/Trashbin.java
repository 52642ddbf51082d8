package io.ncsync.protocol.nextcloud;

import io.ncsync.protocol.AkkaHttpRemoteStore;
import io.ncsync.protocol.DownloadOptions;
import io.ncsync.protocol.DownloadResult;
import io.ncsync.protocol.MultistatusReader;
import io.ncsync.protocol.RemotePaths;
import io.ncsync.protocol.UrlPaths;
import java.net.URI;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The trash bin API ({@code /remote.php/dav/trashbin/<user>/trash}): list deleted items, restore one to its original
 * location, purge one, empty the bin.
 */
public final class Trashbin {
  private static final String PROPS = "<nc:trashbin-filename/><nc:trashbin-original-location/>"
      + "<nc:trashbin-deletion-time/><nc:trashbin-deleted-by-id/><d:getcontentlength/><d:resourcetype/><oc:size/>"
      + "<oc:fileid/>";

  private final AkkaHttpRemoteStore files;
  private final NextcloudFeatures features;

  private Trashbin(AkkaHttpRemoteStore files) {
    this.files = files;
    this.features = files.features();
    if (!features.nextcloud()) throw new IllegalArgumentException("the trash bin needs a Nextcloud connection");
  }

  public static Trashbin create(AkkaHttpRemoteStore files) {
    return new Trashbin(files);
  }

  private String root() {
    return features.serverBase() + "remote.php/dav/trashbin/" + UrlPaths.encodeSegment(features.userId()) + "/";
  }

  private String itemUrl(String id) {
    return root() + "trash/" + UrlPaths.encodeSegment(RemotePaths.requireSafeName(id));
  }

  /** Every item, most recently deleted first. */
  public CompletionStage<List<TrashItem>> list() {
    String url = root() + "trash";
    String folderRawPath = URI.create(url).getRawPath();
    return DavCalls.propfind(files.transport(), url, "1", PROPS, "PROPFIND trash bin", files.settings().requestTimeout())
        .thenApply(responses -> {
          List<TrashItem> items = new ArrayList<>();
          if (responses == null) return items;
          for (MultistatusReader.Response r : responses) {
            String id = MultistatusReader.childName(r.href(), folderRawPath);
            if (id.isEmpty()) continue;
            String size = r.get(MultistatusReader.DAV, "getcontentlength");
            if (size == null) size = r.get(MultistatusReader.OC, "size");
            String deleted = r.get(MultistatusReader.NC, "trashbin-deletion-time");
            String name = r.get(MultistatusReader.NC, "trashbin-filename");
            items.add(new TrashItem(id, name == null ? id : name, r.get(MultistatusReader.NC, "trashbin-original-location"),
                deleted == null || Versions.parseLong(deleted) < 0 ? null : Instant.ofEpochSecond(Versions.parseLong(deleted)),
                r.get(MultistatusReader.NC, "trashbin-deleted-by-id"), r.collection(), Versions.parseLong(size),
                r.get(MultistatusReader.OC, "fileid")));
          }
          items.sort(Comparator.comparing(TrashItem::deletionTime, Comparator.nullsLast(Comparator.reverseOrder())));
          return items;
        });
  }

  /** Puts an item back where it was (507 when the quota is short). */
  public CompletionStage<Void> restore(TrashItem item) {
    try {
      String from = itemUrl(item.id());
      String to = root() + "restore/" + UrlPaths.encodeSegment(item.id());
      return DavCalls.move(files.transport(), from, to, "MOVE restore " + RemotePaths.printable(item.fileName()) + " from the trash bin",
          files.settings().requestTimeout());
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Deletes an item for good. */
  public CompletionStage<Void> purge(TrashItem item) {
    try {
      return DavCalls.delete(files.transport(), itemUrl(item.id()), "DELETE " + RemotePaths.printable(item.fileName())
          + " from the trash bin", files.settings().requestTimeout(), false);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Empties the trash bin. */
  public CompletionStage<Void> empty() {
    return DavCalls.delete(files.transport(), root() + "trash", "DELETE trash bin", files.settings().requestTimeout(), true);
  }

  /** Streams a deleted file into {@code target}. */
  public CompletionStage<DownloadResult> download(TrashItem item, Path target) {
    try {
      return files.downloadFrom(URI.create(itemUrl(item.id())), target,
          DownloadOptions.defaults().withExpectedSize(item.folder() ? DownloadOptions.UNKNOWN_SIZE : item.size()));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }
}
