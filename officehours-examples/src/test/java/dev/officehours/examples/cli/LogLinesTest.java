package dev.officehours.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class LogLinesTest {
  private final ByteArrayOutputStream terminal = new ByteArrayOutputStream();
  private final LogLines lines = LogLines.over(terminal);
  private final PrintStream log = new PrintStream(lines, true, StandardCharsets.UTF_8);

  private String shown() {
    return terminal.toString(StandardCharsets.UTF_8);
  }

  @Test
  void linesPassAtOnceWhenNothingIsHeld() {
    log.println("WARN one");

    assertEquals("WARN one\n", shown());
  }

  @Test
  void heldLinesAppearOnlyOnRelease() {
    lines.hold();
    log.println("WARN one");
    log.println("WARN two");
    assertEquals("", shown());

    lines.release();
    assertEquals("WARN one\nWARN two\n", shown());
  }

  @Test
  void aLineBegunBeforeTheHoldIsFinishedFirst() {
    log.print("WARN begun ");
    lines.hold();
    log.println("and finished");
    log.println("WARN held");

    assertEquals("WARN begun and finished\n", shown());
    lines.release();
    assertEquals("WARN begun and finished\nWARN held\n", shown());
  }

  @Test
  void whatExceedsTheLimitIsDroppedAndCounted() {
    lines.hold();
    String line = "x".repeat(1023) + "\n";
    for (int i = 0; i < LogLines.MAX_HELD / 1024 + 3; i++) {
      log.print(line);
    }
    lines.release();

    assertEquals(LogLines.MAX_HELD + "(3072 more bytes of log output dropped)\n".length(), shown().length());
    assertTrue(shown().endsWith("(3072 more bytes of log output dropped)\n"), shown());
  }
}
