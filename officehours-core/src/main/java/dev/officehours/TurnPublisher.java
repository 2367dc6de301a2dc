package dev.officehours;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Flow.Publisher} view of one turn. Cold and single-use: the turn starts when the
 * subscriber subscribes. Events go out only as requested; at most {@link #MAX_QUEUED} wait for
 * demand, and past that the turn's listener thread waits for {@code request(n)}, which in turn
 * makes the turn's providers wait (backpressure down to the sockets). The terminal event
 * ({@link TurnResult}, {@link TurnFailed} or {@link TurnCancelled}) is delivered as an item,
 * followed by {@code onComplete}. Cancelling the subscription cancels the turn; so does an
 * {@code onNext} that throws (rule 2.13), after which nothing more is signalled.
 */
final class TurnPublisher implements Flow.Publisher<TurnEvent> {
  private static final Logger log = LoggerFactory.getLogger(ConversationPipeline.class);
  /** Events that may wait for demand before the turn itself is made to wait. */
  static final int MAX_QUEUED = 32;

  private final ConversationPipeline pipeline;
  private final TurnRequest request;
  private final AtomicBoolean subscribed = new AtomicBoolean();

  TurnPublisher(ConversationPipeline pipeline, TurnRequest request) {
    this.pipeline = pipeline;
    this.request = request;
  }

  @Override
  public void subscribe(Flow.Subscriber<? super TurnEvent> subscriber) {
    Objects.requireNonNull(subscriber, "subscriber");
    if (!subscribed.compareAndSet(false, true)) {
      subscriber.onSubscribe(new Flow.Subscription() {
        @Override
        public void request(long n) {}

        @Override
        public void cancel() {}
      });
      subscriber.onError(new IllegalStateException("a turn publisher accepts one subscriber only"));
      return;
    }
    TurnSubscription subscription = new TurnSubscription(subscriber);
    subscriber.onSubscribe(subscription);
    try {
      Turn turn = pipeline.start(request, TurnListener.of(subscription::offer));
      subscription.turn = turn;
      if (turn instanceof PipelineTurn) {
        ((PipelineTurn) turn).ended().thenRun(subscription::turnEnded);
      }
      if (subscription.cancelled || subscription.error != null) {
        turn.cancel();
      }
    } catch (RuntimeException e) {
      subscription.fail(e);
    }
  }

  private static final class TurnSubscription implements Flow.Subscription {
    private final Flow.Subscriber<? super TurnEvent> subscriber;
    private final ConcurrentLinkedQueue<TurnEvent> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicLong requested = new AtomicLong();
    private final AtomicInteger wip = new AtomicInteger();
    private final Object demand = new Object();
    private volatile Turn turn;
    private volatile boolean cancelled;
    private volatile boolean ended;
    private volatile Throwable error;
    private boolean done;

    TurnSubscription(Flow.Subscriber<? super TurnEvent> subscriber) {
      this.subscriber = subscriber;
    }

    /** Called on the turn's listener thread: waits while too much waits for demand. */
    void offer(TurnEvent event) {
      if (!event.terminal()) {
        synchronized (demand) {
          while (queued.get() >= MAX_QUEUED && !cancelled && error == null && !ended) {
            try {
              demand.wait();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              return;
            }
          }
        }
      }
      if (cancelled) {
        return;
      }
      queue.add(event);
      queued.incrementAndGet();
      drain();
    }

    /** The turn decided to end: its last events must get through whatever the demand. */
    void turnEnded() {
      ended = true;
      wake();
    }

    void fail(Throwable t) {
      error = t;
      wake();
      drain();
    }

    private void wake() {
      synchronized (demand) {
        demand.notifyAll();
      }
    }

    @Override
    public void request(long n) {
      if (n <= 0) {
        Turn t = turn; // §3.9: the subscription is over, and so is the turn
        if (t != null) {
          t.cancel();
        }
        fail(new IllegalArgumentException("request must be positive but was " + n + " (§3.9)"));
        return;
      }
      requested.accumulateAndGet(n, (a, b) -> a + b < 0 ? Long.MAX_VALUE : a + b);
      drain();
    }

    @Override
    public void cancel() {
      cancelled = true;
      wake();
      Turn t = turn;
      if (t != null) {
        t.cancel();
      }
    }

    private void drain() {
      if (wip.getAndIncrement() != 0) {
        return;
      }
      int missed = 1;
      do {
        if (!done) {
          drainOnce();
        }
        missed = wip.addAndGet(-missed);
      } while (missed != 0);
    }

    private void drainOnce() {
      if (cancelled) {
        queue.clear();
        queued.set(0);
        return;
      }
      Throwable e = error;
      if (e != null) {
        done = true;
        queue.clear();
        queued.set(0);
        signal(() -> subscriber.onError(e));
        return;
      }
      long emitted = 0;
      long wanted = requested.get();
      TurnEvent event;
      while (emitted < wanted && !cancelled && (event = queue.poll()) != null) {
        queued.decrementAndGet();
        wake();
        TurnEvent next = event;
        emitted++;
        if (!signal(() -> subscriber.onNext(next))) {
          return;
        }
        if (event.terminal()) {
          done = true;
          signal(subscriber::onComplete);
          return;
        }
      }
      if (emitted > 0 && wanted != Long.MAX_VALUE) {
        requested.addAndGet(-emitted);
      }
    }

    /** Calls the subscriber; one that throws has broken rule 2.13 and is cancelled. */
    private boolean signal(Runnable call) {
      try {
        call.run();
        return true;
      } catch (Throwable t) {
        log.warn("a Flow.Subscriber of a turn threw; cancelling its subscription (rule 2.13)", t);
        done = true;
        cancel();
        queue.clear();
        queued.set(0);
        return false;
      }
    }
  }
}
