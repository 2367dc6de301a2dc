package dev.officehours.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** Who waits for room in a turn's buffer, and what lets them go. */
class BufferBudgetTest {

  /** Runs an acquire on its own thread and waits until it is parked (or has returned). */
  static CompletableFuture<Boolean> acquireAsync(BufferBudget b, int seq, long bytes,
      java.util.function.BooleanSupplier abandoned) throws InterruptedException {
    CompletableFuture<Boolean> result = new CompletableFuture<>();
    Thread t = new Thread(() -> result.complete(b.acquire(seq, bytes, true, abandoned)));
    t.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!result.isDone() && t.getState() != Thread.State.WAITING) {
      assertTrue(System.nanoTime() < deadline, "the acquire neither returned nor parked");
      Thread.onSpinWait();
    }
    return result;
  }

  @Test
  void piecesAreAdmittedUntilTheCapacityThenAPieceAheadWaits() throws Exception {
    BufferBudget b = new BufferBudget(100);
    assertTrue(b.acquire(1, 60, true));
    b.keptAhead(60);
    CompletableFuture<Boolean> ahead = acquireAsync(b, 1, 50, () -> false);
    assertFalse(ahead.isDone(), "60 + 50 is over 100");
    b.releasedAhead(60);
    b.consumed(60);
    assertTrue(ahead.get(10, TimeUnit.SECONDS));
    assertEquals(50, b.held());
  }

  @Test
  void aHeadPieceIsNeverHeldBackByAudioKeptForLaterChunks() throws Exception {
    BufferBudget b = new BufferBudget(100);
    assertTrue(b.acquire(1, 90, true));
    b.keptAhead(90);
    assertTrue(b.acquire(0, 20, true), "only the head's progress frees what is kept ahead");
  }

  @Test
  void aHeadPieceWaitingOnAdmittedAudioGoesOnceThatAudioIsKeptAhead() throws Exception {
    BufferBudget b = new BufferBudget(100);
    assertTrue(b.acquire(1, 60, true));
    b.keptAhead(60);
    assertTrue(b.acquire(1, 30, true)); // admitted, not yet put aside by the turn
    CompletableFuture<Boolean> head = acquireAsync(b, 0, 20, () -> false);
    assertFalse(head.isDone());
    b.keptAhead(30); // now everything held waits for the head: it must go
    assertTrue(head.get(10, TimeUnit.SECONDS));
  }

  @Test
  void aHeadPieceWaitsWhileTheListenerIsBehindAndGoesWhenItConsumes() throws Exception {
    BufferBudget b = new BufferBudget(100);
    assertTrue(b.acquire(BufferBudget.TEXT, 80, true));
    CompletableFuture<Boolean> text = acquireAsync(b, BufferBudget.TEXT, 40, () -> false);
    assertFalse(text.isDone());
    b.consumed(80);
    assertTrue(text.get(10, TimeUnit.SECONDS));
  }

  @Test
  void closingLetsEveryWaiterGoWithoutItsPiece() throws Exception {
    BufferBudget b = new BufferBudget(100);
    assertTrue(b.acquire(BufferBudget.TEXT, 100, true));
    CompletableFuture<Boolean> waiting = acquireAsync(b, BufferBudget.TEXT, 10, () -> false);
    b.close();
    assertFalse(waiting.get(10, TimeUnit.SECONDS));
    assertFalse(b.acquire(BufferBudget.TEXT, 1, true), "closed: nobody is admitted");
  }

  @Test
  void aWaiterWhosePieceWasAbandonedGoesWhenWoken() throws Exception {
    BufferBudget b = new BufferBudget(100);
    assertTrue(b.acquire(0, 100, true));
    AtomicBoolean abandoned = new AtomicBoolean();
    CompletableFuture<Boolean> waiting = acquireAsync(b, 2, 10, abandoned::get);
    abandoned.set(true);
    b.wake();
    assertFalse(waiting.get(10, TimeUnit.SECONDS));
    assertEquals(100, b.held());
  }

  @Test
  void aThreadThatMustNotWaitIsAlwaysAdmitted() {
    BufferBudget b = new BufferBudget(100);
    assertTrue(b.acquire(0, 100, true));
    assertTrue(b.acquire(3, 500, false));
    assertEquals(600, b.held());
  }
}
