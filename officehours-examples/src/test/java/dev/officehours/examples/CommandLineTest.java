package dev.officehours.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The jar's command line as a user types it: every program answers {@code --help} and {@code -h}
 * with its usage on standard output and exit code 0, and refuses a flag it does not know with one
 * line on standard error and exit code 2 (docs/cli.md, "Errors and exit codes"). Flags without a
 * program's name are the chat's, the default program.
 */
class CommandLineTest {

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({
      "'', --help", "'', -h",
      "chat, --help", "chat, -h",
      "serve, --help", "serve, -h",
      "loadtest, --help", "loadtest, -h",
      "simulate, --help", "simulate, -h"})
  void helpPrintsTheUsageOnStandardOutputAndExitsWithZero(String command, String flag) throws Exception {
    JavaProcess.Result r = new JavaProcess().timeoutSeconds(30).run(Main.class, args(command, flag));

    assertEquals(0, r.exitCode(), r.toString());
    assertTrue(r.stdout().startsWith("Usage:"), r.toString());
    assertTrue(r.stdout().contains("--"), "the usage names the flags: " + r);
    assertEquals("", r.stderr(), r.toString());
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({
      "'', --bogus", "chat, --bogus", "chat, -x", "serve, --bogus", "serve, -x", "loadtest, --bogus",
      "loadtest, -x", "simulate, --bogus", "simulate, -x"})
  void anUnknownFlagIsAUsageErrorNamingItOnStandardError(String command, String flag) throws Exception {
    JavaProcess.Result r = new JavaProcess().timeoutSeconds(30).run(Main.class, args(command, flag));

    assertEquals(2, r.exitCode(), r.toString());
    assertEquals("", r.stdout(), r.toString());
    String prefix = (command.isEmpty() ? "chat" : command) + ": "; // flags alone are chat's
    assertTrue(r.stderr().startsWith(prefix + "unknown flag " + flag + "\n"), r.toString());
    assertTrue(r.stderr().contains("--help"), "points to the usage: " + r);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"chat", "serve", "loadtest", "simulate"})
  void helpWinsOverAMistakeBeforeIt(String command) throws Exception {
    JavaProcess.Result r = new JavaProcess().timeoutSeconds(30).run(Main.class, command, "--bogus", "--help");

    assertEquals(0, r.exitCode(), r.toString());
    assertTrue(r.stdout().startsWith("Usage:"), r.toString());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"loadtest", "simulate"})
  void aStrayArgumentIsAUsageError(String command) throws Exception {
    JavaProcess.Result r = new JavaProcess().timeoutSeconds(30).run(Main.class, command, "8080", "extra");

    assertEquals(2, r.exitCode(), r.toString());
    assertTrue(r.stderr().startsWith(command + ": unexpected argument"), r.toString());
  }

  @Test
  void flagsAloneRunTheChatTheDefaultProgram() throws Exception {
    JavaProcess.Result r = new JavaProcess().timeoutSeconds(30).run(Main.class, "--demo", "--no-audio", "--text",
        "What is OfficeHours?");

    assertEquals(0, r.exitCode(), r.toString());
    assertTrue(r.stderr().startsWith("Demo mode"), r.toString());
    assertTrue(r.stdout().contains("OfficeHours"), "the answer: " + r);
  }

  @Test
  void aDoubleDashEndsTheFlags() throws Exception {
    JavaProcess.Result r = new JavaProcess().timeoutSeconds(30).run(Main.class, "chat", "--", "--bogus");

    assertEquals(2, r.exitCode(), r.toString());
    assertTrue(r.stderr().startsWith("chat: unexpected argument '--bogus'"), r.toString());
  }

  private static String[] args(String command, String flag) {
    return command.isEmpty() ? new String[] {flag} : new String[] {command, flag};
  }
}
