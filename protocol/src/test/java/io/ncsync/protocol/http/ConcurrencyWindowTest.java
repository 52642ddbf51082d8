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
