package dev.officehours.examples.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.officehours.examples.audio.Wav;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Invocable.InvocationType;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A <b>simulated</b> OpenAI-compatible server on loopback: no model, no key, no network. It
 * speaks the real wire protocol, so the real OpenAI providers talk to it unchanged:
 *
 * <ul>
 *   <li>{@code POST /v1/chat/completions}: server-sent events (a role chunk, content chunks, a
 *       finish chunk, a usage chunk when {@code stream_options.include_usage} is set, then
 *       {@code [DONE]}), or one JSON body when {@code stream} is false. Answers come from the
 *       {@link KnowledgeBase} and are the same for the same question. Tools: when the request
 *       offers {@value KnowledgeBase#OFFICE_HOURS_TOOL} (and {@code tool_choice} is not {@code
 *       none}), a question about office hours is answered with "{@value
 *       KnowledgeBase#TOOL_PREAMBLE}" and a call to it in OpenAI's streamed shape (id
 *       {@code call_sim_<n>}, name and empty arguments first, then the arguments in three pieces,
 *       {@code finish_reason} {@code tool_calls}); a conversation that ends with tool messages is
 *       answered from their content. Without tools nothing changes.
 *   <li>{@code POST /v1/audio/speech}: {@code pcm} (24 kHz, 16-bit little-endian, mono) or
 *       {@code wav} of synthetic speech-like audio ({@link SyntheticVoice}), streamed at the
 *       configured real-time factor.
 *   <li>{@code POST /v1/audio/transcriptions}: OpenAI's multipart upload, answered without
 *       listening: a WAV labelled by our tooling ({@link Wav#labelled}) is heard as its label, any
 *       other WAV as "This is a simulated transcript of N seconds of audio.", other audio as
 *       "This is a simulated transcript."; the JSON says {@code "simulated": true}.
 *   <li>{@code GET /v1/models}: the one model, {@value #MODEL}.
 * </ul>
 *
 * <p>Every response is labelled: the model is {@value #MODEL} and the header
 * {@value #SIMULATED_HEADER}{@code : true} is set. Timing (time to first token, token interval
 * and jitter, TTS time to first byte and real-time factor), answer length and faults are
 * configurable through the {@link Builder}.
 *
 * <p>No thread is held per stream, and no write ever blocks: it runs on Jetty's non-blocking
 * connector (a few threads), and each token or audio frame is handed to Jetty with an
 * asynchronous write, one outstanding per stream, whose completion schedules the next at its due
 * time on a two-thread scheduler. A client that stops reading leaves only its own stream waiting
 * for its socket; the other streams keep their schedule, so a client that holds several streams
 * open per turn is measured, not the simulator. How well it keeps that schedule is measured too
 * ({@link #lateness()}). It is the engine of the load tester, the benchmarks and the offline demo.
 */
public final class SimulatedOpenAiServer implements AutoCloseable {
  /** The model name every simulated response reports. */
  public static final String MODEL = "officehours-simulated";
  /** The header that marks every response as simulated. */
  public static final String SIMULATED_HEADER = "X-OfficeHours-Simulated";

  private static final Logger log = LoggerFactory.getLogger(SimulatedOpenAiServer.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int AUDIO_FRAME_BYTES = SyntheticVoice.SAMPLE_RATE * 2 / 10; // 100 ms
  private static final String DONE = "data: [DONE]\n\n";
  /** Jetty's threads: one acceptor, one selector, and a few to parse requests; none waits on a stream. */
  private static final int HTTP_THREADS = 8;
  /** The threads that hand the streams' writes to Jetty at their due times. */
  private static final int SCHEDULER_THREADS = 2;
  /** The least time a write may take before it counts as stalled, for streams without a pace. */
  private static final long MIN_STALL_NANOS = 1_000_000;

  static {
    // Jetty announces its version and every start at INFO; the simulator's own line says enough.
    // An explicit setting wins, and it matters only where slf4j-simple is the binding.
    for (String noisy : new String[] {"org.eclipse.jetty.server.Server", "org.eclipse.jetty.server.AbstractConnector"}) {
      if (System.getProperty("org.slf4j.simpleLogger.log." + noisy) == null) {
        System.setProperty("org.slf4j.simpleLogger.log." + noisy, "warn");
      }
    }
  }

  private final Builder settings;
  private final List<Fault> faults;
  private final Random random;
  private final double[] chatFaults = new double[1];
  private final double[] speechFaults = new double[1];
  private final Server server;
  private final ServerConnector connector;
  private final LongAdder connectionsOpened = new LongAdder();
  private final java.util.concurrent.ConcurrentLinkedQueue<Long> chatArrivals = new java.util.concurrent.ConcurrentLinkedQueue<>();
  private final ScheduledThreadPoolExecutor scheduler;
  private final AtomicLong ids = new AtomicLong();
  private final AtomicLong toolCallIds = new AtomicLong();
  private final LongAdder chatRequests = new LongAdder();
  private final LongAdder speechRequests = new LongAdder();
  private final AtomicInteger activeStreams = new AtomicInteger();
  private final LongAdder abandonedStreams = new LongAdder();
  private final Map<String, LongAdder> faultCounts = new ConcurrentHashMap<>();
  /** Every scheduled write's lateness in nanoseconds; recording is wait-free, reading takes {@link #latenessTotal}. */
  private final Recorder latenessRecorder = new Recorder(3);
  private final Histogram latenessTotal = new Histogram(3);
  private Histogram latenessInterval;
  private final LongAdder stalledWrites = new LongAdder();

  private SimulatedOpenAiServer(Builder b) throws IOException {
    this.settings = b.copy();
    this.faults = List.copyOf(b.faults);
    this.random = new Random(b.seed);
    this.chatFaults[0] = random.nextDouble();
    this.speechFaults[0] = random.nextDouble();
    this.scheduler = new ScheduledThreadPoolExecutor(SCHEDULER_THREADS, daemon("officehours-sim-stream"));
    scheduler.setRemoveOnCancelPolicy(true);
    QueuedThreadPool threads = new QueuedThreadPool(HTTP_THREADS, 2);
    threads.setName("officehours-sim-http");
    threads.setDaemon(true);
    this.server = new Server(threads, new ScheduledExecutorScheduler("officehours-sim-timer", true), null);
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    // Each connection keeps an output buffer while it is open; Jetty's default (32 KiB) times
    // the thousands of connections a 1,000-turn load test holds is most of a small heap, and a
    // token or an audio frame (4.8 KB) never needs more than this.
    http.setOutputBufferSize(8 * 1024);
    this.connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
    connector.setHost(InetAddress.getLoopbackAddress().getHostAddress());
    connector.setPort(b.port);
    connector.setAcceptQueueSize(1024);
    // Jetty's default, stated: without it each small SSE write waits for the client's delayed ACK (~40 ms)
    connector.setAcceptedTcpNoDelay(true);
    connector.setIdleTimeout(b.idleTimeout.toMillis());
    connector.addEventListener(new org.eclipse.jetty.io.Connection.Listener() {
      @Override
      public void onOpened(org.eclipse.jetty.io.Connection connection) {
        connectionsOpened.increment();
      }
    });
    server.addConnector(connector);
    server.setHandler(new Router());
    try {
      server.start();
    } catch (Exception e) {
      close();
      throw e instanceof IOException io ? io : new IOException(e);
    }
    log.info("Simulated OpenAI-compatible server (no real model: canned answers, synthetic voice) on {}",
        baseUrl());
  }

  /**
   * Starts configuring a simulated server.
   *
   * @return a builder with the defaults of a fast hosted model (see {@link Builder})
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Starts a simulated server with the default settings on a free loopback port.
   *
   * @return the running server; close it to stop it
   * @throws UncheckedIOException when no port can be bound
   */
  public static SimulatedOpenAiServer start() {
    return builder().start();
  }

  /**
   * Where OpenAI clients find it.
   *
   * @return the base URL, e.g. {@code http://127.0.0.1:54321/v1}
   */
  public String baseUrl() {
    return "http://" + InetAddress.getLoopbackAddress().getHostAddress() + ":" + port() + "/v1";
  }

  /**
   * The port it listens on, on the loopback address.
   *
   * @return the port
   */
  public int port() {
    return connector.getLocalPort();
  }

  /**
   * Counts what it served so far.
   *
   * @return the counters since it started
   */
  public Stats stats() {
    Map<String, Long> f = new TreeMap<>();
    faultCounts.forEach((k, v) -> f.put(k, v.sum()));
    return new Stats(chatRequests.sum(), speechRequests.sum(), activeStreams.get(), f);
  }

  /**
   * How late the streams' scheduled writes were handed to the socket, since the start or the last
   * {@link #resetLateness()}: whether the simulator kept its own schedule. A write's lateness runs
   * from its due time (time to first token, token interval and jitter; time to first byte, frame
   * pace) or, when the client had not yet taken the previous write off the socket, from the moment
   * it did: what the client's own reading holds back is the client's, and shows as {@link
   * #stalledWrites()} instead. The first chunk of a chat stream (the role, sent at once with the
   * headers) is not scheduled and not counted.
   *
   * @return the number of scheduled writes and their lateness percentiles
   */
  public Lateness lateness() {
    synchronized (latenessTotal) {
      latenessInterval = latenessRecorder.getIntervalHistogram(latenessInterval);
      latenessTotal.add(latenessInterval);
      return new Lateness(latenessTotal.getTotalCount(), millis(latenessTotal.getValueAtPercentile(50)),
          millis(latenessTotal.getValueAtPercentile(99)), millis(latenessTotal.getValueAtPercentile(99.9)),
          millis(latenessTotal.getMaxValue()));
    }
  }

  /** Forgets the lateness and the stalled writes measured so far, so that one phase of a benchmark can be measured. */
  public void resetLateness() {
    synchronized (latenessTotal) {
      latenessRecorder.reset();
      latenessTotal.reset();
      stalledWrites.reset();
    }
  }

  /**
   * Counts the writes the client held back, since the start or the last {@link #resetLateness()}:
   * those whose completion took longer than the stream's pace (the token interval, or an audio
   * frame's share of the real-time factor; at least 1 ms), because the client's socket was full.
   * The stream waits for such a write without holding a thread, and the other streams go on.
   *
   * @return the number of stalled writes
   */
  public long stalledWrites() {
    return stalledWrites.sum();
  }

  /**
   * Counts the TCP connections clients opened since the server started: with connection reuse, a
   * small fraction of the requests.
   *
   * @return the connections accepted so far
   */
  public long connectionsOpened() {
    return connectionsOpened.sum();
  }

  /**
   * Takes the arrival times of the chat requests recorded since the last call, when the server
   * was built with {@link Builder#recordChatArrivals}: {@link System#nanoTime()} when each request
   * reached the server, before its body was read. On Linux that clock is the same in every
   * process of the machine, so a benchmark in another JVM can match them with the times it
   * started its turns.
   *
   * @return the arrival times, oldest first; empty when not recording
   */
  public List<Long> drainChatArrivals() {
    List<Long> out = new ArrayList<>();
    for (Long t; (t = chatArrivals.poll()) != null; ) {
      out.add(t);
    }
    return out;
  }

  /** Streams that ended because a write failed: the client left, or stopped reading for Jetty's idle timeout. */
  long abandonedStreams() {
    return abandonedStreams.sum();
  }

  private static double millis(long nanos) {
    return nanos / 1e6;
  }

  /** Stops at once; streams in flight are cut off. */
  @Override
  public void close() {
    try {
      server.stop();
    } catch (Exception e) {
      log.debug("the simulated server did not stop cleanly", e);
    }
    scheduler.shutdownNow();
  }

  /**
   * What the server has served.
   *
   * @param chatRequests chat completion requests received
   * @param speechRequests speech requests received
   * @param activeStreams responses being streamed right now
   * @param faults injected faults by error code
   */
  public record Stats(long chatRequests, long speechRequests, int activeStreams, Map<String, Long> faults) {
    /**
     * Copies the map.
     *
     * @param chatRequests chat completion requests received
     * @param speechRequests speech requests received
     * @param activeStreams responses being streamed right now
     * @param faults injected faults by error code
     */
    public Stats {
      faults = Map.copyOf(faults);
    }

    /**
     * Counts every injected fault.
     *
     * @return the sum of {@link #faults()}
     */
    public long totalFaults() {
      return faults.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  /**
   * How late the simulator handed its scheduled writes to the socket (see {@link #lateness()}):
   * near zero when it keeps its schedule, whatever its clients do.
   *
   * @param writes the scheduled writes measured
   * @param p50Millis the median lateness, in milliseconds
   * @param p99Millis the 99th percentile, in milliseconds
   * @param p999Millis the 99.9th percentile, in milliseconds
   * @param maxMillis the largest, in milliseconds
   */
  public record Lateness(long writes, double p50Millis, double p99Millis, double p999Millis, double maxMillis) {}

  // ---------------------------------------------------------------- routing

  /** One request: Jetty's request, response and the callback that completes it. */
  private record Exchange(Request request, Response response, Callback callback) {}

  /** Reads the small body without blocking, then routes; a stream completes the callback later. */
  private final class Router extends Handler.Abstract {
    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      long arrived = System.nanoTime();
      response.getHeaders().put(SIMULATED_HEADER, "true");
      Content.Source.asByteArrayAsync(request, -1).whenComplete((body, failure) -> {
        if (failure != null) {
          callback.failed(failure);
        } else {
          route(new Exchange(request, response, callback), body, arrived);
        }
      });
      return true;
    }
  }

  private void route(Exchange ex, byte[] body, long arrivedNanos) {
    try {
      String path = ex.request().getHttpURI().getDecodedPath();
      String method = ex.request().getMethod();
      if (settings.apiKey != null
          && !("Bearer " + settings.apiKey).equals(ex.request().getHeaders().get(HttpHeader.AUTHORIZATION))) {
        sendError(ex, 401, "invalid_request_error", "invalid_api_key",
            "Incorrect API key provided to the simulated server.");
      } else if (path.endsWith("/chat/completions") && method.equals("POST")) {
        chatRequests.increment();
        if (settings.recordChatArrivals) {
          chatArrivals.add(arrivedNanos);
        }
        chat(ex, body);
      } else if (path.endsWith("/audio/speech") && method.equals("POST")) {
        speechRequests.increment();
        speech(ex, body);
      } else if (path.endsWith("/audio/transcriptions") && method.equals("POST")) {
        SimulatedTranscription.Answer answer = SimulatedTranscription.transcribe(
            ex.request().getHeaders().get(HttpHeader.CONTENT_TYPE), body);
        sendJson(ex, answer.status(), answer.json());
      } else if (path.endsWith("/models") && method.equals("GET")) {
        sendJson(ex, 200, "{\"object\":\"list\",\"data\":[{\"id\":\"" + MODEL
            + "\",\"object\":\"model\",\"created\":0,\"owned_by\":\"officehours-simulated\"}]}");
      } else {
        sendError(ex, 404, "invalid_request_error", "unknown_url",
            "The simulated server has no " + method + " " + path);
      }
    } catch (IOException | RuntimeException e) {
      log.debug("simulated request failed", e);
      ex.callback().failed(e);
    }
  }

  /**
   * Whether this request fails, and how. The share is exact, not a coin toss per request: the
   * rate accumulates from a seeded random phase and every time it crosses a whole request, that
   * request fails (10 % is every tenth request), so a run of N requests injects N × rate faults
   * give or take one, and a load test's error rate can be checked against it. The kind of fault
   * is drawn at random from the enabled ones.
   */
  private Fault drawFault(double rate, double[] accumulator) {
    if (rate <= 0 || faults.isEmpty()) {
      return null;
    }
    synchronized (random) {
      accumulator[0] += rate;
      if (accumulator[0] < 1) {
        return null;
      }
      accumulator[0] -= 1;
      return faults.get(random.nextInt(faults.size()));
    }
  }

  private void countFault(Fault f) {
    faultCounts.computeIfAbsent(f.code(), k -> new LongAdder()).increment();
  }

  // ---------------------------------------------------------------- chat

  private void chat(Exchange ex, byte[] body) throws IOException {
    JsonNode req;
    try {
      req = JSON.readTree(body);
    } catch (IOException e) {
      sendError(ex, 400, "invalid_request_error", "invalid_json", "The request body is not valid JSON.");
      return;
    }
    JsonNode messages = req.path("messages");
    if (!messages.isArray() || messages.isEmpty()) {
      sendError(ex, 400, "invalid_request_error", "missing_messages", "'messages' must be a non-empty array.");
      return;
    }
    Fault fault = drawFault(settings.faultRate, chatFaults);
    if (fault != null && fault != Fault.STREAM_ERROR) {
      countFault(fault);
      sendFault(ex, fault);
      return;
    }
    String question = "";
    boolean image = false;
    int promptWords = 0;
    for (JsonNode m : messages) {
      StringBuilder text = new StringBuilder();
      JsonNode content = m.path("content");
      if (content.isTextual()) {
        text.append(content.asText());
      } else {
        for (JsonNode part : content) {
          if ("image_url".equals(part.path("type").asText())) {
            image = "user".equals(m.path("role").asText());
          } else {
            text.append(part.path("text").asText());
          }
        }
      }
      promptWords += text.toString().split("\\s+").length;
      if ("user".equals(m.path("role").asText())) {
        question = text.toString();
      }
    }
    JsonNode last = messages.get(messages.size() - 1);
    String lastRole = last.path("role").asText();
    List<String> deltas = new ArrayList<>();
    String toolCall = null;
    String toolArguments = null;
    if ("tool".equals(lastRole)) {
      // the results of the calls it made: the answer is made from them, whatever else was asked
      for (String token : tokens(answerFromTools(messages), 0)) {
        deltas.add(contentDelta(token));
      }
    } else {
      String day = "user".equals(lastRole) ? officeHoursDay(req, question) : null;
      if (day != null) {
        for (String token : tokens(KnowledgeBase.TOOL_PREAMBLE, 0)) {
          deltas.add(contentDelta(token));
        }
        toolCall = "call_sim_" + toolCallIds.incrementAndGet();
        toolArguments = "{\"day\":" + Json.quote(day) + "}";
        // OpenAI's shape: id, type and name with empty arguments first, then the arguments in pieces
        deltas.add("{\"tool_calls\":[{\"index\":0,\"id\":\"" + toolCall + "\",\"type\":\"function\","
            + "\"function\":{\"name\":\"" + KnowledgeBase.OFFICE_HOURS_TOOL + "\",\"arguments\":\"\"}}]}");
        for (String piece : List.of("{\"day\":", Json.quote(day), "}")) {
          deltas.add("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":" + Json.quote(piece) + "}}]}");
        }
      } else {
        String answer = KnowledgeBase.answer(question);
        if (image) {
          answer = "I received your image, but I am a simulated model and cannot see it. " + answer;
        }
        for (String token : tokens(answer, settings.answerWords)) {
          deltas.add(contentDelta(token));
        }
      }
    }
    int maxTokens = req.path("max_completion_tokens").asInt(req.path("max_tokens").asInt(0));
    String finish = toolCall != null ? "tool_calls" : "stop";
    if (maxTokens > 0 && deltas.size() > maxTokens) {
      deltas = deltas.subList(0, maxTokens);
      finish = "length";
    }
    String id = "chatcmpl-sim-" + ids.incrementAndGet();
    int promptTokens = promptWords * 4 / 3 + 3 * messages.size();
    if (!req.path("stream").asBoolean(false)) {
      String usage = usage(promptTokens, deltas.size());
      StringBuilder content = new StringBuilder();
      for (String delta : deltas) {
        content.append(JSON.readTree(delta).path("content").asText(""));
      }
      String calls = toolCall == null || finish.equals("length") ? ""
          : ",\"tool_calls\":[{\"id\":\"" + toolCall + "\",\"type\":\"function\",\"function\":{\"name\":\""
              + KnowledgeBase.OFFICE_HOURS_TOOL + "\",\"arguments\":" + Json.quote(toolArguments) + "}}]";
      sendJson(ex, 200, "{\"id\":\"" + id + "\",\"object\":\"chat.completion\",\"created\":" + now()
          + ",\"model\":\"" + MODEL + "\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
          + Json.quote(content.toString()) + calls + "},\"finish_reason\":\"" + finish + "\"}],\"usage\":" + usage + "}");
      return;
    }
    if (fault != null) {
      countFault(fault);
    }
    boolean includeUsage = req.path("stream_options").path("include_usage").asBoolean(false);
    ex.response().setStatus(200);
    ex.response().getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream");
    ex.response().getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
    ChatStream stream = new ChatStream(ex, id, deltas, finish, includeUsage ? usage(promptTokens, deltas.size()) : null,
        fault != null ? Math.max(1, deltas.size() / 2) : -1);
    stream.writeRoleAndScheduleFirst();
  }


  private static String contentDelta(String token) {
    return "{\"content\":" + Json.quote(token) + "}";
  }

  /**
   * The day to call {@value KnowledgeBase#OFFICE_HOURS_TOOL} for, or null to answer in text: the
   * request must offer the function and not forbid calls ({@code tool_choice} {@code none}, or
   * another function named); the question must be about office hours unless calls are required.
   */
  private static String officeHoursDay(JsonNode req, String question) {
    JsonNode choice = req.path("tool_choice");
    if (choice.isTextual() && choice.asText().equals("none")) {
      return null;
    }
    boolean forced = (choice.isTextual() && choice.asText().equals("required"))
        || KnowledgeBase.OFFICE_HOURS_TOOL.equals(choice.path("function").path("name").asText(null));
    if (choice.isObject() && !forced) {
      return null; // told to call another function, which it does not know how to use
    }
    boolean offered = false;
    for (JsonNode tool : req.path("tools")) {
      offered |= KnowledgeBase.OFFICE_HOURS_TOOL.equals(tool.path("function").path("name").asText());
    }
    if (!offered) {
      return null;
    }
    return KnowledgeBase.officeHoursDay(question).orElse(forced ? "today" : null);
  }

  /** The answer to the tool messages that end the conversation: a sentence for each result. */
  private static String answerFromTools(JsonNode messages) {
    java.util.Deque<String> sentences = new java.util.ArrayDeque<>();
    for (int i = messages.size() - 1; i >= 0 && "tool".equals(messages.get(i).path("role").asText()); i--) {
      JsonNode content = messages.get(i).path("content");
      StringBuilder text = new StringBuilder();
      if (content.isTextual()) {
        text.append(content.asText());
      } else {
        content.forEach(part -> text.append(part.path("text").asText()));
      }
      String sentence = KnowledgeBase.answerFromTool(text.toString());
      if (!sentences.contains(sentence)) {
        sentences.addFirst(sentence);
      }
    }
    return String.join(" ", sentences);
  }

  /**
   * Splits an answer into the word tokens this server streams ("Hello", " world."), repeated or
   * cut to {@code words}, the last one then ending in a period. Public so that a benchmark can
   * work out the providers' floor from exactly what is streamed.
   *
   * @param answer the answer text
   * @param words the length in words, 0 for the answer's own
   * @return the tokens, in order
   */
  public static List<String> tokens(String answer, int words) {
    String[] w = answer.split(" ");
    List<String> out = new ArrayList<>();
    int n = words > 0 ? words : w.length;
    for (int i = 0; i < n; i++) {
      String word = w[i % w.length];
      if (words > 0 && i == n - 1 && !word.endsWith(".")) {
        word = word.replaceAll("[,;:!?.]+$", "") + ".";
      }
      out.add(i == 0 ? word : " " + word);
    }
    return out;
  }

  private static String usage(int promptTokens, int completionTokens) {
    return "{\"prompt_tokens\":" + promptTokens + ",\"completion_tokens\":" + completionTokens
        + ",\"total_tokens\":" + (promptTokens + completionTokens) + "}";
  }

  private static long now() {
    return System.currentTimeMillis() / 1000;
  }

  // ---------------------------------------------------------------- streams

  /**
   * A streamed response that never blocks a thread. Each piece is handed to Jetty with {@code
   * Response.write(false, buffer, callback)}, one write outstanding at a time; the write's
   * completion schedules the next piece at its due time on {@link #scheduler}, whose tasks only
   * build a piece and hand it over. A client whose socket is full leaves its stream waiting for
   * the completion, holding nothing; a client that left fails the write, which ends the stream.
   * The fields pass from thread to thread only through the scheduler's queue and Jetty's write,
   * both of which order memory, and never two at once.
   */
  private abstract class Stream implements Runnable {
    private final Exchange ex;
    private final long stallNanos;
    private final AtomicBoolean ended = new AtomicBoolean();
    private final Callback written = Callback.from(InvocationType.NON_BLOCKING, this::written, this::failed);
    private final Callback finished = Callback.from(InvocationType.NON_BLOCKING, this::finished, this::failed);
    /** When the next piece is due, on {@link System#nanoTime()}'s clock. */
    long due;
    /** When the previous write completed: a piece that the client's socket held back is due no earlier. */
    private long ready;
    private long handedAt;
    private volatile boolean writing;

    Stream(Exchange ex, long paceNanos, long due) {
      this.ex = ex;
      this.stallNanos = Math.max(paceNanos, MIN_STALL_NANOS);
      this.due = due;
      activeStreams.incrementAndGet();
      // Waiting for its own schedule (a long time to first token) is not idleness; a client that
      // takes no bytes for Jetty's idle timeout while a write waits is gone, and fails the write.
      ex.request().addIdleTimeoutListener(timeout -> !writing);
    }

    /** Sends the headers and {@code first} at once, unscheduled, then waits for the first due piece. */
    final void open(ByteBuffer first) {
      writing = true;
      ex.response().write(false, first, Callback.from(InvocationType.NON_BLOCKING, () -> {
        writing = false;
        ready = System.nanoTime();
        schedule();
      }, this::failed));
    }

    /** Builds the piece that is due and {@link #write writes} it, exactly once. */
    abstract void writeDue();

    /** Moves {@link #due} on after a piece other than the last has been taken by the socket. */
    abstract void advance();

    @Override
    public final void run() {
      if (ended.get()) {
        return;
      }
      try {
        writeDue();
      } catch (RuntimeException e) {
        log.debug("simulated stream failed", e);
        failed(e);
      }
    }

    final void write(ByteBuffer piece, boolean last) {
      long now = System.nanoTime();
      latenessRecorder.recordValue(Math.max(0, now - Math.max(due, ready)));
      handedAt = now;
      writing = true;
      ex.response().write(last, piece, last ? finished : written);
    }

    private void written() {
      completed();
      advance();
      schedule();
    }

    private void completed() {
      writing = false;
      ready = System.nanoTime();
      if (ready - handedAt > stallNanos) {
        stalledWrites.increment();
      }
    }

    private void schedule() {
      long delay = due - System.nanoTime();
      try {
        if (delay <= 0) {
          scheduler.execute(this);
        } else {
          scheduler.schedule(this, delay, TimeUnit.NANOSECONDS);
        }
      } catch (RejectedExecutionException e) {
        failed(new IOException("the simulated server is closing", e));
      }
    }

    private void finished() {
      completed();
      if (ended.compareAndSet(false, true)) {
        activeStreams.decrementAndGet();
        ex.callback().succeeded();
      }
    }

    private void failed(Throwable cause) {
      writing = false;
      if (ended.compareAndSet(false, true)) {
        activeStreams.decrementAndGet();
        abandonedStreams.increment();
        log.debug("simulated stream ended early: {}", cause.toString());
        ex.callback().failed(cause);
      }
    }
  }

  private static ByteBuffer utf8(CharSequence s) {
    return ByteBuffer.wrap(s.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** One streamed completion: the role chunk at once, then each token at its due time. */
  private final class ChatStream extends Stream {
    private final String prefix;
    /** The delta objects after the role chunk: content tokens, tool-call pieces. */
    private final List<String> deltas;
    private final String finish;
    private final String usage;
    private final int failAt;
    private int next;

    ChatStream(Exchange ex, String id, List<String> deltas, String finish, String usage, int failAt) {
      super(ex, settings.tokenInterval.toNanos(), System.nanoTime() + settings.timeToFirstToken.toNanos());
      this.prefix = "data: {\"id\":\"" + id + "\",\"object\":\"chat.completion.chunk\",\"created\":" + now()
          + ",\"model\":\"" + MODEL + "\",\"system_fingerprint\":\"simulated\",\"choices\":";
      this.deltas = deltas;
      this.finish = finish;
      this.usage = usage;
      this.failAt = failAt;
    }

    void writeRoleAndScheduleFirst() {
      open(utf8(prefix + "[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n"));
    }

    @Override
    void writeDue() {
      if (next == failAt) {
        write(utf8("data: " + Fault.STREAM_ERROR.errorJson() + "\n\n"), true);
        return;
      }
      StringBuilder event = new StringBuilder();
      if (next < deltas.size()) {
        String delta = deltas.get(next++);
        event.append(prefix).append("[{\"index\":0,\"delta\":").append(delta).append(",\"finish_reason\":null}]}\n\n");
        if (next < deltas.size() || next == failAt) {
          write(utf8(event), false);
          return;
        }
      }
      // the last token, the finish chunk, the usage and [DONE] leave together, as they did one after another
      event.append(prefix).append("[{\"index\":0,\"delta\":{},\"finish_reason\":\"").append(finish).append("\"}]}\n\n");
      if (usage != null) {
        event.append(prefix).append("[],\"usage\":").append(usage).append("}\n\n");
      }
      write(utf8(event.append(DONE)), true);
    }

    @Override
    void advance() {
      long j = settings.tokenJitter.toNanos();
      due += settings.tokenInterval.toNanos() + (j == 0 ? 0 : ThreadLocalRandom.current().nextLong(-j, j + 1));
    }
  }

  // ---------------------------------------------------------------- speech

  private void speech(Exchange ex, byte[] body) throws IOException {
    JsonNode req;
    try {
      req = JSON.readTree(body);
    } catch (IOException e) {
      sendError(ex, 400, "invalid_request_error", "invalid_json", "The request body is not valid JSON.");
      return;
    }
    String input = req.path("input").asText("");
    if (input.isBlank()) {
      sendError(ex, 400, "invalid_request_error", "missing_input", "'input' must not be empty.");
      return;
    }
    if (input.length() > 4096) {
      sendError(ex, 400, "invalid_request_error", "string_above_max_length",
          "'input' is longer than 4096 characters: " + input.length());
      return;
    }
    String format = req.path("response_format").asText(settings.defaultSpeechFormat);
    if (!format.equals("pcm") && !format.equals("wav")) {
      sendError(ex, 400, "invalid_request_error", "unsupported_response_format",
          "The simulated server produces only pcm and wav audio, not '" + format + "'.");
      return;
    }
    Fault fault = drawFault(settings.ttsFaultRate, speechFaults);
    if (fault == Fault.STREAM_ERROR) {
      fault = Fault.HTTP_500; // audio has no in-band error events
    }
    if (fault != null) {
      countFault(fault);
      sendFault(ex, fault);
      return;
    }
    List<byte[]> audio = new ArrayList<>(SyntheticVoice.segments(input));
    if (format.equals("wav")) {
      long pcmBytes = 0;
      for (byte[] seg : audio) {
        pcmBytes += seg.length;
      }
      audio.add(0, Wav.header(pcmBytes, SyntheticVoice.SAMPLE_RATE, 1));
    }
    ex.response().setStatus(200);
    ex.response().getHeaders().put(HttpHeader.CONTENT_TYPE, format.equals("pcm") ? "audio/pcm" : "audio/wav");
    new SpeechStream(ex, audio).open(ByteBuffer.allocate(0)); // the headers now, as before the first audio byte
  }

  /** One streamed synthesis: 100 ms frames, the first after the TTFB, then at the real-time factor. */
  private final class SpeechStream extends Stream {
    private final List<byte[]> segments;
    private final long frameNanos;
    private long left;
    private int segment;
    private int offset;

    SpeechStream(Exchange ex, List<byte[]> segments) {
      this(ex, segments, (long) (100_000_000L * settings.ttsRealTimeFactor));
    }

    private SpeechStream(Exchange ex, List<byte[]> segments, long frameNanos) {
      super(ex, frameNanos, System.nanoTime() + settings.ttsTimeToFirstByte.toNanos());
      this.segments = segments;
      this.frameNanos = frameNanos;
      for (byte[] seg : segments) {
        left += seg.length;
      }
    }

    @Override
    void writeDue() {
      int length = (int) Math.min(AUDIO_FRAME_BYTES, left);
      ByteBuffer frame;
      if (length > 0 && segments.get(segment).length - offset >= length) {
        // within one syllable: written straight from the shared array, which Jetty only reads
        frame = ByteBuffer.wrap(segments.get(segment), offset, length);
        skip(length);
      } else {
        byte[] gathered = new byte[length];
        for (int filled = 0; filled < length; ) {
          byte[] seg = segments.get(segment);
          int n = Math.min(length - filled, seg.length - offset);
          System.arraycopy(seg, offset, gathered, filled, n);
          filled += n;
          skip(n);
        }
        frame = ByteBuffer.wrap(gathered);
      }
      left -= length;
      write(frame, left == 0);
    }

    private void skip(int n) {
      offset += n;
      if (offset == segments.get(segment).length) {
        segment++;
        offset = 0;
      }
    }

    @Override
    void advance() {
      due += frameNanos;
    }
  }

  // ---------------------------------------------------------------- responses

  private static void sendFault(Exchange ex, Fault f) {
    if (f == Fault.HTTP_429) {
      ex.response().getHeaders().put("retry-after-ms", "100");
    }
    sendJson(ex, f.status(), f.errorJson());
  }

  private static void sendError(Exchange ex, int status, String type, String code, String message) {
    sendJson(ex, status, "{\"error\":{\"message\":" + Json.quote(message) + ",\"type\":" + Json.quote(type)
        + ",\"param\":null,\"code\":" + Json.quote(code) + "}}");
  }

  private static void sendJson(Exchange ex, int status, String json) {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    ex.response().setStatus(status);
    ex.response().getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
    ex.response().getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
    ex.response().write(true, ByteBuffer.wrap(bytes), ex.callback());
  }

  private static ThreadFactory daemon(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }


  /**
   * Configures a {@link SimulatedOpenAiServer}. Defaults resemble a fast hosted model: 300 ms to
   * the first token, a token every 20 ms (±5 ms), 200 ms to the first audio byte, audio produced
   * four times faster than real time, no faults. Every setter validates its argument.
   */
  public static final class Builder {
    private int port;
    private Duration timeToFirstToken = Duration.ofMillis(300);
    private Duration tokenInterval = Duration.ofMillis(20);
    private Duration tokenJitter = Duration.ofMillis(5);
    private int answerWords;
    private Duration ttsTimeToFirstByte = Duration.ofMillis(200);
    private double ttsRealTimeFactor = 0.25;
    private double faultRate;
    private double ttsFaultRate;
    private Set<Fault> faults = EnumSet.allOf(Fault.class);
    private long seed = 42;
    private String apiKey;
    private String defaultSpeechFormat = "mp3";
    private boolean recordChatArrivals;
    private Duration idleTimeout = Duration.ofSeconds(30);

    private Builder() {}

    private Builder copy() {
      Builder c = new Builder();
      c.port = port;
      c.timeToFirstToken = timeToFirstToken;
      c.tokenInterval = tokenInterval;
      c.tokenJitter = tokenJitter;
      c.answerWords = answerWords;
      c.ttsTimeToFirstByte = ttsTimeToFirstByte;
      c.ttsRealTimeFactor = ttsRealTimeFactor;
      c.faultRate = faultRate;
      c.ttsFaultRate = ttsFaultRate;
      c.faults = EnumSet.copyOf(faults);
      c.seed = seed;
      c.apiKey = apiKey;
      c.defaultSpeechFormat = defaultSpeechFormat;
      c.recordChatArrivals = recordChatArrivals;
      c.idleTimeout = idleTimeout;
      return c;
    }

    /**
     * Sets the port.
     *
     * @param port the loopback port, 0..65535; 0 (the default) for a free one
     * @return this
     * @throws IllegalArgumentException when out of range
     */
    public Builder port(int port) {
      if (port < 0 || port > 65_535) {
        throw new IllegalArgumentException("port must be in 0..65535 but was " + port);
      }
      this.port = port;
      return this;
    }

    /**
     * Sets the model's time to first token.
     *
     * @param ttft the delay from the request to the first content token (default 300 ms)
     * @return this
     * @throws IllegalArgumentException when negative
     */
    public Builder timeToFirstToken(Duration ttft) {
      this.timeToFirstToken = nonNegative("timeToFirstToken", ttft);
      return this;
    }

    /**
     * Sets the pace of the tokens.
     *
     * @param interval the mean delay between tokens (default 20 ms)
     * @return this
     * @throws IllegalArgumentException when negative
     */
    public Builder tokenInterval(Duration interval) {
      this.tokenInterval = nonNegative("tokenInterval", interval);
      return this;
    }

    /**
     * Makes the token pace uneven, as a real model's is.
     *
     * @param jitter each interval varies uniformly by up to this much either way (default 5 ms)
     * @return this
     * @throws IllegalArgumentException when negative
     */
    public Builder tokenJitter(Duration jitter) {
      this.tokenJitter = nonNegative("tokenJitter", jitter);
      return this;
    }

    /**
     * Sets the length of every answer.
     *
     * @param words answer length in words, 0..10,000: the knowledge-base answer is cut or repeated
     *     to exactly this many; 0 (the default) keeps its natural length. A tool call and an answer
     *     made from a tool's result always keep theirs
     * @return this
     * @throws IllegalArgumentException when out of range
     */
    public Builder answerWords(int words) {
      if (words < 0 || words > 10_000) {
        throw new IllegalArgumentException("answerWords must be in 0..10000 but was " + words);
      }
      this.answerWords = words;
      return this;
    }

    /**
     * Sets the voice's time to first byte.
     *
     * @param ttfb the delay from a speech request to its first audio byte (default 200 ms)
     * @return this
     * @throws IllegalArgumentException when negative
     */
    public Builder ttsTimeToFirstByte(Duration ttfb) {
      this.ttsTimeToFirstByte = nonNegative("ttsTimeToFirstByte", ttfb);
      return this;
    }

    /**
     * Sets how fast the voice produces audio after its first byte.
     *
     * @param factor synthesis time divided by audio duration, 0..10: 1.0 streams in real time, 0.25
     *     (the default) four times faster, 0 all at once after the first byte
     * @return this
     * @throws IllegalArgumentException when out of range
     */
    public Builder ttsRealTimeFactor(double factor) {
      if (!(factor >= 0 && factor <= 10)) {
        throw new IllegalArgumentException("ttsRealTimeFactor must be in 0..10 but was " + factor);
      }
      this.ttsRealTimeFactor = factor;
      return this;
    }

    /**
     * Makes some chat completion requests fail, with one of the {@link #faults kinds of fault}.
     *
     * @param rate the share of chat completion requests that fail, 0..1 (default 0); exact and
     *     evenly spread (0.1 fails every tenth request, from a seeded phase)
     * @return this
     * @throws IllegalArgumentException when outside 0..1
     */
    public Builder faultRate(double rate) {
      this.faultRate = rate("faultRate", rate);
      return this;
    }

    /**
     * Makes some speech requests fail with HTTP 500, 429 or 503.
     *
     * @param rate the share of speech requests that fail, 0..1 (default 0), exact and evenly spread
     * @return this
     * @throws IllegalArgumentException when outside 0..1
     */
    public Builder ttsFaultRate(double rate) {
      this.ttsFaultRate = rate("ttsFaultRate", rate);
      return this;
    }

    /**
     * Chooses the kinds of chat fault injected.
     *
     * @param faults the kinds of fault injected, drawn uniformly (default: all of them)
     * @return this
     * @throws IllegalArgumentException when empty (use {@code faultRate(0)} for none)
     */
    public Builder faults(Set<Fault> faults) {
      Objects.requireNonNull(faults, "faults");
      if (faults.isEmpty()) {
        throw new IllegalArgumentException("faults must not be empty (use faultRate(0) for none)");
      }
      this.faults = EnumSet.copyOf(faults);
      return this;
    }

    /**
     * Seeds the randomness, so a run can be repeated.
     *
     * @param seed seeds the faults' phase and kinds (default 42); the token jitter stays random
     * @return this
     */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /**
     * Chooses the audio of a speech request that names no {@code response_format}. OpenAI's
     * default is mp3, which this server cannot encode, so such a request fails with 400
     * {@code unsupported_response_format}, as a request for mp3 does; a client that never names a
     * format (LangChain4j's {@code OpenAiTextToSpeechModel}) can be served {@code pcm} or
     * {@code wav} instead.
     *
     * @param format {@code mp3} (the default), {@code pcm} or {@code wav}
     * @return this
     * @throws IllegalArgumentException for any other format
     */
    public Builder defaultSpeechFormat(String format) {
      if (!List.of("mp3", "pcm", "wav").contains(format)) {
        throw new IllegalArgumentException("defaultSpeechFormat must be mp3, pcm or wav but was " + format);
      }
      this.defaultSpeechFormat = format;
      return this;
    }

    /**
     * Sets how long a connection may stay idle before the server closes it, and how long a write
     * may wait for a client that reads nothing. A benchmark that lets a system's connections rest
     * while the other systems run its batches needs more than the default, or it measures
     * reconnects the server caused.
     *
     * @param timeout 1 s .. 1 h (default 30 s, Jetty's)
     * @return this
     * @throws IllegalArgumentException when out of range
     */
    public Builder idleTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "idleTimeout");
      if (timeout.compareTo(Duration.ofSeconds(1)) < 0 || timeout.compareTo(Duration.ofHours(1)) > 0) {
        throw new IllegalArgumentException("idleTimeout must be in [1 s, 1 h] but was " + timeout);
      }
      this.idleTimeout = timeout;
      return this;
    }

    /**
     * Records when each chat request arrives, for {@link SimulatedOpenAiServer#drainChatArrivals}:
     * a benchmark measures with it how long a client takes from starting a turn to its request
     * reaching the server. Drain them regularly: they are kept until then.
     *
     * @param record whether to record (default false)
     * @return this
     */
    public Builder recordChatArrivals(boolean record) {
      this.recordChatArrivals = record;
      return this;
    }

    /**
     * Makes the server check the API key, as a real one does. By default any key, or none, is accepted.
     *
     * @param apiKey the key; requests without {@code Authorization: Bearer <apiKey>} get a 401
     *     {@code invalid_api_key}
     * @return this
     * @throws IllegalArgumentException when blank
     */
    public Builder requireApiKey(String apiKey) {
      if (apiKey == null || apiKey.isBlank()) {
        throw new IllegalArgumentException("apiKey must not be blank");
      }
      this.apiKey = apiKey;
      return this;
    }

    /**
     * Starts the server; it listens when this returns.
     *
     * @return the running server; close it to stop it
     * @throws UncheckedIOException when the port cannot be bound
     */
    public SimulatedOpenAiServer start() {
      try {
        return new SimulatedOpenAiServer(this);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start the simulated server on port " + port, e);
      }
    }

    private static Duration nonNegative(String name, Duration d) {
      Objects.requireNonNull(d, name);
      if (d.isNegative()) {
        throw new IllegalArgumentException(name + " must not be negative but was " + d);
      }
      return d;
    }

    private static double rate(String name, double r) {
      if (!(r >= 0 && r <= 1)) {
        throw new IllegalArgumentException(name + " must be in 0..1 but was " + r);
      }
      return r;
    }
  }
}
