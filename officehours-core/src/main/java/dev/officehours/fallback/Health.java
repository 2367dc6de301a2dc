package dev.officehours.fallback;

import dev.officehours.PipelineClock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether one provider of a chain is worth trying: healthy until it fails {@code unhealthyAfter}
 * times in a row, then skipped and probed every {@code probeInterval} until a probe (or a call
 * made while every provider was unhealthy) succeeds. Shared by every view of the chain.
 */
final class Health<P> {
  private static final Logger log = LoggerFactory.getLogger(Health.class);

  private final Chain<P> chain;
  private final String id;
  /** The provider probed: the undecorated one, so a cache hit never passes for health. */
  private final P target;
  private int failures;
  private boolean healthy = true;
  private boolean closed;
  private PipelineClock.Timer probeTimer;
  private CompletableFuture<?> probing;

  Health(Chain<P> chain, String id, P target) {
    this.chain = chain;
    this.id = id;
    this.target = target;
  }

  synchronized boolean healthy() {
    return healthy;
  }

  /** A call or probe got its first token, byte or transcript. */
  void succeeded() {
    boolean recovered;
    synchronized (this) {
      failures = 0;
      recovered = !healthy;
      healthy = true;
      stopProbing();
    }
    if (recovered) {
      log.info("provider {} of {} is healthy again", id, chain.id);
      chain.observer.providerHealthChanged(chain.stage, id, true);
    }
  }

  /** A call failed in a way that is the provider's fault. */
  void failed() {
    boolean fell;
    synchronized (this) {
      failures++;
      fell = healthy && failures >= chain.unhealthyAfter;
      if (fell) {
        healthy = false;
        scheduleProbe();
      }
    }
    if (fell) {
      log.warn("provider {} of {} failed {} times in a row: skipping it and probing it every {} ms",
          id, chain.id, chain.unhealthyAfter, chain.probeInterval.toMillis());
      chain.observer.providerHealthChanged(chain.stage, id, false);
    }
  }

  synchronized void close() {
    closed = true;
    stopProbing();
  }

  /** Under the lock. */
  private void scheduleProbe() {
    if (!closed && probeTimer == null) {
      probeTimer = chain.clock.schedule(this::probe, chain.probeInterval);
    }
  }

  /** Under the lock. */
  private void stopProbing() {
    if (probeTimer != null) {
      probeTimer.cancel();
      probeTimer = null;
    }
    if (probing != null) {
      probing.cancel(true);
      probing = null;
    }
  }

  private void probe() {
    synchronized (this) {
      probeTimer = null;
      if (healthy || closed) {
        return;
      }
    }
    CompletableFuture<?> result;
    try {
      result = chain.probe.apply(target);
      if (result == null) {
        throw new IllegalStateException("the probe returned null");
      }
    } catch (RuntimeException e) {
      probeEnded(e);
      return;
    }
    AtomicBoolean over = new AtomicBoolean();
    PipelineClock.Timer timeout = chain.clock.schedule(() -> {
      if (over.compareAndSet(false, true)) {
        result.cancel(true);
        probeEnded(new IllegalStateException("no answer within " + chain.attemptTimeout.toMillis()
            + " ms (setting: attemptTimeout)"));
      }
    }, chain.attemptTimeout);
    synchronized (this) {
      probing = result;
    }
    result.whenComplete((v, e) -> {
      if (over.compareAndSet(false, true)) {
        timeout.cancel();
        if (e == null) {
          succeeded();
        } else {
          probeEnded(e);
        }
      }
    });
  }

  private void probeEnded(Throwable error) {
    synchronized (this) {
      probing = null;
      if (healthy || closed) {
        return;
      }
      scheduleProbe();
    }
    log.debug("probe of provider {} of {} failed: {}", id, chain.id, error.toString());
  }
}
