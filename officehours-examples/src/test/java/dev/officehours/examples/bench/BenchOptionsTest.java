package dev.officehours.examples.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.officehours.examples.Args.UsageException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The {@code bench} command's flags: the issue's turn by default, and a clear error for each mistake. */
class BenchOptionsTest {

  @Test
  void byDefaultEverySystemRunsAtEveryLevelOfTheIssueWithAndWithoutCaches() {
    BenchOptions o = parse();

    assertEquals(List.of("a", "b", "b-tts", "c", "z"), o.systems());
    assertEquals(List.of(1, 10, 100, 500, 1000), o.concurrency());
    assertEquals(3, o.rounds());
    assertEquals(BenchOptions.Caches.BOTH, o.caches());
    assertEquals(List.of(false, true), o.caches().settings());
    assertEquals(Path.of("target/bench"), o.out());
    assertTrue(o.jdks().isEmpty());
  }

  @Test
  void theDefaultTurnIsTheIssues() {
    SimulatorProcess.SimTiming t = parse().timing();

    assertEquals(Duration.ofMillis(300), t.ttft());
    assertEquals(Duration.ofMillis(20), t.tokenInterval());
    assertEquals(Duration.ofMillis(5), t.jitter());
    assertEquals(64, t.answerWords());
    assertEquals(Duration.ofMillis(150), t.ttsTtfb());
    assertEquals(0.2, t.realTimeFactor());
  }

  @Test
  void theSmokeRunIsTinyAndFast() {
    BenchOptions o = parse("--smoke");

    assertEquals(List.of("a", "b", "c", "z"), o.systems());
    assertEquals(List.of(1, 4), o.concurrency());
    assertEquals(1, o.rounds());
    assertEquals(BenchOptions.Caches.OFF, o.caches());
    assertEquals(BenchOptions.SMOKE_TURN, o.timing());
  }

  @Test
  void flagsGivenWithSmokeWin() {
    BenchOptions o = parse("--smoke", "--caches", "both", "--systems", "a,z", "--llm-ttft", "40ms");

    assertEquals(BenchOptions.Caches.BOTH, o.caches());
    assertEquals(List.of("a", "z"), o.systems());
    assertEquals(Duration.ofMillis(40), o.timing().ttft());
    assertEquals(List.of(1, 4), o.concurrency());
  }

  @Test
  void aChildJvmIsGivenEverySettingAndMeasuresOnly() {
    BenchOptions o = parse("--systems", "a,b", "--concurrency", "1,10", "--rounds", "2", "--caches", "on",
        "--llm-ttft", "250ms", "--tts-realtime-factor", "0.25", "--out", "/tmp/x");

    BenchOptions child = BenchOptions.parse(o.childArgs().toArray(String[]::new)).orElseThrow();

    assertTrue(child.measureOnly());
    assertEquals(o.systems(), child.systems());
    assertEquals(o.concurrency(), child.concurrency());
    assertEquals(o.rounds(), child.rounds());
    assertEquals(o.caches(), child.caches());
    assertEquals(o.timing(), child.timing());
    assertEquals(o.out().toAbsolutePath(), child.out());
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource(delimiter = ';', value = {
      "--systems; a,x; --systems: unknown system 'x' (choose from a, b, b-tts, c, z)",
      "--systems; a,a; --systems names 'a' twice",
      "--concurrency; 1,ten; --concurrency must be whole numbers separated by commas but had 'ten'",
      "--concurrency; 0; --concurrency levels must be in 1..10000 but one was 0",
      "--concurrency; 10,10; --concurrency names 10 twice",
      "--rounds; 0; --rounds must be in 1..1000 but was 0",
      "--caches; sometimes; --caches must be off, on or both but was 'sometimes'",
      "--llm-ttft; soon; --llm-ttft must be a duration like 1500ms, 2s or 1m but was 'soon'",
      "--tts-ttfb; 11s; --tts-ttfb must be at most 10s but was 11000ms",
      "--tts-realtime-factor; 0; --tts-realtime-factor must be above 0 (0.2: speech streams 5x faster than it plays)",
      "--answer-words; -1; --answer-words must be in 0..10000 but was -1",
      "--jdks; /nowhere; --jdks: /nowhere is not a JDK home (it has no executable bin/java)"})
  void aBadValueIsAUsageErrorNamingTheFlag(String flag, String value, String message) {
    UsageException e = assertThrows(UsageException.class, () -> BenchOptions.parse(new String[] {flag, value}));

    assertEquals(message, e.getMessage());
  }

  @Test
  void jitterLargerThanTheTokenIntervalIsRefused() {
    UsageException e = assertThrows(UsageException.class,
        () -> parse("--token-interval", "5ms", "--token-jitter", "6ms"));

    assertTrue(e.getMessage().startsWith("--token-jitter (6 ms) must not exceed --token-interval (5 ms)"), e.getMessage());
  }

  @Test
  void theJvmRunningTheCommandIsNoOtherJdk() {
    String home = System.getProperty("java.home");
    UsageException e = assertThrows(UsageException.class, () -> parse("--jdks", home));

    assertTrue(e.getMessage().contains("which this run already measures"), e.getMessage());
  }

  @Test
  void reportOnlyMeasuresNothingSoItTakesNoJdks() {
    UsageException e = assertThrows(UsageException.class,
        () -> parse("--report-only", "--jdks", System.getProperty("java.home")));

    assertTrue(e.getMessage().startsWith("--report-only only reads the results in --out"), e.getMessage());
  }

  @Test
  void anOutputThatIsAFileIsRefused(@TempDir Path dir) throws Exception {
    Path file = java.nio.file.Files.writeString(dir.resolve("f"), "x");

    UsageException e = assertThrows(UsageException.class, () -> parse("--out", file.toString()));

    assertEquals("--out " + file + " is a file, not a directory", e.getMessage());
  }

  @Test
  void helpPrintsTheUsageAndExitsWithZero() {
    Captured c = run("--help");

    assertEquals(BenchCommand.EXIT_OK, c.code());
    assertTrue(c.out().startsWith("Usage: bench"), c.out());
    assertTrue(c.out().contains("--concurrency 1,10,100,500,1000"), c.out());
    assertEquals("", c.err());
  }

  @Test
  void aMistakeIsOneLineOnStandardErrorAndExitCodeTwo() {
    Captured c = run("--bogus");

    assertEquals(BenchCommand.EXIT_USAGE, c.code());
    assertEquals("", c.out());
    assertEquals("bench: unknown flag --bogus\nRun with --help for the flags.\n", c.err());
  }

  @Test
  void reportOnlyWithoutResultsFailsSayingSo(@TempDir Path dir) {
    Captured c = run("--report-only", "--out", dir.toString());

    assertEquals(BenchCommand.EXIT_FAILED, c.code());
    assertTrue(c.err().contains("no results-java*.json in " + dir), c.err());
  }

  private static BenchOptions parse(String... argv) {
    return BenchOptions.parse(argv).orElseThrow();
  }

  private record Captured(int code, String out, String err) {}

  private static Captured run(String... argv) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = BenchCommand.run(argv, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Captured(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }
}
