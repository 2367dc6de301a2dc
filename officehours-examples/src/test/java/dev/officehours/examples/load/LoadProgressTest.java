package dev.officehours.examples.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.officehours.examples.Main;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The live progress bar redraws itself with carriage returns: right on a terminal, litter in a
 * file. The load tester runs as its own process under script(1), which gives it a real terminal
 * (a pseudo-terminal) for its standard input and output, as in a shell.
 */
class LoadProgressTest {
  private static final Path SCRIPT = Path.of("/usr/bin/script");
  private static final List<String> FAST = List.of("--latency-tests", "3", "--llm-ttft", "5ms", "--token-interval",
      "1ms", "--token-jitter", "0ms", "--answer-words", "12", "--tts-ttfb", "5ms", "--tts-realtime-factor", "0");

  private static final boolean UTIL_LINUX_SCRIPT = isUtilLinuxScript();

  @TempDir
  Path dir;

  @Test
  void aStandardErrorRedirectedToAFileGetsNoProgressFrames() throws Exception {
    Path err = dir.resolve("stderr.txt");
    String terminal = inTerminal(loadtest(FAST) + " 2>" + quote(err));

    String written = Files.readString(err, StandardCharsets.UTF_8);
    assertFalse(written.contains("\r"), "no carriage-return frames in the file: " + written);
    assertTrue(terminal.contains("# OfficeHours load test"), "the report still goes to standard output: " + terminal);
  }

  @Test
  void theLiveBarIsDrawnWhenStandardErrorIsATerminal() throws Exception {
    String terminal = inTerminal(loadtest(FAST));

    assertTrue(terminal.contains("\r["), "the bar redraws itself: " + terminal);
    assertTrue(terminal.contains("3/3 turns"), terminal);
  }

  @Test
  void progressDrawsTheBarEvenIntoAFile() throws Exception {
    Path err = dir.resolve("stderr.txt");
    List<String> flags = new ArrayList<>(FAST);
    flags.add("--progress");
    inTerminal(loadtest(flags) + " 2>" + quote(err));

    assertTrue(Files.readString(err, StandardCharsets.UTF_8).contains("\r["), "asked for: drawn anyway");
  }

  @Test
  void noProgressDrawsNoBarOnATerminal() throws Exception {
    List<String> flags = new ArrayList<>(FAST);
    flags.add("--no-progress");
    String terminal = inTerminal(loadtest(flags));

    assertFalse(terminal.contains("\r["), terminal);
  }

  @Test
  void aPlainProgressLineIsWrittenNowAndThenWhenStandardErrorIsNoTerminal() {
    assumeFalse(Terminal.stderrIsTerminal(), "this test JVM's standard error must be a file or a pipe");
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    List<String> flags = new ArrayList<>(FAST);
    flags.set(flags.indexOf("--llm-ttft") + 1, "100ms"); // a run of 300 ms or more: several 20 ms intervals

    int code = LoadTester.run(flags.toArray(String[]::new), new PrintStream(new ByteArrayOutputStream()),
        new PrintStream(err, true, StandardCharsets.UTF_8), Duration.ofMillis(20));

    String written = err.toString(StandardCharsets.UTF_8);
    assertEquals(LoadTester.EXIT_OK, code, written);
    assertFalse(written.contains("\r"), written);
    List<String> progress = written.lines().filter(l -> l.startsWith("progress: ")).toList();
    assertFalse(progress.isEmpty(), written);
    // whatever the scheduler managed meanwhile, the run ends with a line for all of it
    assertTrue(progress.get(progress.size() - 1).startsWith("progress: 3/3 turns, "), written);
    // as docs/load-testing.md shows it: progress: 120/500 turns, 24.1/s, errors 0, p99 TTFA 650 ms
    for (String line : progress) {
      assertTrue(line.matches("progress: [0-3]/3 turns, \\d+\\.\\d/s, errors 0, p99 TTFA (-|\\d+ ms)"), line);
    }
  }

  @Test
  void aShellTellsWhetherStandardErrorIsATerminal() throws Exception {
    String probe = String.join(" ", java(TerminalProbe.class.getName()).stream().map(LoadProgressTest::quote).toList());

    assertTrue(inTerminal(probe).contains("shell says stderr is a terminal: true"), "on the pseudo-terminal");
    assertTrue(inTerminal(probe + " 2>" + quote(dir.resolve("stderr.txt"))).contains(
        "shell says stderr is a terminal: false"), "redirected to a file");
  }

  @Test
  void aShellSaysAPipeIsNoTerminal() {
    // this test JVM's standard error is surefire's pipe or a file
    assumeFalse(Terminal.stderrIsTerminal(), "this test JVM's standard error must be a file or a pipe");

    assertFalse(Terminal.shellSaysStderrIsTerminal());
  }

  private static List<String> java(String mainClass) {
    return new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), mainClass));
  }

  private static String loadtest(List<String> flags) {
    List<String> words = java(Main.class.getName());
    words.add("loadtest");
    words.addAll(flags);
    return String.join(" ", words.stream().map(LoadProgressTest::quote).toList());
  }

  private static String quote(Object word) {
    return "'" + word.toString().replace("'", "'\\''") + "'";
  }

  /** Whether {@link #SCRIPT} is util-linux's, whose -q -e -c this test uses. */
  private static boolean isUtilLinuxScript() {
    if (!Files.isExecutable(SCRIPT)) {
      return false;
    }
    try {
      Process p = new ProcessBuilder(SCRIPT.toString(), "--version").redirectErrorStream(true)
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
      String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 && said.contains("util-linux");
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Runs a shell command on a new pseudo-terminal; returns what the terminal showed. */
  private String inTerminal(String command) throws IOException, InterruptedException {
    assumeTrue(UTIL_LINUX_SCRIPT, "needs util-linux's script(1) for a terminal (BSD's takes other flags)");
    Path shown = dir.resolve("terminal.txt");
    Process p = new ProcessBuilder(SCRIPT.toString(), "-qec", command, "/dev/null")
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .redirectOutput(shown.toFile()).redirectErrorStream(true).start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor();
      throw new AssertionError("the load test did not end within 60 s: " + Files.readString(shown));
    }
    String output = Files.readString(shown, StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), output);
    return output;
  }
}
