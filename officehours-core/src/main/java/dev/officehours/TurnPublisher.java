package dev.officehours;

import java.util.concurrent.Flow;

/** PLACEHOLDER. */
final class TurnPublisher implements Flow.Publisher<TurnEvent> {
  TurnPublisher(ConversationPipeline pipeline, TurnRequest request) {}

  @Override
  public void subscribe(Flow.Subscriber<? super TurnEvent> subscriber) {}
}
