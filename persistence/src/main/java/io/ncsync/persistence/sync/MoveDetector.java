package io.ncsync.persistence.sync;

import io.ncsync.persistence.sync.SyncAction.MoveLocal;
import io.ncsync.persistence.sync.SyncAction.MoveRemote;
import io.ncsync.persistence.sync.SyncAction.MoveStep;
import io.ncsync.persistence.sync.SyncAction.RecordMove;
import io.ncsync.persistence.sync.SyncAction.SeparateTypes;
import io.ncsync.protocol.DavEntry;
import io.ncsync.protocol.Permissions;
import io.ncsync.protocol.RemotePaths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BiFunction;

/**
 * Finds what moved since the base, on either side, so a run carries a move out as one operation instead of a deletion
 * plus a transfer, and sets apart a file and a folder that took the same name. Plain Java, no I/O; runs before the
 * per-path plan, which then works on the world as it will be once the steps are done.
 *
 * <p>A base entry moved remotely when its {@code oc:fileid} is listed at a path the base does not know and nothing is
 * listed at its own path. It moved locally when the workspace holds its file identity (device and inode) at a new path
 * and nothing at its own, with the same size and mtime for a file (an identity alone may be a reused inode); where the
 * file system has no identities, a vanished base file whose size and SHA-256 match exactly one new file (the scan hashed
 * those candidates, {@link #filesToHash}). A folder's move carries its subtree: the entries below it are moves only
 * where they went elsewhere than their folder.
 *
 * <p>Both sides moved it to the same place: only the base follows. To different places: the server's move is kept in
 * a two-way library (other people see that one), the local one in a one-way library that uploads, and a
 * {@link ConflictType#BOTH_MOVED} conflict says so. A move whose destination is taken on the side it would be carried
 * to is not made (the subtree is then planned path by path: nothing is lost, it is only transferred).
 *
 * <p>Steps run one at a time in the returned order, chosen so that none lands on a path still taken: an inverted
 * hierarchy ({@code a/b → b}, {@code a → b/a}) moves the inner folder out first; a cycle goes through a temporary name.
 */
public final class MoveDetector {
  private MoveDetector() {}

  /** The move steps in execution order, and the base and both sides as they will be once the steps are done. */
  public record Moves(List<MoveStep> steps, Map<String, BaseEntry> base, Discovery discovery) {}

  private enum Side { LOCAL, REMOTE, NONE }

  public static Moves detect(Map<String, BaseEntry> base, Discovery discovery, SyncMode mode) {
    return detect(base, discovery, mode, mode == SyncMode.BIDIRECTIONAL, java.util.Set.of());
  }

  /**
   * @param keepBoth   a file and a folder of one name are set apart (the file to a conflict-copy name)
   * @param conflicted paths with a conflict on record: never set apart here (the conflict decides)
   */
  public static Moves detect(Map<String, BaseEntry> base, Discovery discovery, SyncMode mode, boolean keepBoth,
      java.util.Set<String> conflicted) {
    if (!anyVanished(base, discovery) && !(keepBoth && anyTypeMismatch(discovery))) {
      return new Moves(List.of(), base, discovery);
    }
    World world = new World(base, discovery);
    List<Pending> pending = new Finder(base, discovery, mode).find();
    List<MoveStep> steps = new ArrayList<>(new Scheduler(world, pending).schedule());
    if (keepBoth) steps.addAll(world.separateTypes(discovery, conflicted));
    if (steps.isEmpty()) return new Moves(List.of(), base, discovery);
    Discovery after = new Discovery(world.local, world.remote, discovery.skipped(), discovery.remoteRoot(), discovery.feed(),
        discovery.excluded());
    return new Moves(List.copyOf(steps), world.base, after);
  }

  /**
   * New files the scan should hash because it has no file identities to tell a moved file by: files at paths the base
   * does not know, without a file key, of the size of a base file that vanished from the workspace.
   */
  public static Set<String> filesToHash(Map<String, BaseEntry> base, Map<String, LocalEntry> scanned) {
    Set<Long> vanishedSizes = new HashSet<>();
    for (BaseEntry b : base.values()) {
      if (!b.folder() && b.sha256() != null && !b.path().isEmpty() && !scanned.containsKey(b.path())) vanishedSizes.add(b.size());
    }
    Set<String> paths = new TreeSet<>();
    if (vanishedSizes.isEmpty()) return paths;
    for (LocalEntry l : scanned.values()) {
      if (!l.folder() && l.fileKey() == null && l.sha256() == null && !base.containsKey(l.path()) && vanishedSizes.contains(l.size())) {
        paths.add(l.path());
      }
    }
    return paths;
  }

  private static boolean anyVanished(Map<String, BaseEntry> base, Discovery discovery) {
    for (BaseEntry b : base.values()) {
      String path = b.path();
      if (path.isEmpty()) continue;
      DavEntry remote = discovery.remote().get(path);
      LocalEntry local = discovery.local().get(path);
      if (local == null || remote == null) return true;
      // Another file (another identity) at the name: the base's own may have moved away.
      if (b.localKey() != null && local.fileKey() != null && !b.localKey().equals(local.fileKey())) return true;
      // Another file (another fileid) at the name: the base's own may have moved away.
      if (b.fileId() != null && remote.fileId() != null && !b.fileId().equals(remote.fileId())) return true;
    }
    return false;
  }

  private static boolean anyTypeMismatch(Discovery discovery) {
    for (LocalEntry l : discovery.local().values()) {
      DavEntry r = discovery.remote().get(l.path());
      if (r != null && r.collection() != l.folder()) return true;
    }
    return false;
  }

  static boolean isAtOrBelow(String path, String folder) {
    return path.equals(folder) || path.startsWith(folder + "/");
  }

  /** {@code path} with its prefix {@code from} replaced by {@code to}; unchanged when it is not below {@code from}. */
  static String rebased(String path, String from, String to) {
    return isAtOrBelow(path, from) ? to + path.substring(from.length()) : path;
  }

  /** One identity to move: where it is now on its side and in the base, and where it ends. */
  private static final class Pending {
    final Side side;
    String current;
    String baseCurrent;
    final String target;
    final boolean bothMoved;

    Pending(Side side, String current, String baseCurrent, String target, boolean bothMoved) {
      this.side = side;
      this.current = current;
      this.baseCurrent = baseCurrent;
      this.target = target;
      this.bothMoved = bothMoved;
    }
  }

  /** Decides, shallow first, which base entries moved where, and which side carries each move out. */
  private static final class Finder {
    private final Map<String, BaseEntry> base;
    private final Discovery discovery;
    private final SyncMode mode;
    private final Map<String, LocalEntry> newLocalByKey = new HashMap<>();
    private final Map<String, List<LocalEntry>> newLocalByContent = new HashMap<>();
    private final Map<String, Integer> vanishedByContent = new HashMap<>();
    private final Map<String, DavEntry> newRemoteById = new HashMap<>();
    private final Set<String> claimedLocal = new HashSet<>();
    private final Set<String> claimedRemote = new HashSet<>();
    /** Both sides with the moves decided so far applied: where a destination would be taken. */
    private final TreeMap<String, Boolean> localNow;
    private final TreeMap<String, Boolean> remoteNow;
    private final List<String[]> localMoves = new ArrayList<>();
    private final List<String[]> remoteMoves = new ArrayList<>();
    private final List<String[]> baseMoves = new ArrayList<>();
    private final List<String> blocked = new ArrayList<>();

    Finder(Map<String, BaseEntry> base, Discovery discovery, SyncMode mode) {
      this.base = base;
      this.discovery = discovery;
      this.mode = mode;
      localNow = presence(discovery.local().keySet());
      remoteNow = presence(discovery.remote().keySet());
      for (LocalEntry l : discovery.local().values()) {
        if (base.containsKey(l.path()) || skipped(l.path())) continue;
        if (l.fileKey() != null) newLocalByKey.put(l.fileKey(), l);
        else if (!l.folder() && l.sha256() != null) newLocalByContent.computeIfAbsent(content(l.sha256(), l.size()), k -> new ArrayList<>()).add(l);
      }
      for (BaseEntry b : base.values()) {
        if (!b.folder() && b.sha256() != null && !b.path().isEmpty() && !discovery.local().containsKey(b.path())) {
          vanishedByContent.merge(content(b.sha256(), b.size()), 1, Integer::sum);
        }
      }
      for (DavEntry r : discovery.remote().values()) {
        if (r.fileId() != null && !base.containsKey(r.path()) && !skipped(r.path())) newRemoteById.put(r.fileId(), r);
      }
    }

    private static TreeMap<String, Boolean> presence(Set<String> paths) {
      TreeMap<String, Boolean> map = new TreeMap<>();
      for (String path : paths) map.put(path, Boolean.TRUE);
      return map;
    }

    private static String content(String sha256, long size) {
      return size + ":" + sha256;
    }

    List<Pending> find() {
      List<BaseEntry> entries = new ArrayList<>(base.values());
      entries.removeIf(b -> b.path().isEmpty() || skipped(b.path()));
      entries.sort(Comparator.<BaseEntry>comparingInt(b -> RemotePaths.depth(b.path())).thenComparing(BaseEntry::path));
      List<Pending> pending = new ArrayList<>();
      for (BaseEntry b : entries) {
        if (blocked.stream().anyMatch(p -> isAtOrBelow(b.path(), p))) continue;
        String seenLocally = whereLocal(b);
        String seenRemotely = whereRemote(b);
        if (seenLocally == null || seenRemotely == null) continue; // deleted on a side: planned as a deletion
        String local = apply(localMoves, seenLocally);
        String remote = apply(remoteMoves, seenRemotely);
        String inBase = apply(baseMoves, b.path());
        if (local.equals(remote)) {
          if (!local.equals(inBase)) {
            pending.add(new Pending(Side.NONE, b.path(), b.path(), local, false));
            baseMoves.add(new String[] {inBase, local});
          }
          continue;
        }
        boolean bothMoved = !local.equals(inBase) && !remote.equals(inBase);
        Side side = remote.equals(inBase) || bothMoved && !mode.downloads() ? Side.REMOTE : Side.LOCAL;
        String from = side == Side.REMOTE ? remote : local;
        String to = side == Side.REMOTE ? local : remote;
        TreeMap<String, Boolean> now = side == Side.REMOTE ? remoteNow : localNow;
        boolean allowed = side == Side.REMOTE ? mode.uploads() : mode.downloads();
        if (!allowed || now.containsKey(to) || isAtOrBelow(to, from)
            || side == Side.REMOTE && forbidden(discovery.remote().get(seenRemotely), from, to)) {
          blocked.add(b.path());
          continue;
        }
        // The scheduler tracks each identity from where it is now, whatever order the moves end up in.
        pending.add(new Pending(side, side == Side.REMOTE ? seenRemotely : seenLocally, b.path(), to, bothMoved));
        (side == Side.REMOTE ? remoteMoves : localMoves).add(new String[] {from, to});
        baseMoves.add(new String[] {inBase, to});
        move(now, from, to);
      }
      return pending;
    }

    /**
     * The server's oc:permissions forbid this rename (N) or move (V): then it is no move, and the per-path plan refuses
     * what it cannot do instead of a MOVE failing on every run.
     */
    private static boolean forbidden(DavEntry entry, String from, String to) {
      if (entry == null || !Permissions.of(entry).known()) return false;
      boolean rename = RemotePaths.parent(from).equals(RemotePaths.parent(to));
      return rename ? !Permissions.of(entry).canRename() : !Permissions.of(entry).canMove();
    }

    /** Where the base entry is in the workspace now, or null when it is gone (or another type took its place). */
    private String whereLocal(BaseEntry b) {
      LocalEntry here = discovery.local().get(b.path());
      boolean replaced = here != null && b.localKey() != null && here.fileKey() != null && !b.localKey().equals(here.fileKey());
      if (here != null && replaced) {
        // Another file at the name: the base's own file may have been renamed away (and a new one made in its place).
        LocalEntry moved = newLocalByKey.get(b.localKey());
        boolean same = moved != null && moved.folder() == b.folder()
            && (b.folder() || moved.matchesStat(b) || moved.sha256() != null && moved.sha256().equals(b.sha256()));
        if (same && claimedLocal.add(moved.path())) return moved.path();
      }
      if (here != null) return here.folder() == b.folder() ? b.path() : null;
      if (b.localKey() != null) {
        LocalEntry moved = newLocalByKey.get(b.localKey());
        boolean same = moved != null && moved.folder() == b.folder()
            && (b.folder() || moved.matchesStat(b) || moved.sha256() != null && moved.sha256().equals(b.sha256()));
        return same && claimedLocal.add(moved.path()) ? moved.path() : null;
      }
      if (b.folder() || b.sha256() == null) return null;
      String content = content(b.sha256(), b.size());
      List<LocalEntry> candidates = newLocalByContent.getOrDefault(content, List.of());
      if (candidates.size() != 1 || vanishedByContent.getOrDefault(content, 0) != 1) return null; // ambiguous: no move
      return claimedLocal.add(candidates.get(0).path()) ? candidates.get(0).path() : null;
    }

    /** Where the base entry is on the server now, or null when it is gone there. */
    private String whereRemote(BaseEntry b) {
      DavEntry here = discovery.remote().get(b.path());
      boolean replaced = here != null && b.fileId() != null && here.fileId() != null && !b.fileId().equals(here.fileId());
      if (here != null && !replaced) return here.collection() == b.folder() ? b.path() : null;
      if (replaced) {
        // Another file took the name: the base's own file moved away (renamed, then a new one made at its old name).
        DavEntry moved = newRemoteById.get(b.fileId());
        if (moved != null && moved.collection() == b.folder() && claimedRemote.add(moved.path())) return moved.path();
        return here.collection() == b.folder() ? b.path() : null;
      }
      if (b.fileId() == null) return null;
      DavEntry moved = newRemoteById.get(b.fileId());
      return moved != null && moved.collection() == b.folder() && claimedRemote.add(moved.path()) ? moved.path() : null;
    }

    private boolean skipped(String path) {
      return discovery.isLeftAlone(path);
    }

    private static String apply(List<String[]> moves, String path) {
      for (String[] move : moves) path = rebased(path, move[0], move[1]);
      return path;
    }

    private static void move(TreeMap<String, Boolean> tree, String from, String to) {
      World.rekey(tree, from, to, (present, path) -> present);
    }
  }

  /** The base and both sides, changed step by step as the moves will change them. */
  private static final class World {
    final TreeMap<String, BaseEntry> base;
    final TreeMap<String, LocalEntry> local;
    final TreeMap<String, DavEntry> remote;
    /** Folders a step's destination needs, made on the way (MKCOL, or the rename's missing folders). */
    final Set<String> madeLocally = new HashSet<>();
    final Set<String> madeRemotely = new HashSet<>();

    World(Map<String, BaseEntry> base, Discovery discovery) {
      this.base = new TreeMap<>(base);
      this.local = new TreeMap<>(discovery.local());
      this.remote = new TreeMap<>(discovery.remote());
    }

    boolean taken(Side side, String path) {
      if (path.isEmpty()) return true;
      return side == Side.LOCAL ? local.containsKey(path) || madeLocally.contains(path) : remote.containsKey(path) || madeRemotely.contains(path);
    }

    void apply(Side side, String from, String baseFrom, String to) {
      if (side == Side.LOCAL) {
        rekey(local, from, to, LocalEntry::at);
        parentsMade(madeLocally, to);
      } else if (side == Side.REMOTE) {
        rekey(remote, from, to, World::davAt);
        parentsMade(madeRemotely, to);
      }
      rekey(base, baseFrom, to, BaseEntry::at);
    }

    private static void parentsMade(Set<String> made, String path) {
      for (String p = RemotePaths.parent(path); !p.isEmpty(); p = RemotePaths.parent(p)) made.add(p);
    }

    static <V> void rekey(TreeMap<String, V> map, String from, String to, BiFunction<V, String, V> at) {
      Map<String, V> below = new TreeMap<>(map.subMap(from, true, from + "/\uffff", true));
      below.keySet().removeIf(p -> !isAtOrBelow(p, from));
      for (String p : below.keySet()) map.remove(p);
      below.forEach((p, v) -> {
        String moved = rebased(p, from, to);
        map.put(moved, at.apply(v, moved));
      });
    }

    private static DavEntry davAt(DavEntry e, String path) {
      return new DavEntry(path, e.collection(), e.etag(), e.size(), e.lastModified(), e.fileId(), e.permissions(), e.checksum());
    }

    /**
     * A file on one side and a folder on the other, once the moves are done: the file steps aside, so the plan sees
     * only the folder at the path and no base below it (the file side has nothing there: nothing is deleted, the
     * folder's contents are copied over).
     */
    List<MoveStep> separateTypes(Discovery discovery, java.util.Set<String> conflicted) {
      List<MoveStep> steps = new ArrayList<>();
      for (LocalEntry l : List.copyOf(local.values())) {
        DavEntry r = remote.get(l.path());
        if (r == null || r.collection() == l.folder() || discovery.isLeftAlone(l.path())
            || conflicted.contains(l.path())) continue;
        steps.add(new SeparateTypes(l.path(), l, r, base.get(l.path())));
        if (l.folder()) remote.remove(l.path());
        else local.remove(l.path());
        base.subMap(l.path(), true, l.path() + "/\uffff", true).keySet().removeIf(p -> isAtOrBelow(p, l.path()));
      }
      return steps;
    }

  }

  /**
   * Orders the moves so that each lands on a free path: a move waits while its destination's folder is still to come
   * from another move (the inverted hierarchy); when every move waits on another, one goes to a temporary name first.
   */
  private static final class Scheduler {
    private final World world;
    private final List<Pending> pending;
    private final List<MoveStep> steps = new ArrayList<>();

    Scheduler(World world, List<Pending> pending) {
      this.world = world;
      this.pending = new ArrayList<>(pending);
    }

    List<MoveStep> schedule() {
      int rounds = 4 * pending.size() + 4;
      while (!pending.isEmpty()) {
        Pending next = pending.stream().filter(this::feasible).findFirst().orElse(null);
        if (next != null) {
          pending.remove(next);
          carryOut(next, next.target);
        } else if (rounds-- > 0) {
          Pending first = pending.get(0);
          carryOut(first, temporaryName(first));
        } else {
          for (Pending p : List.copyOf(pending)) { // cannot happen for trees; the guards at execution refuse safely
            pending.remove(p);
            carryOut(p, p.target);
          }
        }
      }
      return steps;
    }

    private boolean feasible(Pending p) {
      if (p.side == Side.NONE) return true;
      if (world.taken(p.side, p.target) || isAtOrBelow(p.target, p.current)) return false;
      String parent = RemotePaths.parent(p.target);
      if (parent.isEmpty() || world.taken(p.side, parent)) return true;
      for (Pending other : pending) {
        if (other != p && other.side == p.side && isAtOrBelow(parent, other.target)) return false; // its folder is to come
      }
      return true;
    }

    private void carryOut(Pending p, String to) {
      String from = p.current;
      String baseFrom = p.baseCurrent;
      if (p.side == Side.NONE) steps.add(new RecordMove(baseFrom, to));
      else if (from.equals(to)) {
        if (!baseFrom.equals(to)) steps.add(new RecordMove(baseFrom, to));
      } else if (p.side == Side.REMOTE) steps.add(new MoveRemote(from, to, baseFrom, p.bothMoved));
      else steps.add(new MoveLocal(from, to, baseFrom, p.bothMoved));
      world.apply(p.side, from, baseFrom, to);
      for (Pending other : pending) {
        if (other.side == p.side && p.side != Side.NONE) other.current = rebased(other.current, from, to);
        if (other.side == Side.NONE) other.current = rebased(other.current, baseFrom, to);
        other.baseCurrent = rebased(other.baseCurrent, baseFrom, to);
      }
      p.current = to;
      p.baseCurrent = to;
    }

    private String temporaryName(Pending p) {
      for (int n = 1; ; n++) {
        String candidate = p.current + ".ncsync-moving-" + n;
        if (!world.taken(p.side, candidate)) return candidate;
      }
    }
  }
}
