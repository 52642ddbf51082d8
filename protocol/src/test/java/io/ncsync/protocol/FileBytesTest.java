package io.ncsync.protocol;

import static io.ncsync.protocol.TestSupport.await;
import static io.ncsync.protocol.TestSupport.randomFile;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import akka.stream.Materializer;
import akka.stream.javadsl.AsPublisher;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import akka.util.ByteString;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

/** Local files as streams: piece size, exact slices, and a read-ahead that keeps a transfer's memory small. */
class FileBytesTest {
  private static ActorSystem<Void> system;
  private static Materializer materializer;
  @TempDir Path tmp;

  @BeforeAll
  static void start() {
    system = ActorSystem.create(Behaviors.empty(), "file-bytes-test");
    materializer = Materializer.matFromSystem(system);
  }

  @AfterAll
  static void stop() {
    system.terminate();
  }

  @Test
  void aFileComesInPiecesOfHalfAMebibyte() throws Exception {
    Path file = randomFile(tmp.resolve("f.bin"), (2L << 20) + 10, 1);

    List<ByteString> pieces = await(FileBytes.of(file).runWith(Sink.seq(), materializer));

    assertEquals(List.of(512 << 10, 512 << 10, 512 << 10, 512 << 10, 10), pieces.stream().map(ByteString::size).toList());
    assertArrayEquals(Files.readAllBytes(file), pieces.stream().reduce(ByteString.emptyByteString(), ByteString::concat).toArray());
  }

  @Test
  void slicesHoldExactlyTheirRange() throws Exception {
    Path file = randomFile(tmp.resolve("s.bin"), (3L << 20) + 7, 2);
    byte[] all = Files.readAllBytes(file);
    long[][] ranges = {{0, 0}, {0, 1}, {0, 512 << 10}, {1, 512 << 10}, {(512 << 10) - 1, 2}, {1 << 20, (2L << 20) + 7},
        {all.length - 3, 3}, {100, (1 << 20) + 100}};
    for (long[] range : ranges) {
      List<ByteString> pieces = await(FileBytes.slice(file, range[0], range[1]).runWith(Sink.seq(), materializer));
      byte[] got = pieces.stream().reduce(ByteString.emptyByteString(), ByteString::concat).toArray();
      assertArrayEquals(Arrays.copyOfRange(all, (int) range[0], (int) (range[0] + range[1])), got,
          "slice " + Arrays.toString(range));
    }
  }

  /** A slice is read up to its end and no further, so a finished chunk leaves nothing read ahead behind. */
  @Test
  void aSliceIsNotReadPastItsEnd() throws Exception {
    Path file = randomFile(tmp.resolve("long.bin"), 32L << 20, 4);
    long before = TestSupport.bytesReadByThisProcess();

    List<ByteString> pieces = await(FileBytes.slice(file, 1 << 20, (1 << 20) + 5).runWith(Sink.seq(), materializer));

    long read = TestSupport.bytesReadByThisProcess() - before;
    assertEquals((1 << 20) + 5, pieces.stream().mapToInt(ByteString::size).sum());
    assertTrue(read < (1 << 20) + (256 << 10), "read " + read + " bytes for a slice of 1 MiB and 5 bytes");
  }

  /**
   * A consumer that wants one piece makes the reader go only a few pieces ahead: with the async boundary's default of 16
   * pieces it would hold 8 MiB for every transfer in flight. The stream is flattened into
   * another, as akka-http does with a request entity, so the boundary lands where it does in a real upload. Counted
   * with this process's read bytes, so the bound allows for a little class loading meanwhile.
   */
  @Test
  void theReaderStaysAFewPiecesAheadOfASlowConsumer() throws Exception {
    Path file = randomFile(tmp.resolve("big.bin"), 32L << 20, 3);
    Publisher<ByteString> bytes = Source.single(file).flatMapConcat(FileBytes::of)
        .runWith(Sink.asPublisher(AsPublisher.WITHOUT_FANOUT), materializer);
    CountDownLatch first = new CountDownLatch(1);
    Subscription[] subscription = new Subscription[1];
    long before = TestSupport.bytesReadByThisProcess();
    bytes.subscribe(new Subscriber<>() {
      @Override
      public void onSubscribe(Subscription s) {
        subscription[0] = s;
        s.request(1);
      }

      @Override
      public void onNext(ByteString piece) {
        first.countDown();
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onComplete() {}
    });
    assertTrue(first.await(10, TimeUnit.SECONDS));
    Thread.sleep(500); // let the reader run ahead as far as it will
    long read = TestSupport.bytesReadByThisProcess() - before;
    subscription[0].cancel();

    long limit = (2L * FileBytes.READ_AHEAD + 2) * FileBytes.PIECE_BYTES;
    assertTrue(read <= limit, "read " + read + " bytes ahead of a consumer that took one piece (at most " + limit + ")");
  }
}
