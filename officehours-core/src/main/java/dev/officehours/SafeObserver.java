package dev.officehours;

import dev.officehours.metrics.PipelineObserver;
import dev.officehours.tools.ToolStatus;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import dev.officehours.errors.OfficeHoursException;
import dev.officehours.metrics.TurnOutcome;

/** Keeps an observer that throws (an {@code Error} too) from hurting a turn: logged and ignored. */
final class SafeObserver extends PipelineObserver {
  private static final Logger log = LoggerFactory.getLogger(PipelineObserver.class);
  private final PipelineObserver delegate;

  SafeObserver(PipelineObserver delegate) {
    this.delegate = delegate;
  }

  private static void failed(String method, Throwable e) {
    log.warn("PipelineObserver.{} threw; ignored", method, e);
  }

  @Override
  public void turnStarted(String sessionId, String turnId) {
    try {
      delegate.turnStarted(sessionId, turnId);
    } catch (Throwable e) {
      failed("turnStarted", e);
    }
  }

  @Override
  public void llmFirstToken(Duration d, boolean fromCache) {
    try {
      delegate.llmFirstToken(d, fromCache);
    } catch (Throwable e) {
      failed("llmFirstToken", e);
    }
  }

  @Override
  public void llmCompleted(Duration d, boolean fromCache) {
    try {
      delegate.llmCompleted(d, fromCache);
    } catch (Throwable e) {
      failed("llmCompleted", e);
    }
  }

  @Override
  public void ttsFirstByte(Duration d) {
    try {
      delegate.ttsFirstByte(d);
    } catch (Throwable e) {
      failed("ttsFirstByte", e);
    }
  }

  @Override
  public void ttsCompleted(Duration d, long bytes, boolean fromCache) {
    try {
      delegate.ttsCompleted(d, bytes, fromCache);
    } catch (Throwable e) {
      failed("ttsCompleted", e);
    }
  }

  @Override
  public void turnFirstAudio(Duration d) {
    try {
      delegate.turnFirstAudio(d);
    } catch (Throwable e) {
      failed("turnFirstAudio", e);
    }
  }

  @Override
  public void toolCallEnded(String toolName, ToolStatus status, Duration duration) {
    try {
      delegate.toolCallEnded(toolName, status, duration);
    } catch (Throwable e) {
      failed("toolCallEnded", e);
    }
  }

  @Override
  public void turnEnded(TurnOutcome outcome, Duration total) {
    try {
      delegate.turnEnded(outcome, total);
    } catch (Throwable e) {
      failed("turnEnded", e);
    }
  }

  @Override
  public void error(OfficeHoursException.Stage stage, OfficeHoursException error) {
    try {
      delegate.error(stage, error);
    } catch (Throwable e) {
      failed("error", e);
    }
  }

  @Override
  public void cacheHit(String cache) {
    try {
      delegate.cacheHit(cache);
    } catch (Throwable e) {
      failed("cacheHit", e);
    }
  }

  @Override
  public void cacheMiss(String cache) {
    try {
      delegate.cacheMiss(cache);
    } catch (Throwable e) {
      failed("cacheMiss", e);
    }
  }

  @Override
  public void cacheError(String cache) {
    try {
      delegate.cacheError(cache);
    } catch (Throwable e) {
      failed("cacheError", e);
    }
  }

  @Override
  public void llmFirstAnswerToken(Duration d, boolean fromCache) {
    try {
      delegate.llmFirstAnswerToken(d, fromCache);
    } catch (Throwable e) {
      failed("llmFirstAnswerToken", e);
    }
  }

  @Override
  public void providerFailover(OfficeHoursException.Stage stage, String from, String to,
      OfficeHoursException reason) {
    try {
      delegate.providerFailover(stage, from, to, reason);
    } catch (Throwable e) {
      failed("providerFailover", e);
    }
  }

  @Override
  public void providerServed(OfficeHoursException.Stage stage, String provider) {
    try {
      delegate.providerServed(stage, provider);
    } catch (Throwable e) {
      failed("providerServed", e);
    }
  }

  @Override
  public void providerHealthChanged(OfficeHoursException.Stage stage, String provider,
      boolean healthy) {
    try {
      delegate.providerHealthChanged(stage, provider, healthy);
    } catch (Throwable e) {
      failed("providerHealthChanged", e);
    }
  }

  @Override
  public void sttCompleted(Duration d) {
    try {
      delegate.sttCompleted(d);
    } catch (Throwable e) {
      failed("sttCompleted", e);
    }
  }
}
