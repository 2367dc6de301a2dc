package dev.officehours.redis;

import io.lettuce.core.RedisException;

/**
 * A command that was never sent: Redis is not connected yet, or it stopped answering and the
 * health gate fails commands fast until a probe gets an answer again. Raised at a high rate during
 * an outage, so it carries no stack trace.
 */
final class RedisUnavailableException extends RedisException {
  private static final long serialVersionUID = 1L;

  RedisUnavailableException(String message) {
    super(message);
  }

  @Override
  public synchronized Throwable fillInStackTrace() {
    return this;
  }
}
