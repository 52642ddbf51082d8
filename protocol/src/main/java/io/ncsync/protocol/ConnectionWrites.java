package io.ncsync.protocol;

/**
 * What one connection learned about writing to its server, shared by every store of the connection: whether PUT
 * answers carry the ETag (then nothing needs reading back), whether the server takes WebDAV locks, the owner name its
 * locks and staging files carry ({@link LockedUpload}, {@link StagedCreate}, {@link StaleLocks}), and which staged
 * creates are in flight in this process.
 */
final class ConnectionWrites {
  private final String owner;
  private final String stagingTag;
  private volatile boolean putAnswersWithEtag;
  private volatile boolean refusesLocks;
  private final java.util.concurrent.atomic.AtomicInteger expectContinueFailures = new java.util.concurrent.atomic.AtomicInteger();
  private final java.util.concurrent.atomic.AtomicBoolean ignoresMtime = new java.util.concurrent.atomic.AtomicBoolean();
  /** Staged creates of this connection in flight, by URL. */
  private final java.util.Set<String> staging = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** @param owner the name our locks carry: the same across restarts and nobody else's (plain text: no markup) */
  ConnectionWrites(String owner) {
    if (!owner.matches("[A-Za-z0-9 ._:/-]{1,200}")) {
      throw new IllegalArgumentException("a lock owner is letters, digits, spaces and ._:/- only, at most 200");
    }
    this.owner = owner;
    this.stagingTag = StagedCreate.tagOf(owner);
  }

  String owner() {
    return owner;
  }

  /** The hex digits that start every staging name of this owner, so a restart knows its leftovers. */
  String stagingTag() {
    return stagingTag;
  }

  boolean madeHere(String stagingName) {
    return stagingName.startsWith(StagedCreate.PREFIX + stagingTag);
  }

  boolean staging(String url) {
    return staging.contains(url);
  }

  void stagingStarted(String url) {
    staging.add(url);
  }

  void stagingEnded(String url) {
    staging.remove(url);
  }

  /** True until the server showed that its PUT answers carry the ETag (then nothing needs reading back). */
  boolean readsBackEtags() {
    return !putAnswersWithEtag;
  }

  /**
   * A Nextcloud server answered an upload that carried {@code X-OC-MTime} without {@code X-OC-MTime: accepted}: the
   * file keeps the server's time there (PROTOCOL.md §8, lesson 6). True the first time only, so it is said once.
   */
  boolean mtimeIgnoredFirstTime() {
    return ignoresMtime.compareAndSet(false, true);
  }

  /** True once the server was seen not to apply the modification times it is sent. */
  boolean ignoresMtime() {
    return ignoresMtime.get();
  }

  /** False once the server refused a LOCK as a method it does not know. */
  boolean takesLocks() {
    return !refusesLocks;
  }

  void putAnswered(boolean withEtag) {
    if (withEtag) putAnswersWithEtag = true;
  }

  void refusedLocks() {
    refusesLocks = true;
  }

  /**
   * False once two PUTs that asked {@code Expect: 100-continue} had to be sent again (their repeat goes without it): a
   * server or proxy in the way that neither continues nor answers would make every such PUT wait for its deadline, so
   * later PUTs send their body at once.
   */
  boolean honoursExpectContinue() {
    return expectContinueFailures.get() < 2;
  }

  void expectContinueFailed() {
    expectContinueFailures.incrementAndGet();
  }
}
