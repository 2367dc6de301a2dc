package dev.officehours.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.officehours.examples.sim.SimulatedOpenAiServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Ctrl-C as a user presses it: the CLI runs as its own process and gets a real SIGINT. During an
 * answer it cancels the turn (barge-in) and the chat goes on; at the prompt it exits with 130.
 */
class ChatCliCtrlCTest {
  private SimulatedOpenAiServer server;
  private Process process;
  private final BlockingQueue<String> stderrLines = new LinkedBlockingQueue<>();
  private final BlockingQueue<String> stdoutLines = new LinkedBlockingQueue<>();

  @BeforeEach
  void start() throws IOException {
    assumeTrue(Files.isExecutable(Path.of("/bin/kill")) || Files.isExecutable(Path.of("/usr/bin/kill")),
        "needs kill(1) to send SIGINT");
    assumeTrue(!sigintIgnored(), "SIGINT is ignored in this process (a build started in the background"
        + " by a shell without job control, e.g. nohup ... &), so the CLI it starts would ignore Ctrl-C too");
    // A slow answer (a word every 200 ms), so the signal lands while it streams.
    server = SimulatedOpenAiServer.builder()
        .timeToFirstToken(Duration.ofMillis(50))
        .tokenInterval(Duration.ofMillis(200))
        .tokenJitter(Duration.ZERO)
        .answerWords(100)
        .start();
  }

  /** Whether this process ignores SIGINT (Linux: bit 2 of SigIgn in /proc/self/status); a child inherits it. */
  static boolean sigintIgnored() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("SigIgn:")) {
          return (Long.parseLong(line.substring("SigIgn:".length()).trim(), 16) & 0x2) != 0;
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux: assume it is delivered
    }
    return false;
  }

  @AfterEach
  void stop() {
    if (process != null) {
      process.destroyForcibly();
    }
    server.close();
  }

  private void launch(String... more) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>(List.of(java, "-cp",
        System.getProperty("java.class.path"), ChatCli.class.getName(), "--base-url", server.baseUrl(), "--no-audio"));
    command.addAll(List.of(more));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().remove("OPENAI_API_KEY");
    process = pb.start();
    pump(process.getInputStream(), stdoutLines);
    pump(process.getErrorStream(), stderrLines);
  }

  private static void pump(InputStream in, BlockingQueue<String> lines) {
    Thread t = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
        // The answer streams without line ends: read what is there, not whole lines only.
        char[] buf = new char[4096];
        int n;
        while ((n = r.read(buf)) > 0) {
          lines.add(new String(buf, 0, n));
        }
      } catch (IOException e) {
        // the process ended
      }
    }, "cli-output");
    t.setDaemon(true);
    t.start();
  }

  /** Waits up to 30 s for output matching {@code p}; returns everything read until then. */
  private static String awaitOutput(BlockingQueue<String> lines, StringBuilder seen, Predicate<String> p)
      throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!p.test(seen.toString())) {
      long left = end - System.nanoTime();
      String next = left > 0 ? lines.poll(left, TimeUnit.NANOSECONDS) : null;
      if (next == null) {
        throw new AssertionError("no such output within 30 s; got: " + seen);
      }
      seen.append(next);
    }
    return seen.toString();
  }

  private void sigint() throws Exception {
    Process kill = new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).inheritIO().start();
    assertEquals(0, kill.waitFor());
  }

  private void type(String line) throws IOException {
    OutputStream in = process.getOutputStream();
    in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    in.flush();
  }

  @Test
  void ctrlCDuringAnAnswerCancelsTheTurnAndTheChatGoesOn() throws Exception {
    launch();
    StringBuilder err = new StringBuilder();
    StringBuilder out = new StringBuilder();
    awaitOutput(stderrLines, err, s -> s.contains("Type a question"));
    type("What is OfficeHours?");
    awaitOutput(stdoutLines, out, s -> s.trim().split("\\s+").length >= 3); // the answer is streaming

    sigint();
    awaitOutput(stderrLines, err, s -> s.contains("[interrupted]"));
    assertTrue(process.isAlive(), "Ctrl-C during an answer must not end the program");
    int wordsAtCancel = out.toString().trim().split("\\s+").length;
    assertTrue(wordsAtCancel < 100, "the answer was cut short: " + out);

    type("/quit");
    assertTrue(process.waitFor(30, TimeUnit.SECONDS));
    assertEquals(ChatCli.EXIT_OK, process.exitValue(), err.toString());
    assertFalse(err.toString().contains("Exception"), err.toString());
  }

  @Test
  void ctrlCAtThePromptExitsWith130() throws Exception {
    launch();
    StringBuilder err = new StringBuilder();
    awaitOutput(stderrLines, err, s -> s.contains("Type a question"));
    sigint();
    assertTrue(process.waitFor(30, TimeUnit.SECONDS));
    assertEquals(ChatCli.EXIT_INTERRUPTED, process.exitValue());
  }

  @Test
  void ctrlCDuringAOneShotAnswerExitsWith130() throws Exception {
    launch("--text", "What is OfficeHours?");
    StringBuilder err = new StringBuilder();
    StringBuilder out = new StringBuilder();
    awaitOutput(stdoutLines, out, s -> s.trim().split("\\s+").length >= 3); // the answer is streaming

    sigint();
    assertTrue(process.waitFor(30, TimeUnit.SECONDS));
    // a truncated answer is not a success: a script must be able to tell
    assertEquals(ChatCli.EXIT_INTERRUPTED, process.exitValue(), awaitOutput(stderrLines, err, s -> true));
    assertTrue(out.toString().trim().split("\\s+").length < 100, "the answer was cut short: " + out);
  }
}
