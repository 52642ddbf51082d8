package io.ncsync.persistence.library;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.serialization.Serialization;
import akka.serialization.SerializationExtension;
import akka.serialization.jackson.JacksonObjectMapperProvider;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ncsync.persistence.sync.BaseEntry;
import io.ncsync.persistence.sync.Transfer;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * What moves added to the journal: {@link Library.DocumentsMoved} survives a round trip, and base entries journaled
 * before they carried the local file identity still read (without one: such a file's next move is found by content).
 */
class MoveEventsSerializationTest {
  private static final ActorTestKit testKit = ActorTestKit.create();

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @Test
  void aMoveEventSurvivesTheJournal() {
    Library.DocumentsMoved event = new Library.DocumentsMoved("run-1", "a", "b/a", List.of(
        BaseEntry.folder("b/a", "7", "e7", "(dev=801,ino=12)"),
        new BaseEntry("b/a/x.txt", false, "8", "e8", 3, 1000, "sha", "SHA1:abc", true, "(dev=801,ino=13)")));
    Serialization serialization = SerializationExtension.get(testKit.system());

    byte[] bytes = serialization.serialize(event).get();
    Object back = serialization.deserialize(bytes, serialization.findSerializerFor(event).identifier(),
        Library.DocumentsMoved.class.getName()).get();

    assertEquals(event, back);
  }

  @Test
  void aBaseEntryJournaledBeforeLocalIdentitiesReadsWithoutOne() throws Exception {
    ObjectMapper cbor = JacksonObjectMapperProvider.get(testKit.system()).getOrCreate("jackson-cbor", Optional.empty());
    BaseEntry entry = new BaseEntry("a.txt", false, "1", "e1", 3, 1000, "sha", null, false, "(dev=801,ino=5)");
    ObjectNode old = cbor.valueToTree(new Library.DocumentSynced("run-0", entry, Transfer.UPLOADED));
    ((ObjectNode) old.get("entry")).remove("localKey");

    Library.DocumentSynced read = cbor.readValue(cbor.writeValueAsBytes(old), Library.DocumentSynced.class);

    assertNull(read.entry().localKey());
    assertEquals(entry.withLocalKey(null), read.entry());
  }
}
