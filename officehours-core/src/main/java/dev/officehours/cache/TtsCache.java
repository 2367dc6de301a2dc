package dev.officehours.cache;

import dev.officehours.metrics.PipelineObserver;
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
 */
public final class TtsCache {
  /** The key prefix; its version changes whenever the key's recipe or the stored format does. */
  public static final String KEY_PREFIX = "tts:v1:";

  private final CacheStore store;
  private final Duration ttl;
  private final Executor executor;

  private TtsCache(Builder b) {
    this.store = b.store;
    this.ttl = b.ttl;
    this.executor = b.executor;
  }

  /** A cache in this JVM's memory: a default {@link CaffeineCacheStore} (64 MB), TTL 2 h. */
  public static TtsCache inMemory() {
    return builder(CaffeineCacheStore.create()).build();
  }

  /**
   * Starts a cache over {@code store}.
   *
   * @param store where the audio lives
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
   */
  public TtsProvider wrap(TtsProvider provider, PipelineObserver observer) {
    return new CachingTtsProvider(this, provider, observer);
  }

  /** The cache key of {@code request} to the provider with id {@code providerId}. */
  public String key(String providerId, SpeechRequest request) {
    Objects.requireNonNull(providerId, "providerId");
    Objects.requireNonNull(request, "request");
    return CacheKeys.sha256()
        .add(providerId)
        .add(request.model())
        .add(request.voice())
        .add(request.format().encoding().name())
        .add(request.format().sampleRate())
        .add(request.format().channels())
        .add(request.speed())
        .add(request.instructions())
        .add(CacheKeys.normaliseSpeech(request.text()))
        .hex(KEY_PREFIX);
  }

  /** Where the audio lives. */
  public CacheStore store() {
    return store;
  }

  /** How long audio is kept. */
  public Duration ttl() {
    return ttl;
  }

  Executor executor() {
    return executor;
  }

  @Override
  public String toString() {
    return "TtsCache[ttl=" + ttl + ", store=" + store + "]";
  }

  /** Builds a {@link TtsCache}; every argument is validated at once. */
  public static final class Builder {
    private final CacheStore store;
    private Duration ttl = Duration.ofHours(2);
    private Executor executor = CacheExecutor.shared();

    private Builder(CacheStore store) {
      this.store = Objects.requireNonNull(store, "store");
    }

    /** @param ttl how long audio is kept (default 2 h) */
    public Builder ttl(Duration ttl) {
      CaffeineCacheStore.requirePositive("ttl", ttl);
      this.ttl = ttl;
      return this;
    }

    /**
     * @param executor runs the audio callbacks of hits and joined syntheses (default: a small
     *     shared pool of daemon threads); callbacks of one request never overlap
     */
    public Builder executor(Executor executor) {
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /** Builds the cache. */
    public TtsCache build() {
      return new TtsCache(this);
    }
  }
}
