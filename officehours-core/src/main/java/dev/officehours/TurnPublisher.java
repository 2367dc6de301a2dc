package dev.officehours;

import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@link Flow.Publisher} view of one turn. Cold and single-use: the turn starts when the
 * subscriber subscribes. Events are queued until requested (audio of one turn is bounded by its
 * answer, so the queue is too); the terminal event ({@link TurnResult}, {@link TurnFailed} or
 * {@link TurnCancelled}) is delivered as an item, followed by {@code onComplete}. Cancelling the
 * subscription cancels the turn.
 */
final class TurnPublisher implements Flow.Publisher<TurnEvent> {
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
      subscription.turn = pipeline.start(request, TurnListener.of(subscription::offer));
      if (subscription.cancelled || subscription.error != null) {
        subscription.turn.cancel();
      }
    } catch (RuntimeException e) {
      subscription.fail(e);
    }
  }

  private static final class TurnSubscription implements Flow.Subscription {
    private final Flow.Subscriber<? super TurnEvent> subscriber;
    private final ConcurrentLinkedQueue<TurnEvent> queue = new ConcurrentLinkedQueue<>();
    private final AtomicLong requested = new AtomicLong();
    private final AtomicInteger wip = new AtomicInteger();
    private volatile Turn turn;
    private volatile boolean cancelled;
    private volatile Throwable error;
    private boolean done;

    TurnSubscription(Flow.Subscriber<? super TurnEvent> subscriber) {
      this.subscriber = subscriber;
    }

    void offer(TurnEvent event) {
      queue.add(event);
      drain();
    }

    void fail(Throwable t) {
      error = t;
      drain();
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
        return;
      }
      Throwable e = error;
      if (e != null) {
        done = true;
        queue.clear();
        subscriber.onError(e);
        return;
      }
      long emitted = 0;
      long wanted = requested.get();
      TurnEvent event;
      while (emitted < wanted && !cancelled && (event = queue.poll()) != null) {
        subscriber.onNext(event);
        emitted++;
        if (event.terminal()) {
          done = true;
          subscriber.onComplete();
          return;
        }
      }
      if (emitted > 0 && wanted != Long.MAX_VALUE) {
        requested.addAndGet(-emitted);
      }
    }
  }
}
