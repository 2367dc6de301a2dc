package dev.officehours.examples.load;

import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * What the load tester drives: something that answers a question with streamed text and audio.
 * Today the in-process pipeline over the simulated server ({@link PipelineTarget}); an HTTP target
 * (the example server) plugs in the same way.
 *
 * <p>{@link #send} must return at once and never hold a thread while the turn runs: the open
 * model sends on a schedule and must not be slowed down by the answers it waits for.
 */
public interface LoadTarget extends AutoCloseable {

  /** One line saying what is under test, for the report. */
  String describe();

  /**
   * Starts one turn.
   *
   * @param sessionId the conversation it belongs to
   * @param question what the user says
   * @return completes with what was observed, also when the turn failed (never exceptionally)
   */
  CompletionStage<TurnSample> send(String sessionId, String question);

  /** Counters the target can report about itself (e.g. faults the simulated server injected). */
  default Map<String, Object> stats() {
    return Map.of();
  }

  /** Releases the target. */
  @Override
  void close();
}
