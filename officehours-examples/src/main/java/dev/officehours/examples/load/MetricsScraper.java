package dev.officehours.examples.load;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Objects;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * Reads the example server's {@code GET /chat/metrics}, so a load test reports the server's own
 * figures beside the client's. A scrape is a short synchronous request (5 s at most): it runs
 * before and after a run and on a sampling thread during it, never on a turn's path. The server
 * targets ({@link WebSocketTarget}, {@link SseTarget}) make one for their server.
 */
public final class MetricsScraper {
  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  private static final int MAX_BODY_CHARS = 1 << 20;

  private final OkHttpClient http;
  private final String url;

  MetricsScraper(OkHttpClient http, String url) {
    this.http = Objects.requireNonNull(http, "http").newBuilder().callTimeout(TIMEOUT).build();
    this.url = Objects.requireNonNull(url, "url");
  }

  /**
   * Where the metrics are read.
   *
   * @return the metrics endpoint, e.g. {@code http://127.0.0.1:5001/chat/metrics}
   */
  public String url() {
    return url;
  }

  /**
   * Scrapes the server now.
   *
   * @return its metrics
   * @throws UncheckedIOException when the server cannot be reached (its cause says how)
   * @throws IllegalStateException when it answers with an error status or not with metrics JSON
   */
  public ServerMetrics scrape() {
    Request request = new Request.Builder().url(url).header("Accept", "application/json").get().build();
    try (Response response = http.newCall(request).execute()) {
      ResponseBody body = response.body();
      if (!response.isSuccessful()) {
        throw new IllegalStateException("GET " + url + " answered HTTP " + response.code());
      }
      String text = body.string();
      if (text.length() > MAX_BODY_CHARS) {
        throw new IllegalStateException("GET " + url + " answered more than " + MAX_BODY_CHARS + " characters");
      }
      try {
        return ServerMetrics.parse(text);
      } catch (IllegalArgumentException e) {
        throw new IllegalStateException("GET " + url + ": " + e.getMessage(), e);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("GET " + url + " failed: " + e, e);
    }
  }
}
