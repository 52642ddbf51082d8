package io.ncsync.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The walk's own logic, against an in-memory store; the Apache test walks a real server. */
class TreeWalkerTest {
  private static final ScheduledExecutorService SCHEDULER = Executors.newScheduledThreadPool(8);

  @AfterAll
  static void stopScheduler() {
    SCHEDULER.shutdownNow();
  }

  @Test
  void walksEveryFolderOnceAndSortsByPath() throws Exception {
    FakeStore store = new FakeStore(false);
    store.folder("");
    store.folder("b");
    store.file("b/z.txt");
    store.folder("a");
    store.folder("a/x");
    store.file("a/x/deep.txt");
    store.file("top.txt");

    RemoteTree tree = TreeWalker.walk(store).toCompletableFuture().get(5, TimeUnit.SECONDS);

    assertEquals("", tree.root().path());
    assertEquals(List.of("a", "a/x", "a/x/deep.txt", "b", "b/z.txt", "top.txt"), List.copyOf(tree.entries().keySet()));
    assertEquals(List.of("", "a", "a/x", "b"), store.listed.stream().sorted().toList(), "files are never listed");
  }

  @Test
  void boundsTheNumberOfFoldersListedAtOnce() throws Exception {
    FakeStore store = new FakeStore(true);
    store.folder("");
    for (int i = 0; i < 40; i++) {
      store.folder("f" + i);
      store.folder("f" + i + "/g");
    }
    RemoteTree tree = TreeWalker.walk(store, 3).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertEquals(80, tree.size());
    assertTrue(store.maxConcurrent.get() <= 3, "at most 3 at once, saw " + store.maxConcurrent.get());
    assertTrue(store.maxConcurrent.get() >= 2, "parallelism is used, saw " + store.maxConcurrent.get());
  }

  @Test
  void anyFailedListingFailsTheWholeWalk() {
    FakeStore store = new FakeStore(true);
    store.folder("");
    for (int i = 0; i < 10; i++) store.folder("f" + i);
    store.failing.put("f7", new DavException(DavError.SERVER_ERROR, 503, "PROPFIND 'f7': 503"));

    ExecutionException e = assertThrows(ExecutionException.class,
        () -> TreeWalker.walk(store).toCompletableFuture().get(10, TimeUnit.SECONDS));
    DavException cause = assertInstanceOf(DavException.class, e.getCause());
    assertEquals(DavError.SERVER_ERROR, cause.error());
  }

  @Test
  void aStoreNamingMoreThanDirectChildrenFailsTheWalk() {
    FakeStore store = new FakeStore(false);
    store.folder("");
    store.folder("a");
    store.childrenByParent.get("").add(new DavEntry("", true, "loop", -1, null, null, null, null));

    ExecutionException e = assertThrows(ExecutionException.class,
        () -> TreeWalker.walk(store).toCompletableFuture().get(5, TimeUnit.SECONDS));
    assertEquals(DavError.MALFORMED_RESPONSE, assertInstanceOf(DavException.class, e.getCause()).error());
  }

  @Test
  void synchronousStoresDoNotOverflowTheStack() throws Exception {
    FakeStore store = new FakeStore(false);
    store.folder("");
    StringBuilder path = new StringBuilder();
    for (int i = 0; i < 3000; i++) {
      path.append(i == 0 ? "" : "/").append('d');
      store.folder(path.toString());
    }
    for (int i = 0; i < 3000; i++) store.folder("wide" + i);
    RemoteTree tree = TreeWalker.walk(store).toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertEquals(6000, tree.size());
  }

  /** Folders and files in a map; list() answers synchronously or after a short delay on another thread. */
  private static final class FakeStore implements RemoteStore {
    final Map<String, DavEntry> entries = new HashMap<>();
    final Map<String, List<DavEntry>> childrenByParent = new HashMap<>();
    final Map<String, DavException> failing = new HashMap<>();
    final List<String> listed = new ArrayList<>();
    final AtomicInteger concurrent = new AtomicInteger();
    final AtomicInteger maxConcurrent = new AtomicInteger();
    final boolean async;

    FakeStore(boolean async) {
      this.async = async;
    }

    void folder(String path) {
      add(new DavEntry(path, true, "e-" + path, -1, null, null, null, null));
    }

    void file(String path) {
      add(new DavEntry(path, false, "e-" + path, 1, null, null, null, null));
    }

    private void add(DavEntry entry) {
      entries.put(entry.path(), entry);
      if (!entry.path().isEmpty()) {
        childrenByParent.computeIfAbsent(RemotePaths.parent(entry.path()), p -> new ArrayList<>()).add(entry);
      }
    }

    @Override
    public CompletionStage<Listing> list(String folderPath) {
      synchronized (listed) {
        listed.add(folderPath);
      }
      DavEntry self = entries.get(folderPath);
      assertTrue(self != null && self.collection(), "only folders are listed: " + folderPath);
      List<DavEntry> children = childrenByParent.getOrDefault(folderPath, List.of());
      if (!async) {
        DavException failure = failing.get(folderPath);
        return failure != null ? CompletableFuture.failedFuture(failure)
            : CompletableFuture.completedFuture(new Listing(self, children));
      }
      int now = concurrent.incrementAndGet();
      maxConcurrent.accumulateAndGet(now, Math::max);
      CompletableFuture<Listing> answer = new CompletableFuture<>();
      SCHEDULER.schedule(() -> {
        concurrent.decrementAndGet();
        DavException failure = failing.get(folderPath);
        if (failure != null) answer.completeExceptionally(failure);
        else answer.complete(new Listing(self, children));
      }, 5, TimeUnit.MILLISECONDS);
      return answer;
    }

    @Override
    public CompletionStage<DavEntry> stat(String path) {
      throw new UnsupportedOperationException();
    }

    @Override
    public CompletionStage<DownloadResult> download(String path, Path target) {
      throw new UnsupportedOperationException();
    }

    @Override
    public CompletionStage<UploadResult> upload(String path, Path source, Optional<String> ifMatchEtag, boolean mustNotExist) {
      throw new UnsupportedOperationException();
    }

    @Override
    public CompletionStage<Void> mkcol(String path) {
      throw new UnsupportedOperationException();
    }

    @Override
    public CompletionStage<Void> mkdirs(String path) {
      throw new UnsupportedOperationException();
    }

    @Override
    public CompletionStage<Void> delete(String path, Optional<String> ifMatchEtag) {
      throw new UnsupportedOperationException();
    }

    @Override
    public CompletionStage<Void> move(String fromPath, String toPath, boolean overwrite) {
      throw new UnsupportedOperationException();
    }

    @Override
    public RemoteStore scoped(String subPath) {
      throw new UnsupportedOperationException();
    }
  }

  @Test
  void aHostileNameCostsItsEntryAndWhatIsBelowItNotTheWalk() {
    io.ncsync.protocol.testing.InMemoryRemoteStore store = new io.ncsync.protocol.testing.InMemoryRemoteStore();
    store.put("docs/fine.txt", "f");
    store.put("docs/bad\u0001name.txt", "x");
    store.put("docs/../inside.txt", "y"); // a folder named ".." with a file in it
    store.put("other.txt", "o");

    RemoteTree tree = TreeWalker.walk(store).toCompletableFuture().join();

    assertEquals(java.util.List.of("docs", "docs/fine.txt", "other.txt"), java.util.List.copyOf(tree.entries().keySet()));
    assertEquals(java.util.Set.of("docs/bad\\x01name.txt", "docs/.."), tree.excluded().keySet());
    assertTrue(tree.excluded().get("docs/..").contains("relative reference"), tree.excluded().toString());
    assertEquals(java.util.List.of("", "docs"), java.util.List.copyOf(store.listings().keySet()),
        "the folder named '..' is never listed");
  }
}
