package dev.officehours.examples.cli;

import java.util.concurrent.CountDownLatch;

/**
 * A program that holds a log line as the chat does while an answer streams, says "held" on
 * standard output, then either releases it and ends ({@code release}) or waits to be killed.
 */
final class HeldLogProgram {
  private HeldLogProgram() {}

  public static void main(String[] args) throws InterruptedException {
    LogLines lines = LogLines.install();
    lines.hold();
    System.err.println("WARN café");
    System.out.println("held");
    System.out.flush();
    if (args.length > 0 && args[0].equals("release")) {
      lines.release();
      return;
    }
    new CountDownLatch(1).await();
  }
}
