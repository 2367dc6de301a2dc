package dev.officehours.fallback;

import dev.officehours.PipelineClock;
import dev.officehours.errors.OfficeHoursException;
import dev.officehours.metrics.PipelineObserver;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The settings every fallback chain's builder shares ({@link FallbackLlm.Builder},
 * {@link FallbackTts.Builder}, {@link FallbackStt.Builder}); every setter checks its argument at
 * once.
 *
 * @param <P> the kind of provider the chain is made of
 * @param <B> the concrete builder, returned by every setter
 */
public abstract class ChainBuilder<P, B extends ChainBuilder<P, B>> {
  final Settings<P> settings;

  ChainBuilder(Settings<P> settings) {
    this.settings = settings;
  }

  @SuppressWarnings("unchecked")
  private B self() {
    return (B) this;
  }

  /**
   * Names the chain, in cache keys and metrics.
   *
   * @param id a short stable id without secrets (default {@code fallback(<ids of the
   *     providers>)}); not blank
   * @return this builder
   * @throws IllegalArgumentException when {@code id} is blank
   */
  public B id(String id) {
    settings.id(id);
    return self();
  }

  /**
   * Sets how long a provider may take to its first token, audio byte or transcript before the
   * call moves on.
   *
   * @param attemptTimeout the wait (default: 10 s for an LLM, 2 s for TTS, 15 s for STT), in
   *     (0, 10 min]; also the time a probe may take
   * @return this builder
   * @throws IllegalArgumentException when {@code attemptTimeout} is outside (0, 10 min]
   */
  public B attemptTimeout(Duration attemptTimeout) {
    settings.attemptTimeout(attemptTimeout);
    return self();
  }

  /**
   * Sets how many failures in a row make a provider unhealthy (skipped, and probed).
   *
   * @param failures consecutive failures that are the provider's fault (default 3), 1..100
   * @return this builder
   * @throws IllegalArgumentException when {@code failures} is outside 1..100
   */
  public B unhealthyAfter(int failures) {
    settings.unhealthyAfter(failures);
    return self();
  }

  /**
   * Sets how often an unhealthy provider is probed.
   *
   * @param probeInterval the time between the end of one probe and the start of the next
   *     (default 10 s), in [100 ms, 1 day]
   * @return this builder
   * @throws IllegalArgumentException when {@code probeInterval} is outside [100 ms, 1 day]
   */
  public B probeInterval(Duration probeInterval) {
    settings.probeInterval(probeInterval);
    return self();
  }

  /**
   * Replaces the probe of an unhealthy provider: the default makes a tiny real call (a one-token
   * chat, "OK." spoken to its first byte, or 200 ms of silence transcribed).
   *
   * @param probe given the provider, starts a cheap call and returns its outcome: completed
   *     means healthy, failed means not yet; must not block
   * @return this builder
   */
  public B probe(Function<? super P, ? extends CompletableFuture<?>> probe) {
    settings.probe(probe);
    return self();
  }

  /**
   * Replaces the rule of which errors move a call to the next provider (and count against the
   * provider's health).
   *
   * @param failoverWhen true for an error worth another provider; the default says true for
   *     every error except an {@link dev.officehours.errors.InvalidRequestException}, a
   *     {@link dev.officehours.errors.TurnTimeoutException} and an HTTP 4xx other than 408, 409
   *     and 429
   * @return this builder
   */
  public B failoverWhen(Predicate<OfficeHoursException> failoverWhen) {
    settings.failoverWhen(failoverWhen);
    return self();
  }

  /**
   * Sets the clock of the attempt timeouts and probes.
   *
   * @param clock the clock (default {@link PipelineClock#system()}, served by one daemon timer
   *     thread shared by every chain); tests pass one they advance by hand
   * @return this builder
   */
  public B clock(PipelineClock clock) {
    settings.clock(clock);
    return self();
  }

  /**
   * Sets who hears of failovers, served calls and health changes.
   *
   * @param observer the observer (default {@link PipelineObserver#NONE}); pass the
   *     pipeline's, e.g. a {@code MicrometerObserver}
   * @return this builder
   */
  public B observer(PipelineObserver observer) {
    settings.observer(observer);
    return self();
  }
}
