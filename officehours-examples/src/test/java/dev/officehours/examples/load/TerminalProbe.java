package dev.officehours.examples.load;

/** Prints what a shell says of this program's standard error: {@code true} on a terminal. */
final class TerminalProbe {
  private TerminalProbe() {}

  public static void main(String[] args) {
    System.out.println("shell says stderr is a terminal: " + Terminal.shellSaysStderrIsTerminal());
  }
}
