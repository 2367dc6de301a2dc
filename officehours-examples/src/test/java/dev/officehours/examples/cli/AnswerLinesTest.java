package dev.officehours.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.officehours.ToolCallStarted;
import dev.officehours.ToolResult;
import dev.officehours.tools.ToolStatus;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class AnswerLinesTest {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final Redactor redactor = new Redactor();
  private final AnswerLines lines = new AnswerLines(new PrintStream(bytes, true, StandardCharsets.UTF_8), redactor);

  private String printed() {
    return bytes.toString(StandardCharsets.UTF_8);
  }

  private static ToolCallStarted call(String arguments) {
    return new ToolCallStarted("t-000000000001", "call_1", "check_office_hours", arguments, 1);
  }

  private static ToolResult result(ToolStatus status, String text, boolean truncated) {
    return new ToolResult("t-000000000001", "call_1", "check_office_hours", status, text, truncated,
        Duration.ofMillis(702));
  }

  @Test
  void anAnswerWithoutToolsPrintsAsItStreamsOnOneLine() {
    lines.text("Hello");
    lines.text(" there.");
    lines.finish();
    assertEquals("Hello there.\n", printed());
  }

  @Test
  void theCallAndResultSitOnLinesOfTheirOwnBetweenTheAnswersWords() {
    lines.text("Let me");
    lines.text(" check.");
    lines.toolCall(call("{\"day\":\"tomorrow\"}"));
    lines.toolResult(result(ToolStatus.OK, "{\"day\":\"tomorrow\",\"slots\":[\"10:00\"]}", false));
    lines.text(" ");
    lines.text(" Office hours are at 10:00.");
    lines.finish();

    assertEquals("Let me check.\n"
        + "  [tool] check_office_hours {\"day\":\"tomorrow\"}\n"
        + "  [tool] check_office_hours -> ok in 702 ms: {\"day\":\"tomorrow\",\"slots\":[\"10:00\"]}\n"
        + "Office hours are at 10:00.\n", printed());
  }

  @Test
  void aTurnThatEndsAfterAToolLineAddsNoBlankLine() {
    lines.toolCall(call("{}"));
    lines.toolResult(result(ToolStatus.CANCELLED, "{\"error\":\"the turn was cancelled\"}", false));
    lines.finish();
    assertTrue(printed().endsWith("cancelled\"}\n"), printed());
    assertFalse(printed().contains("\n\n"), printed());
  }

  @Test
  void aLongOrMultiLineResultIsOneAbbreviatedLineWithControlsEscapedAndSecretsMasked() {
    redactor.secret("sk-hidden-value");
    String result = "{\"rows\":[\n  \"" + "x".repeat(300) + "\"]}";
    lines.toolResult(result(ToolStatus.OK, result, true));
    lines.toolResult(result(ToolStatus.FAILED, "{\"error\":\"bad key sk-hidden-value\u0007\"}", false));

    String[] printed = printed().split("\n");
    assertEquals(2, printed.length, printed());
    String shown = printed[0].substring(printed[0].indexOf(": ") + 2);
    assertTrue(shown.startsWith("{\"rows\":[ \"xxx"), shown);
    assertTrue(shown.endsWith("... (truncated)"), shown);
    assertEquals(AnswerLines.MAX_SHOWN_CHARS + "... (truncated)".length(), shown.length());
    assertFalse(printed[1].contains("sk-hidden-value"), printed[1]);
    assertTrue(printed[1].contains("-> failed in 702 ms") && printed[1].contains("\\u0007"), printed[1]);
  }
}
