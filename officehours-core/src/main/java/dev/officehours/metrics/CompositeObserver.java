package dev.officehours.metrics;

import dev.officehours.errors.OfficeHoursException;
import dev.officehours.metrics.TurnOutcome;
import dev.officehours.tools.ToolStatus;
import java.time.Duration;
import java.util.List;

final class CompositeObserver extends PipelineObserver {
  private final List<PipelineObserver> observers;

  CompositeObserver(List<PipelineObserver> observers) {
    this.observers = observers;
  }

  @Override
  public void turnStarted(String sessionId, String turnId) {
    for (PipelineObserver o : observers) {
      o.turnStarted(sessionId, turnId);
    }
  }

  @Override
  public void llmFirstToken(Duration d, boolean fromCache) {
    for (PipelineObserver o : observers) {
      o.llmFirstToken(d, fromCache);
    }
  }

  @Override
  public void llmCompleted(Duration d, boolean fromCache) {
    for (PipelineObserver o : observers) {
      o.llmCompleted(d, fromCache);
    }
  }

  @Override
  public void ttsFirstByte(Duration d) {
    for (PipelineObserver o : observers) {
      o.ttsFirstByte(d);
    }
  }

  @Override
  public void ttsCompleted(Duration d, long bytes, boolean fromCache) {
    for (PipelineObserver o : observers) {
      o.ttsCompleted(d, bytes, fromCache);
    }
  }

  @Override
  public void turnFirstAudio(Duration d) {
    for (PipelineObserver o : observers) {
      o.turnFirstAudio(d);
    }
  }

  @Override
  public void toolCallEnded(String toolName, ToolStatus status, Duration duration) {
    for (PipelineObserver o : observers) {
      o.toolCallEnded(toolName, status, duration);
    }
  }

  @Override
  public void turnEnded(TurnOutcome outcome, Duration total) {
    for (PipelineObserver o : observers) {
      o.turnEnded(outcome, total);
    }
  }

  @Override
  public void error(OfficeHoursException.Stage stage, OfficeHoursException error) {
    for (PipelineObserver o : observers) {
      o.error(stage, error);
    }
  }

  @Override
  public void cacheHit(String cache) {
    for (PipelineObserver o : observers) {
      o.cacheHit(cache);
    }
  }

  @Override
  public void cacheMiss(String cache) {
    for (PipelineObserver o : observers) {
      o.cacheMiss(cache);
    }
  }

  @Override
  public void cacheError(String cache) {
    for (PipelineObserver o : observers) {
      o.cacheError(cache);
    }
  }

  @Override
  public void llmFirstAnswerToken(Duration d, boolean fromCache) {
    for (PipelineObserver o : observers) {
      o.llmFirstAnswerToken(d, fromCache);
    }
  }

  @Override
  public void providerFailover(OfficeHoursException.Stage stage, String from, String to,
      OfficeHoursException reason) {
    for (PipelineObserver o : observers) {
      o.providerFailover(stage, from, to, reason);
    }
  }

  @Override
  public void providerServed(OfficeHoursException.Stage stage, String provider) {
    for (PipelineObserver o : observers) {
      o.providerServed(stage, provider);
    }
  }

  @Override
  public void providerHealthChanged(OfficeHoursException.Stage stage, String provider,
      boolean healthy) {
    for (PipelineObserver o : observers) {
      o.providerHealthChanged(stage, provider, healthy);
    }
  }

  @Override
  public void sttCompleted(Duration d) {
    for (PipelineObserver o : observers) {
      o.sttCompleted(d);
    }
  }
}
