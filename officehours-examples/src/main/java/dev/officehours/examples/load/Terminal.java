package dev.officehours.examples.load;

import java.io.Console;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Whether standard error is a terminal, where a progress bar may redraw itself. */
final class Terminal {
  private static final Path STDERR_LINK = Path.of("/proc/self/fd/2");

  private Terminal() {}

  /**
   * Whether standard error is a terminal. On Linux the file descriptor itself says where it
   * points; elsewhere the JVM tells only about standard input and output, whose console is taken
   * as a sign that standard error is the same terminal.
   *
   * @return true on a terminal; false for a file or a pipe
   */
  static boolean stderrIsTerminal() {
    try {
      if (Files.isSymbolicLink(STDERR_LINK)) {
        String target = Files.readSymbolicLink(STDERR_LINK).toString();
        return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
      }
    } catch (IOException | SecurityException | UnsupportedOperationException e) {
      // no /proc: ask the JVM below
    }
    Console console = System.console();
    if (console == null) {
      return false;
    }
    try {
      // Java 22 and later give a console also when nothing is interactive; isTerminal() tells
      return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
    } catch (ReflectiveOperationException | ClassCastException e) {
      return true; // before Java 22 a console means a terminal
    }
  }
}
