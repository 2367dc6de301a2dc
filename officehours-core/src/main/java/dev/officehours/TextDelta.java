package dev.officehours;

/**
 * A piece of the answer's text exactly as the LLM wrote it (markdown and all), for display.
 *
 * @param turnId the turn
 * @param text the new text, never empty
 */
public record TextDelta(String turnId, String text) implements TurnEvent {}
