package dev.officehours.llm;

import java.util.Objects;

/**
 * A function offered to the model, as the chat request describes it: its name, what it does and
 * the JSON schema of its arguments. The pipeline makes these from its {@code Tool}s; a provider
 * sends them in its own format (OpenAI's {@code tools} array of {@code function} entries).
 *
 * @param name the function's name, as the model will call it
 * @param description what the function does and when to call it, for the model
 * @param parametersSchema the JSON schema of the arguments object, as JSON text
 */
public record ToolDefinition(String name, String description, String parametersSchema) {

  /**
   * Rejects {@code null}s and an empty name.
   *
   * @param name the function's name; not null or empty
   * @param description what the function does; not null
   * @param parametersSchema the JSON schema of the arguments object, as JSON text; not null
   * @throws IllegalArgumentException when {@code name} is empty
   */
  public ToolDefinition {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(description, "description");
    Objects.requireNonNull(parametersSchema, "parametersSchema");
    if (name.isEmpty()) {
      throw new IllegalArgumentException("a tool's name must not be empty");
    }
  }
}
