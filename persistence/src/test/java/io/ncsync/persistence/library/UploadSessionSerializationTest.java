package io.ncsync.persistence.library;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.serialization.Serialization;
import akka.serialization.SerializationExtension;
import akka.serialization.jackson.JacksonObjectMapperProvider;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ncsync.protocol.UploadSession;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Upload sessions live in the journal ({@link Library.UploadSessionSaved}): the chunk lengths they now record survive a
 * round trip, and sessions journaled before chunks were sized as they go still read, as fixed-size sessions.
 */
class UploadSessionSerializationTest {
  private static final ActorTestKit testKit = ActorTestKit.create();

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @Test
  void chunkLengthsSurviveTheJournal() throws Exception {
    UploadSession session = UploadSession.started("ncsync-7", "http://x/a.bin", 100, 1, 10, Instant.ofEpochSecond(5))
        .withChunkDone(10).withChunkDone(70);
    Library.UploadSessionSaved event = new Library.UploadSessionSaved("a.bin", session);
    Serialization serialization = SerializationExtension.get(testKit.system());

    byte[] bytes = serialization.serialize(event).get();
    Object back = serialization.deserialize(bytes, serialization.findSerializerFor(event).identifier(),
        Library.UploadSessionSaved.class.getName()).get();

    assertEquals(event, back);
  }

  @Test
  void aSessionJournaledBeforeChunkLengthsReadsAsFixedSize() throws Exception {
    ObjectMapper cbor = JacksonObjectMapperProvider.get(testKit.system()).getOrCreate("jackson-cbor", Optional.empty());
    UploadSession current = new UploadSession("ncsync-8", "http://x/b.bin", 25, 1, 10, 2, Instant.ofEpochSecond(5),
        List.of(10L, 10L));
    ObjectNode old = cbor.valueToTree(new Library.UploadSessionSaved("b.bin", current));
    ((ObjectNode) old.get("session")).remove("chunkLengths");

    Library.UploadSessionSaved read = cbor.readValue(cbor.writeValueAsBytes(old), Library.UploadSessionSaved.class);

    assertNull(read.session().chunkLengths());
    assertEquals(20, read.session().bytesDone());
    assertEquals(3, read.session().knownChunks());
    assertEquals(5, read.session().chunkLength(3));
  }
}
