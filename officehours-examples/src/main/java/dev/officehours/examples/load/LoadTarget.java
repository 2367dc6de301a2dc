package dev.officehours.examples.load;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * What the load tester drives: something that answers a question with streamed text and audio:
 * the in-process pipeline over the simulated server ({@link PipelineTarget}), or the example
 * server over WebSocket ({@link WebSocketTarget}) or SSE ({@link SseTarget}).
 *
 * <p>{@link #send} must return at once and never hold a thread while the turn runs: the open
 * model sends on a schedule and must not be slowed down by the answers it waits for.
 */
public interface LoadTarget extends AutoCloseable {

  /**
   * Says what is under test, for the report.
   *
   * @return one line, e.g. {@code the example server over WebSocket at ws://127.0.0.1:5001/chat/ws}
   */
  String describe();

  /**
   * Starts one turn.
   *
   * @param sessionId the conversation it belongs to
   * @param question what the user says
   * @return completes with what was observed, also when the turn failed (never exceptionally)
   */
  CompletionStage<TurnSample> send(String sessionId, String question);

  /**
   * Counters the target keeps about itself, such as the faults the simulated server injected. The
   * load tester reads them before and after the measured run and reports the difference.
   *
   * @return counters by camelCase name (the JSON report's keys; the Markdown report spells them
   *     out: {@code simulatedChatRequests} is "simulated chat requests"). A {@code Long} is a count
   *     (reported as this run's increase), an {@code Integer} a level reported as it is at the end,
   *     a {@code Map<String, Long>} counts by code; empty by default
   */
  default Map<String, Object> stats() {
    return Map.of();
  }

  /**
   * Says that no more turns of a session will be sent, so the target may free or reuse what it
   * kept for it (the WebSocket target hands the session's connection to a later session). The
   * load tester calls it after a closed-model client's last turn and after each open-model turn
   * (each is a session of its own).
   *
   * @param sessionId the session
   */
  default void sessionEnded(String sessionId) {}

  /**
   * Where the server under test publishes its own metrics, when the target is a server that does;
   * the load tester scrapes it before, during and after a run and reports it beside its own
   * figures.
   *
   * @return the server's metrics endpoint, empty for a target in this process
   */
  default Optional<MetricsScraper> serverMetrics() {
    return Optional.empty();
  }

  /** Releases the target. */
  @Override
  void close();
}
