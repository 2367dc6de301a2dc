package dev.officehours.redis;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * One connection to Redis, configured for a cache rather than a queue, shared by the
 * {@link RedisCacheStore} and the {@link RedisConversationStore} built from it.
 *
 * <pre>{@code
 * OfficeHoursRedis redis = OfficeHoursRedis.connect("redis://cache.internal:6379");
 * ConversationPipeline.builder()
 *     .ttsCache(TtsCache.builder(redis.cacheStore()).build())
 *     .answerCache(AnswerCache.builder(redis.cacheStore()).build())
 *     .conversationStore(redis.conversationStore())
 * }</pre>
 *
 * <p>URIs: {@code redis://[password@]host[:port][/db]}, {@code rediss://} for TLS,
 * {@code redis-sentinel://host:26379[,host2:26379]#masterName} for Sentinel, and
 * {@code redis-cluster://host:port[,host:port...]} (or {@code rediss-cluster://}) for Cluster,
 * which uses periodic and adaptive topology refresh.
 *
 * <p><b>Redis is optional at start-up.</b> Building waits for the first connection attempt
 * (at most {@link Builder#connectTimeout} plus {@link Builder#commandTimeout}) and returns either
 * way; while Redis is not there, every command fails at once (cache misses, no shared history,
 * writes dropped) and the connection is retried in the background until Redis joins. Only a
 * malformed URI fails the build.
 *
 * <p><b>A slow or hung Redis costs one timeout, not one per lookup.</b> Every command has a short
 * timeout (default 250 ms). The first that times out closes a health gate shared by all stores
 * of this connection: reads still waiting fail at once, and later commands fail without being
 * sent, until a background {@code TIME} probe ({@link Builder#probeInterval}) is answered.
 *
 * <p><b>A write reported dropped never lands later.</b> Writes are Lua scripts that compare the
 * server's clock with a deadline (the moment the write would be reported failed, in server time,
 * learned from the clock offset measured by the probes; see {@link Builder#clockSkewAllowance})
 * and do nothing past it: neither a Redis that resumes after a stall nor lettuce re-sending after
 * a reconnect applies a write its caller was told was dropped.
 *
 * <p>Lettuce is configured so that a slow or absent Redis costs a cache miss, never a stalled
 * turn: commands are <b>rejected at once while disconnected</b> (not buffered), the request queue
 * is bounded, and the connection reconnects by itself (backing off up to
 * {@link Builder#maxReconnectDelay}, default 1 s).
 *
 * <p>Passwords in the URI are never logged nor shown by {@link #toString()}. Thread-safe; build
 * one per Redis and share it; {@link #close()} it on shutdown.
 */
public final class OfficeHoursRedis implements AutoCloseable {
  private final ClientResources resources;
  private final AbstractRedisClient client;
  private final RedisLink link;
  private final String namespace;
  private final Duration commandTimeout;
  private final String description;

  private OfficeHoursRedis(Builder b) {
    this.namespace = b.namespace;
    this.commandTimeout = b.commandTimeout;
    String uri = b.uri.strip();
    String scheme = uri.substring(0, Math.max(0, uri.indexOf("://"))).toLowerCase(Locale.ROOT);
    boolean cluster = scheme.endsWith("-cluster") || b.cluster;
    // parsed before anything starts: a malformed URI fails here, at once
    List<RedisURI> seeds = cluster ? clusterSeeds(uri, scheme, b.connectTimeout) : List.of(parse(uri));
    this.resources = ClientResources.builder()
        .reconnectDelay(Delay.exponential(
            Duration.ofMillis(50), b.maxReconnectDelay, 2, TimeUnit.MILLISECONDS))
        .build();
    SocketOptions socket = SocketOptions.builder().connectTimeout(b.connectTimeout).build();
    // the link times commands out itself, precisely; lettuce's coarser timer is the backstop
    TimeoutOptions timeouts = TimeoutOptions.enabled(b.commandTimeout);
    RedisLink.Settings settings = new RedisLink.Settings(b.commandTimeout, b.probeInterval,
        b.clockSyncInterval, b.clockSkewAllowance, b.maxReconnectDelay);
    try {
      if (cluster) {
        RedisClusterClient clusterClient = RedisClusterClient.create(resources, seeds);
        clusterClient.setOptions(ClusterClientOptions.builder()
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            .requestQueueSize(b.requestQueueSize)
            .autoReconnect(true)
            .socketOptions(socket)
            .timeoutOptions(timeouts)
            .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                .enablePeriodicRefresh(b.topologyRefreshPeriod)
                .enableAllAdaptiveRefreshTriggers()
                .build())
            .build());
        this.client = clusterClient;
        this.description = "cluster " + describe(seeds.get(0)) + (seeds.size() > 1 ? " +" + (seeds.size() - 1) : "");
        // connectAsync needs the topology loaded, which only the blocking connect() does by itself
        this.link = new RedisLink(description, () -> clusterClient.refreshPartitionsAsync().toCompletableFuture()
            .thenCompose(loaded -> clusterClient.connectAsync(ByteArrayCodec.INSTANCE))
            .thenApply(c -> new RedisLink.Connected(c, c.async())), settings);
      } else {
        RedisURI redisUri = seeds.get(0);
        // the URI timeout bounds the connection handshake; commands have the fixed TimeoutOptions
        redisUri.setTimeout(b.connectTimeout);
        RedisClient single = RedisClient.create(resources, redisUri);
        single.setOptions(ClientOptions.builder()
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            .requestQueueSize(b.requestQueueSize)
            .autoReconnect(true)
            .socketOptions(socket)
            .timeoutOptions(timeouts)
            .build());
        this.client = single;
        this.description = describe(redisUri);
        this.link = new RedisLink(description, () -> single.connectAsync(ByteArrayCodec.INSTANCE, redisUri)
            .toCompletableFuture()
            .thenApply(c -> new RedisLink.Connected(c, c.async())), settings);
        single.addListener(link.connectionListener());
      }
    } catch (RuntimeException e) {
      resources.shutdown(0, 1, TimeUnit.SECONDS);
      throw e;
    }
    link.start(b.connectTimeout.plus(b.commandTimeout));
  }

  /**
   * Connects with the defaults (namespace {@code officehours}, 250 ms command timeout). Returns
   * also when Redis is down: the connection is then made in the background.
   *
   * @param uri a {@code redis://}, {@code rediss://}, {@code redis-sentinel://} or
   *     {@code redis-cluster://} URI
   * @return the connection, to share and to close on shutdown
   * @throws IllegalArgumentException when the URI is malformed (the message never shows its password)
   */
  public static OfficeHoursRedis connect(String uri) {
    return builder(uri).build();
  }

  /**
   * Starts a connection configuration for {@code uri}.
   *
   * @param uri a {@code redis://}, {@code rediss://}, {@code redis-sentinel://} or
   *     {@code redis-cluster://} URI
   * @return a builder with the defaults
   * @throws IllegalArgumentException when the scheme is not a Redis one (the rest is not echoed)
   */
  public static Builder builder(String uri) {
    return new Builder(uri);
  }

  /**
   * A cache store in this connection's namespace, for the TTS and answer caches.
   *
   * @return a new store over this connection
   */
  public RedisCacheStore cacheStore() {
    return new RedisCacheStore(this, "cache");
  }

  /**
   * A conversation store with the defaults (50 messages, 30 min idle, no near cache).
   *
   * @return a new store over this connection
   */
  public RedisConversationStore conversationStore() {
    return RedisConversationStore.builder(this).build();
  }

  /**
   * The prefix of every key written through this connection.
   *
   * @return the namespace
   */
  public String namespace() {
    return namespace;
  }

  /**
   * The timeout of every command.
   *
   * @return the command timeout
   */
  public Duration commandTimeout() {
    return commandTimeout;
  }

  /**
   * Whether the connection is up now (it reconnects by itself when not).
   *
   * @return true while connected
   */
  public boolean isConnected() {
    return link.isConnected();
  }

  /**
   * Whether commands are sent to Redis now: connected, and Redis answered in time. False before
   * the first connection, while disconnected, and while the health gate fails commands fast after
   * a timeout. Suits a readiness or health check; the app serves either way.
   *
   * @return true while Redis is in use
   */
  public boolean isAvailable() {
    return link.isAvailable();
  }

  RedisLink link() {
    return link;
  }

  byte[] key(String kind, String key) {
    return (namespace + ":" + kind + ":" + key).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Closes the connection and releases its threads, after at most the command timeout (and a
   * second) for writes in flight to be reported.
   */
  @Override
  public void close() {
    link.close();
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    resources.shutdown(0, 2, TimeUnit.SECONDS);
  }

  @Override
  public String toString() {
    return "OfficeHoursRedis[" + description + ", namespace=" + namespace + "]";
  }

  private static String describe(RedisURI u) {
    if (u.getSentinelMasterId() != null) {
      return "sentinel master " + u.getSentinelMasterId();
    }
    return (u.isSsl() ? "rediss://" : "redis://") + u.getHost() + ":" + u.getPort();
  }

  private static List<RedisURI> clusterSeeds(String uri, String scheme, Duration timeout) {
    String rest = uri.substring(uri.indexOf("://") + 3);
    String plain = scheme.startsWith("rediss") ? "rediss://" : "redis://";
    String credentials = "";
    int at = rest.lastIndexOf('@');
    if (at >= 0) {
      credentials = rest.substring(0, at + 1);
      rest = rest.substring(at + 1);
    }
    List<RedisURI> seeds = new ArrayList<>();
    for (String hostPort : rest.split(",")) {
      if (!hostPort.isBlank()) {
        RedisURI seed = parse(plain + credentials + hostPort.strip());
        seed.setTimeout(timeout);
        seeds.add(seed);
      }
    }
    if (seeds.isEmpty()) {
      throw new IllegalArgumentException("a cluster URI needs at least one host:port");
    }
    return seeds;
  }

  /**
   * {@link RedisURI#create}, but its errors never carry the URI: {@code java.net.URI} puts the
   * whole string, password included, in its message (e.g. for an un-encoded {@code %}).
   */
  private static RedisURI parse(String uri) {
    try {
      return RedisURI.create(uri);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("invalid Redis URI " + Builder.redactedScheme(uri)
          + " (is the password URL-encoded?)");
    }
  }

  /** Configures an {@link OfficeHoursRedis}; every argument is validated at once. */
  public static final class Builder {
    private final String uri;
    private String namespace = "officehours";
    private Duration commandTimeout = Duration.ofMillis(250);
    private Duration connectTimeout = Duration.ofSeconds(2);
    private Duration maxReconnectDelay = Duration.ofSeconds(1);
    private Duration topologyRefreshPeriod = Duration.ofSeconds(30);
    private Duration probeInterval = Duration.ofMillis(500);
    private Duration clockSyncInterval = Duration.ofSeconds(10);
    private Duration clockSkewAllowance = Duration.ofMillis(20);
    private int requestQueueSize = 1000;
    private boolean cluster;

    private Builder(String uri) {
      Objects.requireNonNull(uri, "uri");
      String lower = uri.strip().toLowerCase(Locale.ROOT);
      if (!(lower.startsWith("redis://") || lower.startsWith("rediss://")
          || lower.startsWith("redis-sentinel://") || lower.startsWith("rediss-sentinel://")
          || lower.startsWith("redis-cluster://") || lower.startsWith("rediss-cluster://")
          || lower.startsWith("redis-socket://"))) {
        throw new IllegalArgumentException("uri must start with redis://, rediss://, redis-sentinel:// or "
            + "redis-cluster:// but was '" + redactedScheme(uri) + "'");
      }
      this.uri = uri;
    }

    private static String redactedScheme(String uri) {
      int i = uri.indexOf("://");
      return i < 0 ? (uri.length() > 12 ? uri.substring(0, 12) + "..." : uri) : uri.substring(0, i) + "://...";
    }

    /**
     * Sets the key prefix.
     *
     * @param namespace the prefix of every key, e.g. one per app or environment (default {@code officehours})
     * @return this builder
     * @throws IllegalArgumentException when blank or containing whitespace
     */
    public Builder namespace(String namespace) {
      Objects.requireNonNull(namespace, "namespace");
      if (namespace.isBlank() || namespace.chars().anyMatch(Character::isWhitespace)) {
        throw new IllegalArgumentException("namespace must be non-blank without whitespace but was '" + namespace + "'");
      }
      this.namespace = namespace;
      return this;
    }

    /**
     * Sets the command timeout: the most a hung Redis adds to a turn.
     *
     * @param commandTimeout how long a command may take before it fails, the cache treats it as a
     *     miss and the health gate closes (default 250 ms)
     * @return this builder
     * @throws IllegalArgumentException when zero or negative
     */
    public Builder commandTimeout(Duration commandTimeout) {
      this.commandTimeout = positive("commandTimeout", commandTimeout);
      return this;
    }

    /**
     * Sets the connect timeout.
     *
     * @param connectTimeout how long a (re)connect, handshake included, may take (default 2 s)
     * @return this builder
     * @throws IllegalArgumentException when zero or negative
     */
    public Builder connectTimeout(Duration connectTimeout) {
      this.connectTimeout = positive("connectTimeout", connectTimeout);
      return this;
    }

    /**
     * Sets the reconnect backoff cap, for the first connection as for later reconnects.
     *
     * @param maxReconnectDelay the longest wait between connection attempts, at least 50 ms (default 1 s)
     * @return this builder
     * @throws IllegalArgumentException when below 50 ms
     */
    public Builder maxReconnectDelay(Duration maxReconnectDelay) {
      this.maxReconnectDelay = positive("maxReconnectDelay", maxReconnectDelay);
      if (maxReconnectDelay.compareTo(Duration.ofMillis(50)) < 0) {
        throw new IllegalArgumentException("maxReconnectDelay must be at least 50 ms but was " + maxReconnectDelay);
      }
      return this;
    }

    /**
     * Sets how often a Redis that stopped answering is asked again.
     *
     * @param probeInterval the wait between a failed {@code TIME} probe and the next one, while the
     *     health gate fails commands fast (default 500 ms; each probe itself waits at most the
     *     command timeout)
     * @return this builder
     * @throws IllegalArgumentException when zero or negative
     */
    public Builder probeInterval(Duration probeInterval) {
      this.probeInterval = positive("probeInterval", probeInterval);
      return this;
    }

    /**
     * Sets how often the offset to Redis's clock is measured again while Redis answers. Write
     * deadlines widen their safety margin with the age of the measurement (500 ppm drift).
     *
     * @param clockSyncInterval the period of the background {@code TIME} (default 10 s)
     * @return this builder
     * @throws IllegalArgumentException when zero or negative
     */
    public Builder clockSyncInterval(Duration clockSyncInterval) {
      this.clockSyncInterval = positive("clockSyncInterval", clockSyncInterval);
      return this;
    }

    /**
     * Sets the margin taken off every write's deadline for clocks that disagree with the one
     * measured: another Cluster node than the one probed, a replica promoted since the last
     * measurement. A write reaching Redis later than {@code commandTimeout} minus this margin (and
     * the measurement's uncertainty) after it was sent is not applied and reported dropped.
     *
     * @param clockSkewAllowance the margin, zero or more and less than the command timeout (default 20 ms)
     * @return this builder
     * @throws IllegalArgumentException when negative; {@link #build()} checks it against the
     *     command timeout
     */
    public Builder clockSkewAllowance(Duration clockSkewAllowance) {
      Objects.requireNonNull(clockSkewAllowance, "clockSkewAllowance");
      if (clockSkewAllowance.isNegative()) {
        throw new IllegalArgumentException("clockSkewAllowance must not be negative but was " + clockSkewAllowance);
      }
      this.clockSkewAllowance = clockSkewAllowance;
      return this;
    }

    /**
     * Bounds the commands lettuce holds per connection.
     *
     * @param requestQueueSize commands queued per connection at most; more are rejected (default 1000)
     * @return this builder
     * @throws IllegalArgumentException when below 1
     */
    public Builder requestQueueSize(int requestQueueSize) {
      if (requestQueueSize < 1) {
        throw new IllegalArgumentException("requestQueueSize must be positive but was " + requestQueueSize);
      }
      this.requestQueueSize = requestQueueSize;
      return this;
    }

    /**
     * Treats a plain URI as a Cluster seed.
     *
     * @param cluster treat a {@code redis://} URI as a Cluster seed (default: only {@code redis-cluster://})
     * @return this builder
     */
    public Builder cluster(boolean cluster) {
      this.cluster = cluster;
      return this;
    }

    /**
     * Sets the Cluster topology refresh period.
     *
     * @param period how often a Cluster connection refreshes its topology (default 30 s)
     * @return this builder
     * @throws IllegalArgumentException when zero or negative
     */
    public Builder topologyRefreshPeriod(Duration period) {
      this.topologyRefreshPeriod = positive("topologyRefreshPeriod", period);
      return this;
    }

    /**
     * Builds the connection. Waits for the first connection attempt, at most the connect timeout
     * plus the command timeout, and returns either way: when Redis is not there yet, it is
     * connected in the background and every command fails fast until then.
     *
     * @return the connection
     * @throws IllegalArgumentException when the URI is malformed, or the clock skew allowance is
     *     not less than the command timeout
     */
    public OfficeHoursRedis build() {
      if (clockSkewAllowance.compareTo(commandTimeout) >= 0) {
        throw new IllegalArgumentException("clockSkewAllowance (" + clockSkewAllowance.toMillis()
            + " ms) must be less than commandTimeout (" + commandTimeout.toMillis()
            + " ms), or every write would expire before it is sent");
      }
      return new OfficeHoursRedis(this);
    }

    private static Duration positive(String name, Duration d) {
      Objects.requireNonNull(d, name);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be positive but was " + d);
      }
      return d;
    }
  }
}
