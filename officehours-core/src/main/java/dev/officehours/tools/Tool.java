package dev.officehours.tools;

import dev.officehours.internal.JsonSchemaCheck;
import dev.officehours.llm.ToolDefinition;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;

/**
 * A function the model may call in the middle of a turn: its name, a description that tells the
 * model when to call it, the JSON schema of its arguments, and what it does.
 *
 * <pre>{@code
 * Tool officeHours = Tool.of("check_office_hours", "Free office-hour slots on a day",
 *     "{\"type\":\"object\",\"properties\":{\"day\":{\"type\":\"string\"}},\"required\":[\"day\"]}",
 *     (args, ctx) -> calendar.freeSlots(args.string("day")));   // a CompletionStage<String>
 * }</pre>
 *
 * <p>The pipeline checks the model's arguments against the schema before calling (see {@code
 * docs/tools.md} for the keywords it checks), runs calls concurrently on its tool executor, stops
 * waiting after the tool's timeout, and cancels a running call on barge-in unless the tool was
 * made {@link #uncancellable()}. Tools are immutable and may be shared by any number of pipelines
 * and turns.
 */
public final class Tool {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  private final ToolDefinition definition;
  private final ToolFunction function;
  private final BlockingToolFunction blocking;
  private final boolean cancellable;
  private final Duration timeout;

  private Tool(ToolDefinition definition, ToolFunction function, BlockingToolFunction blocking,
      boolean cancellable, Duration timeout) {
    this.definition = definition;
    this.function = function;
    this.blocking = blocking;
    this.cancellable = cancellable;
    this.timeout = timeout;
  }

  /**
   * An asynchronous tool: {@code function} starts the work and returns a stage that completes
   * with the result.
   *
   * @param name the name the model calls it by: 1 to 64 letters, digits, {@code _} or {@code -}
   * @param description what it does and when to call it, for the model; not null
   * @param parametersSchema the JSON schema of its arguments: an object schema, as JSON text
   * @param function what it does; not null
   * @return the tool, cancellable, with the pipeline's tool timeout
   * @throws IllegalArgumentException when the name is not one the model can call, or the schema
   *     is not JSON, not an object schema, or uses a keyword wrongly; the message says which
   */
  public static Tool of(String name, String description, String parametersSchema,
      ToolFunction function) {
    Objects.requireNonNull(function, "function");
    return new Tool(definition(name, description, parametersSchema), function, null, true, null);
  }

  /**
   * A blocking tool: {@code function} computes the result on the calling thread, which is one of
   * the pipeline's tool executor's (a virtual thread on Java 21+). A cancel interrupts it.
   *
   * @param name the name the model calls it by: 1 to 64 letters, digits, {@code _} or {@code -}
   * @param description what it does and when to call it, for the model; not null
   * @param parametersSchema the JSON schema of its arguments: an object schema, as JSON text
   * @param function what it does; not null
   * @return the tool, cancellable, with the pipeline's tool timeout
   * @throws IllegalArgumentException when the name is not one the model can call, or the schema
   *     is not JSON, not an object schema, or uses a keyword wrongly; the message says which
   */
  public static Tool blocking(String name, String description, String parametersSchema,
      BlockingToolFunction function) {
    Objects.requireNonNull(function, "function");
    return new Tool(definition(name, description, parametersSchema), null, function, true, null);
  }

  private static ToolDefinition definition(String name, String description, String schema) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(description, "description");
    Objects.requireNonNull(schema, "parametersSchema");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("tool name '" + name
          + "' must be 1 to 64 letters, digits, '_' or '-'");
    }
    try {
      JsonSchemaCheck.parse(schema);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("tool '" + name + "': " + e.getMessage(), e);
    }
    return new ToolDefinition(name, description, schema);
  }

  /**
   * This tool with its own timeout instead of the pipeline's.
   *
   * @param timeout how long the pipeline waits for a call's result; positive
   * @return a copy with the timeout
   * @throws IllegalArgumentException when {@code timeout} is zero or negative
   */
  public Tool withTimeout(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive but was " + timeout);
    }
    return new Tool(definition, function, blocking, cancellable, timeout);
  }

  /**
   * This tool marked as one that must not be stopped half-way (a booking, a payment): a barge-in
   * or a timeout does not cancel it, and a cancelled turn waits for it, up to its timeout, so
   * history records what it did.
   *
   * @return a copy that is never cancelled
   */
  public Tool uncancellable() {
    return new Tool(definition, function, blocking, false, timeout);
  }

  /**
   * The tool's name.
   *
   * @return the name the model calls it by
   */
  public String name() {
    return definition.name();
  }

  /**
   * The tool as a chat request offers it to the model.
   *
   * @return its name, description and argument schema
   */
  public ToolDefinition definition() {
    return definition;
  }

  /**
   * Whether a barge-in or timeout may stop a call half-way.
   *
   * @return false for a tool made {@link #uncancellable()}
   */
  public boolean cancellable() {
    return cancellable;
  }

  /**
   * The tool's own timeout.
   *
   * @return the timeout, or empty to use the pipeline's
   */
  public Optional<Duration> timeout() {
    return Optional.ofNullable(timeout);
  }

  /**
   * Whether the function blocks its thread (made with {@link #blocking}).
   *
   * @return true for a blocking tool
   */
  public boolean isBlocking() {
    return blocking != null;
  }

  /**
   * Calls the function on the current thread: a blocking tool runs to its end, an asynchronous
   * one returns its stage. The pipeline calls this on its tool executor; tests may call it
   * directly.
   *
   * @param arguments the arguments; not null
   * @param context the call's context; not null
   * @return the result's stage; failed (never thrown) when the function throws or returns null
   */
  public CompletionStage<String> call(ToolArguments arguments, ToolContext context) {
    Objects.requireNonNull(arguments, "arguments");
    Objects.requireNonNull(context, "context");
    try {
      if (blocking != null) {
        return CompletableFuture.completedFuture(
            Objects.requireNonNull(blocking.call(arguments, context), "the tool returned null"));
      }
      return Objects.requireNonNull(function.call(arguments, context), "the tool returned no stage");
    } catch (Exception e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public String toString() {
    return "Tool[" + definition.name() + (cancellable ? "" : ", uncancellable")
        + (timeout == null ? "" : ", timeout=" + timeout) + "]";
  }
}
