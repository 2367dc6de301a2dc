package dev.officehours.examples.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.officehours.examples.audio.Wav;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
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
 * <p>No thread is held per stream: each token or audio frame is written by a task scheduled on a
 * small pool, so hundreds of concurrent streams cost almost nothing. It is the engine of the load
 * tester and the offline demo.
 */
public final class SimulatedOpenAiServer implements AutoCloseable {
  /** The model name every simulated response reports. */
  public static final String MODEL = "officehours-simulated";
  /** The header that marks every response as simulated. */
  public static final String SIMULATED_HEADER = "X-OfficeHours-Simulated";

  private static final Logger log = LoggerFactory.getLogger(SimulatedOpenAiServer.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int AUDIO_FRAME_BYTES = SyntheticVoice.SAMPLE_RATE * 2 / 10; // 100 ms
  private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

  static {
    // Without TCP_NODELAY each small SSE write waits for the client's delayed ACK (~40 ms).
    // Read once when the JDK's server classes load; an explicit setting wins.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  private final Builder settings;
  private final List<Fault> faults;
  private final Random random;
  private final double[] chatFaults = new double[1];
  private final double[] speechFaults = new double[1];
  private final HttpServer server;
  private final ExecutorService handlers;
  private final ScheduledThreadPoolExecutor scheduler;
  private final AtomicLong ids = new AtomicLong();
  private final AtomicLong toolCallIds = new AtomicLong();
  private final LongAdder chatRequests = new LongAdder();
  private final LongAdder speechRequests = new LongAdder();
  private final AtomicInteger activeStreams = new AtomicInteger();
  private final Map<String, LongAdder> faultCounts = new ConcurrentHashMap<>();

  private SimulatedOpenAiServer(Builder b) throws IOException {
    this.settings = b.copy();
    this.faults = List.copyOf(b.faults);
    this.random = new Random(b.seed);
    this.chatFaults[0] = random.nextDouble();
    this.speechFaults[0] = random.nextDouble();
    int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
    this.handlers = Executors.newFixedThreadPool(threads, daemon("officehours-sim-http"));
    this.scheduler = new ScheduledThreadPoolExecutor(threads, daemon("officehours-sim-stream"));
    scheduler.setRemoveOnCancelPolicy(true);
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), b.port), 1024);
    server.setExecutor(handlers);
    server.createContext("/", this::handle);
    server.start();
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
    return "http://" + server.getAddress().getAddress().getHostAddress() + ":" + port() + "/v1";
  }

  /**
   * The port it listens on, on the loopback address.
   *
   * @return the port
   */
  public int port() {
    return server.getAddress().getPort();
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

  /** Stops at once; streams in flight are cut off. */
  @Override
  public void close() {
    server.stop(0);
    scheduler.shutdownNow();
    handlers.shutdownNow();
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

  // ---------------------------------------------------------------- routing

  private void handle(HttpExchange ex) {
    try {
      ex.getResponseHeaders().set(SIMULATED_HEADER, "true");
      String path = ex.getRequestURI().getPath();
      String method = ex.getRequestMethod();
      byte[] body;
      try (InputStream in = ex.getRequestBody()) {
        body = in.readAllBytes();
      }
      if (settings.apiKey != null && !("Bearer " + settings.apiKey).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
        sendError(ex, 401, "invalid_request_error", "invalid_api_key",
            "Incorrect API key provided to the simulated server.");
      } else if (path.endsWith("/chat/completions") && method.equals("POST")) {
        chatRequests.increment();
        chat(ex, body);
      } else if (path.endsWith("/audio/speech") && method.equals("POST")) {
        speechRequests.increment();
        speech(ex, body);
      } else if (path.endsWith("/audio/transcriptions") && method.equals("POST")) {
        SimulatedTranscription.Answer answer = SimulatedTranscription.transcribe(
            ex.getRequestHeaders().getFirst("Content-Type"), body);
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
      ex.close();
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

  private void chat(HttpExchange ex, byte[] body) throws IOException {
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
    ex.getResponseHeaders().set("Content-Type", "text/event-stream");
    ex.getResponseHeaders().set("Cache-Control", "no-cache");
    ex.sendResponseHeaders(200, 0);
    ChatStream stream = new ChatStream(ex, id, deltas, finish, includeUsage ? usage(promptTokens, deltas.size()) : null,
        fault != null ? Math.max(1, deltas.size() / 2) : -1);
    activeStreams.incrementAndGet();
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

  /** Splits an answer into word tokens ("Hello", " world", "."), stretched or cut to {@code words}. */
  static List<String> tokens(String answer, int words) {
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

  /** One streamed completion: each run writes the next token and schedules the one after. */
  private final class ChatStream implements Runnable {
    private final HttpExchange ex;
    private final OutputStream out;
    private final String prefix;
    /** The delta objects after the role chunk: content tokens, tool-call pieces. */
    private final List<String> deltas;
    private final String finish;
    private final String usage;
    private final int failAt;
    private final long start = System.nanoTime();
    private long due;
    private int next;

    ChatStream(HttpExchange ex, String id, List<String> deltas, String finish, String usage, int failAt) {
      this.ex = ex;
      this.out = ex.getResponseBody();
      this.prefix = "data: {\"id\":\"" + id + "\",\"object\":\"chat.completion.chunk\",\"created\":" + now()
          + ",\"model\":\"" + MODEL + "\",\"system_fingerprint\":\"simulated\",\"choices\":";
      this.deltas = deltas;
      this.finish = finish;
      this.usage = usage;
      this.failAt = failAt;
    }

    void writeRoleAndScheduleFirst() {
      if (write(prefix + "[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n")) {
        due = start + settings.timeToFirstToken.toNanos();
        schedule();
      }
    }

    @Override
    public void run() {
      if (next == failAt) {
        write("data: " + Fault.STREAM_ERROR.errorJson() + "\n\n");
        end();
        return;
      }
      if (next < deltas.size()) {
        String delta = deltas.get(next++);
        if (!write(prefix + "[{\"index\":0,\"delta\":" + delta + ",\"finish_reason\":null}]}\n\n")) {
          return;
        }
        if (next < deltas.size() || next == failAt) {
          due += settings.tokenInterval.toNanos() + jitter();
          schedule();
          return;
        }
      }
      StringBuilder tail = new StringBuilder(prefix)
          .append("[{\"index\":0,\"delta\":{},\"finish_reason\":\"").append(finish).append("\"}]}\n\n");
      if (usage != null) {
        tail.append(prefix).append("[],\"usage\":").append(usage).append("}\n\n");
      }
      if (write(tail.toString())) {
        try {
          out.write(DONE);
        } catch (IOException e) {
          // the client left; end() closes the exchange
        }
        end();
      }
    }

    private long jitter() {
      long j = settings.tokenJitter.toNanos();
      return j == 0 ? 0 : java.util.concurrent.ThreadLocalRandom.current().nextLong(-j, j + 1);
    }

    private void schedule() {
      long delay = due - System.nanoTime();
      try {
        if (delay <= 0) {
          scheduler.execute(this);
        } else {
          scheduler.schedule(this, delay, TimeUnit.NANOSECONDS);
        }
      } catch (java.util.concurrent.RejectedExecutionException e) {
        end(); // closing
      }
    }

    private boolean write(String event) {
      try {
        out.write(event.getBytes(StandardCharsets.UTF_8));
        out.flush();
        return true;
      } catch (IOException e) {
        end(); // the client cancelled
        return false;
      }
    }

    private boolean ended;

    private void end() {
      if (!ended) {
        ended = true;
        activeStreams.decrementAndGet();
        ex.close();
      }
    }
  }

  // ---------------------------------------------------------------- speech

  private void speech(HttpExchange ex, byte[] body) throws IOException {
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
    String format = req.path("response_format").asText("mp3");
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
    ex.getResponseHeaders().set("Content-Type", format.equals("pcm") ? "audio/pcm" : "audio/wav");
    ex.sendResponseHeaders(200, 0);
    activeStreams.incrementAndGet();
    new SpeechStream(ex, audio).start();
  }

  /** One streamed synthesis: 100 ms frames, the first after the TTFB, then at the real-time factor. */
  private final class SpeechStream implements Runnable {
    private final HttpExchange ex;
    private final OutputStream out;
    private final List<byte[]> segments;
    private final long frameNanos;
    private long due = System.nanoTime();
    private int segment;
    private int offset;

    SpeechStream(HttpExchange ex, List<byte[]> segments) {
      this.ex = ex;
      this.out = ex.getResponseBody();
      this.segments = segments;
      this.frameNanos = (long) (100_000_000L * settings.ttsRealTimeFactor);
    }

    void start() {
      due += settings.ttsTimeToFirstByte.toNanos();
      schedule();
    }

    @Override
    public void run() {
      try {
        do {
          // one frame, written straight from the shared syllable arrays
          int frame = AUDIO_FRAME_BYTES;
          while (frame > 0 && segment < segments.size()) {
            byte[] seg = segments.get(segment);
            int n = Math.min(frame, seg.length - offset);
            out.write(seg, offset, n);
            frame -= n;
            offset += n;
            if (offset == seg.length) {
              segment++;
              offset = 0;
            }
          }
          out.flush();
        } while (frameNanos == 0 && segment < segments.size());
      } catch (IOException e) {
        end();
        return;
      }
      if (segment < segments.size()) {
        due += frameNanos;
        schedule();
      } else {
        end();
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
      } catch (java.util.concurrent.RejectedExecutionException e) {
        end();
      }
    }

    private boolean ended;

    private void end() {
      if (!ended) {
        ended = true;
        activeStreams.decrementAndGet();
        ex.close();
      }
    }
  }

  // ---------------------------------------------------------------- responses

  private static void sendFault(HttpExchange ex, Fault f) throws IOException {
    if (f == Fault.HTTP_429) {
      ex.getResponseHeaders().set("retry-after-ms", "100");
    }
    sendJson(ex, f.status(), f.errorJson());
  }

  private static void sendError(HttpExchange ex, int status, String type, String code, String message)
      throws IOException {
    sendJson(ex, status, "{\"error\":{\"message\":" + Json.quote(message) + ",\"type\":" + Json.quote(type)
        + ",\"param\":null,\"code\":" + Json.quote(code) + "}}");
  }

  private static void sendJson(HttpExchange ex, int status, String json) throws IOException {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
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
