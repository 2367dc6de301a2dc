package dev.officehours.llm;

import java.util.Objects;

/**
 * A function the model asked to call, assembled from the pieces of a streamed completion (OpenAI
 * sends a tool call's id and name first, then its arguments a few characters at a time, each
 * piece tagged with the call's index). Handed over whole in {@link LlmCompletion#toolCalls()};
 * nothing about it reaches {@link LlmListener#onToken}.
 *
 * @param index the position of the call among the completion's tool calls, as the provider
 *     numbered it (0 for the first; parallel calls count up)
 * @param id the provider's id of the call, to quote in the tool result; empty when none was sent
 * @param name the function's name; empty when none was sent
 * @param arguments the function's arguments as the model wrote them, normally a JSON object;
 *     not parsed or validated here, empty when none were sent
 */
public record ToolCallRequest(int index, String id, String name, String arguments) {

  /**
   * Rejects {@code null}s and a negative index.
   *
   * @param index the position of the call among the completion's tool calls, zero or more
   * @param id the provider's id of the call; not null, empty when none was sent
   * @param name the function's name; not null, empty when none was sent
   * @param arguments the function's arguments as the model wrote them; not null, may be empty
   * @throws IllegalArgumentException when {@code index} is negative
   */
  public ToolCallRequest {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(arguments, "arguments");
    if (index < 0) {
      throw new IllegalArgumentException("index must not be negative but was " + index);
    }
  }
}
