package dev.officehours.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.officehours.errors.OfficeHoursException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What a provider called back, checked against the rules every streaming SPI shares: callbacks
 * never overlap, exactly one terminal callback ends the stream, nothing follows it, and nothing
 * follows a cancel. {@link RecordingLlmListener} and {@link RecordingAudioSink} record into one.
 */
public final class CallbackLog {
  private final List<String> events = new ArrayList<>();
  private final List<String> violations = new ArrayList<>();
  private final AtomicInteger inside = new AtomicInteger();
  private final CountDownLatch terminal = new CountDownLatch(1);
  private volatile boolean cancelled;
  private volatile OfficeHoursException error;
  private int terminals;

  /** Creates an empty log. */
  public CallbackLog() {}

  /**
   * Records a callback; call at its start, and {@link #exit()} at its end.
   *
   * @param event what was called, e.g. {@code token:Hel}
   * @param isTerminal whether it ends the stream
   */
  public void enter(String event, boolean isTerminal) {
    if (inside.incrementAndGet() != 1) {
      violation("callbacks overlapped at " + event);
    }
    synchronized (this) {
      if (terminals > 0) {
        violations.add(event + " after the terminal callback");
      }
      if (cancelled) {
        violations.add(event + " after cancel");
      }
      events.add(event);
      if (isTerminal) {
        terminals++;
      }
    }
    if (isTerminal) {
      terminal.countDown();
    }
  }

  /** Marks the end of a callback. */
  public void exit() {
    inside.decrementAndGet();
  }

  /**
   * Records the terminal error.
   *
   * @param e the error the provider reported
   */
  public void error(OfficeHoursException e) {
    this.error = e;
  }

  /** Marks that the call was cancelled: any callback from now on breaks the contract. */
  public void cancelled() {
    cancelled = true;
  }

  private synchronized void violation(String what) {
    violations.add(what);
  }

  /**
   * Every callback so far, in order.
   *
   * @return a copy of the events
   */
  public synchronized List<String> events() {
    return List.copyOf(events);
  }

  /**
   * The error reported, if any.
   *
   * @return the error, or null
   */
  public OfficeHoursException error() {
    return error;
  }

  /**
   * Waits for the terminal callback.
   *
   * @return this log
   * @throws AssertionError when none came within {@link Await#PATIENCE}
   */
  public CallbackLog awaitTerminal() {
    try {
      if (!terminal.await(Await.PATIENCE.toMillis(), TimeUnit.MILLISECONDS)) {
        fail("no terminal callback within " + Await.PATIENCE.toSeconds() + " s; events: " + events());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
    return this;
  }

  /**
   * Whether a terminal callback came.
   *
   * @return true once it did
   */
  public boolean ended() {
    return terminal.getCount() == 0;
  }

  /**
   * Asserts no rule was broken so far and at most one terminal callback came.
   *
   * @throws AssertionError naming the broken rules
   */
  public synchronized void assertWellFormed() {
    assertEquals(List.of(), violations, "callback rules broken; events: " + events);
    assertTrue(terminals <= 1, "more than one terminal callback: " + events);
  }
}
