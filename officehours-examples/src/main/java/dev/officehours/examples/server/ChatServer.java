package dev.officehours.examples.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.officehours.ConversationPipeline;
import dev.officehours.Turn;
import dev.officehours.TurnRequest;
import dev.officehours.cache.AnswerCache;
import dev.officehours.cache.TtsCache;
import dev.officehours.errors.OfficeHoursException;
import dev.officehours.examples.cli.Redactor;
import dev.officehours.examples.sim.SimulatedOpenAiServer;
import dev.officehours.examples.tools.OfficeHoursCalendar;
import dev.officehours.examples.tts.FreeTtsSpeech;
import dev.officehours.history.HistoryMessage;
import dev.officehours.llm.ToolCallRequest;
import dev.officehours.metrics.MicrometerObserver;
import dev.officehours.openai.OpenAiChat;
import dev.officehours.openai.OpenAiSpeech;
import dev.officehours.stt.SttProvider;
import dev.officehours.stt.Transcript;
import dev.officehours.tts.AudioFormat;
import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.http.staticfiles.Location;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.websocket.api.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The example voice-chat server: the page at {@code /}, the monitor dashboard at {@code /monitor},
 * a WebSocket and an SSE endpoint that stream a {@link ConversationPipeline}'s turns, history,
 * transcription, metrics in JSON and Prometheus format. Javalin 7 on Jetty 12. The API is in
 * {@code docs/http-api.md}; running it in {@code docs/server.md}.
 *
 * <pre>{@code
 * try (ChatServer server = ChatServer.builder().demo().port(5001).start()) {
 *   System.out.println("Open " + server.url());
 *   server.awaitStop();
 * }
 * }</pre>
 *
 * <p>Serve your own pipeline with {@link Builder#pipeline(ConversationPipeline.Builder)} (the
 * server then adds its metrics observer) or {@link Builder#pipeline(ConversationPipeline)}. Every
 * limit has a default and a builder setting, checked when {@link Builder#start()} is called. The
 * server owns what it is given: {@link #close()} closes the pipeline and every
 * {@link Builder#closeWith resource}.
 */
public final class ChatServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ChatServer.class);

  private final Settings settings;
  private final ConversationPipeline pipeline;
  private final SttProvider stt;
  private final boolean demo;
  private final AudioFormat audioFormat;
  private final Redactor redactor;
  private final List<AutoCloseable> resources;
  private final ObjectMapper json = new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);
  private final ChatRequests requests;
  private final ServerMetrics metrics;
  private final PrometheusMeterRegistry prometheus;
  private final RateLimiter rateLimiter;
  private final Map<Session, ChatConnection> connections = new ConcurrentHashMap<>();
  /** Open WebSockets per client address, counted where the count is exact (connect and close). */
  private final ConcurrentHashMap<String, Integer> perClient = new ConcurrentHashMap<>();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "officehours-server-timer");
    t.setDaemon(true);
    return t;
  });
  private final java.util.concurrent.CountDownLatch stopped = new java.util.concurrent.CountDownLatch(1);
  private Javalin app;

  /**
   * The server's limits and network settings.
   *
   * @param host the address to bind; loopback by default
   * @param port the port; 0 picks a free one
   * @param allowedOrigins browser origins besides the server's own that may call the API
   * @param rateLimitPerMinute turn starts and transcriptions per client address a minute; 0 is off
   * @param maxTextChars the longest question
   * @param maxImageBytes the largest image
   * @param maxFrameBytes the largest WebSocket text message
   * @param maxBodyBytes the largest HTTP request body
   * @param wsSendBufferBytes the most a client may fall behind (WebSocket and SSE)
   * @param idleTimeout a WebSocket with no traffic this long is closed
   * @param behindProxy whether a reverse proxy's {@code X-Forwarded-For} names the client
   * @param allowedHosts host names the server answers for besides its loopback names (lower case)
   * @param maxConnectionsPerClient open WebSockets per client address; 0 is unlimited
   */
  record Settings(String host, int port, List<String> allowedOrigins, int rateLimitPerMinute,
      int maxTextChars, int maxImageBytes, int maxFrameBytes, long maxBodyBytes, long wsSendBufferBytes,
      Duration idleTimeout, boolean behindProxy, List<String> allowedHosts, int maxConnectionsPerClient) {
    /** Copies the lists and checks the values. */
    Settings {
      Objects.requireNonNull(host, "host");
      allowedOrigins = List.copyOf(allowedOrigins);
      allowedHosts = List.copyOf(allowedHosts);
      if (maxConnectionsPerClient < 0) {
        throw new IllegalArgumentException("maxConnectionsPerClient must be 0 (unlimited) or more");
      }
      if (port < 0 || port > 65_535) {
        throw new IllegalArgumentException("port must be 0..65535 but was " + port);
      }
      if (rateLimitPerMinute < 0 || maxTextChars < 1 || maxImageBytes < 1 || maxFrameBytes < 1024
          || maxBodyBytes < 1024 || wsSendBufferBytes < 1024) {
        throw new IllegalArgumentException("limits must be positive (frames, bodies and buffers at least 1 KiB)");
      }
      Objects.requireNonNull(idleTimeout, "idleTimeout");
    }
  }

  private ChatServer(Builder b, ConversationPipeline pipeline, MicrometerObserver observer,
      PrometheusMeterRegistry prometheus, List<AutoCloseable> resources) {
    this.settings = b.settings();
    this.pipeline = pipeline;
    this.stt = b.stt;
    this.demo = b.demo || b.demoLabel;
    this.audioFormat = b.audioFormat;
    this.redactor = b.redactor;
    this.resources = resources;
    this.prometheus = prometheus;
    this.requests = new ChatRequests(json, settings.maxTextChars(), settings.maxImageBytes());
    this.metrics = new ServerMetrics(demo ? "demo" : "live", observer, prometheus);
    this.rateLimiter = new RateLimiter(settings.rateLimitPerMinute());
  }

  /**
   * Starts configuring a server. Choose exactly one source of answers: {@link Builder#demo()},
   * {@link Builder#pipeline(ConversationPipeline)} or {@link Builder#pipeline(ConversationPipeline.Builder)}.
   *
   * @return a builder with safe defaults: bound to loopback ({@code 127.0.0.1}), port 5001, 30 turn
   *     starts a minute per client address, 32 WebSockets per client address, no other origins
   */
  public static Builder builder() {
    return new Builder();
  }

  private void startJavalin() {
    // the metrics' last-minute windows move with the clock, not with how often they are read
    timer.scheduleAtFixedRate(metrics::rotate, 10, 10, TimeUnit.SECONDS);
    ChatStream stream = new ChatStream(this);
    app = Javalin.create(config -> {
      config.startup.showJavalinBanner = false;
      config.startup.showOldJavalinVersionWarning = false;
      config.jetty.host = settings.host();
      config.jetty.port = settings.port();
      config.http.maxRequestSize = settings.maxBodyBytes();
      config.http.compressionStrategy = CompressionStrategy.NONE; // events must leave as they are written
      config.concurrency.useVirtualThreads = true; // used on Java 21+, a thread pool before
      config.staticFiles.add(files -> {
        files.hostedPath = "/";
        files.directory = "/public";
        files.location = Location.CLASSPATH;
        files.headers = Map.of("Cache-Control", "no-cache", "X-Content-Type-Options", "nosniff");
      });
      config.staticFiles.enableWebjars();
      if (!settings.allowedOrigins().isEmpty()) {
        config.bundledPlugins.enableCors(cors -> cors.addRule(rule -> {
          for (String origin : settings.allowedOrigins()) {
            rule.allowHost(origin);
          }
          rule.maxAge = 86_400;
        }));
      }
      config.jetty.modifyWebSocketServletFactory(factory -> {
        // a little over our own limit, so most oversized messages get a frame_too_large answer
        // rather than a closed socket, without letting a client make us assemble much more
        factory.setMaxTextMessageSize(settings.maxFrameBytes() + 1024L * 1024);
        factory.setMaxBinaryMessageSize(64 * 1024);
        factory.setIdleTimeout(settings.idleTimeout());
        // audio frames compress little and deflating them cost more CPU than relaying them; this
        // removes the extension from the registry of this server's context (every WebSocket route)
        factory.getAvailableExtensionNames().remove("permessage-deflate");
      });
      config.routes.before(this::checkHost);
      config.routes.get("/monitor", ctx -> page(ctx, "/public/monitor.html"));
      config.routes.wsBeforeUpgrade("/chat/ws", ctx -> {
        try {
          checkUpgrade(ctx);
        } catch (ApiException e) {
          // a refused upgrade never reaches the exception mappers: write the JSON error here
          writeRefusal(ctx, e);
          throw e;
        }
      });
      config.routes.ws("/chat/ws", ws -> {
        ws.onConnect(ctx -> {
          String session = ctx.queryParam("session");
          String client = client(clientAddress(ctx.session),
              ctx.session.getUpgradeRequest().getHeaders("X-Forwarded-For"));
          int open = perClient.compute(client, (k, n) -> n == null ? 1 : n + 1);
          int max = settings.maxConnectionsPerClient();
          if (max > 0 && open > max) {
            // handshakes that raced past the check at upgrade: refused here, where the count is exact
            perClient.computeIfPresent(client, (k, n) -> n <= 1 ? null : n - 1);
            metrics.rejected("too_many_connections");
            ctx.send(json.writeValueAsString(TurnRelay.error(tooManyConnections(), null)));
            ctx.closeSession(1008, "too many connections");
            return;
          }
          ChatConnection c = new ChatConnection(this, ctx.session, client, session);
          connections.put(ctx.session, c);
          metrics.webSockets().incrementAndGet();
          // no server pings: they would count as traffic and keep idle sockets open for ever
          c.opened();
        });
        ws.onMessage(ctx -> {
          ChatConnection c = connections.get(ctx.session);
          if (c != null) {
            c.message(ctx.message());
          }
        });
        ws.onBinaryMessage(ctx -> {
          ChatConnection c = connections.get(ctx.session);
          if (c != null) {
            c.binary();
          }
        });
        ws.onClose(ctx -> closed(ctx.session));
        ws.onError(ctx -> closed(ctx.session));
      });
      config.routes.post("/chat/stream", stream::handle);
      config.routes.post("/chat/transcribe", this::transcribe);
      config.routes.get("/chat/history/{session}", this::history);
      config.routes.delete("/chat/history/{session}", this::clearHistory);
      config.routes.get("/chat/metrics", ctx -> json(ctx, 200, metrics.json()));
      config.routes.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
          .result(prometheus.scrape()));
      config.routes.post("/chat/client-metrics", this::clientMetrics);
      config.routes.exception(ApiException.class, (e, ctx) -> error(ctx, e));
      config.routes.exception(HttpResponseException.class, (e, ctx) -> error(ctx, fromJavalin(e)));
      config.routes.exception(Exception.class, (e, ctx) -> {
        log.warn("request {} {} failed: {}", ctx.method(), ctx.path(), redactor.clean(String.valueOf(e)));
        error(ctx, new ApiException(500, "internal", "the server failed to answer this request"));
      });
      config.routes.error(404, ctx -> {
        String type = ctx.res().getContentType();
        if (type == null || !type.startsWith("application/json")) { // not already one of ours
          error(ctx, new ApiException(404, "not_found", "no such endpoint or file: " + ctx.method() + " "
              + redactor.clean(abbreviate(ctx.path()))));
        }
      });
      config.routes.error(405, ctx -> error(ctx, new ApiException(405, "method_not_allowed",
          ctx.method() + " is not allowed on " + redactor.clean(abbreviate(ctx.path())))));
    });
    app.start();
  }

  /**
   * Refuses requests whose {@code Host} is not this server's: a page on another site whose name
   * was re-pointed at 127.0.0.1 (DNS rebinding) would otherwise count as same-origin. Checked when
   * the server is bound to loopback (then only loopback names) or hosts were given.
   */
  private void checkHost(Context ctx) {
    if (!hostAllowed(ctx.header("Host"))) {
      throw new ApiException(421, "host_not_allowed", "this server does not answer for host '"
          + redactor.clean(abbreviate(String.valueOf(ctx.header("Host"))))
          + "'; start it with --allow-host to add a name (e.g. behind a reverse proxy)");
    }
  }

  boolean hostAllowed(String host) {
    if (host == null) {
      return true; // HTTP/1.0 without Host: not a browser
    }
    String name = host.strip().toLowerCase(Locale.ROOT);
    if (name.startsWith("[")) {
      int end = name.indexOf(']');
      name = end < 0 ? name : name.substring(0, end + 1);
    } else if (name.indexOf(':') >= 0) {
      name = name.substring(0, name.indexOf(':'));
    }
    boolean loopbackName = name.equals("127.0.0.1") || name.equals("localhost") || name.equals("[::1]");
    if (loopbackName || settings.allowedHosts().contains(name)) {
      return true; // the machine's own names always work: local checks, load tests, the operator
    }
    if (!settings.allowedHosts().isEmpty()) {
      return false;
    }
    boolean loopbackBind = settings.host().equals("127.0.0.1") || settings.host().equals("localhost")
        || settings.host().equals("::1") || settings.host().equals("[::1]");
    return !loopbackBind;
  }

  /** Writes the error body of a refused upgrade; Javalin's mapper then counts it (and writes nothing). */
  private void writeRefusal(Context ctx, ApiException e) throws IOException {
    jakarta.servlet.http.HttpServletResponse res = ctx.res();
    if (res.isCommitted()) {
      return;
    }
    byte[] body = json.writeValueAsBytes(errorBody(e));
    res.setStatus(e.status());
    res.setContentType("application/json");
    res.setContentLength(body.length);
    res.getOutputStream().write(body);
    res.flushBuffer();
  }

  private void checkUpgrade(Context ctx) {
    checkHost(ctx);
    String client = client(ctx);
    if (settings.maxConnectionsPerClient() > 0
        && perClient.getOrDefault(client, 0) >= settings.maxConnectionsPerClient()) {
      throw tooManyConnections();
    }
    String origin = ctx.header("Origin");
    if (origin != null && !originAllowed(origin, ctx.header("Host"))) {
      throw new ApiException(403, "origin_not_allowed", "this server does not accept WebSocket connections from "
          + redactor.clean(abbreviate(origin)) + "; start it with --allow-origin to allow that page");
    }
    String session = ctx.queryParam("session");
    if (session != null) {
      ChatRequests.session(session);
    }
  }

  private ApiException tooManyConnections() {
    return new ApiException(429, "too_many_connections", "this client already has "
        + settings.maxConnectionsPerClient() + " open connections (--max-connections-per-client)");
  }

  /** The page's own origin (same host and port as the request) and the allow-list. */
  boolean originAllowed(String origin, String host) {
    if (settings.allowedOrigins().contains(origin)) {
      return true;
    }
    try {
      URI uri = URI.create(origin);
      String authority = uri.getRawAuthority();
      return host != null && authority != null && authority.equalsIgnoreCase(host)
          && ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()));
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private void closed(Session session) {
    ChatConnection c = connections.remove(session);
    if (c != null) {
      perClient.computeIfPresent(c.client(), (k, n) -> n <= 1 ? null : n - 1);
      metrics.webSockets().decrementAndGet();
      c.closed();
    }
  }

  /**
   * The address rate limits count by: the peer, or behind a trusted reverse proxy the address
   * that proxy saw (the last {@code X-Forwarded-For} entry: the one a client cannot forge).
   */
  String client(String peer, List<String> forwardedFor) {
    String address = peer;
    if (settings.behindProxy() && forwardedFor != null && !forwardedFor.isEmpty()) {
      // the proxy appends to the last header line (or adds a line): its entry is the last one
      String[] hops = forwardedFor.get(forwardedFor.size() - 1).split(",");
      String last = hops[hops.length - 1].strip();
      if (!last.isEmpty() && last.length() <= 64) {
        address = last;
      }
    }
    return RateLimiter.clientKey(address);
  }

  /** The client of an HTTP request, as {@link #client(String, List)} decides. */
  String client(Context ctx) {
    return client(ctx.req().getRemoteAddr(), java.util.Collections.list(ctx.req().getHeaders("X-Forwarded-For")));
  }

  private static String clientAddress(Session session) {
    return session.getRemoteSocketAddress() instanceof java.net.InetSocketAddress a
        ? a.getAddress().getHostAddress() : String.valueOf(session.getRemoteSocketAddress());
  }

  private void page(Context ctx, String resource) throws IOException {
    try (InputStream in = ChatServer.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new ApiException(404, "not_found", "the page is not in this build");
      }
      ctx.contentType("text/html; charset=utf-8").header("Cache-Control", "no-cache").result(in.readAllBytes());
    }
  }

  private void transcribe(Context ctx) throws InterruptedException {
    if (stt == null) {
      throw new ApiException(501, "stt_not_configured",
          "no speech-to-text provider is configured on this server: use the browser's recogniser");
    }
    String type = ctx.contentType() == null ? "" : ctx.contentType().split(";")[0].strip().toLowerCase(Locale.ROOT);
    if (!(type.startsWith("audio/") || type.equals("video/webm")) || !type.matches("[a-z]+/[a-z0-9.+-]{1,64}")) {
      throw new ApiException(415, "unsupported_media_type",
          "send the recording with Content-Type audio/webm, audio/ogg, audio/wav, audio/mpeg or audio/mp4");
    }
    rateLimiter.check(client(ctx));
    byte[] audio = bodyBytes(ctx, settings.maxBodyBytes());
    if (audio.length == 0) {
      throw new ApiException(400, "empty_audio", "the recording is empty");
    }
    Transcript transcript;
    try {
      transcript = stt.transcribe(audio, type).get(60, TimeUnit.SECONDS);
    } catch (OfficeHoursException e) {
      throw TurnErrors.of(e, redactor); // refused before any network call
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof OfficeHoursException o) {
        throw TurnErrors.of(o, redactor);
      }
      throw new ApiException(502, "stt_error", "speech-to-text failed: " + redactor.clean(String.valueOf(cause)));
    } catch (TimeoutException e) {
      throw new ApiException(504, "stt_timeout", "speech-to-text did not answer within 60 s");
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("text", transcript.text());
    if (transcript.language() != null) {
      body.put("language", transcript.language());
    }
    json(ctx, 200, body);
  }

  private void history(Context ctx) throws InterruptedException {
    String session = ChatRequests.session(ctx.pathParam("session"));
    List<HistoryMessage> messages = await(pipeline.conversationStore().load(session), "read history");
    List<Map<String, Object>> out = new ArrayList<>();
    for (HistoryMessage m : messages) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("role", m.role().name().toLowerCase(Locale.ROOT));
      e.put("text", m.text());
      e.put("interrupted", m.interrupted());
      e.put("at", m.at().toString());
      if (!m.toolCalls().isEmpty()) {
        List<Map<String, Object>> calls = new ArrayList<>();
        for (ToolCallRequest call : m.toolCalls()) {
          Map<String, Object> c = new LinkedHashMap<>();
          c.put("callId", call.id());
          c.put("name", call.name());
          c.put("arguments", call.arguments());
          calls.add(c);
        }
        e.put("toolCalls", calls);
      }
      if (!m.toolCallId().isEmpty()) {
        e.put("callId", m.toolCallId());
      }
      out.add(e);
    }
    json(ctx, 200, Map.of("session", session, "messages", out));
  }

  private void clearHistory(Context ctx) throws InterruptedException {
    String session = ChatRequests.session(ctx.pathParam("session"));
    await(pipeline.conversationStore().clear(session), "clear history");
    ctx.status(204);
  }

  private <T> T await(java.util.concurrent.CompletableFuture<T> future, String what) throws InterruptedException {
    try {
      return future.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new ApiException(503, "history_error", "could not " + what + ": "
          + redactor.clean(String.valueOf(e.getCause() == null ? e : e.getCause().getMessage())));
    } catch (TimeoutException e) {
      throw new ApiException(503, "history_error", "could not " + what + " within 10 s");
    }
  }

  private void clientMetrics(Context ctx) {
    requireJson(ctx);
    metrics.clientReport(requests.clientReport(requests.object(body(ctx, 64 * 1024))));
    ctx.status(204);
  }

  static void requireJson(Context ctx) {
    String type = ctx.contentType();
    if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
      throw new ApiException(415, "unsupported_media_type", "send the body as JSON with Content-Type application/json");
    }
  }

  static String body(Context ctx, long limit) {
    return new String(bodyBytes(ctx, limit), java.nio.charset.StandardCharsets.UTF_8);
  }

  static byte[] bodyBytes(Context ctx, long limit) {
    long length = ctx.contentLength();
    if (length > limit) {
      throw new ApiException(413, "body_too_large", "the body must be at most " + limit + " bytes but was " + length);
    }
    byte[] body = ctx.bodyAsBytes();
    if (body.length > limit) {
      throw new ApiException(413, "body_too_large", "the body must be at most " + limit + " bytes");
    }
    return body;
  }

  private ApiException fromJavalin(HttpResponseException e) {
    int status = e.getStatus();
    String code = switch (status) {
      case 413 -> "body_too_large";
      case 404 -> "not_found";
      case 405 -> "method_not_allowed";
      case 415 -> "unsupported_media_type";
      default -> status >= 500 ? "internal" : "bad_request";
    };
    return new ApiException(status, code, redactor.clean(abbreviate(String.valueOf(e.getMessage()))));
  }

  private void error(Context ctx, ApiException e) {
    if (e.retryAfterMillis() >= 0) {
      ctx.header("Retry-After", String.valueOf((e.retryAfterMillis() + 999) / 1000));
    }
    if (e.status() < 500 && !"not_found".equals(e.code())) {
      metrics.rejected(e.code());
    }
    json(ctx, e.status(), errorBody(e));
  }

  /** The JSON body of an HTTP error: {@code {"error": {"code", "message", "field"?, "retryAfterMs"?}}}. */
  private static Map<String, Object> errorBody(ApiException e) {
    Map<String, Object> error = new LinkedHashMap<>();
    error.put("code", e.code());
    error.put("message", e.getMessage());
    if (e.field() != null) {
      error.put("field", e.field());
    }
    if (e.retryAfterMillis() >= 0) {
      error.put("retryAfterMs", e.retryAfterMillis());
    }
    return Map.of("error", error);
  }

  private void json(Context ctx, int status, Object body) {
    try {
      ctx.status(status).contentType("application/json").result(json.writeValueAsString(body));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON", e);
    }
  }

  private static String abbreviate(String s) {
    return s.length() <= 80 ? s : s.substring(0, 80) + "...";
  }

  /** A checked question as the pipeline's request; the pipeline's own refusals as API errors. */
  TurnRequest turnRequest(ChatRequests.Start start) {
    try {
      TurnRequest.Builder b = TurnRequest.builder(start.session(), start.text());
      if (start.image() != null) {
        b.image(start.image());
      }
      return b.build();
    } catch (OfficeHoursException e) {
      throw TurnErrors.of(e, redactor);
    }
  }

  /** Starts a turn relayed to a client, counted in the metrics from its first moment. */
  Turn startTurn(TurnRequest request, TurnRelay relay) {
    metrics.turnStarted();
    Turn turn;
    try {
      turn = pipeline.start(request, relay);
    } catch (OfficeHoursException e) {
      metrics.turnNotStarted();
      throw TurnErrors.of(e, redactor);
    }
    relay.started(turn);
    return turn;
  }

  void later(Duration delay, Runnable task) {
    timer.schedule(task, delay.toMillis(), TimeUnit.MILLISECONDS);
  }

  Settings settings() {
    return settings;
  }

  ConversationPipeline pipeline() {
    return pipeline;
  }

  ChatRequests requests() {
    return requests;
  }

  ServerMetrics metrics() {
    return metrics;
  }

  RateLimiter rateLimiter() {
    return rateLimiter;
  }

  Redactor redactor() {
    return redactor;
  }

  ObjectMapper json() {
    return json;
  }

  boolean demo() {
    return demo;
  }

  AudioFormat audioFormat() {
    return audioFormat;
  }

  /**
   * The port the server listens on: the one asked for, or the free one picked for port 0.
   *
   * @return the port
   */
  public int port() {
    return app.port();
  }

  /**
   * Where a browser on this machine finds the page.
   *
   * @return the page's address, e.g. {@code http://127.0.0.1:5001}; a server bound to every
   *     interface ({@code 0.0.0.0}) gives its loopback address
   */
  public String url() {
    String host = settings.host();
    if (host.equals("0.0.0.0") || host.equals("::")) {
      host = "127.0.0.1";
    } else if (host.contains(":")) {
      host = "[" + host + "]";
    }
    return "http://" + host + ":" + port();
  }

  /**
   * Whether the server answers with the offline demo providers (a simulated model, FreeTTS or the
   * simulated voice) rather than a real model; the page and {@code /chat/metrics} say so.
   *
   * @return true in demo mode
   */
  public boolean isDemo() {
    return demo;
  }

  /**
   * The turns in flight.
   *
   * @return turns the server is streaming to clients right now, over WebSocket and SSE
   */
  public int activeTurns() {
    return metrics.activeTurns();
  }

  /**
   * The open WebSocket connections.
   *
   * @return WebSockets open right now, of every client
   */
  public int openWebSockets() {
    return connections.size();
  }

  /**
   * Blocks until {@link #close()} is called (from another thread or a shutdown hook).
   *
   * @throws InterruptedException if the waiting thread is interrupted
   */
  public void awaitStop() throws InterruptedException {
    stopped.await();
  }

  /**
   * Stops the server: open WebSockets are closed with 1001 and their turns cancelled, the pipeline
   * is given 5 s to finish, and the providers the server started are closed.
   */
  @Override
  public void close() {
    for (ChatConnection c : connections.values()) {
      c.shutdown();
    }
    if (app != null) {
      app.stop();
    }
    pipeline.close(Duration.ofSeconds(5));
    for (AutoCloseable r : resources) {
      try {
        r.close();
      } catch (Exception e) {
        log.debug("closing {} failed: {}", r.getClass().getSimpleName(), e.toString());
      }
    }
    prometheus.close();
    timer.shutdownNow();
    stopped.countDown();
  }

  /**
   * Configures and starts a {@link ChatServer}; from {@link ChatServer#builder()}. Setters check
   * their own argument where they can and throw {@link IllegalArgumentException} naming it; the
   * limits are checked together by {@link #start()}.
   */
  public static final class Builder {
    private String host = "127.0.0.1";
    private int port = 5001;
    private final Set<String> allowedOrigins = new LinkedHashSet<>();
    private int rateLimitPerMinute = 30;
    private int maxTextChars = 4_000;
    private int maxImageBytes = 10 * 1024 * 1024;
    private int maxFrameBytes = 16 * 1024 * 1024;
    private long maxBodyBytes = 16L * 1024 * 1024;
    private long wsSendBufferBytes = 2L * 1024 * 1024;
    private Duration idleTimeout = Duration.ofMinutes(5);
    private boolean behindProxy;
    private final Set<String> allowedHosts = new LinkedHashSet<>();
    private int maxConnectionsPerClient = 32;
    private ConversationPipeline pipeline;
    private ConversationPipeline.Builder pipelineBuilder;
    private SttProvider stt;
    private boolean sttOff;
    private boolean demo;
    private SimulatedOpenAiServer.Builder simulated;
    private boolean freeTts = true;
    private boolean demoLabel;
    private AudioFormat audioFormat = AudioFormat.PCM_24K;
    private final Redactor redactor = new Redactor();
    private final List<AutoCloseable> resources = new ArrayList<>();

    private Builder() {}

    /**
     * Answers with the offline demo providers: a simulated OpenAI-compatible model in this process
     * and the FreeTTS voice, with in-memory caches and the demo's {@link OfficeHoursCalendar} tool,
     * as the CLI's demo mode. Nothing leaves the machine.
     *
     * @return this
     */
    public Builder demo() {
      return demo(SimulatedOpenAiServer.builder().timeToFirstToken(Duration.ofMillis(250))
          .tokenInterval(Duration.ofMillis(30)), true);
    }

    /**
     * Demo mode with a simulated model of given timing; speech from FreeTTS, or from the simulated
     * server's synthetic voice (timing under the simulator's control, as the load tester's in-process target).
     *
     * @param simulated the simulated model's settings (not yet started)
     * @param freeTts true for the FreeTTS voice, false for the simulated server's voice
     * @return this
     */
    public Builder demo(SimulatedOpenAiServer.Builder simulated, boolean freeTts) {
      this.demo = true;
      this.simulated = Objects.requireNonNull(simulated, "simulated");
      this.freeTts = freeTts;
      return this;
    }

    /**
     * Streams this pipeline's turns. The server closes it when it stops. Its cache hit rates
     * appear in {@code /chat/metrics} only when built with {@link #pipeline(ConversationPipeline.Builder)}.
     *
     * @param pipeline the pipeline
     * @return this
     */
    public Builder pipeline(ConversationPipeline pipeline) {
      this.pipeline = Objects.requireNonNull(pipeline, "pipeline");
      return this;
    }

    /**
     * Builds the pipeline from this builder, adding the server's metrics observer (so every stage
     * and cache shows in {@code /chat/metrics} and {@code /metrics}). Replaces any observer set on it.
     *
     * @param builder the pipeline's settings
     * @return this
     */
    public Builder pipeline(ConversationPipeline.Builder builder) {
      this.pipelineBuilder = Objects.requireNonNull(builder, "builder");
      return this;
    }

    /**
     * Turns on {@code POST /chat/transcribe}, the page's fallback where the browser cannot
     * recognise speech itself. Without it the endpoint answers 501 {@code stt_not_configured}, except
     * in demo mode, where the simulated server transcribes (deterministically, labelled simulated).
     *
     * @param stt the speech-to-text provider behind {@code POST /chat/transcribe}
     * @return this
     */
    public Builder stt(SttProvider stt) {
      this.stt = Objects.requireNonNull(stt, "stt");
      return this;
    }

    /**
     * Tells clients the audio format of the pipeline's speech, in the {@code ready} message on
     * connect, so the page can play it. It must match what the TTS provider produces.
     *
     * @param format the format the pipeline's TTS speaks (default PCM 24 kHz, 16-bit, mono)
     * @return this
     */
    public Builder audioFormat(AudioFormat format) {
      this.audioFormat = Objects.requireNonNull(format, "format");
      return this;
    }

    /**
     * Sets the address to listen on.
     *
     * @param host the address to bind (default {@code 127.0.0.1}, reachable from this machine only;
     *     {@code 0.0.0.0} for every interface)
     * @return this
     */
    public Builder host(String host) {
      this.host = Objects.requireNonNull(host, "host");
      return this;
    }

    /**
     * Sets the port to listen on; {@link ChatServer#port()} tells the one in use.
     *
     * @param port the port, 0..65535 (default 5001; 0 picks a free one, as tests do)
     * @return this
     */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /**
     * Lets pages of another origin use the API (CORS headers, WebSocket upgrades); may be called
     * once per origin. By default only the server's own page may.
     *
     * @param origin a browser origin such as {@code https://app.example.com}: scheme, host and
     *     optional port, nothing after them
     * @return this
     * @throws IllegalArgumentException when it is not such an origin
     */
    public Builder allowOrigin(String origin) {
      String o = Objects.requireNonNull(origin, "origin").strip();
      URI uri;
      try {
        uri = URI.create(o);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("origin must look like https://app.example.com but was '"
            + Redactor.showUrl(o) + "'");
      }
      if (uri.getScheme() == null || uri.getHost() == null || (uri.getPath() != null && !uri.getPath().isEmpty())
          || uri.getUserInfo() != null || uri.getQuery() != null) {
        throw new IllegalArgumentException("origin must be scheme://host[:port] with nothing after it, like "
            + "https://app.example.com, but was '" + Redactor.showUrl(o) + "'");
      }
      allowedOrigins.add(o);
      return this;
    }

    /**
     * Limits how often one client address may start a turn or transcribe; past the limit it gets
     * {@code rate_limited} with a retry time.
     *
     * @param perMinute turn starts and transcriptions allowed per client address a minute
     *     (default 30); 0 turns the limit off (load tests)
     * @return this
     * @throws IllegalArgumentException when negative
     */
    public Builder rateLimitPerMinute(int perMinute) {
      if (perMinute < 0) {
        throw new IllegalArgumentException("the rate limit must be 0 (off) or more but was " + perMinute);
      }
      this.rateLimitPerMinute = perMinute;
      return this;
    }

    /**
     * Limits the length of a question; a longer one is refused with {@code text_too_long}.
     *
     * @param chars the longest question accepted, in characters, at least 1 (default 4,000); keep it
     *     at most the pipeline's own {@code maxTextChars}
     * @return this
     */
    public Builder maxTextChars(int chars) {
      this.maxTextChars = chars;
      return this;
    }

    /**
     * Limits the size of an image sent with a question; a larger one is refused with
     * {@code image_too_large}.
     *
     * @param bytes the largest image accepted, decoded, at least 1 (default 10 MiB)
     * @return this
     */
    public Builder maxImageBytes(int bytes) {
      this.maxImageBytes = bytes;
      return this;
    }

    /**
     * Limits the size of one WebSocket text message.
     *
     * @param bytes the largest WebSocket text message, at least 1,024 (default 16 MiB); up to
     *     twice this is answered with {@code frame_too_large}, beyond it the socket is closed with 1009
     * @return this
     */
    public Builder maxFrameBytes(int bytes) {
      this.maxFrameBytes = bytes;
      return this;
    }

    /**
     * Limits the size of an HTTP request body (SSE turns, transcriptions); a larger one is refused
     * with HTTP 413 {@code body_too_large}.
     *
     * @param bytes the largest HTTP request body, at least 1,024 (default 16 MiB)
     * @return this
     */
    public Builder maxBodyBytes(long bytes) {
      this.maxBodyBytes = bytes;
      return this;
    }

    /**
     * Limits how far a slow client may fall behind, so it cannot make the server buffer without end.
     *
     * @param bytes the most bytes queued for one client, at least 1,024 (default 2 MiB); past it its
     *     turn is cancelled and the connection closed (WebSocket 1008 {@code client too slow})
     * @return this
     */
    public Builder sendBufferBytes(long bytes) {
      this.wsSendBufferBytes = bytes;
      return this;
    }

    /**
     * Closes WebSockets that have gone quiet.
     *
     * @param timeout a WebSocket with no traffic this long is closed (default 5 min; the server
     *     pings every 15 s, so a live page never reaches it)
     * @return this
     */
    public Builder idleTimeout(Duration timeout) {
      this.idleTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /**
     * Says whether a reverse proxy stands in front of the server.
     *
     * @param behindProxy true when the server runs behind a reverse proxy that sets
     *     {@code X-Forwarded-For}: rate limits then count the address the proxy saw, not the proxy's
     *     own. Leave false (the default) when clients reach the server directly, or they could
     *     pick their own address.
     * @return this
     */
    public Builder behindProxy(boolean behindProxy) {
      this.behindProxy = behindProxy;
      return this;
    }

    /**
     * Adds a host name the server answers for (its {@code Host} header); may be called once per name.
     *
     * @param host a host name browsers may reach this server by (e.g. {@code voice.example.com}
     *     behind a reverse proxy). The loopback names always work; bound to loopback the server
     *     answers only for them and these; bound elsewhere, given any names, only for those and the
     *     loopback names (DNS-rebinding protection).
     * @return this
     * @throws IllegalArgumentException when it is not a plain host name (no scheme, no port)
     */
    public Builder allowHost(String host) {
      String h = Objects.requireNonNull(host, "host").strip().toLowerCase(Locale.ROOT);
      if (!h.matches("[a-z0-9.-]{1,253}|\\[[0-9a-f:.]{2,45}\\]")) {
        throw new IllegalArgumentException("host must be a name like voice.example.com (no scheme, no port) but was '"
            + Redactor.showUrl(host) + "'");
      }
      allowedHosts.add(h);
      return this;
    }

    /**
     * Limits the WebSockets one client address may hold open; one more is refused with
     * {@code too_many_connections}.
     *
     * @param max open WebSockets one client address may hold (default 32); 0 is unlimited (load
     *     tests from one machine)
     * @return this
     * @throws IllegalArgumentException when negative
     */
    public Builder maxConnectionsPerClient(int max) {
      if (max < 0) {
        throw new IllegalArgumentException("maxConnectionsPerClient must be 0 (unlimited) or more but was " + max);
      }
      this.maxConnectionsPerClient = max;
      return this;
    }

    /**
     * Registers the secrets a URL carries, so that no error message shows them.
     *
     * @param url a URL whose user name, password and query values must never reach a client or a
     *     log line (a Redis URI, a base URL with a key in its query)
     * @return this
     */
    public Builder secretsOf(String url) {
      redactor.secretsOf(url);
      return this;
    }

    /**
     * Registers a secret, so that no error message shows it.
     *
     * @param secret a value that must never reach a client or a log line (the API key, a password);
     *     it is masked in every error message the server sends or logs
     * @return this
     */
    public Builder secret(String secret) {
      redactor.secret(secret);
      return this;
    }

    /**
     * Hands the server something to close when it stops; may be called several times.
     *
     * @param resource closed after the pipeline when the server stops (a Redis connection, a
     *     provider)
     * @return this
     */
    public Builder closeWith(AutoCloseable resource) {
      resources.add(Objects.requireNonNull(resource, "resource"));
      return this;
    }

    /** No speech-to-text, not even the demo's simulated one ({@code serve --no-stt}). */
    Builder withoutStt() {
      this.sttOff = true;
      return this;
    }

    /** Demo mode with providers built by the caller ({@code serve --demo --redis ...}). */
    Builder markDemo() {
      this.demoLabel = true;
      return this;
    }

    Settings settings() {
      return new Settings(host, port, new ArrayList<>(allowedOrigins), rateLimitPerMinute, maxTextChars, maxImageBytes,
          maxFrameBytes, maxBodyBytes, wsSendBufferBytes, idleTimeout, behindProxy, new ArrayList<>(allowedHosts),
          maxConnectionsPerClient);
    }

    /**
     * Checks the settings and starts the server; it listens when this returns.
     *
     * @return the running server; close it to stop it
     * @throws IllegalArgumentException when a limit is out of range (the message names it)
     * @throws IllegalStateException when not exactly one of demo mode and a pipeline was chosen
     * @throws RuntimeException when the port cannot be bound
     */
    public ChatServer start() {
      settings(); // checks the limits before anything starts
      int choices = (pipeline != null ? 1 : 0) + (pipelineBuilder != null ? 1 : 0) + (demo ? 1 : 0);
      if (choices != 1) {
        throw new IllegalStateException("choose exactly one of demo(), pipeline(ConversationPipeline) and "
            + "pipeline(ConversationPipeline.Builder)");
      }
      PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      prometheus.config().meterFilter(new MeterFilter() {
        @Override
        public DistributionStatisticConfig configure(io.micrometer.core.instrument.Meter.Id id,
            DistributionStatisticConfig config) {
          if (id.getName().startsWith("officehours.") && id.getType() == io.micrometer.core.instrument.Meter.Type.TIMER) {
            return DistributionStatisticConfig.builder().percentilesHistogram(true)
                .minimumExpectedValue((double) Duration.ofMillis(1).toNanos())
                .maximumExpectedValue((double) Duration.ofSeconds(60).toNanos()).build().merge(config);
          }
          return config;
        }
      });
      new JvmMemoryMetrics().bindTo(prometheus);
      new JvmThreadMetrics().bindTo(prometheus);
      new ProcessorMetrics().bindTo(prometheus);
      JvmGcMetrics gc = new JvmGcMetrics();
      gc.bindTo(prometheus);
      List<AutoCloseable> owned = new ArrayList<>();
      owned.add(gc);
      MicrometerObserver observer = null;
      ConversationPipeline p = pipeline;
      try {
        if (p == null) {
          observer = new MicrometerObserver(prometheus);
          ConversationPipeline.Builder pb = pipelineBuilder != null ? pipelineBuilder : demoPipeline(owned);
          p = pb.observer(observer).build();
        }
        owned.addAll(resources);
        ChatServer server = new ChatServer(this, p, observer, prometheus, owned);
        try {
          server.startJavalin();
        } catch (RuntimeException e) {
          server.close();
          throw e;
        }
        return server;
      } catch (RuntimeException e) {
        if (p == null) {
          for (AutoCloseable r : owned) {
            try {
              r.close();
            } catch (Exception ignored) {
              // already failing
            }
          }
        }
        throw e;
      }
    }

    private ConversationPipeline.Builder demoPipeline(List<AutoCloseable> owned) {
      SimulatedOpenAiServer sim = simulated.start();
      owned.add(sim);
      OpenAiChat chat = OpenAiChat.builder().baseUrl(sim.baseUrl()).model(SimulatedOpenAiServer.MODEL).build();
      if (stt == null && !sttOff) {
        stt = simulatedStt(sim); // POST /chat/transcribe answers from the simulated server, labelled so
      }
      ConversationPipeline.Builder b = ConversationPipeline.builder().llm(chat)
          .ttsCache(TtsCache.inMemory()).answerCache(AnswerCache.inMemory());
      if (freeTts) {
        FreeTtsSpeech voice = FreeTtsSpeech.create();
        voice.warmUp();
        owned.add(voice);
        b.tts(voice);
      } else {
        b.tts(OpenAiSpeech.builder().baseUrl(sim.baseUrl()).model(SimulatedOpenAiServer.MODEL + "-tts")
            .voice("alloy").format(AudioFormat.PCM_24K).build());
      }
      audioFormat = AudioFormat.PCM_24K;
      return OfficeHoursCalendar.addTo(b, true);
    }

    /** The simulated server's transcription (deterministic, {@code "simulated": true}), for demo mode. */
    static SttProvider simulatedStt(SimulatedOpenAiServer sim) {
      return dev.officehours.openai.OpenAiTranscription.builder().baseUrl(sim.baseUrl())
          .model(SimulatedOpenAiServer.MODEL + "-transcribe").build();
    }
  }
}
