package dev.officehours.tools;

import java.util.concurrent.CompletionStage;

/**
 * What an asynchronous tool does: start the work and return at once; the result (normally JSON
 * text, which the model reads) completes the stage. The pipeline calls it on its tool executor,
 * never on a turn's own threads.
 */
@FunctionalInterface
public interface ToolFunction {

  /**
   * Starts the call.
   *
   * @param arguments the model's arguments, already checked against the tool's schema
   * @param context the turn and call it runs for, and whether it was cancelled
   * @return completes with the result for the model; completing exceptionally (or throwing)
   *     reports the error to the model and the listener, and the turn goes on
   * @throws Exception when the call cannot start; reported like a failed result
   */
  CompletionStage<String> call(ToolArguments arguments, ToolContext context) throws Exception;
}
