package io.ncsync.protocol.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class ConcurrencyWindowTest {

  private static void roundTrips(ConcurrencyWindow window, int n, ConcurrencyWindow.Signal signal) {
    for (int i = 0; i < n; i++) {
      assertTrue(window.acquire().toCompletableFuture().isDone());
      window.release(signal);
    }
  }

  @Test
  void startsAtEightGrowsWhileHealthyToItsMaximumAndHalvesWhenOverloaded() {
    ConcurrencyWindow window = new ConcurrencyWindow(16);
    assertEquals(8, window.limit());
    roundTrips(window, 200, ConcurrencyWindow.Signal.HEALTHY);
    assertEquals(16, window.limit(), "healthy answers grow it to the configured maximum");

    window.acquire();
    window.release(ConcurrencyWindow.Signal.OVERLOADED);
    assertEquals(8, window.limit(), "a 429 or 503 halves it");
    window.acquire();
    window.release(ConcurrencyWindow.Signal.OVERLOADED);
    window.acquire();
    window.release(ConcurrencyWindow.Signal.OVERLOADED);
    window.acquire();
    window.release(ConcurrencyWindow.Signal.OVERLOADED);
    window.acquire();
    window.release(ConcurrencyWindow.Signal.OVERLOADED);
    assertEquals(1, window.limit(), "never below one");

    roundTrips(window, 40, ConcurrencyWindow.Signal.HEALTHY);
    assertTrue(window.limit() > 4, "and it grows back: " + window.limit());
    assertEquals(2, new ConcurrencyWindow(2).limit(), "a smaller maximum is the start");
  }

  /** About {@code n} answers taking {@code millis} each, the window kept full (as a sync run keeps it). */
  private static void timedRoundTrips(ConcurrencyWindow window, int n, long millis) {
    for (int done = 0; done < n; ) {
      int batch = window.limit();
      for (int i = 0; i < batch; i++) window.acquire();
      for (int i = 0; i < batch; i++, done++) window.release(ConcurrencyWindow.Signal.HEALTHY, millis * 1_000_000);
    }
  }

  @Test
  void risingLatencyShrinksTheWindowAndItGrowsBackWhenTheServerIsFastAgain() {
    ConcurrencyWindow window = new ConcurrencyWindow(16);
    timedRoundTrips(window, 300, 10);
    assertEquals(16, window.limit(), "steady latency: healthy, the window grows to its maximum");

    timedRoundTrips(window, 60, 80); // the server queues: answers take eight times as long
    assertTrue(window.limit() <= 8, "a queueing server shrinks the window though no answer was a 429: " + window.limit());
    assertTrue(window.limit() >= 1);

    timedRoundTrips(window, 400, 10);
    assertEquals(16, window.limit(), "fast again: it grows back");
  }

  @Test
  void aLastingSlowdownDoesNotShrinkTheWindowForGood() {
    ConcurrencyWindow window = new ConcurrencyWindow(16);
    timedRoundTrips(window, 300, 10);
    timedRoundTrips(window, 3000, 40); // a slower server from now on, not a growing queue
    assertTrue(window.limit() >= 8, "the long run learns the new latency: " + window.limit());
  }

  @Test
  void aLoneSlowRequestSaysNothingAboutOurLoad() {
    ConcurrencyWindow window = new ConcurrencyWindow(16);
    timedRoundTrips(window, 300, 10);
    for (int i = 0; i < 60; i++) {
      window.acquire(); // one at a time: the window is not in use
      window.release(ConcurrencyWindow.Signal.HEALTHY, 200_000_000);
    }
    assertEquals(16, window.limit());
  }

  @Test
  void answersWithoutATellingLatencyOnlyCountAsHealthy() {
    ConcurrencyWindow window = new ConcurrencyWindow(16);
    timedRoundTrips(window, 300, 10);
    for (int i = 0; i < 4; i++) {
      for (int j = 0; j < 16; j++) window.acquire();
      for (int j = 0; j < 16; j++) window.release(ConcurrencyWindow.Signal.HEALTHY, -1); // uploads: their time tells their size
    }
    assertEquals(16, window.limit());
  }

  @Test
  void requestsBeyondTheWindowWaitForOneToEnd() {
    ConcurrencyWindow window = new ConcurrencyWindow(16);
    List<CompletableFuture<Void>> started = new ArrayList<>();
    for (int i = 0; i < 10; i++) started.add(window.acquire().toCompletableFuture());
    assertEquals(8, started.stream().filter(CompletableFuture::isDone).count());
    assertEquals(8, window.inFlight());

    window.release(ConcurrencyWindow.Signal.NEUTRAL);
    assertTrue(started.get(8).isDone(), "the first waiting one goes");
    assertFalse(started.get(9).isDone());
    window.release(ConcurrencyWindow.Signal.OVERLOADED); // window 4, 8 in flight: nobody new goes
    assertFalse(started.get(9).isDone());
    assertEquals(7, window.inFlight());
  }
}
