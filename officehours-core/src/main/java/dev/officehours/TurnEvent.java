package dev.officehours;

/**
 * Everything a turn reports, as values: the {@link java.util.concurrent.Flow.Publisher} view of a
 * turn ({@link ConversationPipeline#publisher}) emits these. Every event carries its turn id, so a
 * client can drop audio of a turn it has cancelled.
 */
public sealed interface TurnEvent
    permits TextDelta, AudioFrame, ToolCallStarted, ToolResult, TurnResult, TurnFailed, TurnCancelled,
        Transcribed {

  /**
   * The turn this event belongs to.
   *
   * @return the turn's id, as given by {@link Turn#id()}
   */
  String turnId();

  /**
   * Whether this is the last event of its turn.
   *
   * @return true for {@link TurnResult}, {@link TurnFailed} and {@link TurnCancelled}
   */
  default boolean terminal() {
    return false;
  }
}
