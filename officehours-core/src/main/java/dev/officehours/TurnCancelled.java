package dev.officehours;

/**
 * A turn was cancelled (barge-in); no event of it follows.
 *
 * @param turnId the turn
 * @param textSoFar the answer text emitted before the cancel, kept in history marked interrupted
 */
public record TurnCancelled(String turnId, String textSoFar) implements TurnEvent {
  @Override
  public boolean terminal() {
    return true;
  }
}
