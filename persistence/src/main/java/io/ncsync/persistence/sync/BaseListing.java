package io.ncsync.persistence.sync;

import io.ncsync.protocol.DavEntry;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * The base standing in for the remote listing where a walk proved it unchanged, as a read-only view: a settled library
 * of 100,000 files does not copy its base into a listing on every run. The root ("") is not among the entries.
 */
public final class BaseListing extends AbstractMap<String, DavEntry> {
  private final Map<String, BaseEntry> base;

  private BaseListing(Map<String, BaseEntry> base) {
    this.base = base;
  }

  /** The whole base as the listing: what a run sees when the root's ETag says nothing changed. */
  public static BaseListing of(Map<String, BaseEntry> base) {
    return new BaseListing(base);
  }

  /** A base entry as the server listed it when it was agreed (no permissions, no checksum: not needed unchanged). */
  public static DavEntry asListed(BaseEntry known) {
    return new DavEntry(known.path(), known.folder(), known.etag(), known.folder() ? -1 : known.size(), null,
        known.fileId(), null, null);
  }

  /** True when this view shows exactly {@code other}: every listed entry is then that base's, ETag included. */
  public boolean shows(Map<String, BaseEntry> other) {
    return base == other;
  }

  @Override
  public DavEntry get(Object key) {
    if ("".equals(key)) return null;
    BaseEntry known = base.get(key);
    return known == null ? null : asListed(known);
  }

  @Override
  public boolean containsKey(Object key) {
    return !"".equals(key) && base.containsKey(key);
  }

  @Override
  public int size() {
    return base.size() - (base.containsKey("") ? 1 : 0);
  }

  @Override
  public Set<Entry<String, DavEntry>> entrySet() {
    return new AbstractSet<>() {
      @Override
      public Iterator<Entry<String, DavEntry>> iterator() {
        Iterator<BaseEntry> all = base.values().iterator();
        return new Iterator<>() {
          private BaseEntry next = advance();

          private BaseEntry advance() {
            while (all.hasNext()) {
              BaseEntry candidate = all.next();
              if (!candidate.path().isEmpty()) return candidate;
            }
            return null;
          }

          @Override
          public boolean hasNext() {
            return next != null;
          }

          @Override
          public Entry<String, DavEntry> next() {
            if (next == null) throw new NoSuchElementException();
            BaseEntry current = next;
            next = advance();
            return new SimpleImmutableEntry<>(current.path(), asListed(current));
          }
        };
      }

      @Override
      public int size() {
        return BaseListing.this.size();
      }
    };
  }
}
