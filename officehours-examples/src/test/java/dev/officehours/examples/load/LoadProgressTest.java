package dev.officehours.examples.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.officehours.examples.Main;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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

  private static String loadtest(List<String> flags) {
    List<String> words = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), Main.class.getName(), "loadtest"));
    words.addAll(flags);
    return String.join(" ", words.stream().map(LoadProgressTest::quote).toList());
  }

  private static String quote(Object word) {
    return "'" + word.toString().replace("'", "'\\''") + "'";
  }

  /** Runs a shell command on a new pseudo-terminal; returns what the terminal showed. */
  private String inTerminal(String command) throws IOException, InterruptedException {
    assumeTrue(Files.isExecutable(SCRIPT), "needs script(1) (util-linux) for a terminal");
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
