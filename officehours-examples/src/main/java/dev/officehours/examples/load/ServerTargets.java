package dev.officehours.examples.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Objects;
import java.util.Locale;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;

/** What the WebSocket and SSE targets share: their HTTP client, URLs, error codes and deadlines. */
final class ServerTargets {
  static final ObjectMapper JSON = new ObjectMapper();
  /**
   * The load model alone decides how many turns run at once; OkHttp's dispatcher (5 calls per
   * host by default) must not queue them behind its own limit, which would show up as latency.
   */
  static final int MAX_CALLS = 100_000;
  private static final long MAX_ERROR_BODY = 64 * 1024;

  private ServerTargets() {}

  /**
   * The HTTP client of one target: no dispatcher limit, and keep-alive for as many idle
   * connections as there are clients, so SSE turns reuse their connections instead of opening
   * one per turn.
   */
  static OkHttpClient http(Duration connectTimeout) {
    Dispatcher dispatcher = new Dispatcher();
    dispatcher.setMaxRequests(MAX_CALLS);
    dispatcher.setMaxRequestsPerHost(MAX_CALLS);
    return new OkHttpClient.Builder()
        .dispatcher(dispatcher)
        .connectionPool(new ConnectionPool(10_000, 5, TimeUnit.MINUTES))
        .connectTimeout(connectTimeout)
        .build();
  }

  /** A daemon timer for the client's turn deadlines. */
  /** A client turn deadline, checked: both server targets take one. */
  static Duration positive(Duration turnTimeout) {
    Objects.requireNonNull(turnTimeout, "turnTimeout");
    if (turnTimeout.isNegative() || turnTimeout.isZero()) {
      throw new IllegalArgumentException("turnTimeout must be positive but was " + turnTimeout);
    }
    return turnTimeout;
  }

  static ScheduledExecutorService timer(String name) {
    java.util.concurrent.ScheduledThreadPoolExecutor timer = new java.util.concurrent.ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    });
    timer.setRemoveOnCancelPolicy(true); // a turn's deadline, cancelled when it ends, must not stay queued
    return timer;
  }

  /**
   * Checks a target URL and fills in the endpoint's path when only the server was named.
   *
   * @param url e.g. {@code ws://127.0.0.1:5001} or {@code http://127.0.0.1:5001/chat/stream}
   * @param schemes the schemes the target speaks
   * @param defaultPath the endpoint's path on the example server
   * @return the URL with its path
   * @throws IllegalArgumentException naming the URL when it is malformed or of another scheme
   */
  static URI endpoint(String url, java.util.Set<String> schemes, String defaultPath) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("not a URL: '" + url + "' (" + e.getReason() + ")");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!schemes.contains(scheme) || uri.getHost() == null) {
      throw new IllegalArgumentException("'" + url + "' must be a " + String.join(" or ", schemes.stream().sorted()
          .map(s -> s + "://host:port" + defaultPath).toList()) + " URL");
    }
    if (uri.getRawUserInfo() != null) {
      // a load test has no use for credentials in the URL, and the report would print them
      throw new IllegalArgumentException("the target URL must not contain credentials (user:password@)");
    }
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() || uri.getRawPath().equals("/")
        ? defaultPath : uri.getRawPath();
    return URI.create(scheme + "://" + uri.getRawAuthority() + path
        + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()));
  }

  /**
   * The server's metrics endpoint beside a chat endpoint: {@code .../chat/ws} and
   * {@code .../chat/stream} become {@code .../chat/metrics}, over HTTP(S).
   *
   * @param endpoint the target's URL
   * @return the metrics URL
   */
  static String metricsUrl(URI endpoint) {
    String scheme = switch (endpoint.getScheme()) {
      case "ws" -> "http";
      case "wss" -> "https";
      default -> endpoint.getScheme();
    };
    String path = endpoint.getRawPath();
    int slash = path.lastIndexOf('/');
    String base = path.endsWith("/chat/ws") || path.endsWith("/chat/stream") ? path.substring(0, slash) : "/chat";
    return scheme + "://" + endpoint.getRawAuthority() + base + "/metrics";
  }

  /**
   * The code under which a failed connection is counted.
   *
   * @param e what the client saw
   * @return {@code connection_refused} (nothing listens there), {@code unknown_host},
   *     {@code client_timeout} or {@code connection_closed}
   */
  static String ioErrorCode(Throwable e) {
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c instanceof ConnectException || c instanceof NoRouteToHostException) {
        return "connection_refused";
      }
      if (c instanceof UnknownHostException) {
        return "unknown_host";
      }
      if (c instanceof InterruptedIOException) {
        return "client_timeout";
      }
    }
    return "connection_closed";
  }

  /**
   * Reads an error response's body, at most 64 KiB of it: enough for any JSON error, and bounded
   * whatever the server sends.
   *
   * @param body the body
   * @return its text, maybe cut
   * @throws IOException when it cannot be read
   */
  static String errorBody(okhttp3.ResponseBody body) throws IOException {
    okio.BufferedSource source = body.source();
    source.request(MAX_ERROR_BODY);
    okio.Buffer buffer = source.getBuffer();
    return buffer.readUtf8(Math.min(buffer.size(), MAX_ERROR_BODY));
  }

  /**
   * The error of a refused request: the server's JSON {@code error.code}, else {@code http_<status>}.
   *
   * @param status the HTTP status
   * @param body the response body, maybe empty
   * @return the code and the server's message
   */
  static String[] httpError(int status, String body) {
    try {
      JsonNode error = JSON.readTree(body).path("error");
      if (error.path("code").isTextual()) {
        return new String[] {error.path("code").asText(), "HTTP " + status + ": " + error.path("message").asText("")};
      }
    } catch (IOException | RuntimeException e) {
      // not the server's JSON error: the status is all there is
    }
    return new String[] {"http_" + status, "HTTP " + status};
  }
}
