package dev.officehours;

import dev.officehours.cache.ConversationStore;
import java.util.Optional;

/** PLACEHOLDER while the engine is written. */
final class PipelineEngine {
  PipelineEngine(ConversationPipeline.Builder b) {}

  Turn start(TurnRequest request, TurnListener listener) {
    throw new UnsupportedOperationException("engine in progress");
  }

  void validate(TurnRequest request) {}

  Optional<Turn> activeTurn(String sessionId) {
    return Optional.empty();
  }

  int activeTurnCount() {
    return 0;
  }

  ConversationStore store() {
    return null;
  }

  void close() {}
}
