package dev.officehours.examples.bench;

import dev.officehours.examples.bench.BenchResults.Level;
import dev.officehours.examples.bench.BenchResults.SystemResult;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.markers.Marker;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The report's charts, PNG, drawn by XChart without a display ({@code java.awt.headless} must be set
 * before the first AWT class loads; the command sets it first thing): time to first audio by
 * concurrency for each Java version, and CPU per turn, platform threads and heap per turn by
 * concurrency with the Java versions side by side.
 */
final class BenchCharts {
  static final String TTFA = "ttfa-by-concurrency-java";
  static final String CPU = "cpu-per-turn.png";
  static final String THREADS = "threads-by-concurrency.png";
  static final String HEAP = "heap-per-turn.png";

  private static final int WIDTH = 1000;
  private static final int HEIGHT = 600;
  private static final Map<String, Color> COLORS = Map.of(
      "a", new Color(0x1f, 0x77, 0xb4),
      "b", new Color(0xff, 0x7f, 0x0e),
      "b-tts", new Color(0xd6, 0x27, 0x28),
      "c", new Color(0x94, 0x67, 0xbd),
      "z", new Color(0x4d, 0x4d, 0x4d));
  private static final Color CACHED = new Color(0x17, 0xa3, 0x8f);
  private static final BasicStroke SOLID = new BasicStroke(2.2f);
  private static final BasicStroke DASHED = new BasicStroke(1.6f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f,
      new float[] {7f, 5f}, 0f);
  private static final BasicStroke DOTTED = new BasicStroke(1.8f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND, 10f,
      new float[] {1.5f, 4f}, 0f);
  private static final Marker[] JAVA_MARKERS = {SeriesMarkers.CIRCLE, SeriesMarkers.DIAMOND, SeriesMarkers.SQUARE,
      SeriesMarkers.TRIANGLE_UP};

  private BenchCharts() {}

  /**
   * Draws every chart the runs have data for.
   *
   * @param runs the runs, by Java version
   * @param dir where the PNGs go
   * @return the files written
   */
  static List<Path> write(List<BenchResults> runs, Path dir) throws IOException {
    List<Path> files = new ArrayList<>();
    for (BenchResults run : runs) {
      save(ttfa(run), dir.resolve(TTFA + run.jvm().feature() + ".png"), files);
    }
    // log scale: at one turn the JIT's remaining work is spread over a single turn and dwarfs the rest
    save(byJava(runs, "CPU per turn in the client JVM", "client CPU per turn (ms, log scale)",
        SystemResult::cpuMsPerTurn, true), dir.resolve(CPU), files);
    save(byJava(runs, "Platform threads a batch used", "platform threads (log scale)",
        s -> s.platformThreads(), true), dir.resolve(THREADS), files);
    save(byJava(runs, "Heap per turn in flight", "heap growth per active turn (KB)",
        SystemResult::heapKbPerTurn, false), dir.resolve(HEAP), files);
    return files;
  }

  /** The alt text of a chart file. */
  static String caption(String file) {
    if (file.startsWith(TTFA)) {
      return "Time to first audio by concurrency, Java " + file.substring(TTFA.length(), file.length() - 4)
          + ": p50 solid, p99 dashed";
    }
    return switch (file) {
      case CPU -> "Client CPU per turn by concurrency, caches off";
      case THREADS -> "Platform threads by concurrency, caches off";
      case HEAP -> "Heap per active turn by concurrency, caches off";
      default -> file;
    };
  }

  /** a/b/b-tts/c/z TTFA p50 (solid) and p99 (dashed); a with caches dotted when it was measured. */
  private static XYChart ttfa(BenchResults run) {
    List<Level> levels = compared(run);
    Plot chart = chart("Time to first audio by concurrency — Java " + run.jvm().feature()
        + (levels.isEmpty() || !levels.get(0).caches() ? "" : ", caches on"), "time to first audio (ms)", run.levels(),
        false);
    for (String id : systems(levels)) {
      Color color = COLORS.getOrDefault(id, Color.BLACK);
      series(chart, id + " p50", levels, id, s -> s.ttfaMillis().p50(), color, SOLID, SeriesMarkers.CIRCLE);
      series(chart, id + " p99", levels, id, s -> s.ttfaMillis().p99(), color, DASHED, SeriesMarkers.NONE);
    }
    List<Level> cached = run.levels().stream().filter(Level::caches).toList();
    if (!levels.isEmpty() && !levels.get(0).caches() && !cached.isEmpty()) {
      series(chart, BenchReport.SUBJECT + " p50, caches on", cached, BenchReport.SUBJECT, s -> s.ttfaMillis().p50(),
          CACHED, DOTTED, SeriesMarkers.TRIANGLE_UP);
    }
    return chart.chart();
  }

  /** One figure per system and Java version: the systems by colour, Java versions by marker and line. */
  private static XYChart byJava(List<BenchResults> runs, String title, String yTitle,
      ToDoubleFunction<SystemResult> value, boolean logY) {
    List<Level> all = runs.stream().flatMap(r -> compared(r).stream()).toList();
    String versions = String.join(" vs ", runs.stream().map(r -> "Java " + r.jvm().feature()).toList());
    boolean cachesOn = !all.isEmpty() && all.stream().allMatch(Level::caches);
    Plot chart = chart(title + " — " + versions + (cachesOn ? ", caches on" : ", caches off"), yTitle, all, logY);
    List<String> ids = systems(all);
    for (String id : ids) {
      for (int i = 0; i < runs.size(); i++) {
        BenchResults run = runs.get(i);
        series(chart, id + " · Java " + run.jvm().feature(), compared(run), id, value,
            COLORS.getOrDefault(id, Color.BLACK), i == 0 ? SOLID : DASHED, JAVA_MARKERS[i % JAVA_MARKERS.length]);
      }
    }
    return chart.chart();
  }

  /** The levels a chart compares: caches off where there are any (caches change only a). */
  private static List<Level> compared(BenchResults run) {
    List<Level> off = run.levels().stream().filter(l -> !l.caches()).toList();
    return off.isEmpty() ? run.levels() : off;
  }

  private static List<String> systems(List<Level> levels) {
    List<String> ids = new ArrayList<>();
    for (String id : BenchOptions.ALL_SYSTEMS) {
      if (levels.stream().anyMatch(l -> BenchReport.system(l, id) != null)) {
        ids.add(id);
      }
    }
    return ids;
  }

  /**
   * A chart and its levels. XChart labels a log axis at powers of ten only, and 500 is no power of
   * ten: the levels are placed one step apart and each step labelled with its level (evenly spaced
   * x values get a tick each).
   */
  private record Plot(XYChart chart, List<Integer> levels, boolean logY) {
    String label(double position) {
      int i = (int) Math.round(position);
      return Math.abs(position - i) < 1e-6 && i >= 0 && i < levels.size()
          ? String.format(java.util.Locale.ROOT, "%,d", levels.get(i)) : "";
    }
  }

  private static Plot chart(String title, String yTitle, List<Level> levels, boolean logY) {
    XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title)
        .xAxisTitle("turns started at once").yAxisTitle(yTitle).build();
    Plot plot = new Plot(chart, levels.stream().map(Level::concurrency).distinct().sorted().toList(), logY);
    XYStyler s = chart.getStyler();
    s.setChartBackgroundColor(Color.WHITE);
    s.setPlotBackgroundColor(Color.WHITE);
    s.setPlotBorderColor(new Color(0xbb, 0xbb, 0xbb));
    s.setPlotGridLinesColor(new Color(0xe4, 0xe4, 0xe4));
    s.setLegendPosition(Styler.LegendPosition.OutsideE);
    s.setLegendBorderColor(Color.WHITE);
    s.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 17));
    s.setAxisTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
    s.setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
    s.setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
    s.setMarkerSize(7);
    s.setAntiAlias(true);
    s.setxAxisTickLabelsFormattingFunction(plot::label);
    if (logY) {
      s.setYAxisLogarithmic(true);
      // XChart labels only powers of ten by default; between them too, so values can be read
      s.setYAxisLogarithmicDecadeOnly(false);
      s.setYAxisDecimalPattern("#,##0.#");
    } else {
      s.setYAxisDecimalPattern("#,##0.#");
      s.setYAxisMin(0.0);
    }
    return plot;
  }

  private static void series(Plot plot, String name, List<Level> levels, String id,
      ToDoubleFunction<SystemResult> value, Color color, BasicStroke line, Marker marker) {
    TreeMap<Integer, Double> points = new TreeMap<>();
    for (Level l : levels) {
      SystemResult s = BenchReport.system(l, id);
      if (s != null) {
        double v = value.applyAsDouble(s);
        if (Double.isFinite(v) && (v > 0 || !plot.logY())) {
          points.put(l.concurrency(), v);
        }
      }
    }
    if (points.isEmpty()) {
      return;
    }
    double[] x = points.keySet().stream().mapToDouble(c -> plot.levels().indexOf(c)).toArray();
    double[] y = points.values().stream().mapToDouble(Double::doubleValue).toArray();
    XYSeries series = plot.chart().addSeries(name, x, y);
    series.setLineColor(color);
    series.setMarkerColor(color);
    series.setLineStyle(line);
    series.setMarker(marker);
  }

  /** Saves a chart that has something to show. */
  private static void save(XYChart chart, Path file, List<Path> files) throws IOException {
    if (!chart.getSeriesMap().isEmpty()) {
      BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
      files.add(file);
    }
  }
}
