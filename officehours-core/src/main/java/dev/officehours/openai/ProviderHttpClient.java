package dev.officehours.openai;

import dev.officehours.internal.Http;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;

/**
 * Builds the HTTP client that providers share, sized for the number of turns a pipeline serves at
 * once. Pass the one client it builds to every provider ({@code httpClient(...)} on {@link
 * OpenAiChat.Builder}, {@link OpenAiSpeech.Builder}, {@link OpenAiTranscription.Builder} and
 * {@link dev.officehours.elevenlabs.ElevenLabsSpeech.Builder}), so that they share one connection
 * pool and one dispatcher:
 *
 * <pre>{@code
 * OkHttpClient http = ProviderHttpClient.builder().concurrentTurns(500).build();
 * OpenAiChat chat = OpenAiChat.builder().httpClient(http).build();
 * OpenAiSpeech speech = OpenAiSpeech.builder().httpClient(http).build();
 * }</pre>
 *
 * <p>One exception: a client built with {@link Builder#http2PriorKnowledge} serves only cleartext
 * {@code http://} servers that speak HTTP/2; give it to those providers alone.
 *
 * <p>Why it matters: over HTTP/1.1 (local servers: vLLM, Ollama, llama.cpp, a gateway inside the
 * data centre) every stream in flight holds a connection of its own, and a turn holds one chat
 * stream and up to {@code ttsConcurrency} speech streams. A pool that keeps fewer idle connections
 * than that closes the surplus after every burst of turns and opens them again for the next one,
 * which costs a TCP (and TLS) handshake per request and CPU for both ends. Over HTTPS, OkHttp
 * negotiates HTTP/2 when the provider offers it and multiplexes every call to that host over one
 * connection; {@link Builder#http2PriorKnowledge} does the same for a cleartext server that speaks
 * HTTP/2.
 *
 * <p>The client the providers use when given none is built with the defaults below: 1,024 idle
 * connections kept for 60 s (OkHttp checks a pooled connection before it sends a POST on it, so a
 * server that closed it sooner costs a new connection, not a failed call) and 16,384 calls in
 * flight; it suits up to about 250 concurrent turns
 * over HTTP/1.1 without reconnecting. Idle connections are kept only if they were needed, so a
 * larger limit costs nothing while the load is small.
 */
public final class ProviderHttpClient {
  /** The default number of idle connections kept: 1,024. */
  public static final int DEFAULT_MAX_IDLE_CONNECTIONS = Http.MAX_IDLE_CONNECTIONS;
  /** How long an idle connection is kept by default: 60 s. */
  public static final Duration DEFAULT_KEEP_ALIVE = Http.KEEP_ALIVE;
  /** The default number of calls in flight, in all and per host: 16,384. */
  public static final int DEFAULT_MAX_CONCURRENT_CALLS = Http.MAX_CONCURRENT_CALLS;

  private ProviderHttpClient() {}

  /**
   * Starts configuring a client.
   *
   * @return a builder with the defaults of the shared client
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Configures a provider HTTP client. Every setter validates its argument and names it when it
   * is out of range.
   */
  public static final class Builder {
    private int maxIdleConnections = DEFAULT_MAX_IDLE_CONNECTIONS;
    private Duration keepAlive = DEFAULT_KEEP_ALIVE;
    private int maxConcurrentCalls = DEFAULT_MAX_CONCURRENT_CALLS;
    private Duration connectTimeout = Http.CONNECT_TIMEOUT;
    private Duration readTimeout = Http.READ_TIMEOUT;
    private boolean http2PriorKnowledge;

    private Builder() {}

    /**
     * Sizes the pool and the dispatcher for a number of turns in flight at once, each with one
     * chat stream and {@code ttsConcurrency} speech streams: idle connections {@code turns × (1 +
     * ttsConcurrency)} (at least the default), calls in flight twice that (at least the default).
     *
     * <p>Calls in flight get twice the streams because a retried or failed-over call can overlap
     * the one it replaces. Whichever of this, {@link #maxIdleConnections} and {@link
     * #maxConcurrentCalls} is called last sets those values. Over HTTP/1.1 every connection is a
     * socket, and OkHttp scans its whole pool whenever a connection is released: past a few
     * thousand concurrent streams, prefer a provider endpoint that speaks HTTP/2.
     *
     * @param turns the turns the pipeline serves at once, 1..100,000
     * @param ttsConcurrency syntheses in flight per turn, as given to the pipeline (default 3), 1..32
     * @return this builder
     * @throws IllegalArgumentException when out of range
     */
    public Builder concurrentTurns(int turns, int ttsConcurrency) {
      range("turns", turns, 1, 100_000);
      range("ttsConcurrency", ttsConcurrency, 1, 32);
      long streams = (long) turns * (1 + ttsConcurrency);
      this.maxIdleConnections = (int) Math.min(1_000_000, Math.max(DEFAULT_MAX_IDLE_CONNECTIONS, streams));
      this.maxConcurrentCalls = (int) Math.min(1_000_000, Math.max(DEFAULT_MAX_CONCURRENT_CALLS, 2 * streams));
      return this;
    }

    /**
     * Sizes the pool and the dispatcher for a number of turns in flight at once, with the
     * pipeline's default of 3 syntheses in flight per turn.
     *
     * @param turns the turns the pipeline serves at once, 1..100,000
     * @return this builder
     * @throws IllegalArgumentException when out of range
     * @see #concurrentTurns(int, int)
     */
    public Builder concurrentTurns(int turns) {
      return concurrentTurns(turns, 3);
    }

    /**
     * Sets how many idle connections the pool keeps.
     *
     * @param connections 0..1,000,000 (default 1,024); 0 closes every connection after its call
     * @return this builder
     * @throws IllegalArgumentException when out of range
     */
    public Builder maxIdleConnections(int connections) {
      this.maxIdleConnections = range("maxIdleConnections", connections, 0, 1_000_000);
      return this;
    }

    /**
     * Sets how long an idle connection is kept. Keep it shorter than the server's own idle
     * timeout, or the first call after a pause may find its connection closed and be sent again.
     *
     * @param keepAlive 1 s .. 1 h (default 60 s)
     * @return this builder
     * @throws IllegalArgumentException when out of range
     */
    public Builder keepAlive(Duration keepAlive) {
      this.keepAlive = duration("keepAlive", keepAlive, Duration.ofSeconds(1), Duration.ofHours(1));
      return this;
    }

    /**
     * Sets how many calls may be in flight at once, in all and to one host; calls beyond it wait
     * in the dispatcher's queue (which adds their wait to every turn's latency).
     *
     * On Java 17 each call in flight holds a platform thread while it reads its response, so this
     * is also a limit on threads; on Java 21+ calls run on virtual threads.
     *
     * @param calls 1..1,000,000 (default 16,384)
     * @return this builder
     * @throws IllegalArgumentException when out of range
     */
    public Builder maxConcurrentCalls(int calls) {
      this.maxConcurrentCalls = range("maxConcurrentCalls", calls, 1, 1_000_000);
      return this;
    }

    /**
     * Sets the connect timeout.
     *
     * @param timeout 1 ms .. 5 min (default 5 s)
     * @return this builder
     * @throws IllegalArgumentException when out of range
     */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = duration("connectTimeout", timeout, Duration.ofMillis(1), Duration.ofMinutes(5));
      return this;
    }

    /**
     * Sets the longest silence tolerated while reading a response (a stream that stalls), and
     * while writing a request.
     *
     * @param timeout 1 ms .. 1 h (default 20 s)
     * @return this builder
     * @throws IllegalArgumentException when out of range
     */
    public Builder readTimeout(Duration timeout) {
      this.readTimeout = duration("readTimeout", timeout, Duration.ofMillis(1), Duration.ofHours(1));
      return this;
    }

    /**
     * Speaks HTTP/2 without TLS from the first byte ({@code h2c} with prior knowledge), so every
     * call to the server shares one connection. Only for a cleartext {@code http://} server known
     * to speak HTTP/2 (vLLM behind an h2c proxy, gRPC-style gateways); a server that speaks only
     * HTTP/1.1 fails every call, and so does every {@code https://} call (OkHttp refuses prior
     * knowledge over TLS): give such a client only to the providers of that server, and another
     * one to your HTTPS providers. HTTPS servers need nothing: HTTP/2 is negotiated when offered.
     *
     * @param enabled whether to use h2c with prior knowledge (default false)
     * @return this builder
     */
    public Builder http2PriorKnowledge(boolean enabled) {
      this.http2PriorKnowledge = enabled;
      return this;
    }

    /**
     * Builds the client. Its calls run on virtual threads on Java 21+, on daemon threads on Java 17.
     *
     * @return a new client; give it to every provider
     */
    public OkHttpClient build() {
      Dispatcher dispatcher = new Dispatcher(Http.newDispatcherExecutor());
      dispatcher.setMaxRequests(maxConcurrentCalls);
      dispatcher.setMaxRequestsPerHost(maxConcurrentCalls);
      OkHttpClient.Builder b = new OkHttpClient.Builder()
          .dispatcher(dispatcher)
          .connectionPool(new ConnectionPool(maxIdleConnections, keepAlive.toMillis(), TimeUnit.MILLISECONDS))
          .connectTimeout(connectTimeout)
          .readTimeout(readTimeout)
          .writeTimeout(readTimeout)
          .callTimeout(Duration.ZERO)
          .retryOnConnectionFailure(true);
      if (http2PriorKnowledge) {
        b.protocols(List.of(Protocol.H2_PRIOR_KNOWLEDGE));
      }
      return b.build();
    }

    private static int range(String name, int value, int min, int max) {
      if (value < min || value > max) {
        throw new IllegalArgumentException(name + " must be in " + min + ".." + max + " but was " + value);
      }
      return value;
    }

    private static Duration duration(String name, Duration value, Duration min, Duration max) {
      Objects.requireNonNull(value, name);
      if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
        throw new IllegalArgumentException(name + " must be in [" + min + ", " + max + "] but was " + value);
      }
      return value;
    }
  }
}
