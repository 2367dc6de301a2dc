package dev.officehours.fallback;

import dev.officehours.errors.OfficeHoursException;
import dev.officehours.metrics.PipelineObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The provider callbacks of an observer, with what they throw logged and ignored. */
final class GuardedObserver extends PipelineObserver {
  private static final Logger log = LoggerFactory.getLogger(GuardedObserver.class);
  private final PipelineObserver delegate;

  GuardedObserver(PipelineObserver delegate) {
    this.delegate = delegate;
  }

  @Override
  public void providerFailover(OfficeHoursException.Stage stage, String from, String to,
      OfficeHoursException reason) {
    try {
      delegate.providerFailover(stage, from, to, reason);
    } catch (RuntimeException e) {
      log.warn("observer threw from providerFailover; ignored", e);
    }
  }

  @Override
  public void providerServed(OfficeHoursException.Stage stage, String provider) {
    try {
      delegate.providerServed(stage, provider);
    } catch (RuntimeException e) {
      log.warn("observer threw from providerServed; ignored", e);
    }
  }

  @Override
  public void providerHealthChanged(OfficeHoursException.Stage stage, String provider,
      boolean healthy) {
    try {
      delegate.providerHealthChanged(stage, provider, healthy);
    } catch (RuntimeException e) {
      log.warn("observer threw from providerHealthChanged; ignored", e);
    }
  }
}
