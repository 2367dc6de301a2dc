package dev.officehours.examples.bench;

import dev.officehours.examples.sim.SimulatedOpenAiServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;

/**
 * The benchmark's simulated server, in a JVM of its own so that the client's CPU can be measured
 * alone: {@code BenchSimulator ttftMs tokenMs jitterMs answerWords ttfbMs realTimeFactor}. Prints
 * {@code url <base url>}, then answers lines on stdin: {@code stats} prints one line of counters
 * ({@code stats <cpuNanos> <chatRequests> <speechRequests> <activeStreams> <connectionsOpened>
 * <stalledWrites> <writes> <latenessP50Ms> <latenessP99Ms> <latenessP999Ms> <latenessMaxMs>}),
 * {@code arrivals} prints {@code arrivals <nanoTime>...}, when each chat request since the last
 * such line arrived, {@code reset} starts the lateness over; end of input stops it. A speech request that names no
 * format (LangChain4j's TTS model) is served PCM.
 */
public final class BenchSimulator {
  private BenchSimulator() {}

  /**
   * Runs the simulator until stdin ends.
   *
   * @param args ttft ms, token interval ms, jitter ms, answer words (0 natural), TTS TTFB ms, TTS real-time factor
   * @throws Exception when it cannot start or read stdin
   */
  public static void main(String[] args) throws Exception {
    try (SimulatedOpenAiServer sim = SimulatedOpenAiServer.builder()
        .timeToFirstToken(Duration.ofMillis(Long.parseLong(args[0])))
        .tokenInterval(Duration.ofMillis(Long.parseLong(args[1])))
        .tokenJitter(Duration.ofMillis(Long.parseLong(args[2])))
        .answerWords(Integer.parseInt(args[3]))
        .ttsTimeToFirstByte(Duration.ofMillis(Long.parseLong(args[4])))
        .ttsRealTimeFactor(Double.parseDouble(args[5]))
        .defaultSpeechFormat("pcm")
        .recordChatArrivals(true)
        // a system's connections rest while the others run their batches: keep them open
        .idleTimeout(Duration.ofMinutes(10))
        .start()) {
      System.out.println("url " + sim.baseUrl());
      System.out.flush();
      var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      for (String line; (line = in.readLine()) != null; ) {
        if (line.trim().equals("stats")) {
          SimulatedOpenAiServer.Stats s = sim.stats();
          SimulatedOpenAiServer.Lateness l = sim.lateness();
          System.out.println(String.format(Locale.ROOT, "stats %d %d %d %d %d %d %d %.3f %.3f %.3f %.3f",
              os.getProcessCpuTime(), s.chatRequests(), s.speechRequests(), s.activeStreams(),
              sim.connectionsOpened(), sim.stalledWrites(), l.writes(), l.p50Millis(), l.p99Millis(),
              l.p999Millis(), l.maxMillis()));
          System.out.flush();
        } else if (line.trim().equals("arrivals")) {
          StringBuilder sb = new StringBuilder("arrivals");
          for (long t : sim.drainChatArrivals()) {
            sb.append(' ').append(t);
          }
          System.out.println(sb);
          System.out.flush();
        } else if (line.trim().equals("reset")) {
          sim.resetLateness();
        }
      }
    }
  }
}
