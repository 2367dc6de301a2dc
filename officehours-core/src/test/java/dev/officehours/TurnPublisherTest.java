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

  static final class Collecting implements Flow.Subscriber<TurnEvent> {
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
}
