package dev.officehours;

import dev.officehours.errors.OfficeHoursException;

/**
 * A turn failed; no event of it follows.
 *
 * @param turnId the turn
 * @param error what went wrong
 */
public record TurnFailed(String turnId, OfficeHoursException error) implements TurnEvent {
  @Override
  public boolean terminal() {
    return true;
  }
}
