package dev.officehours.errors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ProviderExceptionTest {

  @Test
  void aProviderThatDoesNotCountReportsOneAttempt() {
    assertEquals(1, ProviderException.builder(OfficeHoursException.Stage.TTS, "failed").build()
        .attempts());
  }

  @Test
  void toBuilderCopiesEveryFieldAndTheCause() {
    IOException cause = new IOException("reset");
    ProviderException original = ProviderException.builder(OfficeHoursException.Stage.LLM,
            "chat completion failed")
        .status(429).errorType("requests").errorCode("rate_limit_exceeded")
        .providerMessage("Rate limit reached").retryable(true)
        .retryAfter(Duration.ofMillis(300)).attempts(2).cause(cause).build();

    ProviderException copy = original.toBuilder().attempts(3).build();
    assertEquals(original.getMessage(), copy.getMessage());
    assertEquals(original.stage(), copy.stage());
    assertEquals(original.status(), copy.status());
    assertEquals(original.errorType(), copy.errorType());
    assertEquals(original.errorCode(), copy.errorCode());
    assertEquals(original.providerMessage(), copy.providerMessage());
    assertEquals(original.retryable(), copy.retryable());
    assertEquals(original.retryAfter(), copy.retryAfter());
    assertSame(cause, copy.getCause());
    assertEquals(3, copy.attempts());
    assertEquals(2, original.attempts());
  }

  @Test
  void negativeAttemptsAreRejectedByName() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ProviderException.builder(OfficeHoursException.Stage.STT, "x").attempts(-1));
    assertTrue(e.getMessage().contains("attempts"), e.getMessage());
  }
}
