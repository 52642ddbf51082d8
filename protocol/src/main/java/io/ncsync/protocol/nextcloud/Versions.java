package io.ncsync.protocol.nextcloud;

import io.ncsync.protocol.AkkaHttpRemoteStore;
import io.ncsync.protocol.DownloadOptions;
import io.ncsync.protocol.DownloadResult;
import io.ncsync.protocol.ETags;
import io.ncsync.protocol.MultistatusReader;
import io.ncsync.protocol.RemotePaths;
import io.ncsync.protocol.UrlPaths;
import java.net.URI;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The versions API ({@code /remote.php/dav/versions/<user>/versions/<fileId>}): list the older versions of a file,
 * download one, restore one (it becomes the current version; the current one becomes a version).
 */
public final class Versions {
  private static final String PROPS = "<d:getcontentlength/><d:getlastmodified/><d:getetag/><d:getcontenttype/>"
      + "<nc:version-label/><nc:version-author/>";

  private final AkkaHttpRemoteStore files;
  private final NextcloudFeatures features;

  private Versions(AkkaHttpRemoteStore files) {
    this.files = files;
    this.features = files.features();
    if (!features.nextcloud()) throw new IllegalArgumentException("versions need a Nextcloud connection");
  }

  /** Versions of files on the connection of {@code files} (a store with {@link NextcloudFeatures}). */
  public static Versions create(AkkaHttpRemoteStore files) {
    return new Versions(files);
  }

  private String root() {
    return features.serverBase() + "remote.php/dav/versions/" + UrlPaths.encodeSegment(features.userId()) + "/";
  }

  private String collection(String fileId) {
    return root() + "versions/" + UrlPaths.encodeSegment(RemotePaths.requireSafeName(fileId));
  }

  /** The older versions, newest first; empty when there are none (or the file has no versions collection). */
  public CompletionStage<List<FileVersion>> list(String fileId) {
    String url;
    try {
      url = collection(fileId);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    String folderRawPath = URI.create(url).getRawPath();
    return DavCalls.propfind(files.transport(), url, "1", PROPS, "PROPFIND versions of file " + fileId,
            files.settings().requestTimeout())
        .thenApply(responses -> {
          List<FileVersion> versions = new ArrayList<>();
          if (responses == null) return versions;
          for (MultistatusReader.Response r : responses) {
            String name = MultistatusReader.childName(r.href(), folderRawPath);
            if (name.isEmpty() || r.collection()) continue;
            versions.add(new FileVersion(fileId, name, parseLong(r.get(MultistatusReader.DAV, "getcontentlength")),
                httpDate(r.get(MultistatusReader.DAV, "getlastmodified")),
                ETags.normalize(r.get(MultistatusReader.DAV, "getetag")),
                r.get(MultistatusReader.DAV, "getcontenttype"),
                r.get(MultistatusReader.NC, "version-label"),
                r.get(MultistatusReader.NC, "version-author")));
          }
          versions.sort(Comparator.comparing(FileVersion::versionId, Versions::compareIds).reversed());
          return versions;
        });
  }

  /** Streams a version into {@code target} (resumed after broken connections like any download). */
  public CompletionStage<DownloadResult> download(FileVersion version, Path target) {
    try {
      String url = collection(version.fileId()) + "/" + UrlPaths.encodeSegment(RemotePaths.requireSafeName(version.versionId()));
      return files.downloadFrom(URI.create(url), target, new DownloadOptions(null, version.etag(), false, version.size()));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Makes {@code version} the current content of its file. */
  public CompletionStage<Void> restore(FileVersion version) {
    try {
      String from = collection(version.fileId()) + "/" + UrlPaths.encodeSegment(RemotePaths.requireSafeName(version.versionId()));
      return DavCalls.move(files.transport(), from, root() + "restore/target",
          "MOVE restore version " + version.versionId() + " of file " + version.fileId(), files.settings().requestTimeout());
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private static int compareIds(String a, String b) {
    try {
      return Long.compare(Long.parseLong(a), Long.parseLong(b));
    } catch (NumberFormatException e) {
      return a.compareTo(b);
    }
  }

  static long parseLong(String value) {
    if (value == null) return -1;
    try {
      return Long.parseLong(value.strip());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  static Instant httpDate(String value) {
    if (value == null) return null;
    try {
      return DateTimeFormatter.RFC_1123_DATE_TIME.parse(value.strip(), Instant::from);
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
