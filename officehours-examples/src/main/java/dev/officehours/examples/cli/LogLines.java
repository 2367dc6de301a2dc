package dev.officehours.examples.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/**
 * Standard error as log output reaches it. The libraries log through slf4j-simple, which writes
 * to whatever {@code System.err} is at the time; the answer streams to standard output without a
 * line end until the turn is over. On a terminal the two meet, so a warning logged mid-answer
 * (a chunk's speech failed) would split the answer's line. While {@link #hold()} is in force,
 * whole log lines wait here and {@link #release()} writes them after the answer's line is done.
 * A line already begun when the hold starts is finished first; at most {@link #MAX_HELD} bytes
 * wait: once they are reached, everything else until the release is counted and dropped (a
 * stack trace's later frames would mean nothing without its first). A program that ends without
 * a release (SIGTERM, SIGHUP) still writes the held lines, from a shutdown hook.
 */
final class LogLines extends OutputStream {
  /** The most bytes of log output kept during one hold. */
  static final int MAX_HELD = 64 * 1024;

  private final OutputStream target;
  private final ByteArrayOutputStream held = new ByteArrayOutputStream();
  private boolean holding;
  private boolean atLineStart = true;
  private boolean lineHeld;
  private boolean full;
  private long dropped;

  private LogLines(OutputStream target) {
    this.target = target;
  }

  /**
   * Makes {@code System.err} a {@link LogLines} in front of the current standard error.
   *
   * @return the held lines; the CLI writes its own lines to the standard error it had before
   */
  static LogLines install() {
    LogLines lines = new LogLines(System.err);
    System.setErr(new PrintStream(lines, true, stderrCharset()));
    Runtime.getRuntime().addShutdownHook(new Thread(lines::release, "chat-log-lines"));
    return lines;
  }

  /**
   * The encoding standard error had: held lines pass through as bytes, so they are encoded as the
   * JVM would have encoded them there ({@code stderr.encoding} from Java 19, before that
   * {@code sun.stderr.encoding} on a console, else the platform's).
   */
  static Charset stderrCharset() {
    for (String property : new String[] {"stderr.encoding", "sun.stderr.encoding", "native.encoding"}) {
      String name = System.getProperty(property);
      if (name != null) {
        try {
          return Charset.forName(name);
        } catch (IllegalArgumentException e) {
          // an unknown or unsupported name: try the next
        }
      }
    }
    return Charset.defaultCharset();
  }

  /** For tests: log lines in front of {@code target}. */
  static LogLines over(OutputStream target) {
    return new LogLines(target);
  }

  /** From now on, log lines wait until {@link #release()}. */
  synchronized void hold() {
    holding = true;
  }

  /** Writes the lines that waited, and lets later ones through at once. */
  synchronized void release() {
    holding = false;
    try {
      byte[] kept = held.toByteArray();
      target.write(kept);
      if (kept.length > 0 && kept[kept.length - 1] != '\n') {
        target.write('\n'); // a line cut short by the limit, or still being written: what follows starts anew
      }
      if (dropped > 0) {
        target.write(("(" + dropped + " more bytes of log output dropped)\n").getBytes(StandardCharsets.US_ASCII));
      }
      target.flush();
    } catch (IOException e) {
      // standard error is gone: nothing left to tell
    }
    held.reset();
    dropped = 0;
    full = false;
    lineHeld = false;
  }

  @Override
  public synchronized void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public synchronized void write(byte[] b, int off, int len) throws IOException {
    int end = off + len;
    int i = off;
    while (i < end) {
      if (atLineStart) {
        lineHeld = holding;
      }
      int lineEnd = i;
      while (lineEnd < end && b[lineEnd] != '\n') {
        lineEnd++;
      }
      boolean complete = lineEnd < end;
      int n = (complete ? lineEnd + 1 : end) - i;
      if (!lineHeld) {
        target.write(b, i, n);
      } else if (!full && held.size() + n <= MAX_HELD) {
        held.write(b, i, n);
      } else {
        full = true;
        dropped += n;
      }
      atLineStart = complete;
      i += n;
    }
  }

  @Override
  public synchronized void flush() throws IOException {
    if (!lineHeld) {
      target.flush();
    }
  }
}
