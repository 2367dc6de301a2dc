package dev.officehours.examples.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.officehours.examples.JavaProcess;
import dev.officehours.examples.Main;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bench --smoke} as a user runs it from the jar: a JVM of its own, the simulator in another,
 * real HTTP over loopback. It measures a, b, c and z at 1 and 4 concurrent turns and leaves the
 * results, the report and the charts in {@code --out}. Figures are not checked (a smoke run's mean
 * nothing); what must hold whatever the machine is.
 */
class BenchSmokeTest {
  private static final List<String> SYSTEMS = List.of("a", "b", "c", "z");

  @TempDir
  static Path out;
  static JavaProcess.Result run;

  @BeforeAll
  static void runTheSmokeBenchmark() throws Exception {
    run = new JavaProcess().jvmOption("-Xmx512m").timeoutSeconds(180)
        .run(Main.class, "bench", "--smoke", "--out", out.toString());
  }

  @Test
  void exitsWithZeroAndSaysWhereTheReportIs() {
    assertEquals(0, run.exitCode(), run.toString());
    assertTrue(run.stdout().contains("Report: " + out.resolve("report.md").toAbsolutePath()), run.toString());
  }

  @Test
  void theResultsHoldEverySystemAtBothLevelsWithoutErrors() throws Exception {
    BenchResults results = BenchResults.read(out.resolve("results-java" + Runtime.version().feature() + ".json"));

    assertEquals(List.of(1, 4), results.levels().stream().map(BenchResults.Level::concurrency).toList());
    for (BenchResults.Level level : results.levels()) {
      assertEquals(SYSTEMS, level.systems().stream().map(BenchResults.SystemResult::system).toList());
      for (BenchResults.SystemResult s : level.systems()) {
        assertEquals(0, s.errors(), s.system() + " at " + level.concurrency() + ": " + s.errorSamples());
        assertEquals(level.concurrency(), s.ttfaMillis().n(), "one measured batch of that many turns");
      }
    }
  }

  @Test
  void everyTurnHeardAudioBeforeItsEnd() throws Exception {
    BenchResults results = BenchResults.read(out.resolve("results-java" + Runtime.version().feature() + ".json"));

    for (BenchResults.Level level : results.levels()) {
      for (BenchResults.SystemResult s : level.systems()) {
        String what = s.system() + " at " + level.concurrency();
        assertTrue(s.ttfaMillis().p50() > 0, what);
        assertTrue(s.ttfaMillis().max() <= s.totalMillis().max(), what);
        assertTrue(s.ttfaMillis().p50() <= s.totalMillis().p50(), what);
        assertTrue(s.audioKbPerTurn() > 0, what);
      }
    }
  }

  @Test
  void theSimulatorReportsItsCpuAndLatenessPerLevel() throws Exception {
    BenchResults results = BenchResults.read(out.resolve("results-java" + Runtime.version().feature() + ".json"));

    for (BenchResults.Level level : results.levels()) {
      assertTrue(level.simulator().writes() > 0, "writes at " + level.concurrency());
      assertTrue(level.simulator().latenessMaxMs() >= level.simulator().latenessP99Ms(), "at " + level.concurrency());
      assertTrue(level.ideal().firstChunkMillis() > 0, "the ideal at " + level.concurrency());
      assertTrue(level.ideal().firstChunkMillis() <= level.ideal().wholeAnswerMillis(), "at " + level.concurrency());
    }
  }

  @Test
  void theReportHasTheTableAndEverySystem() throws Exception {
    String report = Files.readString(out.resolve("report.md"));

    assertTrue(report.contains("| " + String.join(" | ", BenchReport.HEADER) + " |"), report);
    for (String id : SYSTEMS) {
      assertTrue(report.contains("| 4 | " + id + " | "), "a row of " + id + " at 4 concurrent:\n" + report);
    }
    assertTrue(report.contains("bench --smoke"), "the command that reproduces it:\n" + report);
  }

  @Test
  void everyChartIsAPngWithAPicture() throws Exception {
    for (String chart : List.of("ttfa-by-concurrency-java" + Runtime.version().feature() + ".png", "cpu-per-turn.png",
        "threads-by-concurrency.png", "heap-per-turn.png")) {
      Path file = out.resolve(chart);
      assertTrue(Files.isRegularFile(file), chart + " is missing: " + run);
      BufferedImage image = ImageIO.read(file.toFile());
      assertNotNull(image, chart + " is not an image");
      assertTrue(image.getWidth() > 0 && image.getHeight() > 0, chart);
      assertTrue(Files.readString(out.resolve("report.md")).contains("](" + chart + ")"), "the report shows " + chart);
    }
  }
}
