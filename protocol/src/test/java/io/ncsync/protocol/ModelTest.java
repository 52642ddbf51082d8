package io.ncsync.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ncsync.protocol.ContentIdentity.Verdict;
import io.ncsync.protocol.nextcloud.Capabilities;
import io.ncsync.protocol.nextcloud.NextcloudFeatures;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The plain-Java parts: capabilities, content identity, permissions, checksums, chunk arithmetic. */
class ModelTest {

  @Test
  void capabilitiesBecomeTypedFlags() throws Exception {
    String json = """
        {"version":{"major":30,"minor":0,"micro":1,"string":"30.0.1","edition":""},
         "capabilities":{"core":{"pollinterval":60},"bruteforce":{"delay":200},
           "dav":{"chunking":"1.0","bulkupload":"1.0"},
           "files":{"bigfilechunking":true,"undelete":true,"versioning":true,"version_labeling":true,
             "locking":"1.0","forbidden_filenames":[".htaccess"],"forbidden_filename_characters":["\\\\",":"],
             "forbidden_filename_extensions":[".part"],"forbidden_filename_basenames":["con"],
             "chunked_upload":{"max_size":104857600,"max_parallel_count":3}},
           "checksums":{"supportedTypes":["sha1","MD5"],"preferredUploadType":"sha1"},
           "notify_push":{"endpoints":{"websocket":"wss://host/push/ws"}},
           "activity":{"apiv2":["filters"]}}}
        """;
    Capabilities caps = Capabilities.parse(new ObjectMapper().readTree(json));
    assertTrue(caps.chunkingV2());
    assertTrue(caps.bulkUpload());
    assertTrue(caps.trashbin() && caps.versioning() && caps.versionLabeling() && caps.activity() && caps.filesLocking());
    assertFalse(caps.versionDeletion());
    assertEquals(List.of("SHA1", "MD5"), caps.checksumTypes());
    assertEquals("SHA1", caps.preferredChecksumType());
    assertEquals(104857600, caps.maxChunkSize());
    assertEquals(3, caps.maxParallelChunks());
    assertEquals(200, caps.bruteforceDelayMs());
    assertEquals("wss://host/push/ws", caps.notifyPushWebsocket());
    assertTrue(caps.version().atLeast(30, 0));
    assertTrue(caps.nameProblem("a:b.txt").contains(":"));
    assertTrue(caps.nameProblem("CON.txt").contains("con"));
    assertTrue(caps.nameProblem("x.PART") != null);
    assertNull(caps.nameProblem("fine.txt"));

    NextcloudFeatures features = NextcloudFeatures.from(caps, URI.create("https://cloud.example.com/nc"), "bob smith");
    assertEquals(URI.create("https://cloud.example.com/nc/remote.php/dav/uploads/bob%20smith/"), features.uploadsRoot());
    assertEquals(URI.create("https://cloud.example.com/nc/remote.php/dav/files/bob%20smith/"), features.filesRoot());
    assertEquals(3, features.maxParallelChunks());

    String noChunking = """
        {"capabilities":{"dav":{"chunking":"1.0"},"files":{"bigfilechunking":false}}}
        """;
    Capabilities off = Capabilities.parse(new ObjectMapper().readTree(noChunking));
    assertFalse(off.chunkingV2(), "bigfilechunking: false wins");
    assertFalse(off.bulkUpload());
    assertFalse(off.activity());
  }

  @Test
  void anEtagOnlyDifferenceWithEqualContentIsMetadata() {
    DavEntry withChecksum = file(10, "SHA1:abc");
    assertEquals(Verdict.SAME, ContentIdentity.compare(withChecksum, 10, "sha1:ABC"));
    assertEquals(Verdict.DIFFERENT, ContentIdentity.compare(withChecksum, 10, "SHA1:def"));
    assertEquals(Verdict.DIFFERENT, ContentIdentity.compare(withChecksum, 11, "SHA1:abc"));
    assertEquals(Verdict.SAME_SIZE_ONLY, ContentIdentity.compare(withChecksum, 10, "MD5:abc"), "types differ: size only");
    assertEquals(Verdict.SAME_SIZE_ONLY, ContentIdentity.compare(file(10, null), 10, "SHA1:abc"));
    assertTrue(ContentIdentity.sameContent(file(10, null), 10, null));
    assertFalse(ContentIdentity.sameContent(new DavEntry("d", true, "e", 10, null, null, null, null), 10, null));
  }

  @Test
  void permissionsGuardWhatMayBeDone() {
    DavEntry readOnlyFolder = new DavEntry("ro", true, "e", -1, null, "1", "SRGDNV", null);
    assertFalse(Permissions.canAddFile(readOnlyFolder));
    assertFalse(Permissions.canAddFolder(readOnlyFolder));
    assertTrue(Permissions.canDelete(readOnlyFolder));
    assertTrue(Permissions.of(readOnlyFolder).shared());
    DavEntry writable = new DavEntry("rw", true, "e", -1, null, "1", "RGDNVCK", null);
    assertTrue(Permissions.canAddFile(writable) && Permissions.canAddFolder(writable));
    DavEntry plainWebdav = new DavEntry("p", true, "e", -1, null, null, null, null);
    assertTrue(Permissions.canAddFile(plainWebdav), "no permissions published: the server decides");
    assertFalse(Permissions.of(plainWebdav).known());
    assertTrue(Permissions.of(new DavEntry("m", true, "e", -1, null, "1", "MGDNVCK", null)).mounted());
  }

  @Test
  void checksumsInNextcloudNotation() {
    Checksums.Digest sha1 = Checksums.digest("SHA1");
    sha1.update(akka.util.ByteString.fromString("abc"));
    assertEquals("SHA1:a9993e364706816aba3e25717850c26c9cd0d89d", sha1.result());
    Checksums.Digest adler = Checksums.digest("adler32");
    adler.update(akka.util.ByteString.fromString("abc"));
    assertEquals("ADLER32:024d0127", adler.result());
    assertEquals("MD5:x", Checksums.firstSupported("CRC32:1 MD5:x SHA1:y"));
    assertNull(Checksums.firstSupported("CRC32:1"));
    assertTrue(Checksums.comparable("sha1:a", "SHA1:b"));
    assertThrows(IllegalArgumentException.class, () -> Checksums.digest("CRC64"));
  }

  @Test
  void aDigestFedInPiecesEqualsOneFedWhole() {
    byte[] data = new byte[(1 << 20) + 7];
    new java.util.Random(5).nextBytes(data);
    java.util.zip.Adler32 reference = new java.util.zip.Adler32();
    reference.update(data);
    for (String type : List.of("SHA1", "MD5", "SHA256", "SHA512", "ADLER32")) {
      Checksums.Digest pieces = Checksums.digest(type);
      pieces.update(akka.util.ByteString.fromArray(data, 0, 1000));
      pieces.update(akka.util.ByteString.fromArray(data, 1000, data.length - 1000));
      Checksums.Digest other = Checksums.digest(type);
      other.update(akka.util.ByteString.fromArray(data, 0, 1000));
      other.update(akka.util.ByteString.fromString("something else"));
      Checksums.Digest whole = Checksums.digest(type);
      whole.update(akka.util.ByteString.fromArray(data));
      String expected = whole.result();
      assertEquals(expected, pieces.result(), type);
      assertNotEquals(expected, other.result(), type);
    }
    Checksums.Digest adler = Checksums.digest("ADLER32");
    adler.update(akka.util.ByteString.fromArray(data));
    assertEquals(String.format("ADLER32:%08x", reference.getValue()), adler.result(), "the same Adler-32 as zlib's");
  }

  @Test
  void chunksAreSizedForTheirTargetDuration() {
    TransferSettings t = TransferSettings.defaults(); // first chunk 10 MiB, 60 s a chunk, at most 1 GiB
    assertEquals(10L << 20, t.nextChunkSize(10L << 20, Duration.ofSeconds(60), 1L << 30, 1, 0), "on target: unchanged");
    assertEquals(15L << 19, t.nextChunkSize(10L << 20, Duration.ofSeconds(120), 1L << 30, 1, 0),
        "twice as slow: halfway to half the size");
    assertEquals(1L << 30, t.nextChunkSize(10L << 20, Duration.ofMillis(20), 600L << 20, 1, 0), "fast: up to the largest");
    assertEquals(100L << 20, t.nextChunkSize(10L << 20, Duration.ofMillis(20), 600L << 20, 1, 100L << 20),
        "the server's maximum wins");
    assertEquals(5L << 20, t.nextChunkSize(6L << 20, Duration.ofHours(1), 1L << 30, 1, 0), "never below the minimum");
    long remaining = 60L << 30;
    long size = t.nextChunkSize(10L << 20, Duration.ofHours(1), remaining, 9_990, 0);
    assertTrue(size * 10 >= remaining, "the rest fits in the 10 chunks left of 10,000: " + size);
    TransferSettings fixed = t.withChunkSizing(Duration.ZERO, 1L << 30);
    assertEquals(10L << 20, fixed.nextChunkSize(10L << 20, Duration.ofMillis(20), 600L << 20, 1, 0), "a zero target fixes the size");
  }

  @Test
  void uploadSessionsRecordTheChunksTheySent() {
    UploadSession session = UploadSession.started("ncsync-2", "https://h/f", 100, 1, 10, Instant.EPOCH)
        .withChunkDone(10).withChunkDone(60);
    assertEquals(2, session.chunksDone());
    assertEquals(2, session.knownChunks(), "later chunks get their size when they are sent");
    assertEquals(60, session.chunkLength(2));
    assertEquals(70, session.bytesDone());
    UploadSession sending = session.withChunkAdded(20).withChunkAdded(10);
    assertEquals(4, sending.knownChunks(), "chunks in flight are recorded before their PUTs");
    assertEquals(70, sending.bytesDone());
    assertEquals(100, sending.withChunksDone(4).bytesDone());
    assertEquals(2, sending.withChunksDone(2).chunksDone(), "chunk 4 landing before 3 does not extend the run");
    assertThrows(IllegalStateException.class, () -> sending.withChunkDone(5), "not while chunks are in flight");
    assertThrows(IllegalArgumentException.class, () -> sending.withChunksDone(5));
    assertEquals(List.of(10L, 60L, 20L), sending.keepingChunks(3).chunkLengths(), "a shrunk resend drops the chunks after it");
    UploadSession kept = session.keepingChunks(1);
    assertEquals(List.of(10L), kept.chunkLengths());
    assertEquals(10, kept.bytesDone());
    assertThrows(IllegalArgumentException.class, () -> session.chunkLength(3));
    assertThrows(IllegalArgumentException.class,
        () -> new UploadSession("ncsync-2", "https://h/f", 100, 1, 10, 2, Instant.EPOCH, List.of(10L)));
    assertThrows(IllegalStateException.class, () -> new UploadSession("ncsync-1", "https://h/f", 25, 1, 10, 2, Instant.EPOCH)
        .withChunkAdded(5), "an old fixed-size session knows all its chunks already");

    UploadSession old = new UploadSession("ncsync-1", "https://h/f", 25, 1, 10, 2, Instant.EPOCH); // saved before lengths
    assertEquals(20, old.bytesDone());
    assertEquals(List.of(10L, 10L, 5L), old.keepingChunks(3).chunkLengths());
  }

  @Test
  void chunkArithmetic() {
    TransferSettings t = TransferSettings.defaults();
    assertEquals(10L << 20, t.chunkSizeFor(1L << 30, 0));
    assertEquals(5L << 20, t.chunkSizeFor(1L << 30, 5L << 20), "the server's maximum wins");
    long huge = 200L << 30;
    long size = t.chunkSizeFor(huge, 0);
    assertTrue((huge + size - 1) / size <= TransferSettings.MAX_CHUNKS, "never more than 10,000 chunks");
    assertEquals(Duration.ofMinutes(3).plusSeconds(180), t.assemblyTimeout(1L << 30));
    assertEquals(Duration.ofMinutes(30), t.assemblyTimeout(100L << 30));

    UploadSession session = new UploadSession("ncsync-1", "https://h/f", 25, 1, 10, 0, Instant.EPOCH);
    assertEquals(3, session.knownChunks(), "a session saved with a fixed chunk size knows all its chunks");
    assertEquals(5, session.chunkLength(3));
    assertTrue(session.matches("https://h/f", 25, 1));
    assertFalse(session.matches("https://h/f", 25, 2));
    assertThrows(DavException.class, () -> new UploadSession("../x", "d", 1, 1, 1, 0, Instant.EPOCH));
  }

  private static DavEntry file(long size, String checksum) {
    return new DavEntry("f", false, "etag", size, null, "1", "RGDNVW", checksum);
  }
}
