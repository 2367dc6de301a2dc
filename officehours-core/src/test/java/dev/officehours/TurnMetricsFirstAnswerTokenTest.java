package dev.officehours;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Time to first answer token in {@link TurnMetrics}, beside time to first token. */
class TurnMetricsFirstAnswerTokenTest {

  @Test
  void metricsMadeWithoutItTakeTheFirstTokenAsTheFirstAnswerToken() {
    TurnMetrics seven = new TurnMetrics(5_000_000, -1, 9_000_000, 0, 0, 0, 0);
    TurnMetrics ten = new TurnMetrics(5_000_000, -1, 9_000_000, 0, 0, 0, 0, 0, 0, 1);

    assertEquals(Optional.of(Duration.ofMillis(5)), seven.timeToFirstAnswerToken());
    assertEquals(Optional.of(Duration.ofMillis(5)), ten.timeToFirstAnswerToken());
  }

  @Test
  void aReasoningModelsFirstAnswerTokenComesAfterItsFirstToken() {
    TurnMetrics m = new TurnMetrics(5_000_000, -1, 9_000_000, 0, 0, 0, 0, 0, 0, 1, 7_000_000);

    assertEquals(Optional.of(Duration.ofMillis(5)), m.timeToFirstToken());
    assertEquals(Optional.of(Duration.ofMillis(7)), m.timeToFirstAnswerToken());
    assertTrue(m.toString().contains("ttfat=7.0ms"), m.toString());
  }

  @Test
  void noAnswerTokenIsEmpty() {
    TurnMetrics m = new TurnMetrics(5_000_000, -1, 9_000_000, 0, 0, 0, 0, 0, 0, 1, -1);

    assertEquals(Optional.empty(), m.timeToFirstAnswerToken());
  }
}
