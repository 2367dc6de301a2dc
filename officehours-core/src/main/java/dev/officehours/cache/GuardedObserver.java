package dev.officehours.cache;

import dev.officehours.metrics.PipelineObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cache callbacks of an observer, with exceptions logged and swallowed: the caches call the
 * observer from store callbacks, where a throw would otherwise strand a lookup.
 */
final class GuardedObserver extends PipelineObserver {
  private static final Logger log = LoggerFactory.getLogger(GuardedObserver.class);
  private final PipelineObserver delegate;

  GuardedObserver(PipelineObserver delegate) {
    this.delegate = delegate;
  }

  @Override
  public void cacheHit(String cache) {
    try {
      delegate.cacheHit(cache);
    } catch (RuntimeException e) {
      log.warn("observer threw from cacheHit; ignored", e);
    }
  }

  @Override
  public void cacheMiss(String cache) {
    try {
      delegate.cacheMiss(cache);
    } catch (RuntimeException e) {
      log.warn("observer threw from cacheMiss; ignored", e);
    }
  }

  @Override
  public void cacheError(String cache) {
    try {
      delegate.cacheError(cache);
    } catch (RuntimeException e) {
      log.warn("observer threw from cacheError; ignored", e);
    }
  }
}
