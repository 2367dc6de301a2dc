package dev.officehours.redis;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
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
 * <p>Lettuce is configured so that a slow or absent Redis costs a cache miss, never a stalled
 * turn: commands are <b>rejected at once while disconnected</b> (not buffered), the request queue
 * is bounded, every command has a short timeout (default 250 ms), and the connection reconnects
 * by itself (backing off up to {@link Builder#maxReconnectDelay} , default 1 s). Lettuce 6 has no
 * "replay" switch: it re-sends commands buffered while disconnected, so rejecting them instead is
 * what guarantees that no stale cache command is replayed after a reconnect.
 *
 * <p>Passwords in the URI are never logged nor shown by {@link #toString()}. Thread-safe; build
 * one per Redis and share it; {@link #close()} it on shutdown.
 */
public final class OfficeHoursRedis implements AutoCloseable {
  private final ClientResources resources;
  private final AbstractRedisClient client;
  private final StatefulConnection<byte[], byte[]> connection;
  private final RedisClusterAsyncCommands<byte[], byte[]> commands;
  private final String namespace;
  private final Duration commandTimeout;
  private final String description;

  private OfficeHoursRedis(Builder b) {
    this.namespace = b.namespace;
    this.commandTimeout = b.commandTimeout;
    this.resources = ClientResources.builder()
        .reconnectDelay(Delay.exponential(
            Duration.ofMillis(50), b.maxReconnectDelay, 2, TimeUnit.MILLISECONDS))
        .build();
    SocketOptions socket = SocketOptions.builder().connectTimeout(b.connectTimeout).build();
    TimeoutOptions timeouts = TimeoutOptions.enabled(b.commandTimeout);
    String uri = b.uri.strip();
    String scheme = uri.substring(0, Math.max(0, uri.indexOf("://"))).toLowerCase(Locale.ROOT);
    try {
      if (scheme.endsWith("-cluster") || b.cluster) {
        List<RedisURI> seeds = clusterSeeds(uri, scheme, b.connectTimeout);
        RedisClusterClient cluster = RedisClusterClient.create(resources, seeds);
        cluster.setOptions(ClusterClientOptions.builder()
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
        StatefulRedisClusterConnection<byte[], byte[]> c = cluster.connect(ByteArrayCodec.INSTANCE);
        this.client = cluster;
        this.connection = c;
        this.commands = c.async();
        this.description = "cluster " + describe(seeds.get(0)) + (seeds.size() > 1 ? " +" + (seeds.size() - 1) : "");
      } else {
        RedisURI redisUri = parse(uri);
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
        StatefulRedisConnection<byte[], byte[]> c = single.connect(ByteArrayCodec.INSTANCE);
        this.client = single;
        this.connection = c;
        this.commands = c.async();
        this.description = describe(redisUri);
      }
    } catch (RuntimeException e) {
      resources.shutdown(0, 1, TimeUnit.SECONDS);
      throw e;
    }
  }

  /**
   * Connects with the defaults (namespace {@code officehours}, 250 ms command timeout).
   *
   * @param uri a {@code redis://}, {@code rediss://}, {@code redis-sentinel://} or
   *     {@code redis-cluster://} URI
   * @throws io.lettuce.core.RedisConnectionException when Redis cannot be reached now
   */
  public static OfficeHoursRedis connect(String uri) {
    return builder(uri).build();
  }

  /** Starts a connection configuration for {@code uri}. */
  public static Builder builder(String uri) {
    return new Builder(uri);
  }

  /** A cache store in this connection's namespace, for the TTS and answer caches. */
  public RedisCacheStore cacheStore() {
    return new RedisCacheStore(this, "cache");
  }

  /** A conversation store with the defaults (50 messages, 30 min idle, no near cache). */
  public RedisConversationStore conversationStore() {
    return RedisConversationStore.builder(this).build();
  }

  /** The prefix of every key written through this connection. */
  public String namespace() {
    return namespace;
  }

  /** The timeout of every command. */
  public Duration commandTimeout() {
    return commandTimeout;
  }

  /** Whether the connection is up now (it reconnects by itself when not). */
  public boolean isConnected() {
    return connection.isOpen();
  }

  RedisClusterAsyncCommands<byte[], byte[]> commands() {
    return commands;
  }

  byte[] key(String kind, String key) {
    return (namespace + ":" + kind + ":" + key).getBytes(StandardCharsets.UTF_8);
  }

  /** Closes the connection and releases its threads. */
  @Override
  public void close() {
    connection.close();
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

    /** @param namespace the prefix of every key, e.g. one per app or environment (default {@code officehours}) */
    public Builder namespace(String namespace) {
      Objects.requireNonNull(namespace, "namespace");
      if (namespace.isBlank() || namespace.chars().anyMatch(Character::isWhitespace)) {
        throw new IllegalArgumentException("namespace must be non-blank without whitespace but was '" + namespace + "'");
      }
      this.namespace = namespace;
      return this;
    }

    /**
     * @param commandTimeout how long a command may take before it fails and the cache treats it
     *     as a miss (default 250 ms)
     */
    public Builder commandTimeout(Duration commandTimeout) {
      this.commandTimeout = positive("commandTimeout", commandTimeout);
      return this;
    }

    /** @param connectTimeout how long a (re)connect may take (default 2 s) */
    public Builder connectTimeout(Duration connectTimeout) {
      this.connectTimeout = positive("connectTimeout", connectTimeout);
      return this;
    }

    /** @param maxReconnectDelay the longest wait between reconnect attempts (default 1 s) */
    public Builder maxReconnectDelay(Duration maxReconnectDelay) {
      this.maxReconnectDelay = positive("maxReconnectDelay", maxReconnectDelay);
      if (maxReconnectDelay.compareTo(Duration.ofMillis(50)) < 0) {
        throw new IllegalArgumentException("maxReconnectDelay must be at least 50 ms but was " + maxReconnectDelay);
      }
      return this;
    }

    /** @param requestQueueSize commands queued per connection at most; more are rejected (default 1000) */
    public Builder requestQueueSize(int requestQueueSize) {
      if (requestQueueSize < 1) {
        throw new IllegalArgumentException("requestQueueSize must be positive but was " + requestQueueSize);
      }
      this.requestQueueSize = requestQueueSize;
      return this;
    }

    /** @param cluster treat a {@code redis://} URI as a Cluster seed (default: only {@code redis-cluster://}) */
    public Builder cluster(boolean cluster) {
      this.cluster = cluster;
      return this;
    }

    /** @param period how often a Cluster connection refreshes its topology (default 30 s) */
    public Builder topologyRefreshPeriod(Duration period) {
      this.topologyRefreshPeriod = positive("topologyRefreshPeriod", period);
      return this;
    }

    /**
     * Connects.
     *
     * @throws io.lettuce.core.RedisConnectionException when Redis cannot be reached now
     */
    public OfficeHoursRedis build() {
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
