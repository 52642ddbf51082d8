package io.ncsync.daemon.sync;

import io.ncsync.protocol.DavEntry;
import io.ncsync.protocol.DavError;
import io.ncsync.protocol.DavException;
import io.ncsync.protocol.DownloadResult;
import io.ncsync.protocol.Listing;
import io.ncsync.protocol.RemotePaths;
import io.ncsync.protocol.RemoteStore;
import io.ncsync.protocol.UploadResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A Nextcloud-like remote in memory for engine tests: stable file ids, ETags that change on every write and propagate
 * to every ancestor, If-Match / If-None-Match, and hooks to inject races and faults.
 */
final class InMemoryRemoteStore implements RemoteStore {
  private record Node(boolean folder, byte[] content, String etag, String fileId, Instant modified) {}

  private final TreeMap<String, Node> nodes = new TreeMap<>();
  private final AtomicLong versions = new AtomicLong();
  private final AtomicLong ids = new AtomicLong(100);
  private final String prefix;
  private final InMemoryRemoteStore root;

  /** Runs before an upload is applied, with the path: lets a test change the remote "meanwhile". */
  volatile Consumer<String> beforeUpload = p -> {};
  /** Runs once an upload has read its source, with the path: lets a test change the local file while it is sent. */
  volatile Consumer<String> afterRead = p -> {};
  /** The next N If-Match checks fail although the ETag matches (Apache's weak ETag in the second after a write). */
  final java.util.concurrent.atomic.AtomicInteger spuriousPreconditionFailures = new java.util.concurrent.atomic.AtomicInteger();
  /** When set, every listing fails with it. */
  volatile DavException listingFault;

  InMemoryRemoteStore() {
    this.prefix = "";
    this.root = this;
    nodes.put("", new Node(true, null, nextEtag(), nextId(), Instant.now()));
  }

  private InMemoryRemoteStore(InMemoryRemoteStore root, String prefix) {
    this.root = root;
    this.prefix = prefix;
  }

  // --- test API (absolute paths) ------------------------------------------------------------------------------

  synchronized void put(String path, String content) {
    root.write(path, content.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  synchronized String read(String path) {
    Node node = root.nodes.get(path);
    return node == null || node.folder ? null : new String(node.content, java.nio.charset.StandardCharsets.UTF_8);
  }

  synchronized void remove(String path) {
    root.removeTree(path);
  }

  /** Files by absolute path → content. */
  synchronized Map<String, String> files(String under) {
    Map<String, String> files = new TreeMap<>();
    root.nodes.forEach((path, node) -> {
      if (!node.folder && (under.isEmpty() || path.startsWith(under + "/"))) {
        files.put(under.isEmpty() ? path : path.substring(under.length() + 1), new String(node.content, java.nio.charset.StandardCharsets.UTF_8));
      }
    });
    return files;
  }

  // --- RemoteStore ------------------------------------------------------------------------------------------

  @Override
  public CompletionStage<DavEntry> stat(String path) {
    return call(() -> {
      synchronized (root) {
        Node node = root.nodes.get(abs(path));
        if (node == null) throw notFound("PROPFIND", path);
        return entry(path, node);
      }
    });
  }

  @Override
  public CompletionStage<Listing> list(String folderPath) {
    return call(() -> {
      if (root.listingFault != null) throw root.listingFault;
      synchronized (root) {
        String absFolder = abs(folderPath);
        Node self = root.nodes.get(absFolder);
        if (self == null || !self.folder) throw notFound("PROPFIND", folderPath);
        List<DavEntry> children = new ArrayList<>();
        String start = absFolder.isEmpty() ? "" : absFolder + "/";
        for (Map.Entry<String, Node> e : root.nodes.tailMap(start, false).entrySet()) {
          if (!e.getKey().startsWith(start)) break;
          String rest = e.getKey().substring(start.length());
          if (!rest.isEmpty() && !rest.contains("/")) children.add(entry(RemotePaths.join(folderPath, rest), e.getValue()));
        }
        return new Listing(entry(folderPath, self), children);
      }
    });
  }

  @Override
  public CompletionStage<DownloadResult> download(String path, Path target) {
    return call(() -> {
      Node node;
      synchronized (root) {
        node = root.nodes.get(abs(path));
      }
      if (node == null || node.folder) throw notFound("GET", path);
      try {
        Files.write(target, node.content);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return new DownloadResult(node.content.length, node.etag);
    });
  }

  @Override
  public CompletionStage<UploadResult> upload(String path, Path source, Optional<String> ifMatchEtag, boolean mustNotExist) {
    return call(() -> {
      root.beforeUpload.accept(abs(path));
      byte[] content;
      try {
        content = Files.readAllBytes(source);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      root.afterRead.accept(abs(path));
      synchronized (root) {
        String absPath = abs(path);
        Node existing = root.nodes.get(absPath);
        if (mustNotExist && existing != null) throw new DavException(DavError.PRECONDITION_FAILED, 412, "PUT " + path + ": exists");
        if (ifMatchEtag.isPresent() && (existing == null || !existing.etag.equals(ifMatchEtag.get())
            || root.spuriousPreconditionFailures.getAndUpdate(n -> Math.max(0, n - 1)) > 0)) {
          throw new DavException(DavError.PRECONDITION_FAILED, 412, "PUT " + path + ": ETag mismatch");
        }
        Node parent = root.nodes.get(RemotePaths.parent(absPath));
        if (parent == null || !parent.folder) throw new DavException(DavError.CONFLICT, 409, "PUT " + path + ": parent missing");
        Node written = root.write(absPath, content);
        // As the real stores do: the SHA-256 of exactly the bytes sent.
        return new UploadResult(existing == null, written.etag, written.fileId, null, content.length, false, sha256(content));
      }
    });
  }

  @Override
  public CompletionStage<Void> mkcol(String path) {
    return call(() -> {
      synchronized (root) {
        String absPath = abs(path);
        if (root.nodes.containsKey(absPath)) throw new DavException(DavError.METHOD_NOT_ALLOWED, 405, "MKCOL " + path + ": exists");
        if (!root.nodes.containsKey(RemotePaths.parent(absPath))) throw new DavException(DavError.CONFLICT, 409, "MKCOL " + path);
        root.nodes.put(absPath, new Node(true, null, root.nextEtag(), root.nextId(), Instant.now()));
        root.touchAncestors(absPath);
        return null;
      }
    });
  }

  @Override
  public CompletionStage<Void> mkdirs(String path) {
    return call(() -> {
      synchronized (root) {
        String current = "";
        for (String segment : path.isEmpty() ? new String[0] : path.split("/")) {
          current = RemotePaths.join(current, segment);
          if (!root.nodes.containsKey(abs(current))) {
            root.nodes.put(abs(current), new Node(true, null, root.nextEtag(), root.nextId(), Instant.now()));
            root.touchAncestors(abs(current));
          }
        }
        return null;
      }
    });
  }

  @Override
  public CompletionStage<Void> delete(String path, Optional<String> ifMatchEtag) {
    return call(() -> {
      synchronized (root) {
        Node node = root.nodes.get(abs(path));
        if (node == null) throw notFound("DELETE", path);
        if (ifMatchEtag.isPresent() && !node.etag.equals(ifMatchEtag.get())) {
          throw new DavException(DavError.PRECONDITION_FAILED, 412, "DELETE " + path + ": ETag mismatch");
        }
        root.removeTree(abs(path));
        return null;
      }
    });
  }

  @Override
  public CompletionStage<Void> move(String fromPath, String toPath, boolean overwrite) {
    return CompletableFuture.failedFuture(new UnsupportedOperationException("move"));
  }

  @Override
  public RemoteStore scoped(String subPath) {
    return new InMemoryRemoteStore(root, abs(subPath));
  }

  // --- internals ----------------------------------------------------------------------------------------------

  private Node write(String absPath, byte[] content) {
    Node existing = nodes.get(absPath);
    Node node = new Node(false, content.clone(), nextEtag(), existing == null ? nextId() : existing.fileId, Instant.now());
    nodes.put(absPath, node);
    touchAncestors(absPath);
    return node;
  }

  private void removeTree(String absPath) {
    nodes.keySet().removeIf(p -> p.equals(absPath) || p.startsWith(absPath + "/"));
    touchAncestors(absPath);
  }

  /** Nextcloud propagates a change's new ETag to every ancestor. */
  private void touchAncestors(String absPath) {
    for (String p = absPath; !p.isEmpty(); ) {
      p = RemotePaths.parent(p);
      Node folder = nodes.get(p);
      if (folder != null) nodes.put(p, new Node(true, null, nextEtag(), folder.fileId, Instant.now()));
    }
  }

  private String nextEtag() {
    return "etag" + versions.incrementAndGet();
  }

  private String nextId() {
    return Long.toString(ids.incrementAndGet());
  }

  private String abs(String path) {
    return prefix.isEmpty() ? path : path.isEmpty() ? prefix : prefix + "/" + path;
  }

  private static DavEntry entry(String path, Node node) {
    return new DavEntry(path, node.folder, node.etag, node.folder ? -1 : node.content.length, node.modified, node.fileId, node.folder ? "RGDNVCK" : "RGDNVW", null);
  }

  private static DavException notFound(String method, String path) {
    return new DavException(DavError.NOT_FOUND, 404, method + " " + path + ": 404 Not Found");
  }

  private interface Call<T> {
    T run();
  }

  private static <T> CompletionStage<T> call(Call<T> call) {
    try {
      return CompletableFuture.completedFuture(call.run());
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private static String sha256(byte[] content) {
    try {
      return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(content));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
