package dev.officehours.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code chat --text "When are office hours tomorrow?"} in demo mode: the simulated model calls the
 * demo calendar, and the terminal shows the call, its result and the answer made from it.
 */
class ChatCliToolTurnTest {

  @Test
  void anOfficeHoursQuestionShowsTheToolCallItsResultAndTheAnswerWithTheSlots() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();

    int code = ChatCli.run(new String[] {"--demo", "--no-audio", "--text", "When are office hours tomorrow?"},
        new ByteArrayInputStream(new byte[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), Map.of());

    String stdout = out.toString(StandardCharsets.UTF_8);
    String stderr = err.toString(StandardCharsets.UTF_8);
    assertEquals(ChatCli.EXIT_OK, code, stdout + stderr);
    String[] lines = stdout.split("\n");
    assertEquals(4, lines.length, stdout);
    assertEquals("Let me check the calendar.", lines[0]);
    assertEquals("  [tool] check_office_hours {\"day\":\"tomorrow\"}", lines[1]);
    assertTrue(lines[2].matches("  \\[tool] check_office_hours -> ok in \\d+ ms: "
        + "\\{\"day\":\"tomorrow\",\"slots\":\\[\"10:00\",\"13:30\",\"16:00\"]}"), lines[2]);
    assertEquals("Office hours tomorrow are at 10:00, 13:30 and 16:00.", lines[3]);
    assertTrue(stderr.matches("(?s).*TTFT \\d+ ms \\| TTFA - \\| total [\\d.]+ m?s \\| 0 chunks \\| cache hits 0/0"
        + " \\| 1 tool call, \\d+ ms\n.*"), stderr);
  }
}
