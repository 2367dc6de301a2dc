package dev.officehours.examples.cli;

import dev.officehours.ToolCallStarted;
import dev.officehours.ToolResult;
import java.io.PrintStream;

/**
 * Prints one turn's answer as it streams, with each tool call and result on a line of its own
 * between the answer's words: text spoken before a call ends its line there, and the answer goes
 * on on a fresh line after the result. Calls of one turn never overlap, so this needs no locking.
 */
final class AnswerLines {
  /** How much of a tool's result or arguments is shown: one terminal line. */
  static final int MAX_SHOWN_CHARS = 120;

  private final PrintStream out;
  private final Redactor redactor;
  /** Answer text was printed on the current line and no newline has ended it yet. */
  private boolean lineOpen;
  /** A tool line was printed last: the answer's next words start a line, without the space before them. */
  private boolean afterTool;
  private boolean printed;

  AnswerLines(PrintStream out, Redactor redactor) {
    this.out = out;
    this.redactor = redactor;
  }

  /** A piece of the answer, printed as it came. */
  void text(String text) {
    String t = text;
    if (!lineOpen && afterTool) {
      t = t.stripLeading();
      if (t.isEmpty()) {
        return;
      }
    }
    out.print(t);
    out.flush();
    lineOpen = true;
    afterTool = false;
    printed = true;
  }

  /** {@code  [tool] check_office_hours {"day":"tomorrow"}} */
  void toolCall(ToolCallStarted call) {
    line("  [tool] " + shown(call.toolName()) + " " + shown(call.arguments()));
  }

  /** {@code  [tool] check_office_hours -> ok in 702 ms: {"day":"tomorrow",...}} */
  void toolResult(ToolResult result) {
    line("  [tool] " + shown(result.toolName()) + " -> " + result.status().tagValue() + " in "
        + result.duration().toMillis() + " ms: " + shown(result.result())
        + (result.truncated() ? " (truncated)" : ""));
  }

  /** {@code [you said] When are office hours?}: the transcript of a question asked with --audio. */
  void transcript(String text) {
    line("[you said] " + redactor.clean(text.strip().replaceAll("\\s+", " ")));
  }

  /** Ends the answer's last line, if one is open. */
  void finish() {
    if (lineOpen) {
      out.println();
      out.flush();
      lineOpen = false;
    }
  }

  /** Whether anything of the turn was printed. */
  boolean printed() {
    return printed;
  }

  private void line(String line) {
    if (lineOpen) {
      out.println(); // the words before the call end their line here
      lineOpen = false;
    }
    out.println(line);
    out.flush();
    afterTool = true;
    printed = true;
  }

  /** One line, control characters escaped, secrets masked, at most {@link #MAX_SHOWN_CHARS}. */
  private String shown(String text) {
    String flat = redactor.clean(text.strip().replaceAll("\\s+", " "));
    return flat.length() <= MAX_SHOWN_CHARS ? flat : flat.substring(0, MAX_SHOWN_CHARS) + "...";
  }
}
