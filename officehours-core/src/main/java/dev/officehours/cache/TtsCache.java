package dev.officehours.cache;

import dev.officehours.internal.RequestExtras;
import dev.officehours.metrics.PipelineObserver;
import dev.officehours.tts.AudioSink;
import dev.officehours.tts.SpeechRequest;
import dev.officehours.tts.TtsProvider;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * Caches synthesised audio so a sentence said before is not synthesised again, here or, with a
 * shared {@link CacheStore} such as Redis, on another machine.
 *
 * <pre>{@code
 * ConversationPipeline.builder()
 *     .tts(speech)
 *     .ttsCache(TtsCache.inMemory())                               // or:
 *     .ttsCache(TtsCache.builder(store).ttl(Duration.ofHours(2)).build())
 * }</pre>
 *
 * <p>The key is a SHA-256, with a version prefix, over the provider id, model, voice, format
 * (encoding, sample rate, channels), speed, instructions and the normalised speakable text
 * (Unicode NFC, whitespace collapsed). A hit calls {@code AudioSink.onCacheHit()} and then
 * delivers the stored audio in pieces (whole sample frames for raw PCM), off the caller's thread.
 *
 * <p><b>Single-flight:</b> requests for a key whose lookup or synthesis is already in flight join
 * it instead of starting another: they get the bytes produced so far at once and the rest as it
 * arrives, and count as hits. The synthesis is cancelled only when every request for it has
 * cancelled. Failed or cancelled syntheses are never stored; a complete one is stored whole.
 *
 * <p>A failing store (Redis down) is a miss and a dropped write: the audio is synthesised, and
 * {@link PipelineObserver#cacheError(String) cacheError("tts")} records it.
 *
 * <p><b>Memory bounds.</b> A provider may send far more audio than a sentence needs (a bug, or a
 * hostile endpoint). Two limits keep the cache's memory bounded whatever it sends:
 * <ul>
 *   <li>{@link Builder#maxEntryBytes(int) maxEntryBytes} (default 8 MiB, about 170 s of 24 kHz
 *       16-bit mono PCM): a synthesis whose audio grows past it is passed on to its requests in
 *       full but not kept: it is not stored, and requests for the same key that arrive after
 *       that point start a synthesis of their own instead of joining (the beginning of the audio
 *       is gone). It is logged at DEBUG and not counted as a {@code cacheError}, which means a
 *       failing store.
 *   <li>{@link Builder#maxQueuedBytes(int) maxQueuedBytes} (default 1 MiB, about 22 s of 24 kHz
 *       PCM): when a request's {@link AudioSink} has more live audio than this waiting for it,
 *       the provider's thread that delivers audio is blocked until the sink catches up or
 *       cancels, so a provider that reads a socket on that thread stops reading and TCP pushes
 *       back. A shared synthesis therefore goes at the pace of its slowest request.
 * </ul>
 *
 * <p><b>Threads.</b> Audio reaches each {@link AudioSink} on the cache's executor, one callback
 * at a time per request. The default executor grows a thread for each sink busy at once, so a
 * sink that blocks (to push back on its own producer) never delays another request's audio.
 */
public final class TtsCache {
  /** The key prefix; its version changes whenever the key's recipe or the stored format does. */
  public static final String KEY_PREFIX = "tts:v1:";

  /** The default {@link Builder#maxEntryBytes(int)}: 8 MiB. */
  public static final int DEFAULT_MAX_ENTRY_BYTES = 8 * 1024 * 1024;
  /** The default {@link Builder#maxQueuedBytes(int)}: 1 MiB. */
  public static final int DEFAULT_MAX_QUEUED_BYTES = 1024 * 1024;

  private final CacheStore store;
  private final Duration ttl;
  private final int maxEntryBytes;
  private final int maxQueuedBytes;
  private final Executor executor;

  private TtsCache(Builder b) {
    this.store = b.store;
    this.ttl = b.ttl;
    this.maxEntryBytes = b.maxEntryBytes;
    this.maxQueuedBytes = b.maxQueuedBytes;
    this.executor = b.executor;
  }

  /**
   * A cache in this JVM's memory: a default {@link CaffeineCacheStore} (64 MB), TTL 2 h.
   *
   * @return a new, empty cache
   */
  public static TtsCache inMemory() {
    return builder(CaffeineCacheStore.create()).build();
  }

  /**
   * Starts a cache over {@code store}.
   *
   * @param store where the audio lives; not null
   * @return a builder with the defaults of {@link #inMemory()} for everything else
   */
  public static Builder builder(CacheStore store) {
    return new Builder(store);
  }

  /**
   * Wraps {@code provider} so that it reads through this cache. The pipeline calls this when built
   * with {@code ttsCache(...)}; each wrapped provider has its own single-flight table.
   *
   * @param provider the TTS engine that synthesises on a miss
   * @param observer told about hits, misses and store errors under the name {@code tts}
   * @return a provider that serves audio from this cache on a hit and from {@code provider}
   *     otherwise
   */
  public TtsProvider wrap(TtsProvider provider, PipelineObserver observer) {
    return new CachingTtsProvider(this, provider, observer);
  }

  /**
   * The cache key of {@code request} to the provider with id {@code providerId}.
   *
   * @param providerId the TTS provider's {@link TtsProvider#id()}
   * @param request the synthesis request
   * @return the key, starting with {@link #KEY_PREFIX}
   */
  public String key(String providerId, SpeechRequest request) {
    Objects.requireNonNull(providerId, "providerId");
    Objects.requireNonNull(request, "request");
    CacheKeys key = CacheKeys.sha256()
        .add(providerId)
        .add(request.model())
        .add(request.voice())
        .add(request.format().encoding().name())
        .add(request.format().sampleRate())
        .add(request.format().channels())
        .add(request.speed())
        .add(request.instructions())
        .add(CacheKeys.normaliseSpeech(request.text()));
    if (!request.extraBody().isEmpty() || !request.extraHeaders().isEmpty()) {
      // Only when present, so keys of requests without them stay as they were.
      key.add("extras").add(RequestExtras.canonical(request.extraBody()))
          .add(RequestExtras.canonical(request.extraHeaders()));
    }
    return key.hex(KEY_PREFIX);
  }

  /**
   * Where the audio lives.
   *
   * @return the store given to the builder
   */
  public CacheStore store() {
    return store;
  }

  /**
   * How long audio is kept.
   *
   * @return the time to live of stored audio
   */
  public Duration ttl() {
    return ttl;
  }

  /**
   * The largest audio of one request that is kept and stored.
   *
   * @return the limit in bytes
   */
  public int maxEntryBytes() {
    return maxEntryBytes;
  }

  /**
   * How much live audio may wait for one request's sink before the provider is paused.
   *
   * @return the limit in bytes
   */
  public int maxQueuedBytes() {
    return maxQueuedBytes;
  }

  Executor executor() {
    return executor;
  }

  @Override
  public String toString() {
    return "TtsCache[ttl=" + ttl + ", maxEntryBytes=" + maxEntryBytes
        + ", maxQueuedBytes=" + maxQueuedBytes + ", store=" + store + "]";
  }

  /** Builds a {@link TtsCache}; every argument is validated at once. */
  public static final class Builder {
    private final CacheStore store;
    private Duration ttl = Duration.ofHours(2);
    private int maxEntryBytes = DEFAULT_MAX_ENTRY_BYTES;
    private int maxQueuedBytes = DEFAULT_MAX_QUEUED_BYTES;
    private Executor executor = CacheExecutor.shared();

    private Builder(CacheStore store) {
      this.store = Objects.requireNonNull(store, "store");
    }

    /**
     * Sets how long audio is kept.
     *
     * @param ttl the time to live of stored audio (default 2 h); positive
     * @return this builder
     * @throws IllegalArgumentException when {@code ttl} is zero or negative
     */
    public Builder ttl(Duration ttl) {
      CaffeineCacheStore.requirePositive("ttl", ttl);
      this.ttl = ttl;
      return this;
    }

    /**
     * Sets the largest audio of one request that is kept and stored. Longer audio is still
     * delivered, but neither stored nor shared with requests that arrive after it outgrew the
     * limit.
     *
     * @param bytes the limit (default 8 MiB); positive
     * @return this builder
     * @throws IllegalArgumentException naming {@code maxEntryBytes} when not positive
     */
    public Builder maxEntryBytes(int bytes) {
      this.maxEntryBytes = requirePositive("maxEntryBytes", bytes);
      return this;
    }

    /**
     * Sets how much live audio may wait for one request's sink: past it, the provider's thread
     * that delivers audio waits until the sink catches up or cancels.
     *
     * @param bytes the limit (default 1 MiB); positive
     * @return this builder
     * @throws IllegalArgumentException naming {@code maxQueuedBytes} when not positive
     */
    public Builder maxQueuedBytes(int bytes) {
      this.maxQueuedBytes = requirePositive("maxQueuedBytes", bytes);
      return this;
    }

    private static int requirePositive(String name, int bytes) {
      if (bytes <= 0) {
        throw new IllegalArgumentException(name + " must be positive but was " + bytes);
      }
      return bytes;
    }

    /**
     * Sets the executor of the sinks' callbacks. It must not run tasks on the calling thread:
     * audio is queued under a lock, and a sink may block.
     *
     * @param executor runs the audio callbacks of every request through this cache (default: a
     *     shared pool of daemon threads that grows with the sinks busy at once and shrinks when
     *     they are idle); callbacks of one request never overlap
     * @return this builder
     */
    public Builder executor(Executor executor) {
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /**
     * Builds the cache.
     *
     * @return a cache over the builder's store with these settings
     */
    public TtsCache build() {
      return new TtsCache(this);
    }
  }
}
