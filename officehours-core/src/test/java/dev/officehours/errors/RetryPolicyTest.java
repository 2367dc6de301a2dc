package dev.officehours.errors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

  @ParameterizedTest(name = "HTTP {0} retryable: {1}")
  @CsvSource({"400,false", "401,false", "403,false", "404,false", "408,true", "409,true", "422,false",
      "429,true", "500,true", "502,true", "503,true", "504,true", "599,true"})
  void retriesOnlyStatusesThatMaySucceedLater(int status, boolean retryable) {
    assertEquals(retryable, RetryPolicy.isRetryableStatus(status));
  }

  @Test
  void backoffDoublesFromTheInitialWaitUpToTheCap() {
    RetryPolicy p = new RetryPolicy(3, Duration.ofMillis(500), Duration.ofSeconds(1));
    assertEquals(Duration.ofMillis(500), p.backoff(1, null));
    assertEquals(Duration.ofSeconds(1), p.backoff(2, null));
    assertEquals(Duration.ofSeconds(1), p.backoff(3, null));
  }

  @Test
  void theProvidersRetryAfterWinsOverTheBackoff() {
    assertEquals(Duration.ofMillis(1200), RetryPolicy.DEFAULT.backoff(1, Duration.ofMillis(1200)));
    assertEquals(Optional.of(Duration.ofMillis(1200)),
        RetryPolicy.DEFAULT.retryDelay(1, Duration.ofMillis(1200), Duration.ofSeconds(30)));
  }

  @Test
  void aProviderAskingForLongerThanTheLongestBackoffGetsNoRetry() {
    assertEquals(Optional.empty(),
        RetryPolicy.DEFAULT.retryDelay(1, Duration.ofMinutes(5), Duration.ofHours(1)));
    // Exactly the longest wait is still fine.
    assertEquals(Optional.of(Duration.ofSeconds(8)),
        RetryPolicy.DEFAULT.retryDelay(1, Duration.ofSeconds(8), Duration.ofHours(1)));
  }

  @Test
  void aWaitThatWouldNotEndBeforeTheDeadlineGetsNoRetry() {
    assertEquals(Optional.empty(),
        RetryPolicy.DEFAULT.retryDelay(1, Duration.ofSeconds(3), Duration.ofSeconds(2)));
    assertEquals(Optional.empty(), RetryPolicy.DEFAULT.retryDelay(1, null, Duration.ofMillis(500)));
    assertEquals(Optional.of(Duration.ofMillis(500)),
        RetryPolicy.DEFAULT.retryDelay(1, null, Duration.ofMillis(501)));
  }

  @Test
  void theBackoffWithoutAProvidersWordDoublesInRetryDelayToo() {
    RetryPolicy p = new RetryPolicy(3, Duration.ofMillis(100), Duration.ofSeconds(1));
    assertEquals(Optional.of(Duration.ofMillis(400)), p.retryDelay(3, null, Duration.ofMinutes(1)));
  }

  @Test
  void invalidPoliciesNameTheValue() {
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> new RetryPolicy(-1, Duration.ZERO, Duration.ZERO)).getMessage().contains("-1"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> new RetryPolicy(1, Duration.ofSeconds(2), Duration.ofSeconds(1))).getMessage().contains("maxBackoff"));
    assertFalse(RetryPolicy.NONE.maxRetries() > 0);
  }
}
