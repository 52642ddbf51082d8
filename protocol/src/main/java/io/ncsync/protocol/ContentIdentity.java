package io.ncsync.protocol;

/**
 * Whether a remote file still holds known content although its ETag changed. Real Nextcloud-compatible servers list
 * another ETag than the one they answered to a PUT, and metadata changes (a touch, a share) give new ETags too: an
 * ETag-only difference with equal size and equal checksum is a metadata update, never a download or a conflict.
 */
public final class ContentIdentity {
  private ContentIdentity() {}

  /** How sure a comparison is. */
  public enum Verdict {
    /** Same size and the same checksum of the same type: the content is identical. */
    SAME,
    /** Same size and no comparable checksum on one side: very likely the same when the ETag is the only other signal. */
    SAME_SIZE_ONLY,
    /** Size or checksum differ (or the remote is a folder): the content changed. */
    DIFFERENT
  }

  /**
   * Compares a remote entry with the base the journal holds.
   *
   * @param remote       what the listing shows now
   * @param baseSize     size of the content last synced
   * @param baseChecksum checksum of that content ("TYPE:hex") when known, else null
   */
  public static Verdict compare(DavEntry remote, long baseSize, String baseChecksum) {
    if (remote.collection() || remote.size() != baseSize) return Verdict.DIFFERENT;
    String remoteChecksum = remote.checksum();
    if (remoteChecksum != null && baseChecksum != null && Checksums.comparable(remoteChecksum, baseChecksum)) {
      return Checksums.equal(remoteChecksum, baseChecksum) ? Verdict.SAME : Verdict.DIFFERENT;
    }
    return Verdict.SAME_SIZE_ONLY;
  }

  /**
   * True for an ETag-only difference: same size, and the same checksum whenever both sides have one of the same type.
   * Use it where the ETag change is expected to be cosmetic (right after our own upload, or a server known to rewrite
   * ETags); elsewhere prefer {@link #compare} and treat {@link Verdict#SAME_SIZE_ONLY} as the caller's policy decides.
   */
  public static boolean sameContent(DavEntry remote, long baseSize, String baseChecksum) {
    return compare(remote, baseSize, baseChecksum) != Verdict.DIFFERENT;
  }

  /** True when {@code entry} is a file of {@code size} bytes whose listed checksum, if comparable, equals {@code checksum}. */
  static boolean holds(DavEntry entry, long size, String checksum) {
    return entry != null && sameContent(entry, size, checksum);
  }
}
