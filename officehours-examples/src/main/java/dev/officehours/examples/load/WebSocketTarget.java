package dev.officehours.examples.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;
import okio.ByteString;

/**
 * Drives the example server's WebSocket endpoint ({@code /chat/ws}, see {@code docs/http-api.md})
 * as browsers would: each turn sends {@code start} on a connection of its own and is measured by
 * the events that come back — TTFT at the first {@code text}, TTFA at the first binary audio frame,
 * the total at {@code turn-complete}; chunks are told apart by the frames' 12-byte header.
 *
 * <p>Each session keeps its connection, as a page does, also while its user thinks between turns:
 * a closed model with N clients holds N connections for the whole run. A connection carries one
 * turn at a time (a second {@code start} would cancel the first). When a session ends
 * ({@link #sessionEnded}) its connection goes to an idle pool that later sessions take from, so
 * an open model (a session per turn) opens more connections only while more turns overlap. A
 * turn on a new connection includes the handshake in its latency: warm up ({@code --warmup}) to
 * measure only the turns.
 *
 * <p>Failures are counted by code: the server's {@code error} message's {@code code} (e.g.
 * {@code rate_limited}), the handshake's JSON error code or {@code http_<status>},
 * {@code connection_refused} when nothing listens, {@code connection_closed} when the connection
 * ends mid-turn, {@code cancelled_<reason>} when the server cancels the turn, and
 * {@code client_timeout} when no terminal event arrives within the client's deadline.
 *
 * <p>{@link #send} never blocks: OkHttp gives each connection a reader thread, and the turn's
 * events complete its stage there.
 */
public final class WebSocketTarget implements LoadTarget {
  private static final int HEADER_BYTES = 12;

  private final URI endpoint;
  private final Duration turnTimeout;
  private final OkHttpClient http;
  private final MetricsScraper metrics;
  private final ScheduledExecutorService timer = ServerTargets.timer("loadtest-ws-deadlines");
  private final Deque<Connection> idle = new ConcurrentLinkedDeque<>();
  private final Map<String, Connection> bySession = new ConcurrentHashMap<>();
  private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
  private final AtomicLong opened = new AtomicLong();
  private final AtomicLong failedToOpen = new AtomicLong();
  private final AtomicLong closedByServer = new AtomicLong();
  private final AtomicLong strayMessages = new AtomicLong();
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicInteger mostOpen = new AtomicInteger();
  private final AtomicLong requestIds = new AtomicLong();
  private volatile boolean closed;

  /**
   * A target that sends each turn over the server's WebSocket, a connection per session.
   *
   * @param url the endpoint, {@code ws://host:port/chat/ws} or {@code wss://...}; the path defaults
   *     to {@code /chat/ws}
   * @param turnTimeout how long the client waits for a turn's terminal event before counting it
   *     as {@code client_timeout}
   * @throws IllegalArgumentException naming the URL or the timeout when either is unusable
   */
  public WebSocketTarget(String url, Duration turnTimeout) {
    this.endpoint = ServerTargets.endpoint(Objects.requireNonNull(url, "url"), Set.of("ws", "wss"), "/chat/ws");
    this.turnTimeout = ServerTargets.positive(turnTimeout);
    OkHttpClient base = ServerTargets.http(Duration.ofSeconds(10));
    // no read timeout and no pings: a connection waits between turns as long as the run needs,
    // and a ping that misses its pong under load would end a healthy connection
    this.http = base.newBuilder().readTimeout(Duration.ZERO).build();
    this.metrics = new MetricsScraper(base, ServerTargets.metricsUrl(endpoint));
  }

  /**
   * Where the turns go.
   *
   * @return the endpoint driven, with its path
   */
  public URI endpoint() {
    return endpoint;
  }

  @Override
  public String describe() {
    return "the example server over WebSocket at " + endpoint + " (a connection per session, reused by later sessions; "
        + "the server's own providers and caches; client deadline " + turnTimeout.toSeconds() + " s per turn)";
  }

  @Override
  public Optional<MetricsScraper> serverMetrics() {
    return Optional.of(metrics);
  }

  @Override
  public Map<String, Object> stats() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("websocketConnectionsOpened", opened.get());
    m.put("websocketConnectionsThatFailedToOpen", failedToOpen.get());
    m.put("websocketConnectionsClosedByTheServer", closedByServer.get());
    m.put("ignoredMessagesOfNoTurnInFlight", strayMessages.get());
    // an Integer, not a Long: a level, which the report shows as it is instead of as a difference
    m.put("mostWebsocketConnectionsOpenAtOnce", mostOpen.get());
    return m;
  }

  @Override
  public CompletionStage<TurnSample> send(String sessionId, String question) {
    TurnRecorder turn = new TurnRecorder(System.nanoTime());
    if (closed) {
      turn.fail("target_closed", "the load-test target is closed", System.nanoTime());
      return turn.done;
    }
    ObjectNode start = ServerTargets.JSON.createObjectNode();
    String requestId = "r" + requestIds.incrementAndGet();
    // the server echoes it in the turn-started or error that answers this start
    start.put("type", "start").put("session", sessionId).put("text", question).put("requestId", requestId);
    turn.requestId(requestId);
    Connection c = bySession.get(sessionId);
    if (c == null || !c.usable()) {
      // a new session, or its connection ended (or is busy: never in the load models, which send
      // a session's turns one after the other): another connection, kept for the session from now on
      c = idle.pollFirst();
      while (c != null && !c.usable()) {
        c = idle.pollFirst();
      }
      if (c == null) {
        c = connect();
      }
      bySession.put(sessionId, c);
    }
    ScheduledFuture<?> deadline = timer.schedule(timeout(c, turn), turnTimeout.toNanos(), TimeUnit.NANOSECONDS);
    turn.done.whenComplete((s, e) -> deadline.cancel(false));
    c.begin(turn, start.toString());
    return turn.done;
  }

  @Override
  public void sessionEnded(String sessionId) {
    Connection c = bySession.remove(sessionId);
    if (c != null && c.usable() && !closed) {
      idle.addFirst(c);
    }
  }

  private Runnable timeout(Connection c, TurnRecorder turn) {
    return () -> c.abandon(turn, "client_timeout",
        "no turn-complete, turn-cancelled or error within " + turnTimeout.toMillis() + " ms");
  }

  private Connection connect() {
    Connection c = new Connection();
    connections.add(c);
    c.ws = http.newWebSocket(new Request.Builder().url(endpoint.toString()).build(), c);
    return c;
  }

  @Override
  public void close() {
    closed = true;
    idle.clear();
    bySession.clear();
    List<Connection> all = new ArrayList<>(connections);
    CountDownLatch ended = new CountDownLatch(all.size());
    for (Connection c : all) {
      c.closeSignalling(ended);
    }
    try {
      // a polite close lets the server end its side at once; a server that does not answer
      // within the bound gets its connections cut
      ended.await(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (Connection c : all) {
      c.ws.cancel();
    }
    timer.shutdownNow();
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
  }

  /** One WebSocket connection and the turn it carries, if any. */
  private final class Connection extends WebSocketListener {
    volatile WebSocket ws;
    private CountDownLatch whenEnded;
    private TurnRecorder current;
    private long turnNumber = -1;
    private boolean alive = true;
    private boolean wasOpen;
    private boolean ended;
    /** Why the connection ended, for a turn that comes to it too late to see its failure. */
    private String endCode = "connection_closed";
    private String endMessage = "the connection closed before the turn could be sent";

    synchronized boolean usable() {
      return alive && current == null;
    }

    void begin(TurnRecorder turn, String start) {
      String code;
      String message;
      synchronized (this) {
        if (alive) {
          current = turn;
          turnNumber = -1;
          // OkHttp queues what is sent before the handshake completes
          if (ws.send(start)) {
            return;
          }
          alive = false;
          if (!ended) {
            // OkHttp refuses sends once the handshake failed, a moment before it reports why:
            // the turn stays current, and the failure callback on its way fails it with its code
            return;
          }
          current = null;
        }
        // a handshake that failed at once fails the turn with its own code (connection_refused, ...)
        code = endCode;
        message = endMessage;
      }
      connections.remove(this);
      turn.fail(code, message, System.nanoTime());
    }

    void closeSignalling(CountDownLatch latch) {
      synchronized (this) {
        if (ended) {
          latch.countDown();
        } else {
          whenEnded = latch;
        }
      }
      ws.close(1000, "load test finished");
    }

    /** Gives up on a turn (client deadline): its connection is closed, so nothing late of it can reach another turn. */
    void abandon(TurnRecorder turn, String code, String message) {
      synchronized (this) {
        if (current != turn) {
          return;
        }
        current = null;
        alive = false;
      }
      connections.remove(this);
      ws.cancel();
      turn.fail(code, message, System.nanoTime());
    }

    @Override
    public void onOpen(WebSocket webSocket, Response response) {
      synchronized (this) {
        wasOpen = true;
      }
      opened.incrementAndGet();
      mostOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
    }

    @Override
    public void onMessage(WebSocket webSocket, String text) {
      long now = System.nanoTime();
      TurnRecorder turn;
      synchronized (this) {
        turn = current;
      }
      JsonNode m;
      try {
        m = ServerTargets.JSON.readTree(text);
      } catch (IOException e) {
        if (turn != null && release(turn)) {
          turn.fail("bad_frame", "the server sent a text frame that is not JSON", now);
        }
        return;
      }
      String type = m.path("type").asText("");
      if (turn == null) {
        if (!type.equals("ready")) {
          strayMessages.incrementAndGet();
        }
        return;
      }
      switch (type) {
        case "turn-started" -> {
          turn.turnStarted(m.path("turnId").asText(""), now);
          synchronized (this) {
            turnNumber = m.path("turnNumber").asLong(-1);
          }
        }
        case "text" -> turn.text(now);
        case "audio-start" -> turn.chunkAnnounced(m.path("chunkIndex").asInt(-1), m.path("encoding").asText(""),
            m.path("sampleRate").asInt(0), m.path("channels").asInt(1), m.path("fromCache").asBoolean(false));
        case "turn-complete" -> {
          if (release(turn)) {
            turn.complete(m, now);
          }
        }
        case "turn-cancelled" -> {
          if (release(turn)) {
            turn.fail("cancelled_" + m.path("reason").asText("unknown"), "the server cancelled the turn", now);
          }
        }
        case "error" -> {
          String about = m.path("turnId").asText("");
          String answers = m.path("requestId").asText("");
          if (!about.isEmpty() && !turn.turnId().isEmpty() && !about.equals(turn.turnId())
              || !answers.isEmpty() && !answers.equals(turn.requestId())) {
            strayMessages.incrementAndGet();
          } else if (release(turn)) {
            String code = m.path("code").asText("error");
            String message = m.path("message").asText("");
            if (m.has("retryAfterMs")) {
              message += " (retry after " + m.path("retryAfterMs").asLong() + " ms)";
            }
            turn.fail(code, message, now);
          }
        }
        default -> {
          // ready, interrupted, and whatever a newer server adds: nothing to measure
        }
      }
    }

    @Override
    public void onMessage(WebSocket webSocket, ByteString bytes) {
      long now = System.nanoTime();
      TurnRecorder turn;
      long number;
      synchronized (this) {
        turn = current;
        number = turnNumber;
      }
      if (turn == null || bytes.size() < HEADER_BYTES || uint32(bytes, 0) != number) {
        strayMessages.incrementAndGet();
        return;
      }
      turn.audio((int) uint32(bytes, 4), bytes.size() - HEADER_BYTES, now);
    }

    private static long uint32(ByteString b, int at) {
      return ((b.getByte(at) & 0xFFL) << 24) | ((b.getByte(at + 1) & 0xFFL) << 16)
          | ((b.getByte(at + 2) & 0xFFL) << 8) | (b.getByte(at + 3) & 0xFFL);
    }

    /** Ends the connection's turn before its sample completes, so the session's next turn finds the connection free. */
    private synchronized boolean release(TurnRecorder turn) {
      if (current != turn) {
        return false;
      }
      current = null;
      return true;
    }

    @Override
    public void onClosing(WebSocket webSocket, int code, String reason) {
      if (!closed) {
        closedByServer.incrementAndGet();
      }
      webSocket.close(1000, null);
      end("connection_closed", "the server closed the connection: " + code + (reason.isEmpty() ? "" : " " + reason),
          System.nanoTime());
    }

    @Override
    public void onClosed(WebSocket webSocket, int code, String reason) {
      end("connection_closed", "the connection closed: " + code + " " + reason, System.nanoTime());
    }

    @Override
    public void onFailure(WebSocket webSocket, Throwable t, Response response) {
      long now = System.nanoTime();
      String code;
      String message;
      if (response != null && response.code() != 101) {
        String body = "";
        try {
          body = ServerTargets.errorBody(response.body());
        } catch (IOException | RuntimeException e) {
          // the status alone still tells what happened
        }
        String[] error = ServerTargets.httpError(response.code(), body);
        code = error[0];
        message = "the WebSocket handshake was refused: " + error[1];
      } else {
        code = ServerTargets.ioErrorCode(t);
        message = String.valueOf(t);
      }
      boolean neverOpened;
      synchronized (this) {
        neverOpened = !wasOpen;
      }
      if (neverOpened) {
        failedToOpen.incrementAndGet();
      }
      end(code, message, now);
    }

    /** The connection is over: its turn, if any, fails with {@code code}. */
    private void end(String code, String message, long now) {
      TurnRecorder turn;
      boolean first;
      boolean counted;
      CountDownLatch latch;
      synchronized (this) {
        turn = current;
        current = null;
        alive = false;
        first = !ended;
        if (first) {
          endCode = code;
          endMessage = message;
        }
        ended = true;
        counted = wasOpen;
        latch = whenEnded;
      }
      if (first) {
        idle.remove(this);
        connections.remove(this);
        if (counted) {
          open.decrementAndGet();
        }
        if (latch != null) {
          latch.countDown();
        }
      }
      if (turn != null) {
        turn.fail(code, message, now);
      }
    }
  }
}
