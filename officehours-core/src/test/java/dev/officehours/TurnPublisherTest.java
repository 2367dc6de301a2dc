package dev.officehours;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import dev.officehours.errors.InvalidRequestException;

/** The {@link Flow.Publisher} view of a turn. */
class TurnPublisherTest {
  final FakeLlm llm = new FakeLlm();
  final FakeTts tts = new FakeTts();
  final ConversationPipeline pipeline = ConversationPipeline.builder().llm(llm).tts(tts).build();

  @AfterEach
  void close() {
    pipeline.close();
  }

  static class Collecting implements Flow.Subscriber<TurnEvent> {
    final List<TurnEvent> items = new CopyOnWriteArrayList<>();
    final CompletableFuture<Void> done = new CompletableFuture<>();
    volatile Flow.Subscription subscription;

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
    }

    @Override
    public void onNext(TurnEvent item) {
      items.add(item);
    }

    @Override
    public void onError(Throwable t) {
      done.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
      done.complete(null);
    }
  }

  @Test
  void subscribingStartsTheTurnAndEventsArriveAsRequested() throws Exception {
    Flow.Publisher<TurnEvent> publisher = pipeline.publisher(TurnRequest.of("s1", "Hi"));
    assertTrue(llm.streams.isEmpty(), "cold: nothing starts before a subscriber");
    Collecting sub = new Collecting();
    publisher.subscribe(sub);
    llm.nextStream().tokens("Hello", " there.").complete();
    tts.next().audio("x").complete();

    sub.subscription.request(1);
    assertTrue(!sub.done.isDone());
    sub.subscription.request(Long.MAX_VALUE);
    sub.done.get(10, TimeUnit.SECONDS);
    assertInstanceOf(TextDelta.class, sub.items.get(0));
    assertInstanceOf(TurnResult.class, sub.items.get(sub.items.size() - 1));
    assertEquals(1, sub.items.stream().filter(TurnEvent::terminal).count());
  }

  @Test
  void cancellingTheSubscriptionCancelsTheTurn() {
    Collecting sub = new Collecting();
    pipeline.publisher(TurnRequest.of("s1", "Hi")).subscribe(sub);
    FakeLlm.Stream stream = llm.nextStream();
    sub.subscription.cancel();
    assertTrue(stream.awaitCancelled());
  }

  @Test
  void anInvalidRequestIsRejectedAtOnce() {
    assertThrows(InvalidRequestException.class,
        () -> pipeline.publisher(TurnRequest.of("s1", "x".repeat(5000))));
  }
  @Test
  void withoutDemandTheTurnHoldsABoundedAmountAndItsProviderWaits() throws Exception {
    pipeline.close();
    ConversationPipeline small = ConversationPipeline.builder().llm(llm).turnBufferBytes(64 * 1024)
        .maxTokens(50_000).build();
    try {
      Collecting sub = new Collecting();
      small.publisher(TurnRequest.of("s1", "Talk")).subscribe(sub);
      FakeLlm.Stream stream = llm.nextStream();
      String token = "x".repeat(1024); // 2 KiB of budget each
      int tokens = 400;                // 800 KiB in all: far more than the 64 KiB a turn may hold
      CompletableFuture<Void> producer = CompletableFuture.runAsync(() -> {
        for (int i = 0; i < tokens; i++) {
          stream.tokens(token);
        }
        stream.complete();
      }, java.util.concurrent.Executors.newSingleThreadExecutor(r -> new Thread(r, "provider")));
      Thread provider = awaitThread("provider");
      awaitState(provider, Thread.State.WAITING); // the provider's "socket read" waits for demand
      assertTrue(!producer.isDone());
      assertTrue(sub.items.isEmpty(), "nothing was requested, got " + sub.items);
      sub.subscription.request(Long.MAX_VALUE);
      producer.get(10, TimeUnit.SECONDS);
      sub.done.get(10, TimeUnit.SECONDS);
      assertEquals(tokens + 1, sub.items.size());
      assertEquals(tokens * 1024, ((TurnResult) sub.items.get(tokens)).text().length());
    } finally {
      small.close();
    }
  }

  @Test
  void aSubscriberThatThrowsFromOnNextIsCancelledAndItsTurnEnds() throws Exception {
    Collecting sub = new Collecting() {
      @Override
      public void onNext(TurnEvent item) {
        throw new IllegalStateException("broken subscriber");
      }
    };
    pipeline.publisher(TurnRequest.of("s1", "Hi")).subscribe(sub);
    FakeLlm.Stream stream = llm.nextStream();
    sub.subscription.request(10);
    stream.tokens("Hello");
    assertTrue(stream.awaitCancelled(), "the turn is cancelled (rule 2.13)");
    assertTrue(pipeline.activeTurn("s1").isEmpty() || awaitEnded());
    assertTrue(!sub.done.isDone(), "nothing is signalled after the throw");
  }

  private boolean awaitEnded() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (pipeline.activeTurn("s1").isPresent()) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.onSpinWait();
    }
    return true;
  }

  static Thread awaitThread(String name) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      for (Thread t : Thread.getAllStackTraces().keySet()) {
        if (t.getName().equals(name)) {
          return t;
        }
      }
      Thread.onSpinWait();
    }
    throw new AssertionError("no thread " + name);
  }

  static void awaitState(Thread t, Thread.State state) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (t.getState() != state) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(t.getName() + " is " + t.getState() + ", not " + state);
      }
      Thread.onSpinWait();
    }
  }
}
