package dev.officehours.fallback;

import dev.officehours.PipelineClock;
import dev.officehours.errors.OfficeHoursException;
import dev.officehours.errors.OfficeHoursException.Stage;
import dev.officehours.fallback.Chain.Member;
import dev.officehours.stt.SttProvider;
import dev.officehours.stt.Transcript;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A speech recogniser made of several, tried in order: a transcription goes to the first healthy
 * provider and moves to the next when it fails or brings no transcript within
 * {@link Builder#attemptTimeout}. Health, probes and the errors that do not fail over work as in
 * {@link FallbackLlm}. The transcript names the provider that served
 * ({@link Transcript#provider()}). Cancelling the returned future cancels the attempt in flight
 * and starts no other. {@link #close()} stops the probes.
 */
public final class FallbackStt implements SttProvider, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(FallbackStt.class);
  /** The default attempt timeout: a whole utterance's transcription, not a first byte. */
  static final Duration DEFAULT_ATTEMPT_TIMEOUT = Duration.ofSeconds(15);

  private final Chain<SttProvider> chain;

  private FallbackStt(Chain<SttProvider> chain) {
    this.chain = chain;
  }

  /**
   * Starts a chain.
   *
   * @param providers the providers in order of preference, 2..16, with distinct {@code id()}s;
   *     copied
   * @return a builder
   * @throws IllegalArgumentException when there are fewer than 2 or more than 16 providers, or
   *     two share an id
   */
  public static Builder builder(List<? extends SttProvider> providers) {
    return new Builder(providers);
  }

  @Override
  public String id() {
    return chain.id;
  }

  @Override
  public CompletableFuture<Transcript> transcribe(byte[] audio, String mimeType) {
    Objects.requireNonNull(audio, "audio");
    Objects.requireNonNull(mimeType, "mimeType");
    Flight flight = new Flight(audio, mimeType, "");
    flight.next(null, null);
    return flight.result;
  }

  /** Passes the language on to each provider tried. */
  @Override
  public CompletableFuture<Transcript> transcribe(byte[] audio, String mimeType, String language) {
    Objects.requireNonNull(audio, "audio");
    Objects.requireNonNull(mimeType, "mimeType");
    Objects.requireNonNull(language, "language");
    Flight flight = new Flight(audio, mimeType, language);
    flight.next(null, null);
    return flight.result;
  }

  /**
   * Whether transcriptions go to a provider now.
   *
   * @param providerId the {@code id()} of one of the chain's providers
   * @return false while the provider is skipped after failing too often, true otherwise
   * @throws IllegalArgumentException when no provider of the chain has that id
   */
  public boolean isHealthy(String providerId) {
    return chain.member(providerId).health().healthy();
  }

  /** Stops the background probes; calls still work, but an unhealthy provider stays skipped. */
  @Override
  public void close() {
    chain.close();
  }

  @Override
  public String toString() {
    return "FallbackStt[" + chain.id + "]";
  }

  /** The default probe: a fifth of a second of silence as 16 kHz WAV; any transcript will do. */
  static CompletableFuture<?> probe(SttProvider provider) {
    return provider.transcribe(silence(16_000, 200), "audio/wav");
  }

  static byte[] silence(int sampleRate, int millis) {
    int dataBytes = sampleRate * millis / 1000 * 2;
    ByteBuffer wav = ByteBuffer.allocate(44 + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
    wav.put("RIFF".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(36 + dataBytes)
        .put("WAVEfmt ".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
        .putInt(16).putShort((short) 1).putShort((short) 1).putInt(sampleRate)
        .putInt(sampleRate * 2).putShort((short) 2).putShort((short) 16)
        .put("data".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(dataBytes);
    return wav.array();
  }

  /** One transcription: its attempts, one provider at a time. */
  private final class Flight {
    final CompletableFuture<Transcript> result = new CompletableFuture<>();
    private final byte[] audio;
    private final String mimeType;
    private final String language;
    private final List<Member<SttProvider>> order = chain.candidates();
    private int nextIndex;
    private int attemptsMade;
    private CompletableFuture<Transcript> current;
    private PipelineClock.Timer timer;

    Flight(byte[] audio, String mimeType, String language) {
      this.language = language;
      this.audio = audio;
      this.mimeType = mimeType;
      // the caller's cancel reaches the attempt in flight; no attempt starts after it
      result.whenComplete((t, e) -> {
        if (result.isCancelled()) {
          stopCurrent();
        }
      });
    }

    void next(Member<SttProvider> from, OfficeHoursException error) {
      Member<SttProvider> member;
      CompletableFuture<Transcript> attempt = new CompletableFuture<>();
      synchronized (this) {
        if (result.isDone()) {
          return;
        }
        member = nextIndex < order.size() ? order.get(nextIndex++) : null;
        if (member != null) {
          current = attempt;
          attemptsMade++;
        }
      }
      if (member == null) {
        result.completeExceptionally(Failover.lastError(error, attemptsMade));
        return;
      }
      if (from != null) {
        log.info("{}: {} failed ({}); trying {}", chain.id, from.id(), error.getMessage(),
            member.id());
        chain.observer.providerFailover(chain.stage, from.id(), member.id(), error);
      }
      Member<SttProvider> m = member;
      PipelineClock.Timer t = chain.clock.schedule(() -> attempt.completeExceptionally(
          Failover.attemptTimedOut(Stage.STT, m.id(), chain.attemptTimeout, "transcript")),
          chain.attemptTimeout);
      synchronized (this) {
        timer = t;
      }
      attempt.whenComplete((transcript, e) -> ended(m, attempt, transcript, e));
      CompletableFuture<Transcript> call;
      try {
        call = Objects.requireNonNull((language.isEmpty()
            ? member.provider().transcribe(audio, mimeType)
            : member.provider().transcribe(audio, mimeType, language)),
            "transcribe returned null");
      } catch (RuntimeException e) {
        attempt.completeExceptionally(e);
        return;
      }
      call.whenComplete((transcript, e) -> {
        if (e != null) {
          attempt.completeExceptionally(e);
        } else {
          attempt.complete(transcript);
        }
      });
      // a timeout or cancel completes the attempt first: the provider's call is cancelled then
      attempt.whenComplete((v, e) -> {
        if (!call.isDone()) {
          call.cancel(true);
        }
      });
    }

    private void ended(Member<SttProvider> member, CompletableFuture<Transcript> attempt,
        Transcript transcript, Throwable e) {
      PipelineClock.Timer t;
      synchronized (this) {
        if (current != attempt) {
          return;
        }
        current = null;
        t = timer;
        timer = null;
      }
      if (t != null) {
        t.cancel();
      }
      if (result.isDone()) {
        return; // cancelled by the caller
      }
      if (e == null) {
        member.health().succeeded();
        chain.observer.providerServed(chain.stage, member.id());
        result.complete(transcript.provider().isEmpty() ? transcript.withProvider(member.id())
            : transcript);
        return;
      }
      OfficeHoursException error = Failover.asOfficeHours(Stage.STT, e);
      if (!chain.failsOver(error)) {
        result.completeExceptionally(error);
        return;
      }
      member.health().failed();
      next(member, error);
    }

    private void stopCurrent() {
      CompletableFuture<Transcript> attempt;
      synchronized (this) {
        attempt = current;
      }
      if (attempt != null) {
        attempt.cancel(true);
      }
    }
  }

  /** Builds a {@link FallbackStt}; every setter checks its argument at once. */
  public static final class Builder extends ChainBuilder<SttProvider, Builder> {

    private Builder(List<? extends SttProvider> providers) {
      super(new Settings<>(Stage.STT, providers, SttProvider::id, DEFAULT_ATTEMPT_TIMEOUT,
          FallbackStt::probe));
    }

    /**
     * Builds the chain.
     *
     * @return the chain, every provider healthy
     */
    public FallbackStt build() {
      return new FallbackStt(new Chain<>(settings));
    }
  }
}
