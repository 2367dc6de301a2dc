package dev.officehours.tools;

/**
 * What a blocking tool does: compute the result on the calling thread. The pipeline runs it on
 * its tool executor (virtual threads on Java 21+, a bounded elastic pool on Java 17), never on a
 * turn's own threads; a cancel interrupts the thread when the tool is cancellable.
 */
@FunctionalInterface
public interface BlockingToolFunction {

  /**
   * Runs the call.
   *
   * @param arguments the model's arguments, already checked against the tool's schema
   * @param context the turn and call it runs for, and whether it was cancelled
   * @return the result for the model, normally JSON text; not null
   * @throws Exception reported to the model and the listener as the call's error; the turn goes on
   */
  String call(ToolArguments arguments, ToolContext context) throws Exception;
}
