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

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

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

  @Test
  void onceFullEverythingIsDroppedUntilTheReleaseEvenASmallLine() throws Exception {
    String big = "WARN big " + "x".repeat(LogLines.MAX_HELD) + "\n";
    String frame = "\tat a.stack.Frame(Frame.java:1)\n";
    lines.hold();
    lines.write(ascii(big));
    lines.write(ascii(frame));
    lines.release();

    assertEquals("(" + (big.length() + frame.length()) + " more bytes of log output dropped)\n", shown());
  }

  @Test
  void aLineCutShortByTheLimitIsEndedBeforeTheCount() throws Exception {
    lines.hold();
    lines.write(ascii("x".repeat(LogLines.MAX_HELD - 10)));
    lines.write(ascii("y".repeat(20) + "\n"));
    lines.release();

    assertEquals("x".repeat(LogLines.MAX_HELD - 10) + "\n(21 more bytes of log output dropped)\n", shown());
  }

  @Test
  void aHeldLineStillBeingWrittenIsEndedOnRelease() {
    lines.hold();
    log.print("WARN half");
    lines.release();
    log.println("WARN next");

    assertEquals("WARN half\nWARN next\n", shown());
  }
}
