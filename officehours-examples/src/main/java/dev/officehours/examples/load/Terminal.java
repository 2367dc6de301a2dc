package dev.officehours.examples.load;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Whether standard error is a terminal, where a progress bar may redraw itself. */
final class Terminal {
  private static final Path STDERR_LINK = Path.of("/proc/self/fd/2");
  private static final File SHELL = new File("/bin/sh");

  private Terminal() {}

  /**
   * Whether standard error is a terminal. On Linux the file descriptor itself says where it
   * points; on other Unix systems a shell that inherits it answers ({@code [ -t 2 ]}). The JVM's
   * console describes standard input and output, not standard error, so it is no answer: when
   * neither way works (Windows) the answer is no, and progress comes as plain lines.
   *
   * @return true on a terminal; false for a file or a pipe, or when it cannot be told
   */
  static boolean stderrIsTerminal() {
    try {
      if (Files.isSymbolicLink(STDERR_LINK)) {
        String target = Files.readSymbolicLink(STDERR_LINK).toString();
        return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
      }
    } catch (IOException | SecurityException | UnsupportedOperationException e) {
      // no /proc: ask a shell below
    }
    return shellSaysStderrIsTerminal();
  }

  /**
   * Asks {@code /bin/sh} whether the standard error it inherits from this process is a terminal.
   *
   * @return its answer; false when there is no shell or it does not answer within a second
   */
  static boolean shellSaysStderrIsTerminal() {
    if (!SHELL.canExecute()) {
      return false;
    }
    try {
      Process p = new ProcessBuilder(SHELL.getPath(), "-c", "[ -t 2 ]")
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectError(ProcessBuilder.Redirect.INHERIT)
          .start();
      if (!p.waitFor(1, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return false;
      }
      return p.exitValue() == 0;
    } catch (IOException | SecurityException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
